"""Abuse: what a hostile or broken site, document, rule file or state directory does to a run.

Every attack runs on 127.0.0.1 with small inputs generated here, and must end within its deadlines,
in bounded memory, with the lock released and no mention, hashtag or escape reaching a toot or a
terminal.
"""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import io
import json
import logging
import os
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Callable
from urllib.parse import quote

import pytest
import requests
from mastodon._url_regex import url_regex
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from tests.support.httpserver import Route, SiteServer
from tests.support.mastodon_servers import PROFILES, StrictMastodon, closed_port_url
from tests.support.prefecture import DRONE_RAA, INDEX_PATH, NEGATIVE_RAA, Document, serve, tokens, write_config
from watchbot import config as configuration
from watchbot import discover
from watchbot.cli import _logging, build_parser, main
from watchbot.core.models import Act, Category, CrawlOptions, Listing, Match, Page, Source
from watchbot.core.settings import BUNDLED_RULES, Account, Config, CrawlSettings, ExtractSettings, HttpSettings
from watchbot.discover.dates import window
from watchbot.discover.dsfr import Walk
from watchbot.discover.page import parse
from watchbot.fetch import Fetcher, FetchError, HtmlPage
from watchbot.match import rules
from watchbot.match.classify import classify
from watchbot.publish import feeds, outbox, post
from watchbot.publish.post import Poster, RetryLater
from watchbot.publish.toot import TootInput, compose
from watchbot.read import ocr
from watchbot.read.child import ChildFailed, run_in_child
from watchbot.read.extract import ExtractError, extract_pdf
from watchbot.run import steps
from watchbot.run.analysis import analyse_file
from watchbot.run.status import report
from watchbot.store import open_database, posts
from watchbot.store.models import ActRow, DocumentRow, MatchRow, PostRow, RunRow, SourceRow

NEGATIVE = Document(NEGATIVE_RAA, "RAA n°09 du 20 janvier 2025", date(2025, 1, 20))
DRONE = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31))
FAST = HttpSettings(delay_seconds=0, timeout_seconds=10, request_deadline_seconds=1.5, max_retries=2)


class RawServer:
    """A TCP server on 127.0.0.1 whose answers are written by hand: `answer(connection, path)`."""

    def __init__(self, answer: Callable[[socket.socket, str], None]):
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                piece = connection.recv(4096)
                if not piece:
                    return
                request += piece
            try:
                self.answer(connection, request.split(b" ")[1].decode())
            except OSError:  # the client gave up: that is the point
                pass

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def raw_server():
    servers = []

    def start(answer):
        servers.append(RawServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def fresh_logging():
    """Log handlers of an earlier command write to an earlier test's captured stderr: start anew."""
    logging.getLogger().handlers.clear()


def trickle(connection: socket.socket, data: bytes, every: float) -> None:
    for byte in data:
        connection.sendall(bytes([byte]))
        time.sleep(every)


def timed(function: Callable[[], object]) -> tuple[float, BaseException | None]:
    start = time.monotonic()
    try:
        function()
    except Exception as error:  # the caller checks which
        return time.monotonic() - start, error
    return time.monotonic() - start, None


# 1. Deadlines ---------------------------------------------------------------------------------------

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n"


@pytest.mark.parametrize("attack", ["headers then nothing", "trickled headers", "trickled body"])
def test_a_slow_server_cannot_hold_a_request_past_its_deadline(raw_server, attack):
    def answer(connection, path):
        if attack == "headers then nothing":
            connection.sendall(HEADERS)
            time.sleep(30)
        elif attack == "trickled headers":
            trickle(connection, HEADERS, 0.2)  # every byte well within the per-read timeout
        else:
            connection.sendall(HEADERS)
            trickle(connection, b"<p>" + b"x" * 4997, 0.2)

    server = raw_server(answer)
    elapsed, error = timed(lambda: Fetcher(FAST, [server.url("")]).html(server.url("/RAA")))
    assert isinstance(error, FetchError) and error.passing
    assert "too slow" in error.reason and "request deadline of 1.5 s" in error.reason
    assert elapsed < 2.5


def test_a_trickled_pdf_leaves_no_partial_file(raw_server, tmp_path):
    server = raw_server(lambda connection, path: (
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 9000\r\n\r\n"),
        trickle(connection, b"%PDF-1.4\n" + b"0" * 8991, 0.05)))
    elapsed, error = timed(lambda: Fetcher(FAST, [server.url("")]).pdf(server.url("/a.pdf"), tmp_path / "a.pdf"))
    assert isinstance(error, FetchError) and "too slow" in error.reason
    assert elapsed < 2.5 and list(tmp_path.iterdir()) == []


def test_an_endless_tree_of_slow_pages_ends_at_the_source_deadline(raw_server):
    def answer(connection, path):
        time.sleep(0.3)  # under the per-read timeout, every time
        links = "".join(f'<a href="{path.rstrip("/")}/p{i}">page {i}</a>' for i in range(4))
        body = f"<html><body><main>{links}</main></body></html>".encode()
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s"
                           % (len(body), body))

    server = raw_server(answer)
    source = Source(code="trap", name="Piège", index_url=server.url("/Publications/RAA"))
    settings = CrawlSettings(source_deadline_seconds=2, max_index_pages=10_000)
    elapsed, error = timed(lambda: discover.crawl(source, Fetcher(FAST, [server.url("")]), today=date(2026, 3, 1),
                                                  settings=settings))
    assert isinstance(error, discover.DiscoverError) and error.passing
    assert "the source's deadline of 2 s" in str(error)
    assert elapsed < 3


# 7. Crawl budgets ------------------------------------------------------------------------------------

def rows_of_links(count: int, document: bool) -> str:
    """One table row holding `count` links: the row's text is every link's date carrier."""
    href = "/contenu/telechargement/{i}/file/raa-{i}.pdf" if document else "/Publications/RAA/page-{i}"
    cells = "".join(f'<td><a href="{href.format(i=i)}">Recueil {i}</a></td>' for i in range(count))
    return f"<html><body><main><table><tr>{cells}</tr></table></main></body></html>"


def test_link_extraction_is_linear_in_the_page_size():
    def crawl(count: int) -> float:
        html = rows_of_links(count, document=True)
        index = "http://127.0.0.1/Publications/RAA"
        site = SimpleNamespace(html=lambda url: HtmlPage(url, html))
        recent = window(date(2026, 3, 1), 1)
        walk = Walk("big", index, CrawlOptions(), site, recent, recent, date(2026, 3, 1), max_pages=1, max_links=100_000)
        start = time.process_time()
        assert len(walk.run()) == count
        return time.process_time() - start

    small, large = crawl(500), crawl(4000)
    assert large < 12 * small + 0.5  # 8 times the links: about 8 times the work (quadratic was 64 times)


def test_links_per_page_are_capped_with_a_warning(site_server, caplog):
    site_server.route("/Publications/RAA", rows_of_links(5000, document=False))
    source = Source(code="trap", name="Piège", index_url=site_server.url("/Publications/RAA"))
    settings = CrawlSettings(max_links_per_page=50, max_index_pages=100_000, source_deadline_seconds=20)
    fetcher = Fetcher(HttpSettings(delay_seconds=0, max_retries=0), [site_server.base])
    with pytest.raises(discover.DiscoverError):  # every page it leads to is missing
        discover.crawl(source, fetcher, today=date(2026, 3, 1), settings=settings)
    assert len(site_server.requests) == 51
    assert "lists 0 documents and 5000 links, only the first 50 of each are read" in caplog.text


# 8. Redirects ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["http://127.0.0.1:{other}/x", "http://user:secret@127.0.0.1:{port}/x",
                                    "http://user@127.0.0.1:{port}/x"])
def test_a_redirect_leaves_neither_the_port_nor_takes_a_user_name(site_server, target):
    other = SiteServer().start()
    try:
        other.route("/x", "<p>elsewhere</p>")
        site_server.route("/x", "<p>with a user name</p>")
        location = target.format(other=other.url("/").split(":")[2].strip("/"), port=site_server.url("/").split(":")[2].strip("/"))
        site_server.route("/old", Route(status=302, location=location))
        with pytest.raises(FetchError, match="refused redirect") as caught:
            Fetcher(FAST, [site_server.base]).html(site_server.url("/old"))
        assert "secret" not in str(caught.value)
        assert other.requests == [] and site_server.paths() == ["/old"]
    finally:
        other.stop()


def test_a_link_to_another_port_of_the_source_host_is_refused(tmp_path, site_server, capsys):
    other = SiteServer().start()  # the same host, 127.0.0.1, on another port
    try:
        serve(other, [NEGATIVE])
        index = other.routes[INDEX_PATH][0].data.decode().replace('href="/', f'href="{other.base}/')
        site_server.route(INDEX_PATH, index)
        config = write_config(tmp_path, site_server.url(INDEX_PATH))
        assert main(["run", "--config", str(config)]) == 1
        document = database_rows(config, DocumentRow)[0]
        assert document.url == other.url(quote(NEGATIVE.href)) and document.status != "done"
        assert document.last_error == (f"{document.url}: refused: {other.base} is not the scheme, host and port "
                                       f"of a configured source (configured for 127.0.0.1: {site_server.base})")
        assert other.requests == []
    finally:
        other.stop()


# 2. Nothing from a site or a document mentions, tags or escapes ---------------------------------------

# Mastodon's own parsers, in Python: app/models/account.rb (USERNAME_RE, MENTION_RE) and app/models/tag.rb
# (HASHTAG_SEPARATORS, HASHTAG_FIRST_SEQUENCE, HASHTAG_LAST_SEQUENCE, HASHTAG_RE) of mastodon/mastodon;
# Ruby's [[:word:]] is Python's \w, [[:alpha:]] is [^\W\d_]. URLs: Mastodon.py's copy of twitter-text's regex.
USERNAME = r"[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?"
MENTION_RE = re.compile(rf"(?<![=/\w])@((?:{USERNAME})(?:@\w+(?:[.-]+\w+)*)?)", re.IGNORECASE)
SEPARATORS = "_\u00b7\u30fb\u200c"
ALPHA = rf"(?:[^\W\d_]|[{SEPARATORS}])"
FIRST_SEQUENCE = rf"(?:\w[\w{SEPARATORS}]*{ALPHA}[\w{SEPARATORS}]*\w)"
LAST_SEQUENCE = r"(?:\w*[^\W\d_]\w*)"
HASHTAG_RE = re.compile(rf"(?:^|[^/)\w])#({FIRST_SEQUENCE}|{LAST_SEQUENCE})", re.IGNORECASE)
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\r\nwatchbot: forged line\u202e"
HOSTILE_INDEX = f"""<html><body><main><ul>
<li><a href="/contenu/telechargement/@admin@mastodon.social/file/raa.pdf?to=.@admin@mastodon.social&t=%23tag&h=#x"
   >Recueil @admin@mastodon.social #fake {ESCAPES} 12/02/2026</a></li>
</ul></main></body></html>"""


def test_a_hostile_link_and_title_from_an_index_page_mention_and_tag_nobody():
    [listed] = parse(HOSTILE_INDEX, "https://www.seine-et-marne.gouv.fr/Publications/RAA").documents
    assert "@admin" in listed.url  # what a crawl hands over, unchanged
    categories = [Category("drones", "Drones", "🚁", ("drones",))]
    item = TootInput("Préfecture @admin@mastodon.social", "77", listed.title, listed.url, listed.published,
                     Act("77-2026-02-12-00001", f"Arrêté #fake @admin@mastodon.social {ESCAPES}", 3, 4),
                     (Match("drones", "r", 3, "… captation d'images .@admin@mastodon.social #fake …",
                            "captation d'images"),))
    toot = compose(item, categories)
    assert [found.group(1) for found in MENTION_RE.finditer(toot)] == []
    assert HASHTAG_RE.findall(toot) == ["drones", "SeineEtMarne"]
    [link] = [found.group(3) for found in url_regex.finditer(toot)]
    assert "@" not in link and "#" not in link  # after "&h=", "#page=3" would be a hashtag: left out
    assert requests.utils.unquote(link.split("#")[0]) == requests.utils.unquote(listed.url)  # the same document
    assert "\x1b" not in toot and "\r" not in toot and "\u202e" not in toot


def test_escapes_from_a_site_never_reach_the_terminal(site_server, tmp_path, capsys):
    site_server.route("/Publications/RAA", HOSTILE_INDEX)
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"state_dir: {tmp_path / 'state'}\nhttp: {{delay_seconds: 0, max_retries: 0}}\nsources:\n"
                      f"  - {{code: x, name: X, index_url: '{site_server.url('/Publications/RAA')}'}}\n")
    assert main(["discover", "--config", str(config)]) == 0
    out, err = capsys.readouterr()
    assert "Recueil @admin@mastodon.social #fake" in out
    for text in (out, err):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", text)
        assert not re.search("^watchbot: forged", text, re.MULTILINE)


def test_escapes_in_logged_failures_are_shown_not_obeyed(capsys):
    root = logging.getLogger()
    kept, root.handlers = root.handlers, []  # pytest's own included: the command sets up its logging alone
    try:
        _logging(build_parser().parse_args(["status"]))
        logging.getLogger("watchbot").warning("source %s failed: %s", "x", ESCAPES)
    finally:
        root.handlers = kept
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err and "\\x1b]0;pwned" in err


# 3. Rules that cannot hang -----------------------------------------------------------------------------

CATASTROPHIC = """label: Piège
emoji: "🪤"
strong:
  - regex: '(a+)+$'
  - regex: '(x|x)*y'
"""


def test_a_catastrophic_regex_classifies_a_hostile_page_in_linear_time(tmp_path, capsys):
    (tmp_path / "trap.yaml").write_text(CATASTROPHIC, encoding="utf-8")
    assert main(["rules", "check", str(tmp_path)]) == 0
    ruleset = rules.load(tmp_path)
    page = Page(1, "Arrêté " + "a" * 200_000 + "b " + "x" * 200_000)
    start = time.process_time()
    assert classify(Act(None, "Arrêté", 1, 1, (page,)), ruleset) == []
    assert time.process_time() - start < 2  # Python's re: beyond the age of the universe


@pytest.mark.parametrize("pattern", [r"(drone)\1", r"drone(?=s)", r"(?<!anti)drone"])
def test_backreferences_and_look_arounds_are_refused_with_file_line_and_hint(tmp_path, capsys, pattern):
    (tmp_path / "trap.yaml").write_text(f"label: Piège\nemoji: x\nstrong:\n  - drone\n  - regex: '{pattern}'\n",
                                        encoding="utf-8")
    assert main(["rules", "check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'trap.yaml'}:5:" in err and "invalid regular expression" in err
    assert "look-arounds" in err and "Error parsing" not in err


# 4. Bombs ----------------------------------------------------------------------------------------------

def make_pdf(page_streams: list[bytes], forms: list[bytes] = ()) -> bytes:
    """A PDF whose pages draw `page_streams`; `forms` are Form XObjects /F0, /F1… usable by pages and forms."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(data: bytes, head: bytes = b"") -> bytes:
        packed = zlib.compress(data)
        return b"<< %s /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (head, len(packed), packed)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    first_form = len(objects) + 1
    names = b" ".join(b"/F%d %d 0 R" % (index, first_form + index) for index in range(len(forms)))
    resources = b"<< /Font << /H %d 0 R >> /XObject << %s >> >>" % (font, names)
    for data in forms:
        add(stream(data, b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources " + resources))
    tree = len(objects) + 1 + 2 * len(page_streams)
    kids = []
    for data in page_streams:
        contents = add(stream(data))
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources %s /Contents %d 0 R >>"
                        % (tree, resources, contents)))
    add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % kid for kid in kids), len(kids)))
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    return bytes(out)


def nested_forms(depth: int, leaf: bytes) -> bytes:
    """One page drawing a form that draws the one below it twice, `depth` times: 2^depth leaves in a few kB."""
    forms = [leaf] + [b"q /F%d Do Q q 1 0 0 1 1 1 cm /F%d Do Q" % (level - 1, level - 1) for level in range(1, depth)]
    return make_pdf([b"/F%d Do" % (depth - 1)], forms)


def test_a_structure_bomb_is_stopped_by_the_readers_memory_limit(tmp_path):
    pdf = tmp_path / "bomb.pdf"
    pdf.write_bytes(nested_forms(19, b"BT /H 12 Tf 72 700 Td (Arrete portant autorisation) Tj ET"))  # ~2.5 GB
    assert pdf.stat().st_size < 10_000
    ruleset = rules.load(BUNDLED_RULES)
    elapsed, error = timed(lambda: run_in_child(analyse_file, pdf, ruleset, ExtractSettings(ocr=False),
                                                tmp_path / "work", timeout=60, memory_mb=300))
    assert isinstance(error, ChildFailed) and "memory limit is 300 MB" in str(error)
    assert elapsed < 20
    inherited = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize() // 1024  # kB
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < inherited + 300 * 1024  # no child went past


def test_text_kept_per_page_and_per_document_is_capped(tmp_path, caplog):
    lines = b"BT /H 2 Tf 2 TL 10 780 Td " + (b"(" + b"surveillance " * 40 + b") Tj T* ") * 60 + b"ET"
    pdf = tmp_path / "text.pdf"
    pdf.write_bytes(make_pdf([lines] * 3))  # 3 pages of 60 lines of 520 characters
    settings = ExtractSettings(ocr=False, max_page_characters=20_000, max_document_characters=50_000)
    pages = extract_pdf(pdf, settings, tmp_path / "work").pages
    assert [len(page.text) for page in pages] == [20_000, 20_000, 10_000]
    assert "page 3: text cut from 3" in caplog.text and "to 10000 characters" in caplog.text


def test_rendering_stops_inside_a_page_when_its_time_is_up(tmp_path):
    pdf = tmp_path / "slow.pdf"
    pdf.write_bytes(nested_forms(24, b"0 0 1 1 re f"))  # PDFium would draw 2^24 rectangles for one page
    settings = ExtractSettings(ocr_page_timeout_seconds=1)
    elapsed, error = timed(lambda: ocr.ocr_pages(pdf, [1], settings, tmp_path / "work"))
    assert isinstance(error, ocr.OcrError) and str(error) == "OCR timed out after 1 s on page 1"
    assert elapsed < 4


# 5. Passing trouble gives no RAA up ---------------------------------------------------------------------

def test_a_pdf_host_in_maintenance_uses_no_attempt(tmp_path, site_server, capsys):
    index = serve(site_server, [NEGATIVE])
    config = write_config(tmp_path, index)
    config.write_text(config.read_text().replace("extract: {ocr: false}", "extract: {ocr: false, max_attempts: 2}"))
    site_server.route(quote(NEGATIVE.href), Route(status=503, body="maintenance"))
    for _ in range(3):  # hourly runs, more than max_attempts
        assert main(["run", "--config", str(config)]) == 1  # failed for this run
        document = database_rows(config, DocumentRow)[0]
        assert (document.status, document.attempts) == ("waiting", 0) and "HTTP 503" in document.last_error
        update_documents(config, retry_at=datetime.now(timezone.utc) - timedelta(minutes=1))  # an hour later
    assert main(["status", "--config", str(config)]) == 0
    assert "Waiting documents (1)" in capsys.readouterr().out
    serve(site_server, [NEGATIVE])  # back online
    assert main(["run", "--config", str(config)]) == 0
    assert database_rows(config, DocumentRow)[0].status == "done"


def test_passing_trouble_is_given_up_only_after_retry_days(tmp_path, site_server):
    config = write_config(tmp_path, serve(site_server, [NEGATIVE]))
    site_server.route(quote(NEGATIVE.href), Route(status=503, body="maintenance"))
    assert main(["run", "--config", str(config)]) == 1
    update_documents(config, retry_at=None, first_seen_at=datetime.now(timezone.utc) - timedelta(days=31))
    assert main(["run", "--config", str(config)]) == 1
    document = database_rows(config, DocumentRow)[0]
    assert document.status == "failed" and document.last_error.startswith("given up after 30 days")


def database_rows(config: Path, model) -> list:
    with open_database(configuration.load(str(config)).db_url)() as session:
        return session.scalars(select(model)).all()


def update_documents(config: Path, **values) -> None:
    with open_database(configuration.load(str(config)).db_url)() as session:
        session.execute(update(DocumentRow).values(**values))
        session.commit()


# 6. Clean stop -----------------------------------------------------------------------------------------

def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_sigterm_stops_the_run_kills_the_reader_and_releases_the_lock(tmp_path, site_server):
    config = write_config(tmp_path, serve(site_server, [DRONE]))
    config.write_text(config.read_text().replace("extract: {ocr: false}", "extract: {ocr: true, ocr_jobs: 1}"))
    run = subprocess.Popen([sys.executable, "-m", "watchbot", "run", "--config", str(config)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not any(pid != run.pid for pid in processes_mentioning(str(tmp_path))):  # the reader, Tesseract
            assert run.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=10) == 1
    finally:
        run.kill()
    assert "run interrupted by SIGTERM" in run.stderr.read().decode()
    time.sleep(0.2)
    assert processes_mentioning(str(tmp_path)) == []
    with open(tmp_path / "state" / "watchbot.lock") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free
    [record] = database_rows(config, RunRow)
    assert record.exit_code == 1 and record.summary.startswith("interrupted by SIGTERM;")



def test_runs_interrupted_while_reading_give_the_attempt_back(tmp_path, site_server):
    """Issue 21: runs stopped by SIGTERM while reading (a deploy, cron's timeout shorter than a big OCR) used
    up a sound RAA's attempts, which was then never read again and listed nowhere. Each interrupted reading
    gives its attempt back and the RAA waits, listed by status, until a run reads it."""
    config = write_config(tmp_path, serve(site_server, [DRONE]), extract="{ocr: false, max_attempts: 2}")
    [pdf] = site_server.routes[quote(DRONE.href)]
    site_server.route(quote(DRONE.href), dataclasses.replace(pdf, delay=30))
    for _ in range(3):
        run = subprocess.Popen([sys.executable, "-m", "watchbot", "-v", "run", "--config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path, text=True)
        try:
            assert run.stderr is not None
            for line in run.stderr:  # stopped while it downloads the RAA
                if "downloading" in line:
                    break
            run.send_signal(signal.SIGTERM)
            assert run.wait(timeout=20) == 1
        finally:
            run.kill()
    [document] = database_rows(config, DocumentRow)
    assert (document.status, document.attempts) == ("waiting", 0)
    assert "reading interrupted by SIGTERM" in report(configuration.load(str(config)))
    site_server.route(quote(DRONE.href), pdf)
    assert main(["run", "--config", str(config)]) == 0
    [document] = database_rows(config, DocumentRow)
    assert document.status == "done"


# 1. The run's deadline -----------------------------------------------------------------------------------

def test_a_run_ends_at_its_deadline_and_says_why(tmp_path, raw_server):
    def answer(connection, path):
        connection.sendall(HEADERS)
        time.sleep(30)

    server = raw_server(answer)
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"""state_dir: {tmp_path / 'state'}
run_deadline_seconds: 2
http: {{delay_seconds: 0, max_retries: 0}}
sources:
  - {{code: slow, name: Lente, index_url: "{server.url('/Publications/RAA')}"}}
  - {{code: next, name: Suivante, index_url: "{server.url('/Publications/Autres')}"}}
""")
    elapsed, error = timed(lambda: main(["run", "--config", str(config)]))
    assert error is None and elapsed < 4
    reasons = {row.code: row.last_error for row in database_rows(config, SourceRow)}
    assert "too slow: no complete answer within the run's deadline of 2 s" in reasons["slow"]
    assert "not fetched: the run's deadline of 2 s has passed" in reasons["next"]


# 9. YAML and secrets ------------------------------------------------------------------------------------

LAUGHS = "".join(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]\n" for level in range(1, 10))
BOMB = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + LAUGHS  # 10^10 values in 1 kB


@pytest.mark.parametrize("text, message", [(BOMB, "values once its aliases are expanded"),
                                           ("a: &a [1, *a]\n", "a recursive alias")])
def test_alias_bombs_and_recursion_are_clear_errors(tmp_path, capsys, fresh_logging, text, message):
    assert len(BOMB) < 1100
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "bomb.yaml").write_text(text)
    (tmp_path / "watchbot.yaml").write_text(text)
    for command in (["rules", "check", str(rules_dir)], ["status", "--config", str(tmp_path / "watchbot.yaml")]):
        start = time.monotonic()
        assert main(command) == 2
        assert time.monotonic() - start < 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err


def test_a_token_file_with_more_than_the_token_never_shows_it(tmp_path, site_server, strict_mastodon, capsys,
                                                               caplog):
    secret = strict_mastodon.token("surveillance")
    (tmp_path / "token").write_text(f"{secret}\n# jeton du compte, renouvelé le 3 mars\n")
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon)
    config.write_text(config.read_text().replace("access_token_env: TOKEN_SURVEILLANCE",
                                                 f"access_token_file: {tmp_path / 'token'}"))
    os.environ["TOKEN_SILT"] = strict_mastodon.token("silt")
    assert main(["run", "--config", str(config)]) == 1
    shown = capsys.readouterr().err + caplog.text
    assert "the token file must hold the access token alone, on its first line" in shown
    assert secret not in shown and "renouvelé" not in shown
    stored = [str(value) for model in (PostRow, RunRow, DocumentRow) for row in database_rows(config, model)
              for value in vars(row).values()]
    assert not any(secret in value or "renouvelé" in value for value in stored)
    assert strict_mastodon.posts("surveillance") == [] and len(strict_mastodon.posts("silt")) == 1


# 10. The database as a thing that can break ---------------------------------------------------------------

@pytest.mark.parametrize("command", [["run"], ["status"]])
def test_a_corrupt_database_is_a_clear_error(tmp_path, site_server, capsys, fresh_logging, command):
    config = write_config(tmp_path, serve(site_server, [NEGATIVE]))
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "watchbot.db").write_bytes(b"\x00garbage, not SQLite" * 500)
    assert main([*command, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "the database cannot be used: file is not a database" in err and "moved aside" in err
    assert "Traceback" not in err


def test_only_a_damaged_database_gets_the_advice_to_move_it_aside(tmp_path, capsys, fresh_logging):
    """Issue 21: any database error printed the advice to move the file aside, which past 40 toots leads to
    duplicates; a database that cannot be opened gets the advice on the state directory."""
    (tmp_path / "state" / "watchbot.db").mkdir(parents=True)
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"state_dir: {tmp_path / 'state'}\n", encoding="utf-8")
    assert main(["status", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "the database cannot be used: " in err and "readable and writable" in err
    assert "moved aside" not in err and "Traceback" not in err


def test_a_broken_pipe_exits_quietly(tmp_path):
    """Issue 25: `watchbot status | head -n 1` exited 2 with « Broken pipe » and advice on the database."""
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"state_dir: {tmp_path / 'state'}\nsources: all\n", encoding="utf-8")
    assert main(["status", "--config", str(config)]) == 0
    # the reader closes the pipe before watchbot writes to it
    shell = subprocess.run(f"{sys.executable} -m watchbot status --config {config} | (exec 0<&-; sleep 3); "
                           "echo ${PIPESTATUS[0]} >&2", shell=True, executable="/bin/bash", capture_output=True,
                           text=True, timeout=60)
    assert shell.stderr == "0\n"


def test_a_state_dir_that_cannot_be_made_is_a_clear_error(tmp_path, site_server, capsys, fresh_logging):
    config = write_config(tmp_path, serve(site_server, [NEGATIVE]))
    (tmp_path / "state").write_text("a file where the state directory should be")
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "state" in err and "Traceback" not in err


def test_a_lost_database_does_not_post_again(tmp_path, site_server, strict_mastodon, monkeypatch):
    tokens(monkeypatch, strict_mastodon)
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon)
    assert main(["run", "--config", str(config)]) == 0
    posted = {account: len(strict_mastodon.posts(account)) for account in ("surveillance", "silt")}
    assert posted == {"surveillance": 1, "silt": 1}
    strict_mastodon.expire_idempotency_keys()
    (tmp_path / "state" / "watchbot.db").unlink()  # a disk change, a wrong state_dir
    assert main(["run", "--config", str(config)]) == 0
    assert {account: len(strict_mastodon.posts(account)) for account in posted} == posted
    assert {row.status for row in database_rows(config, PostRow)} == {"posted"}


def test_a_database_deleted_during_a_run_is_a_clear_error(tmp_path, raw_server, capsys, fresh_logging):
    database = tmp_path / "state" / "watchbot.db"

    def answer(connection, path):
        if path.endswith(".pdf"):
            database.unlink()  # a clean-up script, a wrong mount
        body = (b'<html><body><main><a href="/contenu/telechargement/1/file/raa.pdf">RAA du 20/01/2025</a>'
                b'</main></body></html>') if not path.endswith(".pdf") else b"gone"
        status = b"200 OK" if not path.endswith(".pdf") else b"404 Not Found"
        connection.sendall(b"HTTP/1.1 %s\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s"
                           % (status, len(body), body))

    server = raw_server(answer)
    config = write_config(tmp_path, server.url("/Publications/RAA"))
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "the database file was deleted or replaced during the run" in err and "Traceback" not in err


@pytest.mark.parametrize("error, passing", [
    (OSError(errno.ENOSPC, "No space left on device"), True),
    (FetchError("u", "HTTP 503, gave up after 5 attempts", passing=True), True),
    (FetchError("u", "HTTP 404 Not Found"), False),
    (ExtractError("OCR work directory w: No space left on device", passing=True), True),
    (ExtractError("broken or truncated PDF"), False),
    (OperationalError("UPDATE documents", {}, Exception("database is locked")), True),
    (ChildFailed("reading the document crashed the reader (killed by signal SIGSEGV)"), False),
])
def test_only_what_the_document_is_to_blame_for_uses_an_attempt(error, passing):
    assert steps.passing(error) is passing


def test_a_source_listing_more_raa_than_a_statement_takes_is_stored(database_url, monkeypatch):
    """66,000 RAA in one crawl (one site of 130 pages × 2,000 links did it) used to end every run with « too many
    SQL variables »: more than PostgreSQL takes in one statement (65,535) and than SQLite's default builds
    (32,766; this machine's Python is built with more, so the test sets SQLite's default). The known URLs are
    asked for, and the new ones inserted, a few hundred at a time."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from watchbot.store import open_database
    from watchbot.store import sources as source_history
    from watchbot.store.states import DocumentState

    def sqlite_default_limit(connection, _record) -> None:
        if hasattr(connection, "setlimit"):
            connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)

    event.listen(Engine, "connect", sqlite_default_limit)
    try:
        sessions = open_database(database_url)
        source = Source("pref99", "Préfecture test", "http://127.0.0.1/raa")
        source_history.history(sessions, source, datetime.now(timezone.utc), date(2026, 1, 1))
        listings = [Listing("pref99", f"http://127.0.0.1/raa/{number}.pdf", f"RAA {number}", date(2026, 1, 2))
                    for number in range(66_000)]
        new = source_history.record_crawl(sessions, "pref99", listings, lambda _: DocumentState.NEW, "{}")
        again = source_history.record_crawl(sessions, "pref99", listings[:10] + [
            Listing("pref99", "http://127.0.0.1/raa/new.pdf", "RAA new", date(2026, 1, 3))],
            lambda _: DocumentState.NEW, "{}")
    finally:
        event.remove(Engine, "connect", sqlite_default_limit)
    assert (new, again) == (66_000, 1)


@pytest.mark.parametrize("url, says", [
    ("postgresql+psycopg2://watchbot:secret@127.0.0.1/watchbot", "its driver is not installed"),
    ("nosuch://127.0.0.1/watchbot", "Can't load plugin"),
])
def test_a_database_url_without_its_driver_is_a_clear_usage_error(tmp_path, capsys, url, says):
    """Issue 21: a database_url whose driver is not installed ended in a traceback."""
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"state_dir: {tmp_path / 'state'}\ndatabase_url: {url}\n", encoding="utf-8")
    assert main(["status", "--config", str(config)]) == 2
    error = capsys.readouterr().err
    assert says in error and "Traceback" not in error and "secret" not in error


# 11. Publishing: what reaches an account, a feed and a terminal (issue 21) ----------------------------------

RULESET = rules.load(BUNDLED_RULES)
PREF77 = Source("pref77", "Préfecture de Seine-et-Marne", "https://www.seine-et-marne.gouv.fr/RAA", "77")
JUNK = "\x1b\x0b\x00\x07\x9b\u202e\u2066"  # what junk glyph codes and a hostile title leave


def queue_acts(path: Path, account: Account, count: int):
    """A database whose outbox holds `count` toots of distinct drone acts for `account`."""
    sessions = open_database(f"sqlite:///{path}")
    with sessions() as session:
        session.add(SourceRow(code=PREF77.code, name=PREF77.name))
        session.flush()
        for number in range(1, count + 1):
            ref = f"77-2025-01-20-{number:05d}"
            act = ActRow(ref=ref, title=f"Arrêté n°{number} autorisant la captation d'images par drone",
                         first_page=number, last_page=number, key=ref, fingerprint=ref,
                         matches=[MatchRow(category="drones", rule="r", page=number, excerpt="captation par drone",
                                           words="drone")])
            session.add(DocumentRow(source_code=PREF77.code, url=f"https://pref77.example/raa-{number}.pdf",
                                    title=f"RAA n°{number}", published=date(2025, 1, 20), acts=[act]))
            session.flush()
            posts.enqueue(session, act, ["drones"], [account], department=PREF77.department)
        session.commit()
    return sessions


def send_queued(sessions, account: Account) -> outbox.PostCounts:
    return outbox.Sender(sessions, RULESET, {PREF77.code: PREF77}, io.StringIO(), "test").send(
        [account], dry_run=False, max_posts=None)


def test_a_lost_database_with_more_toots_than_a_page_posts_none_again(tmp_path, strict_mastodon, monkeypatch,
                                                                        caplog):
    """Issue 21: the account's statuses were read one page back: the 5 oldest of 45 toots were posted again."""
    monkeypatch.setenv("TOKEN_SURVEILLANCE", strict_mastodon.token())
    account = Account("surveillance", strict_mastodon.base_url, ("drones",), access_token_env="TOKEN_SURVEILLANCE",
                      max_posts_per_run=45)
    assert send_queued(queue_acts(tmp_path / "first.db", account, 45), account).sent == 45
    strict_mastodon.expire_idempotency_keys()
    counts = send_queued(queue_acts(tmp_path / "replaced.db", account, 45), account)  # a lost database
    assert (counts.sent, counts.found) == (0, 45) and len(strict_mastodon.posts()) == 45
    monkeypatch.setattr(post, "MAX_PAGES", 1)  # bounded, and said when the bound is reached
    assert send_queued(queue_acts(tmp_path / "third.db", account, 45), account).found == 40
    assert "1 pages of the account's statuses read back, the most watchbot reads" in caplog.text


def test_a_control_character_in_an_act_title_reaches_no_feed_and_no_terminal(tmp_path, site_server,
                                                                              strict_mastodon, monkeypatch, capsys):
    """Issue 21: ESC, VT or NUL in a title made the feed step raise after posting, at every later run, and
    `search` printed a title's escape sequences and bidi controls raw."""
    tokens(monkeypatch, strict_mastodon)
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon)
    assert main(["run", "--config", str(config)]) == 0
    with open_database(configuration.load(str(config)).db_url)() as session:  # the title as junk glyphs left it
        session.execute(update(ActRow).values(title=f"Arrêté{JUNK} autorisant{JUNK} les drones"))
        session.execute(update(DocumentRow).values(title=f"RAA{JUNK} spécial"))
        session.commit()
    assert main(["run", "--config", str(config)]) == 0
    feed = (tmp_path / "state" / "feeds" / "categories" / "drones.atom").read_text(encoding="utf-8")
    assert "Arrêté autorisant les drones" in feed and not re.search("[\x00-\x08\x0b-\x1f\u202e\u2066]", feed)
    capsys.readouterr()
    assert main(["search", "aéronef*", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Arrêté autorisant les drones" in out and "RAA spécial" in out
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2066]", out)


def test_accounts_a_dot_b_and_a_dash_b_get_a_feed_each_plain_names_keep_theirs(tmp_path):
    """Issue 21: accounts `a.b` and `a-b` shared one feed file."""
    accounts = tuple(Account(name, "https://x", ("drones",), access_token_env="T") for name in ("a.b", "a-b", "A-B"))
    config = Config(state_dir=tmp_path, accounts=accounts)
    written = feeds.write_all(open_database(f"sqlite:///{tmp_path / 'watchbot.db'}"), config, RULESET)
    names = {path.name for path in written if path.parent.name == "accounts"}
    assert len(names) == 3 and "a-b.atom" in names  # a plain name keeps its file
    assert {path.name for path in written if path.parent.name == "categories"} >= {"drones.atom", "vsa.atom"}


def test_a_full_feeds_disk_fails_the_run(tmp_path, site_server, monkeypatch, capsys, caplog):
    """Issue 21: a full feeds disk left the run at exit 0."""
    def full(path, content):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(feeds, "replace", full)
    config = write_config(tmp_path, serve(site_server, [DRONE]))
    assert main(["run", "--config", str(config)]) == 1
    assert "the feeds could not be written" in caplog.text and "No space left on device" in caplog.text
    assert "feeds not written" in caplog.text
    assert [row.status for row in database_rows(config, DocumentRow)] == ["done"]


def test_a_token_file_readable_by_all_is_used_with_one_warning(tmp_path, site_server, strict_mastodon,
                                                               monkeypatch, caplog):
    """Issue 21: a token file readable by all was used without a warning."""
    secret = strict_mastodon.token("surveillance")
    (tmp_path / "token").write_text(f"{secret}\n")
    (tmp_path / "token").chmod(0o644)
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon)
    config.write_text(config.read_text().replace("access_token_env: TOKEN_SURVEILLANCE",
                                                 f"access_token_file: {tmp_path / 'token'}"))
    monkeypatch.setenv("TOKEN_SILT", strict_mastodon.token("silt"))
    assert main(["run", "--config", str(config)]) == 0
    assert len(strict_mastodon.posts("surveillance")) == 1
    assert caplog.text.count("can be read by other users (mode 644)") == 1 and secret not in caplog.text
    caplog.clear()
    (tmp_path / "token").chmod(0o600)
    serve(site_server, [DRONE, NEGATIVE])
    assert main(["run", "--config", str(config)]) == 0 and "other users" not in caplog.text


def test_a_held_toot_a_person_found_on_takahe_is_marked_posted(tmp_path, site_server, monkeypatch, capsys):
    """Issue 21: no command recorded a held toot as posted: every run exited 1 forever."""
    takahe = StrictMastodon(profile=PROFILES["takahe"]).start()
    try:
        tokens(monkeypatch, takahe)
        config = write_config(tmp_path, serve(site_server, [DRONE]), takahe)
        config.write_text(config.read_text().replace("access_token_env: TOKEN_SURVEILLANCE",
                                                     "access_token_env: TOKEN_SURVEILLANCE\n    visibility: private"))
        takahe.fail(500)  # the first toot (surveillance) is refused: it stays queued
        assert main(["run", "--config", str(config)]) == 1
        with open_database(configuration.load(str(config)).db_url)() as session:  # then a run died sending it
            session.execute(update(PostRow).where(PostRow.account == "surveillance").values(status="sending"))
            session.commit()
        assert main(["run", "--config", str(config)]) == 1  # held: Takahē may not list a followers-only toot
        [held] = [row for row in database_rows(config, PostRow) if row.account == "surveillance"]
        assert held.status == "sending" and f"watchbot retry --mark-posted {held.id}" in held.wait_reason
        [posted] = [row for row in database_rows(config, PostRow) if row.account == "silt"]
        assert main(["retry", "--mark-posted", str(posted.id), "--config", str(config)]) == 2
        assert "only a toot left sending can be marked posted" in capsys.readouterr().err
        assert main(["retry", "--mark-posted", str(held.id), "--config", str(config)]) == 0  # a person saw it
        assert f"#{held.id} surveillance: recorded as posted" in capsys.readouterr().out
        assert main(["run", "--config", str(config)]) == 0
        assert {row.status for row in database_rows(config, PostRow)} == {"posted"}
    finally:
        takahe.stop()


def test_a_failure_on_the_instance_endpoints_is_the_reason_status_gives(tmp_path, strict_mastodon, monkeypatch):
    """Issue 21: after a 5xx on /api/v2/instance `status` said "never tried"; reasons lost their cause."""
    monkeypatch.setenv("TOKEN_SURVEILLANCE", strict_mastodon.token())
    account = Account("surveillance", strict_mastodon.base_url, ("drones",), access_token_env="TOKEN_SURVEILLANCE")
    sessions = queue_acts(tmp_path / "watchbot.db", account, 2)
    strict_mastodon.fail(503, method="GET", path="/api/v2/instance")
    strict_mastodon.fail(503, method="GET", path="/api/v1/instance")
    assert send_queued(sessions, account).errors == 1
    shown = report(Config(database_url=f"sqlite:///{tmp_path / 'watchbot.db'}"))
    assert "never tried" not in shown and shown.count("server error 503") == 2


def test_a_reason_keeps_its_cause():
    """Issue 21: reasons were cut before their cause ("… [Errno 111] Connection re")."""
    proxied = f"{closed_port_url()}/{'behind-a-reverse-proxy/' * 8}"
    with pytest.raises(RetryLater) as refused:
        _ = Poster(proxied, "token").limit
    assert refused.value.reason.endswith("[Errno 111] Connection refused\"))") and len(refused.value.reason) <= 600


# 27. A hostile Attrap API ----------------------------------------------------------------------------

ATTRAP_ELEMENT = {"administration": "pref92", "name": "RAA", "date": "2026-03-01", "url": "https://x.example/a.pdf"}


@pytest.mark.parametrize("answer, says", [
    ("[" * 100_000 + "]" * 100_000, "nested too deep"),
    (json.dumps({"elements": [ATTRAP_ELEMENT] * 20_000}), "answered 20000 elements on one page, more than 1000")])
def test_a_hostile_attrap_answer_fails_only_its_source(tmp_path, site_server, capsys, fresh_logging, answer, says):
    index = serve(site_server, [NEGATIVE])
    site_server.route("/api/v1/search", answer)
    extra = (f'  - {{code: attrap92, name: Attrap, index_url: "{site_server.url("/api/v1/search")}", '
             f'strategy: attrap, options: {{administration: pref92, hosts: [x.example]}}}}\n')
    config = write_config(tmp_path, index, not_before="2025-01-01", extra=extra)
    start = time.monotonic()
    assert main(["sources", "check", "--config", str(config)]) == 1
    assert time.monotonic() - start < 20
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[1].split()[:2] == ["pref77", "yes"]
    assert lines[2].startswith("attrap92") and says in lines[2]
    assert "Traceback" not in captured.err + captured.out


# 28. A 429 storm -------------------------------------------------------------------------------------

def test_a_429_storm_gives_the_host_up_for_the_run_without_using_attempts(tmp_path, site_server):
    """Every PDF answered 429: each took its retries and waits, holding the lock for hours; after 10 busy
    answers in a row the host is given up until the next run, and no document uses an attempt."""
    documents = [dataclasses.replace(NEGATIVE, name=f"RAA n°{number}.pdf") for number in range(12)]
    config = write_config(tmp_path, serve(site_server, documents))
    for document in documents:
        site_server.route(quote(document.href), Route(status=429, retry_after="0"))
    start = time.monotonic()
    assert main(["run", "--config", str(config)]) == 1
    assert time.monotonic() - start < 60  # the pacing slowed down, 1 s back-offs
    pdf_requests = [path for path in site_server.paths() if path.endswith(".pdf")]
    assert len(pdf_requests) == 10  # two attempts for five documents, then none
    rows = database_rows(config, DocumentRow)
    assert len(rows) == 12 and {(row.status, row.attempts) for row in rows} == {("waiting", 0)}
    assert sum("given up for this run" in row.last_error for row in rows) == 8  # the tenth answer too
