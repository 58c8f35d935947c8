"""documents.backfill: a document handed to the task engine by `watchbot backfill`, read by a worker and
never posted

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('documents', sa.Column('backfill', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('documents', 'backfill')
