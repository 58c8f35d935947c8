"""sources: the crawl's progress (closed-period pages read, pages a capped run left unread)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 06:35:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sources') as batch_op:
        batch_op.add_column(sa.Column('crawl_progress', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sources') as batch_op:
        batch_op.drop_column('crawl_progress')
