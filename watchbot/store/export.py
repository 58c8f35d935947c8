"""The open data (SPEC §10): one row per act, a republished act once (as published in its first RAA).

One streamed query: each act with its lists (communes, facets) joined with `;` by the database, in the order of
their positions. PostgreSQL aggregates each list table once (string_agg(… ORDER BY), grouped by act, merge-joined
to the acts); SQLite, which has no merge or hash join, looks each act's lists up by its key (group_concat over an
ordered subquery: SQLite before 3.44 has no ORDER BY in group_concat; it joins the subquery's rows as they come,
which a GROUP BY over many acts would not keep; the tests compare both databases).
The rows come as plain tuples, dates already as YYYY-MM-DD text (SQLite stores them so; PostgreSQL writes them
so) and the link built by the database: nothing is parsed or formatted per row in Python but the rare act of
several categories. Memory stays bounded whatever the archive's size: rows come a batch at a time, and no list of
every act is kept.
"""

from __future__ import annotations

from typing import Iterator

from sqlalchemy import text
from sqlalchemy.orm import Session

from watchbot.store.stats import FIRSTS

FIELDS = ("id", "reference", "title", "categories", "kind", "start", "end", "communes", "insee", "departments",
          "purposes", "operators", "cameras", "source", "raa", "published", "link")
DATES = ("start", "end", "published")  # YYYY-MM-DD text in the rows
CATEGORIES = FIELDS.index("categories")
BATCH = 10_000  # rows fetched at a time
LISTS = {  # each list column: its table, the value, the condition and the order
    "categories": ("matches", "DISTINCT category", "", "category"),  # sorted again below: collations differ
    "communes": ("act_communes", "name", "", "position"),
    "insee": ("act_communes", "insee", "", "position"),
    "departments": ("act_facets", "value", "AND facet = 'department'", "position"),
    "purposes": ("act_facets", "value", "AND facet = 'purpose'", "position"),
    "operators": ("act_facets", "value", "AND facet = 'operator'", "position"),
}
SQLITE_LIST = ("coalesce((SELECT group_concat(v, ';') FROM (SELECT {1} AS v FROM {0} WHERE act_id = firsts.id {2} "
               "ORDER BY {3})), '')")
POSTGRESQL_LIST = "string_agg({1}, ';' ORDER BY {3}){2}"
POSTGRESQL_GROUPS = {  # the list tables, each aggregated once by act, and its lists
    "matches": ["categories"], "act_communes": ["communes", "insee"],
    "act_facets": ["departments", "purposes", "operators"]}
DAY = {"sqlite": "{0}", "postgresql": "to_char({0}, 'YYYY-MM-DD')"}  # a date as YYYY-MM-DD text


def batches(session: Session) -> Iterator[list[tuple]]:
    """Each act matched in a category, in the order of its first RAA's publication, a batch of BATCH rows at a
    time: a tuple of the FIELDS' values each, lists joined with `;`, dates as YYYY-MM-DD."""
    result = session.connection().execution_options(stream_results=True).execute(
        statement(session.get_bind().dialect.name))
    while found := result.fetchmany(BATCH):
        yield [_sorted(row) if ";" in row[CATEGORIES] else tuple(row) for row in found]


def _sorted(row) -> tuple:
    """The row with its categories in order (each database sorts them by its own collation)."""
    return (*row[:CATEGORIES], ";".join(sorted(row[CATEGORIES].split(";"))), *row[CATEGORIES + 1:])


def statement(dialect: str):
    day = DAY[dialect].format
    lists, joins = _postgresql_lists() if dialect == "postgresql" else (
        {name: SQLITE_LIST.format(*parts) for name, parts in LISTS.items()}, "")
    return text(f"""SELECT acts.key, acts.ref, acts.title, {lists["categories"]}, acts.kind, {day("acts.period_start")},
            {day("acts.period_end")}, {lists["communes"]}, {lists["insee"]}, {lists["departments"]},
            {lists["purposes"]}, {lists["operators"]}, acts.cameras, documents.source_code, documents.title,
            {day("documents.published")}, documents.url || '#page=' || coalesce(acts.first_page, 1)
        FROM ({FIRSTS}) AS firsts JOIN acts ON acts.id = firsts.id JOIN documents ON documents.id = acts.document_id
        {joins} ORDER BY firsts.published IS NULL, firsts.published, firsts.id""")


def _postgresql_lists() -> tuple[dict[str, str], str]:
    """The list columns, and the joins of the list tables aggregated by act."""
    lists: dict[str, str] = {}
    joins: list[str] = []
    for table, names in POSTGRESQL_GROUPS.items():
        found = [f"{POSTGRESQL_LIST.format(table, value, condition and _filter(condition), order)} AS {name}"
                 for name in names for _, value, condition, order in [LISTS[name]]]
        joins.append(f"LEFT JOIN (SELECT act_id, {', '.join(found)} FROM {table} GROUP BY act_id) AS {table}_lists "
                     f"ON {table}_lists.act_id = firsts.id")
        lists |= {name: f"coalesce({table}_lists.{name}, '')" for name in names}
    return lists, " ".join(joins)


def _filter(condition: str) -> str:
    """" AND facet = 'x'" as an aggregate's " FILTER (WHERE facet = 'x')"."""
    return f" FILTER (WHERE {condition.removeprefix('AND ')})"
