"""watchbot report at archive scale: the site of N synthetic acts (default 1,000,000), on SQLite.

    .venv/bin/python -m benchmarks.bench_report [--acts N] [--postgres [--keep]] [--reuse URL]

The archive is benchmarks/bench_stats.py's (its loader, its shapes: 100 prefectures, three years, one act in
twenty republished). Prints the load's time, the time to bring the stats summary up to date (as the daily
runs keep it), then the report's, step by step (counting, export files, charts
and map, pages), with the load average of the machine after each, the size of what it wrote and the process's
peak memory (its largest resident set, loading included).

Loading a million acts takes a quarter of an hour or more: `--reuse URL` measures an archive this benchmark
loaded before (a copy of its SQLite file, sqlite:////tmp/copy.db, or a PostgreSQL kept by `--postgres --keep`,
which prints its URL and leaves the server running), migrated to the head first.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import time
from pathlib import Path

from benchmarks.bench_stats import fresh_work, load
from tests.support import postgres
from watchbot.core.settings import BUNDLED_RULES, Config
from watchbot.match import rules
from watchbot.report import site
from watchbot.store import connect, migrate, open_database, summary


def measure(url: str, total: int, out: Path, reused: bool = False) -> None:
    if reused:
        migrate(connect(url))
        print(f"  the archive of {url} reused, at the schema's head")
    else:
        print(f"  {total:,} acts loaded in {load(url, total):.0f} s")
    started = time.perf_counter()
    months = summary.refresh(open_database(url))
    print(f"  summary of {months} months brought up to date in {time.perf_counter() - started:.0f} s "
          "(after a daily run, only the months it wrote)")
    shutil.rmtree(out, ignore_errors=True)
    steps: list[tuple[str, float, float]] = []
    started = time.perf_counter()
    site.write(open_database(url), Config(database_url=url), rules.load(BUNDLED_RULES), out,
               lambda name: steps.append((name, time.perf_counter(), os.getloadavg()[0])))
    ended = time.perf_counter()
    print(f"  report written in {ended - started:.1f} s (load average {os.getloadavg()[0]:.1f}):")
    for (name, begun, load_average), (_, finished, _) in zip(steps, [*steps[1:], ("", ended, 0)], strict=True):
        print(f"    {name:24} {finished - begun:6.1f} s   (load average {load_average:.1f} as it starts)")
    sizes = {path.relative_to(out).as_posix(): path.stat().st_size for path in out.rglob("*") if path.is_file()}
    pages = sum(size for name, size in sizes.items() if name.endswith((".html", ".css")))
    charts = sum(size for name, size in sizes.items() if name.endswith(".svg"))
    largest = max((size for name, size in sizes.items() if name.endswith(".svg")), default=0)
    print(f"    pages {pages / 1e3:.0f} kB, charts {charts / 1e3:.0f} kB ({sum(n.endswith('.svg') for n in sizes)} "
          f"SVG, largest {largest / 1e3:.0f} kB), "
          + ", ".join(f"{name} {size / 1e6:.0f} MB" for name, size in sizes.items() if name.startswith("donnees")))
    print(f"  peak memory (max RSS) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--acts", type=int, default=1_000_000, help="acts in the archive (default: 1,000,000)")
    parser.add_argument("--postgres", action="store_true", help="on the tests' throw-away PostgreSQL instead")
    parser.add_argument("--keep", action="store_true", help="with --postgres: leave the server and its archive "
                        "running, to measure again with --reuse")
    parser.add_argument("--reuse", metavar="URL", help="measure this archive, loaded by this benchmark before")
    parser.add_argument("--work", type=Path, default=Path("/tmp/watchbot-bench-report"))
    args = parser.parse_args()
    if args.reuse:
        args.work.mkdir(parents=True, exist_ok=True)
        measure(args.reuse, args.acts, args.work / "site", reused=True)
        return
    fresh_work(args.work)
    server = postgres.start() if args.postgres else None
    try:
        url = server.create_database() if server else f"sqlite:///{args.work / 'report.db'}"
        measure(url, args.acts, args.work / "site")
    finally:
        if server and args.keep:
            print(f"  kept: --reuse {url}; to stop it: runuser -u {server.user} -- {postgres.binary('pg_ctl')} -D "
                  f"{server.directory}/data stop, then remove {server.directory}")
        elif server:
            server.stop()


if __name__ == "__main__":
    main()
