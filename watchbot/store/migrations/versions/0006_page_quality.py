"""page quality: the OCR mean word confidence of each page

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 06:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('pages', sa.Column('quality', sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column('pages', 'quality')
