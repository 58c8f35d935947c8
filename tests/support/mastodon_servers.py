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
With a `Profile` it behaves as GoToSocial, Akkoma/Pleroma or Takahē where they differ from Mastodon
(`any_server` runs a test on each); every behaviour is cited from the server's own code.
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
from typing import Any, Callable, Iterator
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


def full_length(text: str, spoiler_text: str = "") -> int:
    """Code points of the text and the content warning, links in full."""
    return len(text) + len(spoiler_text)


@dataclass(frozen=True)
class Profile:
    """How one server software behaves where the servers differ."""

    name: str
    bad_token: tuple[int, Any]  # status and body for an unknown token (a str body is sent as text/plain)
    checks_token_everywhere: bool  # an unknown token is refused on any endpoint, the instance's included
    too_long: tuple[int, str]  # status and message over the limit ("{limit}" filled in)
    count: Callable[[str, str], int]  # a status's length, content warning included
    advertised_url_length: int | None  # characters_reserved_per_url in the instance's configuration
    instance_v2: bool
    limit_field: str  # "configuration": configuration.statuses.max_characters; else Pleroma's max_toot_chars
    trailing_slash: str  # on /api/v1/instance/: "ok" (same answer), "404", "redirect" (301 without the slash)
    idempotency_ttl: float | None  # seconds a key is remembered; None: the Idempotency-Key header is ignored
    replays_refusals: bool  # a key remembers any answer, a refusal included
    lists_own: tuple[str, ...]  # visibilities of their own statuses the author's statuses list shows


# The project's original strict fake, as Mastodon behaves (Mastodon's sources not re-read for this table):
# Doorkeeper's 401 "The access token is invalid", StatusLengthValidator's 422 with URLs as 23 characters,
# PostStatusService's Idempotency-Key kept an hour, Rails routes that accept a trailing slash.
MASTODON = Profile(
    name="mastodon", bad_token=(401, {"error": "The access token is invalid"}), checks_token_everywhere=False,
    too_long=(422, "Validation failed: Text character limit of {limit} exceeded"), count=mastodon_length,
    advertised_url_length=23, instance_v2=True, limit_field="configuration", trailing_slash="ok",
    idempotency_ttl=3600, replays_refusals=False, lists_own=("public", "unlisted", "private", "direct"))

# GoToSocial (superseriousbusiness/gotosocial at 57cb4fe, 2025-10):
# - bad token: internal/middleware/tokencheck.go lets the request through unauthenticated, then
#   internal/api/util/auth.go TokenAuth answers gtserror.NewErrorUnauthorized "token not supplied",
#   rendered by internal/api/util/errorhandling.go as {"error": "Unauthorized: token not supplied"}.
# - length: internal/processing/status/common.go validateStatusContent counts len([]rune(status)) +
#   len([]rune(spoiler)) (links in full) against statuses-max-chars (default 5000) and answers
#   NewErrorBadRequest "text with spoiler exceed max chars (%d)" -> 400 "Bad Request: ...".
# - instance: internal/api/client/instance/instance.go serves /v1/instance and /v2/instance, both with
#   configuration.statuses.max_characters; internal/typeutils/internaltofrontend.go advertises
#   characters_reserved_per_url = 25, which the length check above does not apply.
# - trailing slash: internal/router/router.go makes its engine with gin.New(), whose RedirectTrailingSlash
#   is on by default: a 301 to the path without the slash (gin's default, not seen in GoToSocial's code).
# - Idempotency-Key: only listed in internal/middleware/cors.go's allowed headers; no handler reads it
#   (gtsmodel/scheduledstatus.go: "Currently unused").
# - own statuses: internal/db/bundb/account.go GetAccountStatuses filters on visibility only with
#   public_only, and internal/filter/visibility/status.go: "Author can always see their own status".
GOTOSOCIAL = Profile(
    name="gotosocial", bad_token=(401, {"error": "Unauthorized: token not supplied"}), checks_token_everywhere=False,
    too_long=(400, "Bad Request: text with spoiler exceed max chars ({limit})"), count=full_length,
    advertised_url_length=25, instance_v2=True, limit_field="configuration", trailing_slash="redirect",
    idempotency_ttl=None, replays_refusals=False, lists_own=("public", "unlisted", "private", "direct"))


def akkoma_length(text: str, spoiler_text: str = "") -> int:
    """Pleroma/Akkoma: String.length (graphemes) of the trimmed text and content warning together."""
    return grapheme.length((text + spoiler_text).strip())


# Akkoma, a Pleroma fork (Akkoma's sources as stored: BDX-town/Akkoma and external-mirrors/akkoma;
# Pleroma: pleroma-social/pleroma at f917285, 2021):
# - bad token: Pleroma's lib/pleroma/web/plugs/ensure_authenticated_plug.ex renders 403
#   {"error": "Invalid credentials."} (Akkoma's copy of the plug is not in the stored sources: not confirmed).
# - length: lib/pleroma/web/common_api/utils.ex validate_character_limit counts String.length of the
#   trimmed status <> summary (links in full) against [:instance, :limit] (same code in Akkoma), and
#   mastodon_api/controllers/status_controller.ex answers 422 {"error": message} (Akkoma's too).
# - instance: Akkoma's mastodon_api/controllers/instance_controller.ex has only "GET /api/v1/instance", and
#   views/instance_view.ex gives the limit as max_toot_chars, without configuration.statuses (newer Akkoma
#   releases may have added /api/v2/instance: not in the stored sources).
# - trailing slash: Phoenix routes on Plug's path segments, where an empty last segment is dropped: not
#   confirmed on a running server, the fake answers as without the slash.
# - Idempotency-Key: Pleroma's plugs/idempotency_plug.ex caches every answer to a key (status and body, a
#   refusal included) for 6 hours (application.ex idempotency_expiration), keyed by the key alone, and
#   router.ex puts it in the :api and :authenticated_api pipelines (Akkoma's router not confirmed).
# - own statuses: Pleroma's activity_pub.ex user_activities_recipients gives the reader's ap_id and
#   User.following, which holds a local user's own follower_address (following_relationship.ex), and
#   get_recipients adds the actor to every Create: private and direct statuses are listed to their author.
AKKOMA = Profile(
    name="akkoma", bad_token=(403, {"error": "Invalid credentials."}), checks_token_everywhere=False,
    too_long=(422, "The status is over the character limit"), count=akkoma_length,
    advertised_url_length=None, instance_v2=False, limit_field="max_toot_chars", trailing_slash="ok",
    idempotency_ttl=6 * 3600, replays_refusals=True, lists_own=("public", "unlisted", "private", "direct"))

# Takahē 0.11.0 (jointakahe/takahe at d45f22c, 2024-08):
# - bad token: api/middleware.py ApiTokenMiddleware answers any request that carries an unknown Bearer
#   token with HttpResponse("Invalid Bearer token", status=400): plain text, on every endpoint.
# - length: api/views/statuses.py post_status checks len(details.status) (code points, links in full, the
#   content warning not counted) against Config.system.post_length and raises ApiError(400, "Status is too
#   long") (the issue's trial saw 400 "Status is too long").
# - instance: api/urls.py routes "v1/instance" and "v2/instance" without a trailing slash (the trial saw a
#   404 on /api/v1/instance/); api/views/instance.py advertises characters_reserved_per_url 23, which the
#   length check does not apply.
# - Idempotency-Key: only in takahe/settings.py CORS_ALLOW_HEADERS; nothing reads it.
# - own statuses: api/views/accounts.py account_statuses lists identity.posts.unlisted(), which
#   activities/models/post.py limits to public, local-only and unlisted posts: followers-only and direct
#   statuses never appear, even to their author.
TAKAHE = Profile(
    name="takahe", bad_token=(400, "Invalid Bearer token"), checks_token_everywhere=True,
    too_long=(400, "Status is too long"), count=lambda text, spoiler: len(text),
    advertised_url_length=23, instance_v2=True, limit_field="configuration", trailing_slash="404",
    idempotency_ttl=None, replays_refusals=False, lists_own=("public", "unlisted"))

PROFILES = {profile.name: profile for profile in (MASTODON, GOTOSOCIAL, AKKOMA, TAKAHE)}


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

    def __init__(self, max_characters: int | None = 500, idempotency_ttl: float | None = None,
                 profile: Profile = MASTODON):
        self.profile = profile
        self.max_characters = max_characters
        self.instance_v2 = profile.instance_v2  # False: /api/v2/instance answers 404, as before Mastodon 4.0
        self.idempotency_ttl = profile.idempotency_ttl if idempotency_ttl is None else idempotency_ttl
        self.tokens = {token: name for name, token in BOTS.items()}
        self.statuses: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.faults: list[Fault] = []
        self._keys: dict[tuple[str, str], tuple[str, float]] = {}
        self._replies: dict[str, tuple[int, Any, float]] = {}  # replays_refusals: any answer, by key alone
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
        self._replies.clear()

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
        if path.endswith("/") and path != "/":
            if self.profile.trailing_slash == "404":
                return 404, {"error": "Not Found"}, {}
            if self.profile.trailing_slash == "redirect":
                return 301, {}, {"Location": f"{self.base_url}{path.rstrip('/')}"}
            path = path.rstrip("/")
        bearer = headers.get("Authorization", "").removeprefix("Bearer ")
        account = self.tokens.get(bearer)
        if account is None and bearer and self.profile.checks_token_everywhere:
            return *self.profile.bad_token, {}
        if method == "GET" and path in self._instance_paths():
            return 200, self._instance(), {}
        if path.startswith(("/api/v1/statuses", "/api/v1/accounts")) and account is None:
            return *self.profile.bad_token, {}
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return 200, self._account(account), {}
        found = re.fullmatch(r"/api/v1/accounts/(\w+)/statuses", path)
        if method == "GET" and found:
            return self._account_statuses(found.group(1), query)
        if method == "GET" and path == "/api/v1/timelines/home" and account:
            return self._home(account, query)
        if method == "POST" and path == "/api/v1/statuses":
            return self._post(account, form, headers.get("Idempotency-Key"))
        return 404, {"error": "Record not found"}, {}

    def _instance_paths(self) -> tuple[str, ...]:
        return ("/api/v1/instance", "/api/v2/instance") if self.instance_v2 else ("/api/v1/instance",)

    def _instance(self) -> dict[str, Any]:
        instance = {"uri": "127.0.0.1", "domain": "127.0.0.1", "title": "strict", "version": self.profile.name}
        if self.max_characters is None:
            return instance
        if self.profile.limit_field != "configuration":
            return {**instance, self.profile.limit_field: self.max_characters}
        statuses = {"max_characters": self.max_characters}
        if self.profile.advertised_url_length is not None:
            statuses["characters_reserved_per_url"] = self.profile.advertised_url_length
        return {**instance, "configuration": {"statuses": statuses}}

    def _account(self, name: str) -> dict[str, Any]:
        return {"id": str(list(BOTS).index(name) + 1), "username": name, "acct": name, "bot": True,
                "url": f"{self.base_url}/@{name}"}

    def _post(self, account: str, form: dict[str, str], key: str | None) -> tuple[int, Any, dict[str, str]]:
        if key and self.idempotency_ttl is not None:
            if self.profile.replays_refusals and key in self._replies:
                code, body, stored = self._replies[key]
                if time.time() - stored < self.idempotency_ttl:
                    return code, body, {"Idempotent-Replayed": "true"}
            if (account, key) in self._keys:
                status_id, stored = self._keys[(account, key)]
                if time.time() - stored < self.idempotency_ttl:
                    return 200, _shown(next(s for s in self.statuses if s["id"] == status_id)), {}
        code, body = self._create(account, form)
        if key and self.idempotency_ttl is not None:
            if code == 200:
                self._keys[(account, key)] = (body["id"], time.time())
            if self.profile.replays_refusals:
                self._replies[key] = (code, body, time.time())
        return code, body, {}

    def _create(self, account: str, form: dict[str, str]) -> tuple[int, Any]:
        text, spoiler = form.get("status", ""), form.get("spoiler_text", "")
        if not text.strip():
            return 422, {"error": "Validation failed: Text can't be blank"}
        limit = self.max_characters or 500
        if self.profile.count(text, spoiler) > limit:
            code, message = self.profile.too_long
            return code, {"error": message.format(limit=limit)}
        if form.get("visibility", "public") not in ("public", "unlisted", "private", "direct"):
            return 422, {"error": "Validation failed: Visibility is not included in the list"}
        status_id = str(100 + len(self.statuses))
        status = {
            "id": status_id, "created_at": datetime.now(timezone.utc).isoformat(),
            "url": f"{self.base_url}/@{account}/{status_id}", "uri": f"{self.base_url}/users/{account}/{status_id}",
            "account": self._account(account), "content": render_html(text), "text": text,
            "visibility": form.get("visibility", "public"), "language": form.get("language"),
            "spoiler_text": spoiler, "sensitive": bool(spoiler), **entities(text)}
        self.statuses.append(status)
        return 200, _shown(status)

    def _account_statuses(self, account_id: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        names = {self._account(name)["id"]: name for name in BOTS}
        newest_first = [s for s in reversed(self.statuses) if s["account"]["username"] == names.get(account_id)
                        and s["visibility"] in self.profile.lists_own]
        return self._page(newest_first, f"/api/v1/accounts/{account_id}/statuses", query)

    def _home(self, account: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        """The home timeline: the account's own statuses, every visibility (the fake has no follows). Takahē's
        fan-out gives a local author a timeline event for each of their posts (activities/models/fan_out.py
        "Make a timeline event directly"); the issue 21 trial relies on it for followers-only toots."""
        return self._page([s for s in reversed(self.statuses) if s["account"]["username"] == account],
                          "/api/v1/timelines/home", query)

    def _page(self, newest_first: list[dict[str, Any]], path: str,
              query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        limit = min(int(query.get("limit", 20)), 40)
        if "max_id" in query:
            newest_first = [s for s in newest_first if int(s["id"]) < int(query["max_id"])]
        page = newest_first[:limit]
        headers = {}
        if len(newest_first) > limit:
            headers["Link"] = f'<{self.base_url}{path}?limit={limit}&max_id={page[-1]["id"]}>; rel="next"'
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
        answer = self.fake.answer(self.command, url.path, query, form, self.headers)
        if answer is None:  # the toot was taken, the answer is lost
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        code, payload, headers = answer
        text = isinstance(payload, str)
        data = payload.encode() if text else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", f"{'text/plain' if text else 'application/json'}; charset=utf-8")
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


@pytest.fixture(params=list(PROFILES))
def any_server(request) -> Iterator[StrictMastodon]:
    """The strict fake as each server software behaves: Mastodon, GoToSocial, Akkoma, Takahē."""
    fake = StrictMastodon(profile=PROFILES[request.param]).start()
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
