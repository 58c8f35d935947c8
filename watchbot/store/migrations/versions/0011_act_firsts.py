"""the first copy of each act (act_firsts), kept by triggers, for counting distinct acts fast

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 14:30:00

An act republished in several RAA has one key; `watchbot stats` and `watchbot export` count it once, as
published in its first RAA: among its copies matched in a category, the earliest published (dated before
undated), the first stored among those published the same day. act_firsts holds that copy, one row per key
with a matched copy, with the values counted by (its RAA's date and source, its kind and period), so that a
count reads one narrow table instead of searching every act's copies.

Triggers keep it right whatever writes: a match stored or deleted (a reading, a reclassification), an act
deleted (with its document) or its facts changed, a document's date changed. Each recomputes the keys it
touches. On PostgreSQL the recomputation first takes a transaction-level advisory lock, so that two writers
storing copies of one key at once (backfill workers) see each other's copy: the second waits for the first to
commit, then reads it. One lock for all keys (a transaction holds it until it commits, and a reading's
transaction is short): one per key would overflow the lock table on a bulk write and could deadlock.

stats_cells: the counts of the first copies by month of their RAA, per category ('' for all) and per value of
one dimension (facet '' for none; value '' for an act without one), with the union of their periods; a summary
`watchbot stats` reads instead of the acts, built by watchbot.store.summary. stats_stale: the months whose cells
are out of date, marked by triggers on act_firsts and act_facets in the writer's transaction; a count computes
them afresh from act_firsts until summary.refresh() rebuilds their cells.

The tables are filled here for the acts already stored (every month stale). No table is recreated:
browse_facts (0010) stays.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# The first copies of the keys chosen by {where} ('' for all): delete theirs, then insert them again.
RANKED = """SELECT acts.id, acts.key, documents.published, documents.source_code, acts.kind, acts.period_start,
    acts.period_end, row_number() OVER (PARTITION BY acts.key
        ORDER BY documents.published IS NULL, documents.published, acts.id) AS rank
    FROM acts JOIN documents ON documents.id = acts.document_id
    WHERE EXISTS (SELECT 1 FROM matches WHERE matches.act_id = acts.id) {where}"""
FILL = f"""INSERT INTO act_firsts (act_id, key, published, source_code, kind, period_start, period_end)
    SELECT id, key, published, source_code, kind, period_start, period_end FROM ({RANKED}) AS ranked
    WHERE rank = 1"""
MONTHS = {"sqlite": "coalesce(strftime('%Y-%m', {0}), '')", "postgresql": "coalesce(to_char({0}, 'YYYY-MM'), '')"}
FACTS = "key, document_id, kind, period_start, period_end"  # the columns of acts act_firsts depends on


def _refresh(keys: str) -> str:
    """The statements recomputing the first copies of the keys that `keys` (a SQL list or subquery) gives."""
    return (f"DELETE FROM act_firsts WHERE key IN ({keys}); "
            f"{FILL.format(where=f'AND acts.key IN ({keys})')};")


SQLITE_STALE = "INSERT OR IGNORE INTO stats_stale (month) {0};"
SQLITE_TRIGGERS = {
    "act_firsts_match_stored": ("AFTER INSERT ON matches", "SELECT key FROM acts WHERE id = NEW.act_id"),
    "act_firsts_match_deleted": ("AFTER DELETE ON matches", "SELECT key FROM acts WHERE id = OLD.act_id"),
    "act_firsts_act_deleted": ("AFTER DELETE ON acts", "OLD.key"),
    "act_firsts_act_changed": (f"AFTER UPDATE OF {FACTS} ON acts", "OLD.key, NEW.key"),
    "act_firsts_document_changed": ("AFTER UPDATE OF published, source_code ON documents",
                                    "SELECT key FROM acts WHERE document_id = NEW.id"),
}
SQLITE_MARKS = {  # the months made stale
    "stats_stale_first_stored": ("AFTER INSERT ON act_firsts", "SELECT {month}".format(month=MONTHS["sqlite"].format(
        "NEW.published"))),
    "stats_stale_first_deleted": ("AFTER DELETE ON act_firsts", "SELECT {month}".format(month=MONTHS["sqlite"].format(
        "OLD.published"))),
    "stats_stale_facet_stored": ("AFTER INSERT ON act_facets", "SELECT {month} FROM act_firsts WHERE act_id = "
                                 "NEW.act_id".format(month=MONTHS["sqlite"].format("published"))),
    "stats_stale_facet_deleted": ("AFTER DELETE ON act_facets", "SELECT {month} FROM act_firsts WHERE act_id = "
                                  "OLD.act_id".format(month=MONTHS["sqlite"].format("published"))),
}

WRITERS_LOCK = 0x66697273  # "firs": PostgreSQL's advisory lock of act_firsts' writers, until their commit
POSTGRESQL_FUNCTIONS = {
    "act_firsts_refresh(keys text[]) RETURNS void": f"""BEGIN
        PERFORM pg_advisory_xact_lock({WRITERS_LOCK});
        {_refresh("SELECT unnest(keys)")}
    END""",
    "act_firsts_matches_changed() RETURNS trigger": """BEGIN
        PERFORM act_firsts_refresh(ARRAY(SELECT acts.key FROM changed JOIN acts ON acts.id = changed.act_id));
        RETURN NULL;
    END""",
    "act_firsts_acts_deleted() RETURNS trigger": """BEGIN
        PERFORM act_firsts_refresh(ARRAY(SELECT key FROM changed));
        RETURN NULL;
    END""",
    "act_firsts_act_changed() RETURNS trigger": """BEGIN
        PERFORM act_firsts_refresh(ARRAY[OLD.key, NEW.key]);
        RETURN NULL;
    END""",
    "stats_stale_first_changed() RETURNS trigger": f"""BEGIN
        INSERT INTO stats_stale (month) SELECT DISTINCT {MONTHS["postgresql"].format("published")} FROM changed
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END""",
    "stats_stale_facets_changed() RETURNS trigger": f"""BEGIN
        INSERT INTO stats_stale (month) SELECT DISTINCT {MONTHS["postgresql"].format("published")}
        FROM changed JOIN act_firsts ON act_firsts.act_id = changed.act_id ON CONFLICT DO NOTHING;
        RETURN NULL;
    END""",
    "act_firsts_document_changed() RETURNS trigger": """BEGIN
        PERFORM act_firsts_refresh(ARRAY(SELECT key FROM acts WHERE document_id = NEW.id));
        RETURN NULL;
    END""",
}
# Statement triggers with transition tables for the bulk writes (a reading stores its matches in one statement).
POSTGRESQL_TRIGGERS = {
    "act_firsts_match_stored": "AFTER INSERT ON matches REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
                               "EXECUTE FUNCTION act_firsts_matches_changed()",
    "act_firsts_match_deleted": "AFTER DELETE ON matches REFERENCING OLD TABLE AS changed FOR EACH STATEMENT "
                                "EXECUTE FUNCTION act_firsts_matches_changed()",
    "act_firsts_act_deleted": "AFTER DELETE ON acts REFERENCING OLD TABLE AS changed FOR EACH STATEMENT "
                              "EXECUTE FUNCTION act_firsts_acts_deleted()",
    "act_firsts_act_changed": f"AFTER UPDATE OF {FACTS} ON acts FOR EACH ROW EXECUTE FUNCTION act_firsts_act_changed()",
    "act_firsts_document_changed": "AFTER UPDATE OF published, source_code ON documents FOR EACH ROW "
                                   "EXECUTE FUNCTION act_firsts_document_changed()",
    "stats_stale_first_stored": "AFTER INSERT ON act_firsts REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
                                "EXECUTE FUNCTION stats_stale_first_changed()",
    "stats_stale_first_deleted": "AFTER DELETE ON act_firsts REFERENCING OLD TABLE AS changed FOR EACH STATEMENT "
                                 "EXECUTE FUNCTION stats_stale_first_changed()",
    "stats_stale_facet_stored": "AFTER INSERT ON act_facets REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
                                "EXECUTE FUNCTION stats_stale_facets_changed()",
    "stats_stale_facet_deleted": "AFTER DELETE ON act_facets REFERENCING OLD TABLE AS changed FOR EACH STATEMENT "
                                 "EXECUTE FUNCTION stats_stale_facets_changed()",
}
TABLES = {"act_firsts_match_stored": "matches", "act_firsts_match_deleted": "matches",
          "act_firsts_act_deleted": "acts", "act_firsts_act_changed": "acts",
          "act_firsts_document_changed": "documents", "stats_stale_first_stored": "act_firsts",
          "stats_stale_first_deleted": "act_firsts", "stats_stale_facet_stored": "act_facets",
          "stats_stale_facet_deleted": "act_facets"}


def upgrade() -> None:
    op.create_table(
        'act_firsts',
        sa.Column('act_id', sa.Integer(), sa.ForeignKey('acts.id', ondelete='CASCADE'), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('published', sa.Date(), nullable=True),
        sa.Column('source_code', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=True),
        sa.Column('period_start', sa.Date(), nullable=True),
        sa.Column('period_end', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('act_id'),
        sa.UniqueConstraint('key', name='uq_act_firsts_key'),
    )
    op.create_table(
        'stats_cells',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('category', sa.String(length=80), nullable=False),
        sa.Column('facet', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=80), nullable=False),
        sa.Column('acts', sa.Integer(), nullable=False),
        sa.Column('periods', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'category', 'facet', 'value'),
    )
    op.create_table('stats_stale', sa.Column('month', sa.String(length=7), nullable=False),
                    sa.PrimaryKeyConstraint('month'))
    op.execute(FILL.format(where=""))
    dialect = op.get_bind().dialect.name
    op.execute(f"INSERT INTO stats_stale (month) SELECT DISTINCT {MONTHS[dialect].format('published')} FROM act_firsts")
    if dialect == 'postgresql':
        for signature, body in POSTGRESQL_FUNCTIONS.items():
            op.execute(f"CREATE FUNCTION {signature} LANGUAGE plpgsql AS $$ {body} $$")
        for name, definition in POSTGRESQL_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")
    else:
        for name, (event, keys) in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {event} FOR EACH ROW BEGIN {_refresh(keys)} END")
        for name, (event, months) in SQLITE_MARKS.items():
            op.execute(f"CREATE TRIGGER {name} {event} FOR EACH ROW BEGIN {SQLITE_STALE.format(months)} END")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for name, table in TABLES.items():
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
    if postgresql:
        for signature in POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP FUNCTION {signature.split(' RETURNS')[0]}")
    op.drop_table('stats_stale')
    op.drop_table('stats_cells')
    op.drop_table('act_firsts')
