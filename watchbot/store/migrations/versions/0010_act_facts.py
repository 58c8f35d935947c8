"""the facts of each act (SPEC §9): its one-valued facts as columns of acts, its communes in act_communes,
its purposes, operators and départements in act_facets

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:00:00

`times` and `places` are JSON lists of strings. The acts stored before have no facts (kind NULL) until
`watchbot reclassify` reads them from their stored pages. act_facets holds one row per (act, facet, value),
so that counting acts by purpose, operator or département is a GROUP BY over the index
(facet, value, act_id); act_communes is counted by its (insee, act_id) index.

SQLite only, for `watchbot browse` (Datasette facets on tables and views, not on queries): the view
browse_facts, an act with facts a row, its many-valued facts as JSON arrays. A later batch migration that
recreates `acts`, `act_communes` or `act_facets` on SQLite must drop this view first and create it again.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

ACT_COLUMNS: list[sa.Column] = [
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('times', sa.Text(), nullable=True),
    sa.Column('scope', sa.String(length=16), nullable=True),
    sa.Column('places', sa.Text(), nullable=True),
    sa.Column('cameras', sa.Integer(), nullable=True),
]



def _values(facet: str) -> str:
    return (f"(SELECT json_group_array(value) FROM (SELECT value FROM act_facets WHERE act_facets.act_id = acts.id "
            f"AND facet = '{facet}' ORDER BY position))")


BROWSE_VIEW = f"""CREATE VIEW browse_facts AS
SELECT acts.id AS "Numéro", documents.published AS "Date du RAA", sources.name AS "Préfecture",
    acts.ref AS "Acte", acts.title AS "Titre", acts.kind AS "Type", acts.period_start AS "Du",
    acts.period_end AS "Au", (SELECT group_concat(label, ', ') FROM (SELECT name || ' (' || department || ')' AS label
        FROM act_communes WHERE act_communes.act_id = acts.id ORDER BY position)) AS "Communes",
    {_values('department')} AS "Départements", {_values('purpose')} AS "Finalités",
    {_values('operator')} AS "Opérateurs", acts.cameras AS "Caméras",
    documents.url || '#page=' || coalesce(acts.first_page, 1) AS "Lien"
FROM acts JOIN documents ON documents.id = acts.document_id JOIN sources ON sources.code = documents.source_code
WHERE acts.kind IS NOT NULL"""


def upgrade() -> None:
    with op.batch_alter_table('acts') as batch:
        for column in ACT_COLUMNS:
            batch.add_column(column)
        batch.create_index('ix_acts_kind', ['kind'])
        batch.create_index('ix_acts_period', ['period_start', 'period_end'])
    op.create_table(
        'act_communes',
        sa.Column('act_id', sa.Integer(), sa.ForeignKey('acts.id', ondelete='CASCADE'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('insee', sa.String(length=5), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('department', sa.String(length=3), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('current_insee', sa.String(length=5), nullable=True),
        sa.Column('commune_kind', sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint('act_id', 'position'),
    )
    op.create_index('ix_act_communes_insee', 'act_communes', ['insee', 'act_id'])
    op.create_table(
        'act_facets',
        sa.Column('act_id', sa.Integer(), sa.ForeignKey('acts.id', ondelete='CASCADE'), nullable=False),
        sa.Column('facet', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=40), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('act_id', 'facet', 'value'),
    )
    op.create_index('ix_act_facets_value', 'act_facets', ['facet', 'value', 'act_id'])
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(BROWSE_VIEW)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP VIEW browse_facts")
    op.drop_index('ix_act_facets_value', 'act_facets')
    op.drop_table('act_facets')
    op.drop_index('ix_act_communes_insee', 'act_communes')
    op.drop_table('act_communes')
    with op.batch_alter_table('acts') as batch:
        batch.drop_index('ix_acts_period')
        batch.drop_index('ix_acts_kind')
        for column in reversed(ACT_COLUMNS):
            batch.drop_column(column.name)
