"""documents without HTTP validators: a known RAA is never downloaded again, so its ETag and
Last-Modified were never used

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 07:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite >= 3.35), not a batch copy of the table: dropping the old
    # table failed with "database table is locked" right after 0007 had indexed existing pages
    op.drop_column('documents', 'last_modified')
    op.drop_column('documents', 'etag')


def downgrade() -> None:
    op.add_column('documents', sa.Column('etag', sa.Text(), nullable=True))
    op.add_column('documents', sa.Column('last_modified', sa.Text(), nullable=True))
