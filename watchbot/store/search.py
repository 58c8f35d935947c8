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
from typing import Callable, Sequence

from alembic.script import ScriptDirectory
from sqlalchemy import Row, bindparam, select, text
from sqlalchemy.orm import Session, selectinload

from watchbot.core.models import Facts
from watchbot.store import alembic_config
from watchbot.store import query as language
from watchbot.store.models import ActRow, DocumentRow, SourceRow
from watchbot.store.records import facts_of

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
    """Each filter given narrows the acts; the values of one filter are alternatives."""

    categories: Sequence[str] = ()
    sources: Sequence[str] = ()
    since: date | None = None  # the RAA's publication
    until: date | None = None
    communes: Sequence[str] = ()  # INSEE codes: acts naming the commune, or a former commune now part of it
    departments: Sequence[str] = ()  # codes as the gazetteer writes them: 01, 2A, 971
    purposes: Sequence[str] = ()
    kinds: Sequence[str] = ()
    period_from: date | None = None  # acts whose period (its days known) overlaps [period_from, period_to]
    period_to: date | None = None


# Each list filter: its SQL condition, on its parameter's name.
LIST_CONDITIONS = {
    "sources": "documents.source_code IN :sources",
    "categories": "EXISTS (SELECT 1 FROM matches WHERE matches.act_id = acts.id AND matches.category IN :categories)",
    "communes": "EXISTS (SELECT 1 FROM act_communes WHERE act_communes.act_id = acts.id "
                "AND (act_communes.insee IN :communes OR act_communes.current_insee IN :communes))",
    "departments": "EXISTS (SELECT 1 FROM act_facets WHERE act_facets.act_id = acts.id "
                   "AND act_facets.facet = 'department' AND act_facets.value IN :departments)",
    "purposes": "EXISTS (SELECT 1 FROM act_facets WHERE act_facets.act_id = acts.id "
                "AND act_facets.facet = 'purpose' AND act_facets.value IN :purposes)",
    "kinds": "acts.kind IN :kinds",
}
DATE_CONDITIONS = {
    "since": "documents.published >= :since",
    "until": "documents.published <= :until",
    "period_from": "(acts.period_start IS NOT NULL OR acts.period_end IS NOT NULL) "
                   "AND (acts.period_end IS NULL OR acts.period_end >= :period_from)",
    "period_to": "(acts.period_start IS NOT NULL OR acts.period_end IS NOT NULL) "
                 "AND (acts.period_start IS NULL OR acts.period_start <= :period_to)",
}


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
    def facts(self) -> Facts | None:
        return facts_of(self.act)

    @property
    def link(self) -> str:
        return f"{self.document.url}#page={self.page}"


def search(session: Session, query: str | None, filters: Filters = Filters(), limit: int = 20,
           sort: str = "relevance") -> list[SearchHit]:
    """The acts whose pages answer `query` (see watchbot.store.query), best first or newest first; without a
    query, every act the filters let through, newest first."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}: {' or '.join(SORTS)}")
    if query is None:
        found = session.execute(*_listing(filters, limit)).all()
        return _hits(session, found, lambda act, page: "")
    dialect = session.get_bind().dialect.name
    node = language.parse(query)
    match = language.fts5(node) if dialect == "sqlite" else language.tsquery(node)
    cap = limit * CANDIDATES_PER_RESULT if dialect == "sqlite" and sort == "relevance" else None
    found = session.execute(*_statement(dialect, match, filters, limit, sort, cap)).all()
    if cap and len(found) < limit:
        found = session.execute(*_statement(dialect, match, filters, limit, sort, None)).all()
    return _hits(session, found, lambda act, page: _snippet(session, dialect, match, act.document_id, page))


def _hits(session: Session, found: Sequence[Row[int, int]],
          snippet: Callable[[ActRow, int], str]) -> list[SearchHit]:
    acts = {act.id: act for act in session.scalars(
        select(ActRow).where(ActRow.id.in_([act_id for act_id, _ in found]))
        .options(selectinload(ActRow.document), selectinload(ActRow.matches), selectinload(ActRow.communes),
                 selectinload(ActRow.facets)))}
    names = dict(session.execute(select(SourceRow.code, SourceRow.name)).all())
    return [SearchHit(acts[act_id], names.get(acts[act_id].document.source_code, ""), page,
                      snippet(acts[act_id], page))
            for act_id, page in found]


def _listing(filters: Filters, limit: int):
    conditions, parameters = _conditions(filters)
    parameters["limit"] = limit
    statement = text(f"""SELECT acts.id, coalesce(acts.first_page, 1) FROM acts
        JOIN documents ON documents.id = acts.document_id
        WHERE {" AND ".join(conditions) or "1 = 1"}
        ORDER BY documents.published DESC NULLS LAST, acts.id DESC LIMIT :limit""")
    return _expanding(statement, parameters), parameters


def _statement(dialect: str, match: str, filters: Filters, limit: int, sort: str, cap: int | None):
    score = SCORES[dialect] if sort == "relevance" else "0"
    conditions, parameters = _conditions(filters)
    parameters.update(match=match, limit=limit, cap=cap)
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
    return _expanding(statement, parameters), parameters


def _conditions(filters: Filters) -> tuple[list[str], dict]:
    conditions, parameters = [], {}
    for name, condition in (*LIST_CONDITIONS.items(), *DATE_CONDITIONS.items()):
        value = getattr(filters, name)
        if value:
            conditions.append(condition)
            parameters[name] = list(value) if name in LIST_CONDITIONS else value
    return conditions, parameters


def _expanding(statement, parameters: dict):
    for name in LIST_CONDITIONS:
        if name in parameters:
            statement = statement.bindparams(bindparam(name, expanding=True))
    return statement


def _snippet(session: Session, dialect: str, match: str, document_id: int, page: int) -> str:
    snippet = session.execute(text(SNIPPETS[dialect]),
                              {"match": match, "document": document_id, "page": page}).scalar_one()
    return " ".join(snippet.split())
