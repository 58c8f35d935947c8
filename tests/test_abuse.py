"""Abuse: what a hostile or broken site, document, rule file or state directory does to a run.

Every attack runs on 127.0.0.1 with small inputs generated here, and must end within its deadlines,
in bounded memory, with the lock released and no mention, hashtag or escape reaching a toot or a
terminal.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from datetime import date
from typing import Callable

import pytest
import requests
from mastodon._url_regex import url_regex

from httpserver import Route, SiteServer
from watchbot import discover
from watchbot.cli import _logging, build_parser, main
from watchbot.discover.dates import window
from watchbot.discover.dsfr import Options, Walk
from watchbot.discover.page import parse
from watchbot.fetch import Fetcher, FetchError, HtmlPage
from watchbot.match import rules
from watchbot.match.classify import classify
from watchbot.models import Act, Category, Match, Page, Source
from watchbot.publish.toot import TootInput, compose
from watchbot.settings import CrawlSettings, HttpSettings

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
    elapsed, error = timed(lambda: Fetcher(FAST, ["127.0.0.1"]).page(server.url("/RAA")))
    assert isinstance(error, FetchError) and error.retry_later
    assert "too slow" in error.reason and "request deadline of 1.5 s" in error.reason
    assert elapsed < 2.5


def test_a_trickled_pdf_leaves_no_partial_file(raw_server, tmp_path):
    server = raw_server(lambda connection, path: (
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 9000\r\n\r\n"),
        trickle(connection, b"%PDF-1.4\n" + b"0" * 8991, 0.05)))
    elapsed, error = timed(lambda: Fetcher(FAST, ["127.0.0.1"]).pdf(server.url("/a.pdf"), tmp_path / "a.pdf"))
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
    elapsed, error = timed(lambda: discover.crawl(source, Fetcher(FAST, ["127.0.0.1"]), today=date(2026, 3, 1),
                                                  settings=settings))
    assert isinstance(error, discover.DiscoverError) and error.retry_later
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
        walk = Walk("big", index, Options(), lambda url: HtmlPage(url, html), window(date(2026, 3, 1), 1),
                    date(2026, 3, 1), max_pages=1, max_links=100_000)
        start = time.process_time()
        assert len(walk.run()) == count
        return time.process_time() - start

    small, large = crawl(500), crawl(4000)
    assert large < 12 * small + 0.5  # 8 times the links: about 8 times the work (quadratic was 64 times)


def test_links_per_page_are_capped_with_a_warning(site_server, caplog):
    site_server.route("/Publications/RAA", rows_of_links(5000, document=False))
    source = Source(code="trap", name="Piège", index_url=site_server.url("/Publications/RAA"))
    settings = CrawlSettings(max_links_per_page=50, max_index_pages=100_000, source_deadline_seconds=20)
    fetcher = Fetcher(HttpSettings(delay_seconds=0, max_retries=0), [site_server.host])
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
            Fetcher(FAST, [site_server.host]).page(site_server.url("/old"))
        assert "secret" not in str(caught.value)
        assert other.requests == [] and site_server.paths() == ["/old"]
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


def test_escapes_in_logged_failures_are_shown_not_obeyed(caplog, capsys):
    logging.getLogger().handlers.clear()
    _logging(build_parser().parse_args(["status"]))
    logging.getLogger("watchbot").warning("source %s failed: %s", "x", ESCAPES)
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
