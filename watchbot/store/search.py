"""Search the stored acts by the words of their pages, on SQLite (FTS5) and PostgreSQL alike.

The index (migration 0007) covers the text of every stored page, titles included since an act's
title is printed on its pages. A page found is reported through the acts that span it; an act is
reported once, through its best page. The same parsed query is written for each database
(watchbot.store.query), and both cut and fold words the same way, so both find the same acts;
only the order of `relevance` differs (bm25 against ts_rank).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

from alembic.script import ScriptDirectory
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session, selectinload

from watchbot.store import alembic_config, query as language
from watchbot.store.models import ActRow, DocumentRow, SourceRow

SORTS = ("relevance", "date")
MARK = ("[", "]")  # around each found word in a snippet
SNIPPET_WORDS = 24
# Best first on SQLite, only the best pages are looked at first (FTS5 ranks them without leaving the
# index): this many per act wanted. If they do not make enough acts, all the pages found are.
CANDIDATES_PER_RESULT = 50

INDEX_REVISION = "0007"  # the migration that makes the index
# Alembic must leave these alone when it compares the models with the database: migration 0007 made them.
SEARCH_TABLES = ("pages_fts", "pages_fts_config", "pages_fts_data", "pages_fts_docsize", "pages_fts_idx")
SEARCH_INDEXES = ("pages_text_search",)

HITS = {
    "sqlite": """SELECT pages.document_id, pages.number, candidates.score
        FROM (SELECT rowid, {score} AS score FROM pages_fts WHERE pages_fts MATCH :match {cap}) AS candidates
        JOIN pages ON pages.rowid = candidates.rowid""",
    "postgresql": """SELECT pages.document_id, pages.number, {score} AS score
        FROM pages, to_tsquery('watchbot_search', :match) AS wanted
        WHERE to_tsvector('simple', watchbot_search_words(pages.text)) @@ wanted""",
}
SCORES = {
    "sqlite": "rank",  # bm25
    "postgresql": "-ts_rank(to_tsvector('simple', watchbot_search_words(pages.text)), wanted)",
}
SNIPPETS = {
    "sqlite": f"""SELECT snippet(pages_fts, 0, '{MARK[0]}', '{MARK[1]}', '…', {SNIPPET_WORDS}) FROM pages_fts
        WHERE pages_fts MATCH :match
        AND pages_fts.rowid = (SELECT rowid FROM pages WHERE document_id = :document AND number = :page)""",
    "postgresql": f"""SELECT ts_headline('watchbot_search', text, to_tsquery('watchbot_search', :match),
        'StartSel={MARK[0]}, StopSel={MARK[1]}, MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2},
        MaxFragments=1, FragmentDelimiter=" … "')
        FROM pages WHERE document_id = :document AND number = :page""",
}


def unindexed_revision(engine) -> str:
    """The revision just before the index: a database as it was without search (benchmarks, tests)."""
    script = ScriptDirectory.from_config(alembic_config(engine)).get_revision(INDEX_REVISION)
    parent = script.down_revision if script else None
    if not isinstance(parent, str):
        raise ValueError(f"migration {INDEX_REVISION} has no single parent revision")
    return parent


def compared(name: str | None, type_: str, _parents) -> bool:
    """Alembic's include_name hook: everything but the full-text index."""
    if type_ == "table":
        return name not in SEARCH_TABLES
    if type_ == "index":
        return name not in SEARCH_INDEXES
    return True


@dataclass(frozen=True)
class Filters:
    categories: Sequence[str] = ()
    sources: Sequence[str] = ()
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class SearchHit:
    act: ActRow
    source_name: str
    page: int
    snippet: str

    @property
    def document(self) -> DocumentRow:
        return self.act.document

    @property
    def link(self) -> str:
        return f"{self.document.url}#page={self.page}"


def search(session: Session, query: str, filters: Filters = Filters(), limit: int = 20,
           sort: str = "relevance") -> list[SearchHit]:
    """The acts whose pages answer `query` (see watchbot.store.query), best first or newest first."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}: {' or '.join(SORTS)}")
    dialect = session.get_bind().dialect.name
    node = language.parse(query)
    match = language.fts5(node) if dialect == "sqlite" else language.tsquery(node)
    cap = limit * CANDIDATES_PER_RESULT if dialect == "sqlite" and sort == "relevance" else None
    found = session.execute(*_statement(dialect, match, filters, limit, sort, cap)).all()
    if cap and len(found) < limit:
        found = session.execute(*_statement(dialect, match, filters, limit, sort, None)).all()
    acts = {act.id: act for act in session.scalars(
        select(ActRow).where(ActRow.id.in_([act_id for act_id, _ in found]))
        .options(selectinload(ActRow.document), selectinload(ActRow.matches)))}
    names = dict(session.execute(select(SourceRow.code, SourceRow.name)).all())
    return [SearchHit(acts[act_id], names.get(acts[act_id].document.source_code, ""), page,
                _snippet(session, dialect, match, acts[act_id].document_id, page))
            for act_id, page in found]


def _statement(dialect: str, match: str, filters: Filters, limit: int, sort: str, cap: int | None):
    score = SCORES[dialect] if sort == "relevance" else "0"
    conditions, parameters = [], {"match": match, "limit": limit, "cap": cap}
    if filters.sources:
        conditions.append("documents.source_code IN :sources")
        parameters["sources"] = list(filters.sources)
    if filters.categories:
        conditions.append("EXISTS (SELECT 1 FROM matches WHERE matches.act_id = acts.id "
                          "AND matches.category IN :categories)")
        parameters["categories"] = list(filters.categories)
    if filters.since:
        conditions.append("documents.published >= :since")
        parameters["since"] = filters.since
    if filters.until:
        conditions.append("documents.published <= :until")
        parameters["until"] = filters.until
    order = "score, act_id" if sort == "relevance" else "published DESC NULLS LAST, act_id DESC"
    statement = text(f"""
        WITH hits AS ({HITS[dialect].format(score=score, cap="ORDER BY rank LIMIT :cap" if cap else "")}),
        ranked AS (
            SELECT acts.id AS act_id, hits.number AS page, hits.score, documents.published,
                row_number() OVER (PARTITION BY acts.id ORDER BY hits.score, hits.number) AS nth
            FROM hits
            JOIN acts ON acts.document_id = hits.document_id
                AND hits.number BETWEEN acts.first_page AND acts.last_page
            JOIN documents ON documents.id = acts.document_id
            WHERE {" AND ".join(conditions) or "1 = 1"})
        SELECT act_id, page FROM ranked WHERE nth = 1
        ORDER BY {order} LIMIT :limit""")
    for name in ("sources", "categories"):
        if name in parameters:
            statement = statement.bindparams(bindparam(name, expanding=True))
    return statement, parameters


def _snippet(session: Session, dialect: str, match: str, document_id: int, page: int) -> str:
    snippet = session.execute(text(SNIPPETS[dialect]),
                              {"match": match, "document": document_id, "page": page}).scalar_one()
    return " ".join(snippet.split())
