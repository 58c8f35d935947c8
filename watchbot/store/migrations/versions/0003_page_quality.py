"""page quality: the OCR mean word confidence of each page

Revision ID: 0003
Revises: 0005
Create Date: 2026-12-01 06:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0005'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, never a batch copy of `pages`: that would lose its full-text triggers (see 0005).
def upgrade() -> None:
    op.add_column('pages', sa.Column('quality', sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column('pages', 'quality')
