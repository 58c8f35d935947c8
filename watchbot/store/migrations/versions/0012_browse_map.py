"""the view browse_map (SQLite only, for `watchbot browse`): an act's commune a row, with its coordinates,
which datasette-cluster-map draws on a map

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:00:00

The coordinates are those act_communes has had since 0010, from the gazetteer when the facts are stored.
Like browse_facts (0010), a later batch migration that recreates `acts`, `act_communes`, `matches`,
`documents` or `sources` on SQLite must drop this view first and create it again.
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BROWSE_MAP = """CREATE VIEW browse_map AS
SELECT act_communes.name AS "Commune", act_communes.insee AS "INSEE", act_communes.department AS "Département",
    (SELECT json_group_array(category) FROM (SELECT DISTINCT category FROM matches
        WHERE matches.act_id = acts.id ORDER BY category)) AS "Catégories",
    acts.ref AS "Acte", acts.title AS "Titre", acts.kind AS "Type", acts.period_start AS "Du",
    acts.period_end AS "Au", sources.name AS "Préfecture", documents.published AS "Date du RAA",
    documents.url || '#page=' || coalesce(acts.first_page, 1) AS "Lien", acts.id AS "Numéro",
    act_communes.latitude AS "latitude", act_communes.longitude AS "longitude"
FROM act_communes JOIN acts ON acts.id = act_communes.act_id JOIN documents ON documents.id = acts.document_id
    JOIN sources ON sources.code = documents.source_code
WHERE act_communes.latitude IS NOT NULL AND act_communes.longitude IS NOT NULL"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(BROWSE_MAP)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP VIEW browse_map")
