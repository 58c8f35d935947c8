"""Mastodon servers on 127.0.0.1 for the tests: the real mastodon-mock, and a stricter fake of our own.

`conftest.py` registers this module as a pytest plugin, so any test can ask for the fixtures.

`mastodon_mock_server` (this one shadows mastodon-mock's own pytest fixture of that name) starts
mastodon-mock in a thread with two bot accounts, `surveillance` and `silt`, and the accounts a
careless toot could ping (`someone`, `someone@example.org`). mastodon-mock differs from Mastodon
where it matters here: it counts a status's length with `len()` (a long URL counts in full, not as
23, so a real toot of 500 is refused: the fixture patches that check to Mastodon's count), keeps
idempotency keys forever and has a fixed limit (patched by `set_max_characters`).

`strict_mastodon` is the project's own fake where mastodon-mock is lenient: Mastodon's length count,
a 422 over the limit, idempotency keys that expire (`expire_idempotency_keys`), instance v1/v2 with
a configurable `max_characters`, scripted faults (503, 429 with X-RateLimit-Reset, an accepted toot
whose answer is lost), an outage (`stop`/`start` on the same port), and for every status the mentions,
hashtags, links and bare domains that Mastodon or a client linkifier would find in its text.
"""

from __future__ import annotations

import html
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import grapheme
import pytest
import requests
from mastodon._url_regex import url_regex  # Mastodon's own URL regex (twitter-text), as Mastodon.py ships it

BOTS = {"surveillance": "surveillance-token", "silt": "silt-token"}

# Mastodon's parsers, simplified (app/models/account.rb MENTION_RE, app/models/tag.rb HASHTAG_RE).
MENTION_RE = re.compile(r"(?<![=/\w])@((\w+(?:[\w.-]+\w+)?)(?:@\w+(?:[.-]+\w+)*)?)", re.IGNORECASE)
REMOTE_MENTION_RE = re.compile(r"(^|[^/\w])@(([a-z0-9_]+)@[a-z0-9.\-]+[a-z0-9]+)", re.IGNORECASE)  # as counted
HASHTAG_RE = re.compile(r"(?<![=/)\w])[#＃](\w*[^\W\d]\w*)", re.IGNORECASE)
# Link schemes Mastodon adds to twitter-text's http(s), and what client linkifiers take for a link.
OTHER_LINK_RE = re.compile(r"\b(?:(?:dat|dweb|ipfs|ipns|ssb|gopher|gemini)://|(?:xmpp|magnet):)[\w/?#%&=+.~@-]+",
                           re.IGNORECASE)
DOMAIN_RE = re.compile(r"(?<![\w.@-])(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?![\w-])")


def mastodon_length(text: str, spoiler_text: str = "") -> int:
    """Mastodon's StatusLengthValidator: URLs count 23, `@user@domain` counts as `@user`, graphemes."""
    text = url_regex.sub(lambda found: found.group(2) + "x" * 23, text)
    text = REMOTE_MENTION_RE.sub(r"\1@\3", text)
    return grapheme.length(text) + grapheme.length(spoiler_text)


@dataclass
class Fault:
    method: str
    path: str  # a prefix of the request path
    status: int  # 0: accept the request, then close the connection without answering
    headers: dict[str, str] = field(default_factory=dict)
    remaining: int = 1
    body: Any = None


class StrictMastodon:
    """A Mastodon API subset, as strict as Mastodon, on http://127.0.0.1:<port>."""

    def __init__(self, max_characters: int = 500, idempotency_ttl: float = 3600):
        self.max_characters = max_characters
        self.instance_v2 = True  # False: /api/v2/instance answers 404, as before Mastodon 4.0
        self.idempotency_ttl = idempotency_ttl
        self.tokens = {token: name for name, token in BOTS.items()}
        self.statuses: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.faults: list[Fault] = []
        self._keys: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> StrictMastodon:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the port: clients get "connection refused" until `start` opens it again."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, account: str = "surveillance") -> str:
        return BOTS[account]

    # --- faults and state ------------------------------------------------------------------------

    def fail(self, status: int, *, count: int = 1, method: str = "POST", path: str = "/api/v1/statuses",
             headers: dict[str, str] | None = None, body: Any = None) -> None:
        self.faults.append(Fault(method, path, status, headers or {}, count, body))

    def rate_limit(self, reset_in: int = 300, *, count: int = 1, method: str = "POST",
                   path: str = "/api/v1/statuses") -> datetime:
        """The next matching requests get a 429 whose X-RateLimit-Reset is `reset_in` seconds away."""
        reset = datetime.fromtimestamp(int(time.time()) + reset_in, timezone.utc)
        self.fail(429, count=count, method=method, path=path, headers={
            "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
        return reset

    def lose_answer(self, count: int = 1) -> None:
        """The next toots are stored, but the connection closes before the answer (a crash, a proxy timeout)."""
        self.fail(0, count=count)

    def expire_idempotency_keys(self) -> None:
        self._keys.clear()

    def posts(self, account: str = "surveillance") -> list[dict[str, Any]]:
        """The account's statuses, newest first, with their source `text`."""
        return [status for status in reversed(self.statuses) if status["account"]["username"] == account]

    def post_attempts(self) -> int:
        return self.requests.count(("POST", "/api/v1/statuses"))

    # --- the API ---------------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str], form: dict[str, str],
               headers: Any) -> tuple[int, Any, dict[str, str]] | None:
        with self._lock:
            self.requests.append((method, path))
            fault = self._take_fault(method, path)
            if fault and fault.status:
                return fault.status, fault.body or {"error": f"fault {fault.status}"}, fault.headers
            response = self._route(method, path, query, form, headers)
            return None if fault else response

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and path.startswith(fault.path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _route(self, method: str, path: str, query: dict[str, str], form: dict[str, str],
               headers: Any) -> tuple[int, Any, dict[str, str]]:
        if method == "GET" and path == "/api/v2/instance" and self.instance_v2:
            return 200, self._instance(), {}
        if method == "GET" and path == "/api/v1/instance":
            return 200, self._instance(), {}
        account = self.tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if path.startswith(("/api/v1/statuses", "/api/v1/accounts")) and account is None:
            return 401, {"error": "The access token is invalid"}, {}
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return 200, self._account(account), {}
        found = re.fullmatch(r"/api/v1/accounts/(\w+)/statuses", path)
        if method == "GET" and found:
            return self._account_statuses(found.group(1), query)
        if method == "POST" and path == "/api/v1/statuses":
            return self._post(account, form, headers.get("Idempotency-Key"))
        return 404, {"error": "Record not found"}, {}

    def _instance(self) -> dict[str, Any]:
        return {"uri": "127.0.0.1", "domain": "127.0.0.1", "title": "strict", "version": "4.3.0",
                "configuration": {"statuses": {"max_characters": self.max_characters,
                                               "characters_reserved_per_url": 23}}}

    def _account(self, name: str) -> dict[str, Any]:
        return {"id": str(list(BOTS).index(name) + 1), "username": name, "acct": name, "bot": True,
                "url": f"{self.base_url}/@{name}"}

    def _post(self, account: str, form: dict[str, str], key: str | None) -> tuple[int, Any, dict[str, str]]:
        if key and (account, key) in self._keys:
            status_id, stored = self._keys[(account, key)]
            if time.time() - stored < self.idempotency_ttl:
                return 200, _shown(next(s for s in self.statuses if s["id"] == status_id)), {}
        text, spoiler = form.get("status", ""), form.get("spoiler_text", "")
        if not text.strip():
            return 422, {"error": "Validation failed: Text can't be blank"}, {}
        if mastodon_length(text, spoiler) > self.max_characters:
            return 422, {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"}, {}
        if form.get("visibility", "public") not in ("public", "unlisted", "private", "direct"):
            return 422, {"error": "Validation failed: Visibility is not included in the list"}, {}
        status_id = str(100 + len(self.statuses))
        status = {
            "id": status_id, "created_at": datetime.now(timezone.utc).isoformat(),
            "url": f"{self.base_url}/@{account}/{status_id}", "uri": f"{self.base_url}/users/{account}/{status_id}",
            "account": self._account(account), "content": render_html(text), "text": text,
            "visibility": form.get("visibility", "public"), "language": form.get("language"),
            "spoiler_text": spoiler, "sensitive": bool(spoiler), **entities(text)}
        self.statuses.append(status)
        if key:
            self._keys[(account, key)] = (status_id, time.time())
        return 200, _shown(status), {}

    def _account_statuses(self, account_id: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        names = {self._account(name)["id"]: name for name in BOTS}
        limit = min(int(query.get("limit", 20)), 40)
        newest_first = [s for s in reversed(self.statuses) if s["account"]["username"] == names.get(account_id)]
        if "max_id" in query:
            newest_first = [s for s in newest_first if int(s["id"]) < int(query["max_id"])]
        page = newest_first[:limit]
        headers = {}
        if len(newest_first) > limit:
            headers["Link"] = (f'<{self.base_url}/api/v1/accounts/{account_id}/statuses?limit={limit}'
                               f'&max_id={page[-1]["id"]}>; rel="next"')
        return 200, [_shown(status) for status in page], headers


def _shown(status: dict[str, Any]) -> dict[str, Any]:
    """A status as the API shows it: Mastodon does not return the source text."""
    return {key: value for key, value in status.items() if key != "text"}


class _Handler(BaseHTTPRequestHandler):
    fake: StrictMastodon

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            form = {key: str(value) for key, value in json.loads(body or "{}").items()}
        else:
            form = {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        answer = self.fake.answer(self.command, url.path.rstrip("/"), query, form, self.headers)
        if answer is None:  # the toot was taken, the answer is lost
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        code, payload, headers = answer
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def entities(text: str) -> dict[str, list]:
    """What Mastodon and client linkifiers would parse out of a status's plain text."""
    return {"mentions": [{"acct": found.group(1)} for found in MENTION_RE.finditer(text)],
            "tags": [{"name": name.lower()} for name in HASHTAG_RE.findall(text)],
            "links": [found.group(3) for found in url_regex.finditer(text)] + OTHER_LINK_RE.findall(text),
            "domains": DOMAIN_RE.findall(url_regex.sub(" ", text))}


def render_html(text: str) -> str:
    """Status HTML the way Mastodon writes it: long links abbreviated in spans, the full URL in href."""
    def link(found: re.Match) -> str:
        url = found.group(3)
        scheme, rest = url.split("://", 1)
        return (f'{html.escape(found.group(2))}<a href="{html.escape(url)}" rel="nofollow noopener" target="_blank">'
                f'<span class="invisible">{scheme}://</span><span class="ellipsis">{html.escape(rest[:30])}</span>'
                f'<span class="invisible">{html.escape(rest[30:])}</span></a>')

    pieces, last = [], 0
    for found in url_regex.finditer(text):
        pieces += [html.escape(text[last:found.start()]), link(found)]
        last = found.end()
    pieces.append(html.escape(text[last:]))
    paragraphs = "".join(pieces).split("\n\n")
    return "".join(f"<p>{paragraph.replace(chr(10), '<br />')}</p>" for paragraph in paragraphs)


@pytest.fixture
def strict_mastodon() -> Iterator[StrictMastodon]:
    fake = StrictMastodon().start()
    yield fake
    fake.stop()


# --- mastodon-mock ---------------------------------------------------------------------------------

class MockMastodon:
    """mastodon-mock (the real package) served by uvicorn in a thread, stoppable and restartable."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, mastodon_count: bool = True):
        from mastodon_mock.app import create_app
        from mastodon_mock.config import DatabaseConfig, MastodonMockConfig, SeedAccount, SeedConfig

        seed = SeedConfig(accounts=[
            *(SeedAccount(username=name, bot=True, access_token=token) for name, token in BOTS.items()),
            SeedAccount(username="someone", access_token="someone-token"),
            SeedAccount(username="someone", domain="example.org"),
        ])
        # lifespan off: stopping uvicorn must not dispose of the database, so that `start` resumes it
        self.app = create_app(MastodonMockConfig(database=DatabaseConfig(path=":memory:"), seed=seed,
                                                 url_scheme="http", domain="127.0.0.1"))
        self._monkeypatch = monkeypatch
        if mastodon_count:
            self.count_like_mastodon()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.port = 0

    def start(self) -> MockMastodon:
        import uvicorn

        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                     log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.time() + 10
        while not self._server.started:
            if time.time() > deadline or not self._thread.is_alive():
                raise RuntimeError("mastodon-mock did not start")
            time.sleep(0.02)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        """Close the port: clients get "connection refused" until `start` opens it again."""
        if self._server:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = None

    def close(self) -> None:
        from mastodon_mock.app import dispose_app_resources

        self.stop()
        dispose_app_resources(self.app)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, account: str = "surveillance") -> str:
        return BOTS[account]

    def set_max_characters(self, value: int) -> None:
        """The limit mastodon-mock advertises and enforces (with `len()`, not as Mastodon counts)."""
        from mastodon_mock.routers import statuses
        from mastodon_mock.serializers import instance

        self._monkeypatch.setattr(statuses, "MAX_STATUS_CHARACTERS", value)
        self._monkeypatch.setitem(instance._STATUS_CONFIG, "max_characters", value)

    def count_like_mastodon(self) -> None:
        """Make mastodon-mock check a status's length as Mastodon does, content warning included."""
        from mastodon_mock.routers import statuses

        check = statuses._validate_status_params

        def mastodon_check(params: dict[str, Any]) -> Any:
            text = str(params.get("status") or "")
            size = mastodon_length(text, str(params.get("spoiler_text") or "")) if text.strip() else 0
            return check(dict(params, status="x" * size))

        self._monkeypatch.setattr(statuses, "_validate_status_params", mastodon_check)

    def fail(self, status: int, *, count: int = 1, method: str = "POST", path: str = "/api/v1/statuses",
             headers: dict[str, str] | None = None) -> None:
        self._fault({"type": "status", "status": status, "headers": headers or {}}, method, path, count)

    def rate_limit(self, reset_in: int = 300, *, count: int = 1, method: str = "POST",
                   path: str = "/api/v1/statuses") -> None:
        reset = str(int(time.time()) + reset_in)
        self._fault({"type": "ratelimit", "headers": {"X-RateLimit-Reset": reset, "Retry-After": str(reset_in)}},
                    method, path, count)

    def garble(self, *, count: int = 1, method: str = "POST", path: str = "/api/v1/statuses") -> None:
        """The next matching requests get a 200 whose body is not JSON (a broken proxy)."""
        self._fault({"type": "malformed"}, method, path, count)

    def _fault(self, effect: dict[str, Any], method: str, path: str, count: int) -> None:
        rule = {"match": {"methods": [method], "path": path}, "effect": effect, "count": count}
        requests.post(f"{self.base_url}/api/v1/_mock/faults", json=rule, timeout=10).raise_for_status()

    def posts(self, account: str = "surveillance") -> list[dict[str, Any]]:
        """The account's statuses, newest first, as the API shows them, plus their source `text`."""
        auth = {"Authorization": f"Bearer {BOTS[account]}"}
        me = requests.get(f"{self.base_url}/api/v1/accounts/verify_credentials", headers=auth, timeout=10).json()
        statuses = requests.get(f"{self.base_url}/api/v1/accounts/{me['id']}/statuses", params={"limit": 40},
                                headers=auth, timeout=10).json()
        for status in statuses:
            source = requests.get(f"{self.base_url}/api/v1/statuses/{status['id']}/source", headers=auth, timeout=10)
            status["text"] = source.json()["text"]
        return statuses


@pytest.fixture
def mastodon_mock_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockMastodon]:
    server = MockMastodon(monkeypatch).start()
    yield server
    server.close()


def closed_port_url() -> str:
    """The URL of a port on 127.0.0.1 that nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"
