"""page quality: the OCR mean word confidence of each page

Revision ID: 0003
Revises: 0006
Create Date: 2026-12-01 06:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('pages', sa.Column('quality', sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column('pages', 'quality')
