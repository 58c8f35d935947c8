"""`watchbot backfill` and `watchbot worker` on a real PostgreSQL, with real worker processes: every document
read once to completion though a worker is killed mid-document, the same acts as a single run, no toot."""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pypdfium2
import pytest
from sqlalchemy import select

from tests.support.httpserver import Route
from tests.support.prefecture import DEMO_FILES, Document, serve, write_config
from watchbot.cli import main
from watchbot.store import open_database
from watchbot.store.models import DocumentRow, PostRow
from watchbot.store.states import DocumentState

pytest.importorskip("procrastinate")
pytestmark = pytest.mark.postgres

SOURCES = sorted(DEMO_FILES.glob("*/*/file/*.pdf"))
RAA = 32


def cut(source: Path, first: int, count: int, target: Path) -> Path:
    """A small RAA: `count` pages of a real one."""
    original = pypdfium2.PdfDocument(source)
    pages = [(first + offset) % len(original) for offset in range(count)]
    document = pypdfium2.PdfDocument.new()
    document.import_pages(original, pages)
    buffer = io.BytesIO()
    document.save(buffer)
    target.write_bytes(buffer.getvalue())
    return target


def fixture_site(directory: Path) -> list[Document]:
    directory.mkdir()
    return [Document(cut(SOURCES[number % len(SOURCES)], number * 3, 2 + number % 3, directory / f"raa{number}.pdf"),
                     f"Recueil des actes administratifs n°{number}", date(2023, 1 + number % 12, 1 + number % 28))
            for number in range(RAA)]


def slow_downloads(server, documents: list[Document], delay: float) -> None:
    for document in documents:
        server.route(quote(document.href), Route(body=document.file.read_bytes(), content_type="application/pdf",
                                                 delay=delay))


def acts_by_document(url: str) -> dict[str, list[tuple[str | None, str, list[str]]]]:
    with open_database(url)() as session:
        return {document.url: [(act.ref, act.title, act.categories) for act in document.acts]
                for document in session.scalars(select(DocumentRow))}


def watchbot(*arguments: str, log: Path) -> subprocess.Popen:
    with open(log, "w") as stream:
        return subprocess.Popen([sys.executable, "-m", "watchbot", "-v", *arguments], stdout=stream, stderr=stream)


def kill_mid_document(workers: list[subprocess.Popen], logs: list[Path], timeout: float = 120) -> int:
    """SIGKILL the first worker that starts downloading a document: that document's id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker, log in zip(workers, logs, strict=True):
            found = re.search(r"document (\d+): downloading", log.read_text())
            if found:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                return int(found.group(1))
        time.sleep(0.05)
    raise AssertionError("no worker started a document")


def test_backfill_reads_every_document_once_though_a_worker_is_killed(tmp_path, site_server, strict_mastodon,
                                                                     postgres_server, monkeypatch):
    documents = fixture_site(tmp_path / "pdfs")
    index = serve(site_server, documents)
    slow_downloads(site_server, documents, 0.5)
    database = postgres_server.create_database()
    config = write_config(tmp_path / "queue", index, strict_mastodon, database_url=database, not_before=None)
    monkeypatch.setenv("TOKEN_SURVEILLANCE", strict_mastodon.token())
    monkeypatch.setenv("TOKEN_SILT", strict_mastodon.token("silt"))
    logs = [tmp_path / f"worker{number}.log" for number in range(3)]
    workers = [watchbot("worker", "--config", str(config), "--stalled-after", "2", log=log) for log in logs]
    try:
        backfill = watchbot("backfill", "--config", str(config), "--since", "2023-01-01", "--wait",
                            log=tmp_path / "backfill.log")
        killed = kill_mid_document(workers, logs)
        assert backfill.wait(timeout=240) == 0, (tmp_path / "backfill.log").read_text()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    sessions = open_database(database)
    with sessions() as session:
        rows = session.scalars(select(DocumentRow)).all()
        assert [row.status for row in rows] == [DocumentState.DONE] * RAA
        assert all(row.backfill for row in rows)
        assert {row.id: row.attempts for row in rows if row.attempts != 1} == {killed: 2}
        assert session.scalars(select(PostRow)).all() == []
    assert strict_mastodon.statuses == []
    backfill_log = (tmp_path / "backfill.log").read_text()
    assert f"{RAA} documents queued" in backfill_log and f"{RAA} done, 0 failed" in backfill_log

    slow_downloads(site_server, documents, 0)
    single = write_config(tmp_path / "single", index, not_before="2000-01-01")
    assert main(["run", "--dry-run", "--config", str(single)]) == 0
    alone = acts_by_document(f"sqlite:///{tmp_path / 'single' / 'state' / 'watchbot.db'}")
    together = acts_by_document(database)
    assert sum(map(len, together.values())) > RAA and any(categories for acts in together.values()
                                                          for _, _, categories in acts)
    assert together == alone


def test_backfill_needs_postgresql(tmp_path, site_server, capsys):
    config = write_config(tmp_path, serve(site_server, []))
    assert main(["backfill", "--config", str(config), "--since", "2023-01-01"]) == 2
    assert "PostgreSQL" in capsys.readouterr().err
