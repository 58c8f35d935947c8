"""The HTTP layer against a real local server: pacing, retries, redirects, caps, validators."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.corpus import corpus
from tests.support.httpserver import DictCache, Route, SiteServer
from watchbot.core.settings import HttpSettings
from watchbot.core.urls import normalize_url
from watchbot.fetch import ChallengeError, Fetcher, FetchError
from watchbot.fetch.guard import Guard

DATA = Path(__file__).parent / "data" / "pdfs"
SETTINGS = HttpSettings(user_agent="watchbot-test (+mailto:test@example.org)", delay_seconds=0,
                        timeout_seconds=2, max_retries=2, max_pdf_bytes=1_000_000, max_html_bytes=50_000,
                        max_redirects=3)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fetcher(server: SiteServer, settings: HttpSettings = SETTINGS, cache=None, sleep=None, **kwargs) -> Fetcher:
    return Fetcher(settings, [server.base], cache=cache, sleep=Sleeps() if sleep is None else sleep, **kwargs)


@pytest.fixture
def real_pdf() -> bytes:
    return corpus("idf/pdfs/RAA%20n%C2%B0D77-31-01-2024-special.pdf").read_bytes()


def test_page_sends_the_user_agent_and_returns_the_text(site_server):
    site_server.route("/a", "<html><body>Recueil des actes administratifs – août</body></html>")
    assert "août" in fetcher(site_server).html(site_server.url("/a")).text
    assert site_server.requests[0].headers["User-Agent"] == SETTINGS.user_agent


def test_raw_spaces_degree_and_accents_are_encoded_once(site_server):
    site_server.route("/f/RAA n° 141 du 16 avril 2026.html", "<p>ok</p>")
    site_server.route("/f/d%C3%A9j%C3%A0.html", "<p>ok</p>")
    client = fetcher(site_server)
    client.html(site_server.url("/f/RAA n° 141 du 16 avril 2026.html"))
    client.html(site_server.url("/f/d%C3%A9j%C3%A0.html"))
    assert site_server.paths() == ["/f/RAA%20n%C2%B0%20141%20du%2016%20avril%202026.html", "/f/d%C3%A9j%C3%A0.html"]
    assert normalize_url("https://x.fr/a b%20c/é") == "https://x.fr/a%20b%20c/%C3%A9"


def test_429_with_retry_after_is_waited_then_retried(site_server):
    site_server.route("/busy", [Route(status=429, retry_after="7"), Route(body="<p>enfin</p>")])
    sleeps = Sleeps()
    assert "enfin" in fetcher(site_server, sleep=sleeps).html(site_server.url("/busy")).text
    assert sleeps == [7.0]
    assert site_server.count("/busy") == 2


def test_503_backs_off_exponentially_then_gives_up_for_this_run(site_server):
    site_server.route("/down", Route(status=503, body="maintenance"))
    sleeps = Sleeps()
    with pytest.raises(FetchError) as caught:
        fetcher(site_server, sleep=sleeps).html(site_server.url("/down"))
    assert caught.value.passing
    assert "HTTP 503" in caught.value.reason and "3 attempts" in caught.value.reason
    assert sleeps == [1.0, 2.0]
    assert site_server.count("/down") == SETTINGS.max_retries + 1


def test_a_retry_after_beyond_the_cap_defers_to_the_next_run(site_server):
    site_server.route("/later", Route(status=503, retry_after="3600"))
    sleeps = Sleeps()
    with pytest.raises(FetchError) as caught:
        fetcher(site_server, sleep=sleeps, max_retry_wait=60).html(site_server.url("/later"))
    assert caught.value.passing and "3600" in caught.value.reason
    assert sleeps == [] and site_server.count("/later") == 1


def test_a_timeout_is_retried_then_reported(site_server):
    site_server.route("/slow", Route(body="<p>late</p>", delay=1.0))
    settings = HttpSettings(delay_seconds=0, timeout_seconds=0.2, max_retries=1)
    with pytest.raises(FetchError) as caught:
        fetcher(site_server, settings).html(site_server.url("/slow"))
    assert "timed out" in caught.value.reason and caught.value.passing
    assert site_server.count("/slow") == 2


def test_a_trickling_transfer_is_cut_short(site_server, tmp_path):
    # every piece comes within the read timeout, the whole takes longer than the request's deadline
    site_server.route("/slow.pdf", Route(body=b"%PDF-1.4\n" + b"0" * 24_000, content_type="application/pdf",
                                         drip=0.06))
    settings = HttpSettings(delay_seconds=0, timeout_seconds=0.1, request_deadline_seconds=1, max_retries=0)
    with pytest.raises(FetchError, match="too slow") as caught:
        fetcher(site_server, settings).pdf(site_server.url("/slow.pdf"), tmp_path / "slow.pdf")
    assert caught.value.passing and list(tmp_path.iterdir()) == []


def test_a_redirect_within_the_host_is_followed(site_server):
    site_server.route("/old", Route(status=301, location="/new"))
    site_server.route("/new", "<p>moved</p>")
    page = fetcher(site_server).html(site_server.url("/old"))
    assert "moved" in page.text and page.url == site_server.url("/new")


def test_a_redirect_to_a_foreign_host_is_refused(site_server):
    foreign = SiteServer().start()
    try:
        foreign.route("/x.pdf", Route(body=b"%PDF-1.4 foreign", content_type="application/pdf"))
        target = foreign.url("/x.pdf").replace("127.0.0.1", "localhost")
        site_server.route("/doc.pdf", Route(status=302, location=target))
        with pytest.raises(FetchError) as caught:
            fetcher(site_server).html(site_server.url("/doc.pdf"))
        assert "refused redirect" in caught.value.reason and "localhost" in caught.value.reason
        assert not caught.value.passing
        assert foreign.requests == []
    finally:
        foreign.stop()


def test_a_host_outside_the_sources_is_never_contacted(site_server):
    with pytest.raises(FetchError, match="not the host of a configured source"):
        Fetcher(SETTINGS, ["www.var.gouv.fr"]).html(site_server.url("/a"))
    assert site_server.requests == []


def test_another_port_of_a_configured_host_is_never_contacted(site_server):
    other = SiteServer().start()  # the same host, 127.0.0.1, on another port
    try:
        other.route("/x.pdf", Route(body=b"%PDF-1.4 elsewhere", content_type="application/pdf"))
        with pytest.raises(FetchError) as caught:
            fetcher(site_server).html(other.url("/x.pdf"))
        assert caught.value.url == other.url("/x.pdf") and not caught.value.passing
        assert caught.value.reason == (f"refused: {other.base} is not the scheme, host and port of a configured "
                                       f"source (configured for 127.0.0.1: {site_server.base})")
        assert other.requests == []
    finally:
        other.stop()


def test_the_allowed_origins_are_the_configured_scheme_host_and_port():
    guard = Guard(["https://www.var.gouv.fr", "http://127.0.0.1:8080", "www.nord.gouv.fr", "http://old.gouv.fr"])
    allowed = ["https://www.var.gouv.fr/a", "https://www.var.gouv.fr:443/a", "http://127.0.0.1:8080/a",
               "http://www.nord.gouv.fr/a", "https://www.nord.gouv.fr/a", "https://old.gouv.fr/a"]
    refused = ["http://www.var.gouv.fr/a", "https://www.var.gouv.fr:8443/a", "http://127.0.0.1/a",
               "http://127.0.0.1:8081/a", "https://www.nord.gouv.fr:8443/a", "http://old.gouv.fr:8080/a",
               "http://[broken/a"]
    assert [url for url in allowed if not guard.allows(url)] == []
    assert [url for url in refused if guard.allows(url)] == []


def test_an_invalid_url_or_redirect_is_refused_without_retrying(site_server):
    site_server.route("/bad", Route(status=302, location="http://[broken/x"))
    sleeps = Sleeps()
    with pytest.raises(FetchError, match="refused invalid URL in the answer"):
        fetcher(site_server, sleep=sleeps).html(site_server.url("/bad"))
    with pytest.raises(FetchError, match="only http and https"):
        fetcher(site_server, sleep=sleeps).html("file:///etc/passwd")
    assert sleeps == [] and site_server.count("/bad") == 1


def test_a_redirect_loop_stops(site_server):
    site_server.route("/a", Route(status=302, location="/b"))
    site_server.route("/b", Route(status=302, location="/a"))
    with pytest.raises(FetchError, match="too many redirects"):
        fetcher(site_server).html(site_server.url("/a"))
    assert len(site_server.requests) == SETTINGS.max_redirects + 1


def test_a_huge_page_is_refused(site_server):
    site_server.route("/huge", "<p>" + "x" * 60_000 + "</p>")
    with pytest.raises(FetchError, match="page too large"):
        fetcher(site_server).html(site_server.url("/huge"))


def test_invalid_utf8_does_not_crash_and_latin1_is_decoded(site_server):
    site_server.route("/bad", Route(body=b"<p>Ao\xfbt \xff\xfe 2026 \xc3\xa9t\xc3\xa9</p>"))
    site_server.route("/latin", Route(body="<p>Août</p>".encode("latin-1"),
                                      content_type="text/html; charset=ISO-8859-1"))
    client = fetcher(site_server)
    text = client.html(site_server.url("/bad")).text
    assert "\ufffd" in text and "été" in text
    assert "Août" in client.html(site_server.url("/latin")).text


def test_second_fetch_is_conditional_and_304_gives_the_cached_page(site_server):
    site_server.route("/etag", Route(body="<p>liste</p>", etag='"v1"'))
    site_server.route("/lm", Route(body="<p>mois</p>", last_modified="Thu, 13 Aug 2026 08:00:00 GMT"))
    cache = DictCache()
    client = fetcher(site_server, cache=cache)
    first = [client.html(site_server.url(path)).text for path in ("/etag", "/lm")]
    again = [client.html(site_server.url(path)).text for path in ("/etag", "/lm")]
    assert again == first
    headers = [logged.headers for logged in site_server.requests]
    assert headers[2]["If-None-Match"] == '"v1"'
    assert headers[3]["If-Modified-Since"] == "Thu, 13 Aug 2026 08:00:00 GMT"
    assert "If-None-Match" not in headers[0]


def test_requests_to_one_host_are_paced(site_server):
    site_server.route("/p", "<p>x</p>")
    sleeps = Sleeps()
    now = [100.0]
    client = Fetcher(HttpSettings(delay_seconds=5), [site_server.base], sleep=sleeps, clock=lambda: now[0])
    client.html(site_server.url("/p"))
    now[0] += 2.0
    client.html(site_server.url("/p"))
    assert sleeps == [3.0]


class Clock:
    """A clock that sleeping moves on, logging each sleep."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def servers():
    started = [SiteServer(f"127.0.0.{number}").start() for number in (2, 3)]
    for server in started:
        server.route("/p", "<p>x</p>")
    yield started
    for server in started:
        server.stop()


def test_hosts_on_one_address_share_the_delay(site_server):
    site_server.route("/p", "<p>x</p>")
    clock = Clock()
    localhost = site_server.base.replace("127.0.0.1", "localhost")
    client = Fetcher(HttpSettings(delay_seconds=5), [site_server.base, localhost], sleep=clock.sleep, clock=clock)
    client.html(site_server.url("/p"))
    clock.now += 2.0
    client.html(f"{localhost}/p")
    assert clock.sleeps == [3.0] and client.requests == 2
    assert client.platform("http://localhost/") == client.platform(site_server.url("/")) == "127.0.0.1"


def test_each_address_has_its_own_pace(servers):
    clock = Clock()
    client = Fetcher(HttpSettings(delay_seconds=5), [server.base for server in servers], sleep=clock.sleep,
                     clock=clock)
    for server in (*servers, *servers):
        client.html(server.url("/p"))
    assert clock.sleeps == [5.0]  # only before the second round; 127.0.0.3 waited while 127.0.0.2 did
    assert [server.count("/p") for server in servers] == [2, 2]


def test_a_503_storm_slows_the_platform_down_for_the_rest_of_the_run(site_server):
    site_server.route("/busy", Route(status=503))
    site_server.route("/p", "<p>x</p>")
    clock = Clock()
    settings = HttpSettings(delay_seconds=5, max_retries=2)
    localhost = site_server.base.replace("127.0.0.1", "localhost")
    client = Fetcher(settings, [site_server.base, localhost], sleep=clock.sleep, clock=clock)
    with pytest.raises(FetchError, match="HTTP 503, gave up after 3 attempts"):
        client.html(site_server.url("/busy"))
    assert client.delay(site_server.url("/")) == 10.0
    before = len(clock.sleeps)
    client.html(f"{localhost}/p")
    client.html(f"{localhost}/p")
    assert clock.sleeps[before:] == [10.0, 10.0]


def test_pdf_is_streamed_with_its_hash(site_server, real_pdf, tmp_path):
    site_server.route("/raa.pdf", Route(body=real_pdf, content_type="application/pdf"))
    download = fetcher(site_server).pdf(site_server.url("/raa.pdf"), tmp_path / "raa.pdf")
    assert download.size == len(real_pdf) == (tmp_path / "raa.pdf").stat().st_size
    assert download.sha256 == hashlib.sha256(real_pdf).hexdigest()


def test_the_police_javascript_challenge_is_not_a_pdf(site_server, tmp_path):
    challenge = (DATA / "2024_01493_05102024.pdf").read_bytes()
    site_server.route("/sites/default/files/Documents/2024_01493_05102024.pdf",
                      Route(body=challenge, content_type="text/html"))
    with pytest.raises(FetchError) as caught:
        fetcher(site_server).pdf(site_server.url("/sites/default/files/Documents/2024_01493_05102024.pdf"),
                                 tmp_path / "pp.pdf")
    assert caught.value.reason.startswith("not a PDF: the server sent an HTML page (a JavaScript challenge (the "
                                          "Préfecture de police's)) instead of the document")
    assert list(tmp_path.iterdir()) == []


CLOUDFLARE_BLOCK = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper" role="main">
<noscript>Enable JavaScript and cookies to continue</noscript></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'www.prefectures-regions.gouv.fr',cType: 'managed'};
var a = document.createElement('script');a.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1';
document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>"""


@pytest.mark.parametrize("status", [200, 403, 503])
def test_an_anti_bot_challenge_is_told_from_a_page_without_retrying(site_server, status):
    site_server.route("/RAA", Route(body=CLOUDFLARE_BLOCK, status=status))
    with pytest.raises(ChallengeError) as caught:
        fetcher(site_server).html(site_server.url("/RAA"))
    assert caught.value.kind == "a Cloudflare challenge" and caught.value.passing
    assert caught.value.reason.startswith(f"HTTP {status} with a Cloudflare challenge instead of the page")
    assert site_server.count("/RAA") == 1


def test_the_police_challenge_served_for_a_page_is_a_challenge(site_server):
    site_server.route("/Documents", Route(body=(DATA / "2024_01493_05102024.pdf").read_bytes()))
    with pytest.raises(ChallengeError, match=r"JavaScript challenge \(the Préfecture de police's\)"):
        fetcher(site_server).html(site_server.url("/Documents"))


def test_a_plain_403_is_no_challenge(site_server):
    site_server.route("/RAA", Route(body="<html><body><h1>Forbidden</h1></body></html>", status=403))
    with pytest.raises(FetchError) as caught:
        fetcher(site_server).html(site_server.url("/RAA"))
    assert not isinstance(caught.value, ChallengeError) and caught.value.reason == "HTTP 403 Forbidden"


def test_a_truncated_download_leaves_no_file(site_server, real_pdf, tmp_path):
    site_server.route("/cut.pdf", Route(body=real_pdf, content_type="application/pdf", truncate=100_000))
    with pytest.raises(FetchError) as caught:
        fetcher(site_server).pdf(site_server.url("/cut.pdf"), tmp_path / "cut.pdf")
    assert caught.value.passing
    assert list(tmp_path.iterdir()) == []


def test_a_pdf_over_the_size_cap_is_refused(site_server, real_pdf, tmp_path):
    site_server.route("/big.pdf", Route(body=real_pdf, content_type="application/pdf"))
    small = HttpSettings(delay_seconds=0, max_pdf_bytes=100_000)
    with pytest.raises(FetchError, match="PDF too large"):
        fetcher(site_server, small).pdf(site_server.url("/big.pdf"), tmp_path / "big.pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_document_is_not_retried_later(site_server, tmp_path):
    with pytest.raises(FetchError) as caught:
        fetcher(site_server).pdf(site_server.url("/gone.pdf"), tmp_path / "gone.pdf")
    assert caught.value.reason.startswith("HTTP 404") and caught.value.gone and not caught.value.passing
    assert site_server.count("/gone.pdf") == 1


@given(st.text(alphabet=st.sampled_from("ab %°é/-_.()20AC"), max_size=40))
def test_normalizing_a_url_twice_changes_nothing(path):
    once = normalize_url("https://www.var.gouv.fr/contenu/" + path)
    assert normalize_url(once) == once
    assert " " not in once and "°" not in once and "é" not in once


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_connection_is_named_and_not_retried_within_the_run():
    """Issue 25: with no network, each source took its retries and back-offs and said only « connection
    failed »; a refused connection is named, tried once, and its origin not tried again this run."""
    url = f"http://127.0.0.1:{closed_port()}"
    sleeps = Sleeps()
    fetcher = Fetcher(SETTINGS, [url], sleep=sleeps)
    for _ in range(2):
        with pytest.raises(FetchError, match="connection refused: .*Connection refused") as caught:
            fetcher.html(f"{url}/raa")
        assert caught.value.passing
    assert (fetcher.requests, sleeps) == (1, [])
    assert "earlier in this run" in str(caught.value)


def test_a_failed_name_lookup_is_named_and_not_retried(monkeypatch):
    def no_dns(*_args, **_kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # no lookup leaves the machine
    fetcher = Fetcher(SETTINGS, ["https://www.prefecture.invalid"], sleep=Sleeps())
    with pytest.raises(FetchError, match="name lookup failed: .*Name or service not known"):
        fetcher.html("https://www.prefecture.invalid/raa")
    assert fetcher.requests == 1


def test_a_429_storm_gives_the_origin_up_for_the_run(site_server):
    """Issue 21: a host answering 429 to every request held the lock for hours, three attempts and their
    waits per document; after 10 busy answers in a row its origin is given up until the next run."""
    for number in range(6):
        site_server.route(f"/d{number}", Route(status=429, retry_after="1"))
    sleeps = Sleeps()
    client = fetcher(site_server, sleep=sleeps)
    reasons = []
    for number in range(6):
        with pytest.raises(FetchError) as caught:
            client.html(site_server.url(f"/d{number}"))
        assert caught.value.passing
        reasons.append(caught.value.reason)
    assert len(site_server.requests) == 10 and sleeps.count(1.0) == 6  # the other waits are the pacing
    assert "keeps answering that it is busy (10 in a row, 6 s waited), given up for this run" in reasons[3]
    assert "earlier in this run" in reasons[5]


def test_waiting_on_429_answers_is_bounded_in_the_run(site_server):
    site_server.route("/slow", [Route(status=429, retry_after="100"), Route(body="<p>ok</p>")] * 10)
    sleeps = Sleeps()
    client = fetcher(site_server, sleep=sleeps)
    for _ in range(6):
        client.html(site_server.url("/slow"))
    with pytest.raises(FetchError, match=r"\(1 in a row, 600 s waited\), given up for this run"):
        client.html(site_server.url("/slow"))
    assert [wait for wait in sleeps if wait >= 100] == [100] * 6  # the rest is the pacing, slowed down
