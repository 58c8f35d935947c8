"""The open data (SPEC §10): one row per act, a republished act once (as published in its first RAA).

One streamed query: each act with its lists (communes, facets) joined with `;` by the database, in the order of
their positions: PostgreSQL's string_agg(… ORDER BY), SQLite's group_concat over an ordered subquery (SQLite before
3.44 has no ORDER BY in group_concat; it joins the subquery's rows as they come; the tests compare both databases).
Memory stays bounded whatever the archive's size: no per-act lookups, no list of every act."""

from __future__ import annotations

from typing import Iterator

from sqlalchemy import Date, Integer, String, column, text
from sqlalchemy.orm import Session

from watchbot.store.stats import FIRSTS

FIELDS = ("id", "reference", "title", "categories", "kind", "start", "end", "communes", "insee", "departments",
          "purposes", "operators", "cameras", "source", "raa", "published", "link")
BATCH = 2000  # rows fetched at a time
LISTS = {  # each list column: its table, the value, the condition and the order
    "categories": ("matches", "DISTINCT category", "", "category"),  # sorted again below: collations differ
    "communes": ("act_communes", "name", "", "position"),
    "insee": ("act_communes", "insee", "", "position"),
    "departments": ("act_facets", "value", "AND facet = 'department'", "position"),
    "purposes": ("act_facets", "value", "AND facet = 'purpose'", "position"),
    "operators": ("act_facets", "value", "AND facet = 'operator'", "position"),
}
JOINED = {
    "sqlite": "coalesce((SELECT group_concat(v, ';') FROM (SELECT {1} AS v FROM {0} "
              "WHERE act_id = firsts.id {2} ORDER BY {3})), '')",
    "postgresql": "coalesce((SELECT string_agg({1}, ';' ORDER BY {3}) FROM {0} "
                  "WHERE act_id = firsts.id {2}), '')",
}


def rows(session: Session) -> Iterator[dict]:
    """Each act matched in a category, in the order of its first RAA's publication; lists joined with `;`."""
    result = session.execute(_statement(session.get_bind().dialect.name).execution_options(yield_per=BATCH))
    for found in result:
        values = dict(zip(FIELDS[:-1], found[:-2], strict=True))
        if ";" in values["categories"]:
            values["categories"] = ";".join(sorted(values["categories"].split(";")))
        values["link"] = f"{found[-2]}#page={found[-1] or 1}"
        yield values


def _statement(dialect: str):
    lists = {name: JOINED[dialect].format(*parts) for name, parts in LISTS.items()}
    return text(f"""SELECT acts.key, acts.ref, acts.title, {lists["categories"]}, acts.kind, acts.period_start,
            acts.period_end, {lists["communes"]}, {lists["insee"]}, {lists["departments"]}, {lists["purposes"]},
            {lists["operators"]}, acts.cameras, documents.source_code, documents.title, documents.published,
            documents.url, acts.first_page
        FROM ({FIRSTS}) AS firsts JOIN acts ON acts.id = firsts.id JOIN documents ON documents.id = acts.document_id
        ORDER BY firsts.published IS NULL, firsts.published, firsts.id""").columns(
        *(column(name, Date if name in ("start", "end", "published") else Integer if name == "cameras" else String)
          for name in FIELDS[:-1]), column("url", String), column("first_page", Integer))
