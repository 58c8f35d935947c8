"""The Mastodon client side of posting: one Poster per account, no database.

Every server that speaks the Mastodon client API is meant (Mastodon, GoToSocial,
Akkoma/Pleroma, Takahē...); the README's table lists where they differ. Errors are
sorted for the outbox:
- `RetryLater`: network error, 5xx, 429, an unreadable answer. With `maybe_posted`
  the request reached the server and no refusal came back: it may have the toot.
- `AccountRefused`: 401, 403, or a 4xx whose message is about the token or the
  account (Takahē answers a wrong token with `400 Invalid Bearer token`): the toot
  is fine, the account must be fixed by a human.
- `TooLong`: the server counted the toot over its limit; `PostFailed`: any other
  refusal of the toot itself.
The access token never appears in a message.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Sequence, TypeVar

import requests
from bs4 import BeautifulSoup
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonIllegalArgumentError,
    MastodonNetworkError,
    MastodonRatelimitError,
)
from urllib3.exceptions import NewConnectionError

from watchbot.core.errors import WatchbotError
from watchbot.core.text import cut_middle
from watchbot.publish.toot import WORD_JOINER, Limit, length

# A fixed version with version checks off: Mastodon.py then never asks a server that is down for its
# version, which ends in a RecursionError instead of a network error (Mastodon.py issue #450).
MASTODON_VERSION = "4.3.0"
# When no instance endpoint gives a limit: below every default seen (Mastodon and Takahē 500,
# GoToSocial, Pleroma and Akkoma 5000), links counted in full.
CONSERVATIVE_LIMIT = Limit(300, url_length=None)
USER_AGENT = "watchbot/0.1 (+https://github.com/watchbot/watchbot)"
VISIBILITIES = ("public", "unlisted", "private", "direct")
LISTED = ("public", "unlisted")  # visibilities every server lists back to their author
PAGE_SIZE = 40  # Mastodon's maximum for an account's statuses
MAX_PAGES = 25  # pages of statuses read back to recognise toots already posted (1,000 statuses)
MAX_REASON = 600  # a reason kept in the database and shown by `status`: its head and its cause
NOT_THERE = (404, 405, 410)  # an instance endpoint the server does not have
# 4xx messages that are about the token or the account, not the toot (Mastodon, Takahē, GoToSocial,
# Pleroma/Akkoma wordings; the README's server table).
ACCOUNT_MESSAGE = re.compile(r"bearer|invalid_token|access.token|\btoken\b|credential|unauthori[sz]ed|"
                             r"identity_token|out_of_scope|\bscope|suspend|disabled|deactivated|silenced|"
                             r"not approved|confirm|locked|login", re.IGNORECASE)
TOO_LONG_MESSAGE = re.compile(r"too long|character limit|max(?:imum)? ?char|exceed|length", re.IGNORECASE)
T = TypeVar("T")
log = logging.getLogger("watchbot.post")


@dataclass(frozen=True)
class Delivered:
    status_id: str
    url: str | None


@dataclass(frozen=True)
class Shown:
    """A status of the account as read back: its text with its link targets, and when it was posted."""

    delivered: Delivered
    text: str
    created_at: datetime | None


class RetryLater(WatchbotError):
    """The toot may be posted on a later run; with `stop_account`, post nothing more to this account now."""

    passing = True

    def __init__(self, reason: str, *, stop_account: bool = False, retry_at: datetime | None = None,
                 maybe_posted: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.stop_account = stop_account
        self.retry_at = retry_at
        self.maybe_posted = maybe_posted


class AccountRefused(WatchbotError):
    """The server refused the account (token, scope, suspension): nothing more for it until a human fixes it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class PostFailed(WatchbotError):
    """The server refused the toot for good."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TooLong(PostFailed):
    """The server counted the toot over its limit; `limit` when its message says which."""

    def __init__(self, reason: str, limit: int | None = None):
        super().__init__(reason)
        self.limit = limit


class Poster:
    def __init__(self, api_base_url: str, access_token: str, *, timeout: float = 30,
                 user_agent: str = USER_AGENT):
        self._token = access_token
        self._base = api_base_url.rstrip("/")
        self._timeout = timeout
        self._user_agent = user_agent
        self._session = requests.Session()
        self._session.hooks["response"].append(self._remember)
        self._last_body = ""
        self._api = Mastodon(api_base_url=api_base_url, access_token=access_token, ratelimit_method="throw",
                             mastodon_version=MASTODON_VERSION, version_check_mode="none",
                             request_timeout=timeout, user_agent=user_agent, session=self._session)
        self._limit: Limit | None = None
        self._account_id: str | None = None

    @property
    def limit(self) -> Limit:
        """How the server counts a toot, read once from its instance endpoints (see `tighten`)."""
        if self._limit is None:
            self._limit = self._read_limit()
        return self._limit

    @property
    def max_characters(self) -> int:
        return self.limit.characters

    def tighten(self, refusal: TooLong) -> bool:
        """After a too-long refusal: the limit read again (an admin may have lowered it), the one the server
        named if lower, and links counted in full. False when that changes nothing: the server counts in
        a way watchbot does not know.
        """
        current = self.limit
        characters = min(current.characters, self._read_limit().characters, refusal.limit or current.characters)
        stricter = Limit(characters, url_length=None)
        if stricter == current:
            return False
        log.warning("%s refused a toot as too long (%s): counting links in full within %d characters from now",
                    self._base, refusal.reason, characters)
        self._limit = stricter
        return True

    def _read_limit(self) -> Limit:
        for version in ("v2", "v1"):
            for path in (f"/api/{version}/instance", f"/api/{version}/instance/"):
                try:
                    instance = self._get(path)
                except RetryLater as error:
                    if version == "v1" or error.stop_account:  # no toot can be sized: the account waits
                        raise RetryLater(error.reason, stop_account=True, retry_at=error.retry_at) from None
                    log.info("%s%s: %s: reading /api/v1/instance instead", self._base, path, error.reason)
                    break
                if instance is None:
                    continue
                found = _limit_of(instance)
                if found:
                    log.debug("%s%s: %d characters, links count %s", self._base, path, found.characters,
                              found.url_length if found.url_length is not None else "in full")
                    return found
                break  # this version answered without a limit: the other one may say
        log.warning("%s: no instance endpoint gives the character limit (tried /api/v2/instance and "
                    "/api/v1/instance, with and without a trailing slash): toots kept within %d characters, "
                    "links counted in full", self._base, CONSERVATIVE_LIMIT.characters)
        return CONSERVATIVE_LIMIT

    def _get(self, path: str) -> dict[str, Any] | None:
        """An instance endpoint's JSON object; None when the server has no such endpoint or no JSON there."""
        headers = {"Authorization": f"Bearer {self._token}", "User-Agent": self._user_agent}
        try:
            response = self._session.get(self._base + path, headers=headers, timeout=self._timeout)
        except requests.RequestException as error:
            raise RetryLater(self._reason(f"network error: {error}"), stop_account=True) from None
        if response.status_code in NOT_THERE:
            return None
        if not response.ok:
            raise self._refusal(response.status_code, response.reason, _message(response.text))
        try:
            answer = response.json()
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None

    def post(self, text: str, *, idempotency_key: str, visibility: str = "unlisted",
             spoiler_text: str | None = None, language: str = "fr") -> Delivered:
        if not text.strip():
            raise PostFailed("the toot is empty")
        if not idempotency_key:
            raise ValueError("an idempotency key is required")
        if visibility not in VISIBILITIES:
            raise PostFailed(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
        limit = self.limit
        size = length(text, spoiler_text or "", url_length=limit.url_length)
        if size > limit.characters:
            raise PostFailed(f"the toot counts {size} characters, the server accepts {limit.characters}")
        status = self._call(lambda: self._api.status_post(
            text, visibility=visibility, spoiler_text=spoiler_text or None, sensitive=bool(spoiler_text),
            language=language, idempotency_key=idempotency_key), sends=True)
        return _delivered(status)

    def find_posted(self, marker: str | Sequence[str], limit: int = 40, *, home: bool = False) -> Delivered | None:
        """The newest of the account's last `limit` statuses whose text and links contain `marker` (all of them);
        with `home`, the account's own statuses among the last `limit` of its home timeline too.

        For crash recovery: a toot the server took while the run died before recording it, once the
        server has forgotten its Idempotency-Key (after an hour on Mastodon), or on a server that
        ignores the key (GoToSocial, Takahē). Takahē leaves followers-only and direct statuses out of
        their author's list, not out of the author's home timeline.
        """
        wanted = [text.replace(WORD_JOINER, "") for text in ([marker] if isinstance(marker, str) else marker)]
        lists = [lambda: self._api.account_statuses(self._me(), limit=min(limit, PAGE_SIZE))]
        if home:
            lists.append(lambda: self._api.timeline_home(limit=min(limit, PAGE_SIZE)))
        for first in lists:
            for shown in self._statuses(first, pages=-(-limit // PAGE_SIZE), limit=limit):
                if all(text in shown.text for text in wanted):
                    return shown.delivered
        return None

    def recent(self) -> Iterator[Shown]:
        """The account's statuses, newest first, read page after page as they are asked for (at most
        MAX_PAGES: said in the log when there are more)."""
        return self._statuses(lambda: self._api.account_statuses(self._me(), limit=PAGE_SIZE), pages=MAX_PAGES)

    def _statuses(self, first: Callable[[], Any], *, pages: int, limit: int | None = None) -> Iterator[Shown]:
        """The account's own statuses of a list, from its first page on, at most `pages` pages, `limit` statuses."""
        page, seen = self._call(first), 0
        for number in range(1, pages + 1):
            for status in (page or [])[:None if limit is None else limit - seen]:
                if str((status.get("account") or {}).get("id", self._me())) == self._me():
                    yield Shown(_delivered(status), _plain(status.get("content") or ""), _created(status))
            seen += len(page or [])
            if not page or (limit is not None and seen >= limit):
                return
            if number < pages:
                page = self._call(functools.partial(self._api.fetch_next, page))
        if limit is None and len(page or []) >= PAGE_SIZE:
            log.warning("%s: %d pages of the account's statuses read back, the most watchbot reads: an older "
                        "toot is not recognised as already posted", self._base, pages)

    def me(self) -> dict[str, Any]:
        """The account the token belongs to (verify_credentials): AccountRefused for a bad token."""
        return dict(self._call(self._api.account_verify_credentials))

    def app_scopes(self) -> list[str] | None:
        """The scopes of the token's application, when the server says them (Mastodon 4.3 does)."""
        try:
            app = self._get("/api/v1/apps/verify_credentials")
        except AccountRefused:  # a token made without an application (an admin's, a test server's)
            return None
        scopes = (app or {}).get("scopes")
        return [str(scope) for scope in scopes] if isinstance(scopes, list) else None

    def set_bot(self) -> None:
        """Mark the account as automated (needs the scope write:accounts)."""
        self._call(lambda: self._api.account_update_credentials(bot=True))

    def _me(self) -> str:
        if self._account_id is None:
            self._account_id = str(self._call(self._api.account_verify_credentials)["id"])
        return self._account_id

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Keep an error's body: Mastodon.py drops a message that is not JSON (Takahē's wrong token)."""
        self._last_body = "" if response.ok else response.text[:2000]

    def _call(self, request: Callable[[], T], *, sends: bool = False) -> T:
        self._last_body = ""
        try:
            return request()
        except MastodonError as error:
            raise self._classify(error, sends) from None

    def _classify(self, error: MastodonError, sends: bool) -> Exception:
        if isinstance(error, MastodonRatelimitError):
            reset = self._api.ratelimit_reset
            retry_at = datetime.fromtimestamp(reset, timezone.utc) if reset else None
            until = f" until {retry_at:%Y-%m-%d %H:%M:%S} UTC" if retry_at else ""
            return RetryLater(f"rate limited (429){until}", stop_account=True, retry_at=retry_at)
        if isinstance(error, MastodonNetworkError):
            reached = sends and not _not_connected(error)
            return RetryLater(self._reason(f"network error: {error}"), stop_account=True, maybe_posted=reached)
        if isinstance(error, MastodonIllegalArgumentError):
            return PostFailed(self._reason(f"refused by Mastodon.py: {error}"))
        code, reason, message = _http_error(error)
        if code is None:  # an answer that is not the API's: the toot may have been taken
            return RetryLater(self._reason(f"unreadable answer: {message}"), maybe_posted=sends)
        return self._refusal(code, reason, message or _message(self._last_body), sends=sends)

    def _refusal(self, code: int, reason: str, message: str, *, sends: bool = False) -> Exception:
        text = self._reason(f"{code} {reason}: {message}")
        if code >= 500 or code in (408, 425):
            return RetryLater(f"server error {text}", maybe_posted=sends)
        if code == 429:
            return RetryLater(f"rate limited ({text})", stop_account=True)
        if code in (401, 403) or code in NOT_THERE or ACCOUNT_MESSAGE.search(message):
            return AccountRefused(text)  # NOT_THERE: api_base_url is not a Mastodon API
        if code in (400, 413, 422) and TOO_LONG_MESSAGE.search(message):
            named = re.search(r"\d+", message)
            return TooLong(text, int(named.group()) if named else None)
        return PostFailed(text)

    def _reason(self, text: str) -> str:
        """A bounded message without the access token, even if a server or a proxy echoed it; its middle is
        cut, as the cause of a network error comes last ("… [Errno 111] Connection refused")."""
        return cut_middle(text.replace(self._token, "***") if self._token else text, MAX_REASON)


def _limit_of(instance: dict[str, Any]) -> Limit | None:
    """The toot limit an instance document gives: Mastodon's `configuration.statuses`, else Pleroma's and
    Akkoma's `max_toot_chars`; links count `characters_reserved_per_url`, in full where it is not given."""
    statuses = (instance.get("configuration") or {}).get("statuses") or {}
    characters = statuses.get("max_characters") or instance.get("max_toot_chars")
    if not isinstance(characters, int) or characters <= 0:
        return None
    per_url = statuses.get("characters_reserved_per_url")
    return Limit(characters, url_length=per_url if isinstance(per_url, int) and per_url >= 0 else None)


def _not_connected(error: MastodonNetworkError) -> bool:
    """True when the request never reached the server (refused or timed-out connection)."""
    cause = error.__context__
    if isinstance(cause, requests.ConnectTimeout):
        return True
    if not isinstance(cause, requests.ConnectionError) or not cause.args:
        return False
    return isinstance(getattr(cause.args[0], "reason", None), NewConnectionError)


def _message(body: str) -> str:
    """A server's error message: the JSON `error` (and `error_description`), else the body's text."""
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and answer.get("error"):
        return " ".join(str(answer[key]) for key in ("error", "error_description") if answer.get(key))
    text = BeautifulSoup(body, "html.parser").get_text(" ") if "<" in body else body
    return " ".join(text.split()) or "no message"


def _http_error(error: MastodonError) -> tuple[int | None, str, str]:
    """(status code, reason, server message) of a Mastodon.py error; no code when there was no HTTP error."""
    args = error.args
    if isinstance(error, MastodonAPIError) and len(args) >= 4 and isinstance(args[1], int):
        return args[1], str(args[2] or ""), str(args[3] or "")
    return None, "", " ".join(map(str, args))


def _created(status: Any) -> datetime | None:
    created = status.get("created_at")
    if isinstance(created, str):
        created = datetime.fromisoformat(created.replace("Z", "+00:00"))
    if not isinstance(created, datetime):
        return None
    return created if created.tzinfo else created.replace(tzinfo=timezone.utc)


def _delivered(status: Any) -> Delivered:
    return Delivered(status_id=str(status["id"]), url=status.get("url") or status.get("uri"))


def _plain(content: str) -> str:
    """A status's HTML as text, followed by its link targets (Mastodon abbreviates long links)."""
    soup = BeautifulSoup(content, "html.parser")
    links = " ".join(html.unescape(href) for a in soup.find_all("a") if isinstance(href := a.get("href"), str))
    return f"{soup.get_text()} {links}".replace(WORD_JOINER, "")
