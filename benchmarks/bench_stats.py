"""watchbot stats at archive scale, on SQLite and PostgreSQL: 1 million synthetic acts, counted.

    .venv/bin/python -m benchmarks.bench_stats [--acts N] [--no-postgres] [--no-sqlite]

The archive: N acts (default 1,000,000) in RAA of ACTS_PER_DOCUMENT, from 100 prefectures over three years;
every act matched in one category, with one or two purposes, an operator, a commune (two for one act in ten)
and its département(s), and a period of 1 to 30 days starting up to two weeks after its RAA. One act in
twenty is a republication (the key of an earlier act). Loaded with Core executemany at the schema's head (the
database's triggers keep act_firsts and mark the months of the summary stale, as for the app's writes), the
summary refreshed as `watchbot stats` does first (watchbot.store.summary.refresh, timed), then counted through
watchbot.store.stats, median of RUNS after one warm-up.
PostgreSQL is the throw-away server of the tests (Debian's binaries, default settings).
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.orm import sessionmaker

from tests.support import postgres  # the tests' throw-away PostgreSQL server
from watchbot.store import connect, migrate, summary
from watchbot.store.models import ActFacetRow, MatchRow
from watchbot.store.stats import count

ACTS_PER_DOCUMENT = 50
BATCH = 1000  # documents per transaction
SOURCES = 100
DAYS = 3 * 365
CATEGORIES = ("drones", "drones", "drones", "silt_perimeter", "videoprotection")
PURPOSES = ("manifestation", "sport", "delinquance", "terrorisme", "rave", "frontiere", "secours", "culture")
OPERATORS = ("police_nationale", "gendarmerie", "police_municipale", "douane")
QUESTIONS = (("month", "department"), ("month", "purpose"), ("department",), ())
RUNS = 3


def department(source: int) -> str:
    return f"{source % 95 + 1:02d}"


def batch(first_document: int, documents: int, acts_before: int, shuffler: random.Random) -> dict[str, list]:
    """The rows of `documents` RAA, numbered from first_document, their acts from acts_before + 1."""
    rows: dict[str, list] = {"documents": [], "acts": [], "matches": [], "facets": [], "communes": []}
    act_id = acts_before
    now = datetime.now(timezone.utc)
    for document_id in range(first_document, first_document + documents):
        source = document_id % SOURCES
        published = date(2023, 1, 1) + timedelta(days=(document_id * 7919) % DAYS)
        rows["documents"].append({"id": document_id, "source": f"pref{source:03d}", "published": published,
                                  "url": f"https://example.gouv.fr/{document_id}.pdf", "now": now})
        for _ in range(ACTS_PER_DOCUMENT):
            act_id += 1
            key = shuffler.randrange(1, act_id) if act_id > 1 and shuffler.random() < 0.05 else act_id
            start = published + timedelta(days=shuffler.randrange(15))
            end = start + timedelta(days=shuffler.choice((0, 0, 0, 1, 2, 6, 29)))
            rows["acts"].append({"id": act_id, "document_id": document_id, "key": f"k{key}", "start": start,
                                 "end": end})
            rows["matches"].append({"act_id": act_id, "category": shuffler.choice(CATEGORIES), "rule": "r", "page": 1,
                                    "excerpt": "", "words": ""})
            _facts(rows, act_id, source, shuffler)
    return rows


def _facts(rows: dict[str, list], act_id: int, source: int, shuffler: random.Random) -> None:
    places = [department(source)] + ([department(source + 1)] if shuffler.random() < 0.1 else [])
    for position, code in enumerate(places):
        insee = f"{code}{shuffler.randrange(1, 300):03d}"
        rows["communes"].append({"act_id": act_id, "position": position, "insee": insee, "department": code})
        rows["facets"].append({"act_id": act_id, "facet": "department", "value": code, "position": position})
    for position, purpose in enumerate(shuffler.sample(PURPOSES, shuffler.choice((1, 1, 2)))):
        rows["facets"].append({"act_id": act_id, "facet": "purpose", "value": purpose, "position": position})
    rows["facets"].append({"act_id": act_id, "facet": "operator", "value": shuffler.choice(OPERATORS),
                           "position": 0})


INSERTS = {
    "documents": "INSERT INTO documents (id, source_code, url, title, published, first_seen_at, status, attempts, "
                 "ocr_pages, backfill) VALUES (:id, :source, :url, 'RAA', :published, :now, 'done', 1, '', false)",
    "acts": "INSERT INTO acts (id, document_id, title, first_page, last_page, key, fingerprint, kind, period_start, "
            "period_end, scope) VALUES (:id, :document_id, 'Arrêté', 1, 1, :key, :key, 'initial', :start, :end, "
            "'commune')",
    "communes": "INSERT INTO act_communes (act_id, position, insee, name, department, commune_kind) "
                "VALUES (:act_id, :position, :insee, 'Commune', :department, 'commune')",
}


# The tables whose triggers run once a statement on PostgreSQL: rows written as the ORM writes them (several in
# one INSERT), not one statement a row.
MANY_VALUES = {"matches": MatchRow.__table__, "facets": ActFacetRow.__table__}
ROWS_A_STATEMENT = 1000


def load(url: str, total: int) -> float:
    engine = connect(url)
    migrate(engine)
    started = time.perf_counter()
    shuffler = random.Random(83)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO sources (code, name, first_run_at, last_found) VALUES "
                                "(:code, 'Préfecture', :now, 0)"),
                           [{"code": f"pref{n:03d}", "now": datetime.now(timezone.utc)} for n in range(SOURCES)])
    documents = total // ACTS_PER_DOCUMENT
    for first in range(1, documents + 1, BATCH):
        rows = batch(first, min(BATCH, documents + 1 - first), (first - 1) * ACTS_PER_DOCUMENT, shuffler)
        with engine.begin() as connection:
            for table, statement in INSERTS.items():
                connection.execute(text(statement), rows[table])
            for table, rows_of in MANY_VALUES.items():  # after acts
                for start in range(0, len(rows[table]), ROWS_A_STATEMENT):
                    connection.execute(insert(rows_of).values(rows[table][start:start + ROWS_A_STATEMENT]))
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def measure(label: str, url: str, total: int) -> None:
    loaded = load(url, total)
    print(f"  {label}: {total:,} acts loaded in {loaded:.0f} s", flush=True)
    engine = connect(url)
    sessions = sessionmaker(engine)
    start = time.perf_counter()
    months = summary.refresh(sessions)
    print(f"    summary of {months} months refreshed in {time.perf_counter() - start:.0f} s", flush=True)
    with sessions() as session:
        for by in QUESTIONS:
            found = count(session, by)  # warm-up
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                found = count(session, by)
                times.append(time.perf_counter() - start)
            print(f"    stats --by {' --by '.join(by) or '(nothing)':28} median {statistics.median(times):6.2f} s, "
                  f"max {max(times):6.2f} s over {RUNS}; {len(found):,} rows, {sum(row.acts for row in found):,} "
                  f"acts counted", flush=True)
    engine.dispose()


def fresh_work(directory: Path) -> None:
    """A work folder without the databases of an earlier run, and a SIGTERM that stops the PostgreSQL server."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("*.db*"):
        path.unlink()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--acts", type=int, default=1_000_000, help="acts in the archive (default: 1,000,000)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--work", type=Path, default=Path("/tmp/watchbot-bench-stats"))
    args = parser.parse_args()
    fresh_work(args.work)
    server = None if args.no_postgres else postgres.start()
    try:
        if not args.no_sqlite:
            measure("SQLite", f"sqlite:///{args.work / 'stats.db'}", args.acts)
        if server:
            measure("PostgreSQL", server.create_database(), args.acts)
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
