"""page quality: the OCR mean word confidence of each page

Revision ID: 0003
Revises: 0004
Create Date: 2026-12-01 06:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quality', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('quality')
