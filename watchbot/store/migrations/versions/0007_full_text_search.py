"""full-text search over page texts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:40:00

Both: an index from a page to the acts spanning it.

SQLite: an FTS5 index with external content (the `pages` table itself, by rowid, so the text is
not stored twice), folding case and accents (unicode61, remove_diacritics 2), kept in step by
triggers and built here for the pages already stored. A later batch migration that recreates
`pages` must recreate these triggers and rebuild the index (`INSERT INTO pages_fts(pages_fts)
VALUES ('rebuild')`), as must anyone who runs VACUUM, which may renumber the rowids.

PostgreSQL: a GIN expression index over the page text folded by watchbot_search_words()
(unaccent, then every run of non-alphanumeric characters made a space, as unicode61 splits words)
with the 'simple' configuration rather than 'french': French stemming would make PostgreSQL match
words SQLite does not, and the two must answer a query alike. The configuration watchbot_search
(simple, words through unaccent) parses queries and highlights snippets on the original text.
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE pages_fts USING fts5(text, content='pages', content_rowid='rowid', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER pages_fts_insert AFTER INSERT ON pages BEGIN "
    "INSERT INTO pages_fts (rowid, text) VALUES (new.rowid, new.text); END",
    "CREATE TRIGGER pages_fts_delete AFTER DELETE ON pages BEGIN "
    "INSERT INTO pages_fts (pages_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END",
    "CREATE TRIGGER pages_fts_update AFTER UPDATE ON pages BEGIN "
    "INSERT INTO pages_fts (pages_fts, rowid, text) VALUES ('delete', old.rowid, old.text); "
    "INSERT INTO pages_fts (rowid, text) VALUES (new.rowid, new.text); END",
    "INSERT INTO pages_fts (pages_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = ["DROP TRIGGER pages_fts_update", "DROP TRIGGER pages_fts_delete", "DROP TRIGGER pages_fts_insert",
               "DROP TABLE pages_fts"]

POSTGRESQL_UP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE FUNCTION watchbot_search_words(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    "$$ SELECT regexp_replace(public.unaccent('public.unaccent'::regdictionary, $1), '[^[:alnum:]]+', ' ', 'g') $$",
    "CREATE TEXT SEARCH CONFIGURATION watchbot_search (COPY = simple)",
    "ALTER TEXT SEARCH CONFIGURATION watchbot_search ALTER MAPPING FOR asciihword, asciiword, hword, "
    "hword_asciipart, hword_numpart, hword_part, numhword, numword, word WITH unaccent, simple",
    "CREATE INDEX pages_text_search ON pages USING gin "
    "(to_tsvector('simple'::regconfig, watchbot_search_words(text)))",
]
POSTGRESQL_DOWN = ["DROP INDEX pages_text_search", "DROP TEXT SEARCH CONFIGURATION watchbot_search",
                   "DROP FUNCTION watchbot_search_words(text)"]


def _statements(up: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return POSTGRESQL_UP if up else POSTGRESQL_DOWN
    raise NotImplementedError(f"full-text search is not available on {dialect}")


def upgrade() -> None:
    op.create_index("ix_acts_document_pages", "acts", ["document_id", "first_page", "last_page"])
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
    op.drop_index("ix_acts_document_pages", "acts")
