"""The Mastodon client side of posting: one Poster per account, no database.

Errors are sorted for the outbox: `RetryLater` (network error, 5xx, 429, an
unreadable answer: the server may or may not have the toot, the same
Idempotency-Key makes the retry safe) and `PostFailed` (a 4xx that will not
change by retrying: 401, 403, 422...). The access token never appears in a
message.
"""

from __future__ import annotations

import functools

import html
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Sequence, TypeVar

from bs4 import BeautifulSoup
from mastodon import (Mastodon, MastodonAPIError, MastodonError, MastodonIllegalArgumentError,
                      MastodonNetworkError, MastodonNotFoundError, MastodonRatelimitError)

from watchbot.publish.toot import WORD_JOINER, length

# A fixed version with version checks off: Mastodon.py then never asks a server that is down for its
# version, which ends in a RecursionError instead of a network error (Mastodon.py issue #450).
MASTODON_VERSION = "4.3.0"
DEFAULT_MAX_CHARACTERS = 500
USER_AGENT = "watchbot/0.1 (+https://github.com/watchbot/watchbot)"
VISIBILITIES = ("public", "unlisted", "private", "direct")
PAGE_SIZE = 40
MAX_REASON = 300  # Mastodon's maximum for an account's statuses
T = TypeVar("T")


@dataclass(frozen=True)
class Delivered:
    status_id: str
    url: str | None


class RetryLater(Exception):
    """The toot may be posted on a later run; with `stop_account`, post nothing more to this account now."""

    def __init__(self, reason: str, *, stop_account: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.stop_account = stop_account


class PostFailed(Exception):
    """The server refused the toot for good; `stop_account` when the refusal is about the account (401, 403)."""

    def __init__(self, reason: str, *, stop_account: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.stop_account = stop_account


class Poster:
    def __init__(self, api_base_url: str, access_token: str, *, timeout: float = 30,
                 user_agent: str = USER_AGENT):
        self._token = access_token
        self._api = Mastodon(api_base_url=api_base_url, access_token=access_token, ratelimit_method="throw",
                             mastodon_version=MASTODON_VERSION, version_check_mode="none",
                             request_timeout=timeout, user_agent=user_agent)
        self._max_characters: int | None = None
        self._account_id: str | None = None

    @property
    def max_characters(self) -> int:
        """The instance's `configuration.statuses.max_characters` (v2, else v1, else 500), read once."""
        if self._max_characters is None:
            self._max_characters = self._call(self._read_max_characters)
        return self._max_characters

    def _read_max_characters(self) -> int:
        for read in (self._api.instance_v2, self._api.instance_v1):
            try:
                instance = read()
            except MastodonNotFoundError:
                continue
            value = ((instance.get("configuration") or {}).get("statuses") or {}).get("max_characters")
            if isinstance(value, int) and value > 0:
                return value
        return DEFAULT_MAX_CHARACTERS

    def post(self, text: str, *, idempotency_key: str, visibility: str = "unlisted",
             spoiler_text: str | None = None, language: str = "fr") -> Delivered:
        if not text.strip():
            raise PostFailed("the toot is empty")
        if not idempotency_key:
            raise ValueError("an idempotency key is required")
        if visibility not in VISIBILITIES:
            raise PostFailed(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
        size = length(text, spoiler_text or "")
        if size > self.max_characters:
            raise PostFailed(f"the toot counts {size} characters, the server accepts {self.max_characters}")
        status = self._call(lambda: self._api.status_post(
            text, visibility=visibility, spoiler_text=spoiler_text or None, sensitive=bool(spoiler_text),
            language=language, idempotency_key=idempotency_key))
        return _delivered(status)

    def find_posted(self, marker: str | Sequence[str], limit: int = 40) -> Delivered | None:
        """The newest of the account's last `limit` statuses whose text and links contain `marker` (all of them).

        For crash recovery: a toot the server took while the run died before recording it, once the
        server has forgotten its Idempotency-Key (after an hour on Mastodon).
        """
        wanted = [text.replace(WORD_JOINER, "") for text in ([marker] if isinstance(marker, str) else marker)]
        page = self._call(lambda: self._api.account_statuses(self._me(), limit=min(limit, PAGE_SIZE)))
        seen = 0
        while page and seen < limit:
            for status in page[:limit - seen]:
                shown = _plain(status.get("content") or "")
                if all(text in shown for text in wanted):
                    return _delivered(status)
            seen += len(page)
            page = self._call(functools.partial(self._api.fetch_next, page)) if seen < limit else None
        return None

    def _me(self) -> str:
        if self._account_id is None:
            self._account_id = str(self._api.account_verify_credentials()["id"])
        return self._account_id

    def _call(self, request: Callable[[], T]) -> T:
        try:
            return request()
        except MastodonError as error:
            raise self._classify(error) from None

    def _classify(self, error: MastodonError) -> RetryLater | PostFailed:
        if isinstance(error, MastodonRatelimitError):
            reset = self._api.ratelimit_reset
            retry_at = datetime.fromtimestamp(reset, timezone.utc) if reset else None
            until = f" until {retry_at:%Y-%m-%d %H:%M:%S} UTC" if retry_at else ""
            return RetryLater(f"rate limited (429){until}", stop_account=True)
        if isinstance(error, MastodonNetworkError):
            return RetryLater(self._reason(f"network error: {error}"), stop_account=True)
        if isinstance(error, MastodonIllegalArgumentError):
            return PostFailed(self._reason(f"refused by Mastodon.py: {error}"))
        code, reason, message = _http_error(error)
        if code is None:  # an answer that is not the API's: the toot may have been taken
            return RetryLater(self._reason(f"unreadable answer: {message}"))
        if code >= 500 or code in (408, 425):
            return RetryLater(self._reason(f"server error {code} {reason}: {message}"))
        return PostFailed(self._reason(f"{code} {reason}: {message}"), stop_account=code in (401, 403))

    def _reason(self, text: str) -> str:
        """A bounded message without the access token, even if a server or a proxy echoed it."""
        return text.replace(self._token, "***")[:MAX_REASON] if self._token else text[:MAX_REASON]


def _http_error(error: MastodonError) -> tuple[int | None, str, str]:
    """(status code, reason, server message) of a Mastodon.py error; no code when there was no HTTP error."""
    args = error.args
    if isinstance(error, MastodonAPIError) and len(args) >= 4 and isinstance(args[1], int):
        return args[1], str(args[2] or ""), str(args[3] or "no message")
    return None, "", " ".join(map(str, args))


def _delivered(status: Any) -> Delivered:
    return Delivered(status_id=str(status["id"]), url=status.get("url") or status.get("uri"))


def _plain(content: str) -> str:
    """A status's HTML as text, followed by its link targets (Mastodon abbreviates long links)."""
    soup = BeautifulSoup(content, "html.parser")
    links = " ".join(html.unescape(href) for a in soup.find_all("a") if isinstance(href := a.get("href"), str))
    return f"{soup.get_text()} {links}".replace(WORD_JOINER, "")
