"""Backfill reading speed: 1 worker against 2 workers on an OCR-heavy corpus (docs/BACKFILL.md).

Builds DOCUMENTS image-only RAA (pages 3-5 of the demo's real scanned CCTV authorisation, at 200 dpi:
every page goes through Tesseract), serves them on a local prefecture site, starts a throw-away
PostgreSQL (tests/support/postgres.py), then for 1 and for 2 `watchbot worker` processes (one Tesseract each:
extract.ocr_jobs 1) times from the queue's first job to its drain. Prints the wall times, the ratio and
the per-page cost in core-seconds, from which docs/BACKFILL.md projects a national backfill.

    .venv/bin/python -m benchmarks.bench_backfill [DOCUMENTS]
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from tests.support import postgres
from tests.support.httpserver import SiteServer
from tests.support.prefecture import Document, serve, write_config
from tests.support.scans import image_pdf, scans
from watchbot import config as configuration
from watchbot.queue import open_engine
from watchbot.queue.progress import queue_counts

PAGES = [3, 4, 5]


def corpus(directory: Path, count: int) -> list[Document]:
    pages = scans(PAGES)
    return [Document(image_pdf(directory / f"scan{number}.pdf", pages), f"RAA n°{number}",
                     date(2023, 1 + number % 12, 1 + number % 28)) for number in range(count)]


def timed_backfill(server: postgres.Server, index: str, directory: Path, workers: int) -> float:
    """Seconds from the workers' start to the drain of the queue, with `workers` worker processes."""
    path = write_config(directory, index, database_url=server.create_database(), not_before=None,
                        extract="{ocr: true, ocr_jobs: 1}")
    run = [sys.executable, "-m", "watchbot"]
    subprocess.run([*run, "backfill", "--config", str(path), "--since", "2023-01-01"], check=True)
    app, _ = open_engine(configuration.load(str(path)))
    processes = [subprocess.Popen([*run, "worker", "--config", str(path)]) for _ in range(workers)]
    try:
        with app.open():
            while queue_counts(app).running == 0:
                time.sleep(0.1)
            start = time.monotonic()
            while not queue_counts(app).drained:
                time.sleep(0.2)
            return time.monotonic() - start
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait()


def main(count: int) -> None:
    server = postgres.start()
    site = SiteServer().start()
    try:
        with TemporaryDirectory() as temporary:
            directory = Path(temporary)
            (directory / "pdfs").mkdir()
            index = serve(site, corpus(directory / "pdfs", count))
            pages = count * len(PAGES)
            one = timed_backfill(server, index, directory / "one", 1)
            two = timed_backfill(server, index, directory / "two", 2)
    finally:
        site.stop()
        server.stop()
    print(f"{count} documents, {pages} scanned pages")
    print(f"1 worker:  {one:.1f} s, {one / pages:.2f} s per page (core-seconds per page)")
    print(f"2 workers: {two:.1f} s, {2 * two / pages:.2f} core-seconds per page")
    print(f"speed-up: {one / two:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12)
