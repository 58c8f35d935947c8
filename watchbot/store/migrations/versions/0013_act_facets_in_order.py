"""ix_act_facets_in_order: an act's facets in the order of their positions, for the export's lists

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 18:15:00

`watchbot export` and the report's export files join each act's départements, purposes and operators in the
order of their positions. On SQLite each list is looked up by act (watchbot.store.export): with this index
holding every column the lookup reads, it reads the index alone, already in order, instead of the primary
key's index (ordered by value) then each row for its position, then a sort. On 1 million acts the SQLite
export statement takes about 5 s of CPU less; the index takes about 100 MB.
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_act_facets_in_order', 'act_facets', ['act_id', 'facet', 'position', 'value'])


def downgrade() -> None:
    op.drop_index('ix_act_facets_in_order', table_name='act_facets')
