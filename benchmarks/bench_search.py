"""Full-text search at archive scale, on SQLite and PostgreSQL: query time, index size, indexing cost.

    .venv/bin/python -m benchmarks.bench_search [--pages N] [--no-postgres] [--texts DIR]

1. Indexing cost in a run: the 232 Var RAA texts, cut into pages, are analysed (split + classify) and
   stored as the pipeline stores them (one transaction per RAA), once in a database without the index
   (the revision before 0007) and once with it (head); the difference is what indexing costs.
2. An archive of N pages (default 1,000,000) made from the real Var pages: copy k of a page has its
   lines shuffled and its digits permuted, so words and numbers vary as across real RAA. It is loaded
   without the index, measured, then migration 0007 builds the index, as for an existing database.
3. Queries through watchbot.store.search, best-first and newest-first, median of 5 after one warm-up.
PostgreSQL is the throw-away server of the tests (Debian's binaries, default settings).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import signal
import statistics
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from tests.support import postgres  # the tests' throw-away PostgreSQL server
from watchbot.core.models import Page
from watchbot.evaluate.measure import read_text
from watchbot.match import rules
from watchbot.read.extract import Extraction
from watchbot.run.analysis import act_key, analyse, fingerprint
from watchbot.store import connect, migrate
from watchbot.store.models import ActRow, DocumentRow, MatchRow, PageRow, SourceRow
from watchbot.store.search import search, unindexed_revision

ROOT = Path(__file__).resolve().parents[1]

PAGE_CHARACTERS = 2400  # a typical RAA page
PAGES_PER_DOCUMENT = 100
PAGES_PER_ACT = 4
TEXT_LAYER_PAGES_PER_SECOND = 239.0  # bench_extract.py, 2026-11-22: the fastest reading, no OCR
QUERIES = ['aéronef*', 'drone OR aéronef*', '"périmètre de protection"', 'captation AND images NOT drone',
           'rave OR "rassemblement festif"', 'vidéoprotection Toulon', 'arrêté']
RUNS = 5
SLOW = 5.0  # seconds: a query this slow is timed once, not RUNS times


def pages_of(raa: str) -> list[str]:
    """A text without page markers cut into pages of about PAGE_CHARACTERS, at line ends."""
    pages, current, size = [], [], 0
    for line in raa.splitlines():
        current.append(line)
        size += len(line) + 1
        if size >= PAGE_CHARACTERS:
            pages.append("\n".join(current))
            current, size = [], 0
    if current:
        pages.append("\n".join(current))
    return pages


def indexing_cost(url_without: str, url_with: str, raa: list[list[str]], ruleset) -> None:
    analyses, analysis_seconds = [], 0.0
    for pages in raa:
        start = time.perf_counter()
        analyses.append(analyse(Extraction(tuple(Page(n, t) for n, t in enumerate(pages, 1))), ruleset))
        analysis_seconds += time.perf_counter() - start
    count = sum(len(pages) for pages in raa)
    seconds = {}
    for label, url, indexed in (("without index", url_without, False), ("with index", url_with, True)):
        engine = connect(url)
        migrate(engine, "head" if indexed else unindexed_revision(engine))
        seconds[label] = store(sessionmaker(engine), analyses)
        engine.dispose()
    extraction = count / TEXT_LAYER_PAGES_PER_SECOND
    index = seconds["with index"] - seconds["without index"]
    run = extraction + analysis_seconds + seconds["without index"]
    print(f"  {len(raa)} RAA, {count} pages: analysis {analysis_seconds:.1f} s, storing {seconds['without index']:.2f} s"
          f" without the index, {seconds['with index']:.2f} s with it: indexing {index:.2f} s "
          f"({index / count * 1000:.2f} ms a page) = {index / run:.1%} of a run reading text layers "
          f"({extraction:.0f} s at {TEXT_LAYER_PAGES_PER_SECOND:.0f} pages/s + analysis + storing)")


def store(sessions, analyses) -> float:
    with sessions() as session:
        session.add(SourceRow(code="pref83", name="Préfecture du Var"))
        session.commit()
    start = time.perf_counter()
    for number, analysis in enumerate(analyses):
        with sessions() as session:
            document = DocumentRow(source_code="pref83", url=f"https://www.var.gouv.fr/raa{number}.pdf",
                                   title=f"RAA n°{number}", status="done")
            document.pages = [PageRow(number=page.number, text=page.text) for page in analysis.pages]
            document.acts = [ActRow(ref=item.act.ref, title=item.act.title, first_page=item.act.first_page,
                                    last_page=item.act.last_page, key=act_key(item.act),
                                    fingerprint=fingerprint(item.act),
                                    matches=[MatchRow.of(match) for match in item.matches])
                             for item in analysis.acts]
            session.add(document)
            session.commit()
    return time.perf_counter() - start


def variant(page: str, copy: int, shuffler: random.Random, digit_maps: list[dict]) -> str:
    if copy == 0:
        return page
    lines = page.split("\n")
    shuffler.shuffle(lines)
    return "\n".join(lines).translate(digit_maps[copy % len(digit_maps)])


def load_archive(url: str, real_pages: list[str], total: int) -> int:
    """N pages in documents of PAGES_PER_DOCUMENT, acts of PAGES_PER_ACT; returns the text's UTF-8 bytes."""
    engine = connect(url)
    migrate(engine, unindexed_revision(engine))
    shuffler = random.Random(83)
    digit_maps = [str.maketrans("0123456789", "".join(shuffler.sample("0123456789", 10))) for _ in range(50)]
    text_bytes = 0
    now = datetime.now(timezone.utc)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO sources (code, name, first_run_at, last_found) "
                                "VALUES ('pref83', 'Préfecture du Var', :now, 0)"), {"now": now})
    for first in range(0, total, PAGES_PER_DOCUMENT * 100):
        documents, pages, acts = [], [], []
        for document_id in range(first // PAGES_PER_DOCUMENT + 1,
                                 min(first + PAGES_PER_DOCUMENT * 100, total) // PAGES_PER_DOCUMENT + 1):
            published = date.fromordinal(date(2015, 1, 1).toordinal() + document_id % 4000)
            documents.append({"id": document_id, "url": f"https://www.var.gouv.fr/raa{document_id}.pdf",
                              "title": f"RAA n°{document_id}", "published": published, "now": now})
            for number in range(1, PAGES_PER_DOCUMENT + 1):
                index = (document_id - 1) * PAGES_PER_DOCUMENT + number - 1
                page = variant(real_pages[index % len(real_pages)], index // len(real_pages), shuffler,
                               digit_maps)
                text_bytes += len(page.encode())
                pages.append({"document_id": document_id, "number": number, "text": page})
                if number % PAGES_PER_ACT == 1:
                    key = hashlib.sha256(f"{document_id}/{number}".encode()).hexdigest()
                    acts.append({"document_id": document_id, "title": page.split("\n", 1)[0][:200],
                                 "first_page": number, "last_page": min(number + PAGES_PER_ACT - 1,
                                                                        PAGES_PER_DOCUMENT), "key": key})
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO documents (id, source_code, url, title, published, first_seen_at, "
                                    "status, attempts, ocr_pages) VALUES (:id, 'pref83', :url, :title, "
                                    ":published, :now, 'done', 1, '')"), documents)
            connection.execute(text("INSERT INTO pages (document_id, number, text, ocr) "
                                    "VALUES (:document_id, :number, :text, false)"), pages)
            connection.execute(text("INSERT INTO acts (document_id, ref, title, first_page, last_page, key, "
                                    "fingerprint) VALUES (:document_id, NULL, :title, :first_page, :last_page, "
                                    ":key, :key)"), acts)
    engine.dispose()
    return text_bytes


def size(url: str) -> int:
    engine = connect(url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            path = Path(url.removeprefix("sqlite:///"))
            result = path.stat().st_size
        else:
            connection.execute(text("CHECKPOINT"))
            result = connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return result


def archive(label: str, url: str, real_pages: list[str], total: int) -> None:
    start = time.perf_counter()
    text_bytes = load_archive(url, real_pages, total)
    loaded = time.perf_counter() - start
    before = size(url)
    start = time.perf_counter()
    engine = connect(url)
    migrate(engine)
    built = time.perf_counter() - start
    after = size(url)
    print(f"  {label}: {total:,} pages, {text_bytes / 1e6:,.0f} MB of text loaded in {loaded:.0f} s; "
          f"database {before / 1e6:,.0f} MB -> {after / 1e6:,.0f} MB with the index (built in {built:.0f} s): "
          f"+{(after - before) / 1e6:,.0f} MB = {(after - before) / text_bytes:.0%} of the text")
    sessions = sessionmaker(engine)
    with sessions() as session:
        for query in QUERIES:
            for sort in ("relevance", "date"):
                start = time.perf_counter()
                hits = search(session, query, limit=20, sort=sort)  # warm-up
                times = [time.perf_counter() - start]
                if times[0] < SLOW:
                    times = []
                    for _ in range(RUNS):
                        start = time.perf_counter()
                        hits = search(session, query, limit=20, sort=sort)
                        times.append(time.perf_counter() - start)
                print(f"    {query!r:40} {sort:9} median {statistics.median(times) * 1000:7.1f} ms, "
                      f"max {max(times) * 1000:7.1f} ms over {len(times)}, {len(hits)} acts shown")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1_000_000, help="pages in the archive (default: 1,000,000)")
    parser.add_argument("--texts", type=Path, default=ROOT.parent / "shared" / "corpus" / "var-2025")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--no-archive", action="store_true", help="only the indexing cost of a run")
    parser.add_argument("--no-run", action="store_true", help="only the archive")
    parser.add_argument("--work", type=Path, default=Path("/tmp/watchbot-bench-search"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for path in args.work.glob("*.db*"):
        path.unlink()
    raa = [pages for pages in (pages_of(read_text(path)) for path in sorted(args.texts.glob("*.txt"))) if pages]
    real_pages = [page for pages in raa for page in pages]
    print(f"real pages: {len(real_pages):,} from {len(raa)} Var RAA")
    ruleset = rules.load(ROOT / "rules")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # so that the PostgreSQL server is stopped
    server = None if args.no_postgres else postgres.start()
    try:
        databases = [] if args.no_sqlite else [("SQLite", lambda name: f"sqlite:///{args.work / name}.db")]
        if server:
            databases.append(("PostgreSQL", lambda _name: server.create_database()))
        for label, url in databases if not args.no_run else ():
            print(f"{label}, indexing in a run:")
            indexing_cost(url("run0"), url("run1"), raa, ruleset)
        if not args.no_archive:
            for label, url in databases:
                archive(label, url("archive"), real_pages, args.pages)
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
