"""What a fetch brings back (an HTML page, a downloaded PDF, a cached page) and how its body is judged:
its charset, whether it is an anti-bot challenge instead of the page, whether a PDF is one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from watchbot.fetch.errors import FetchError

CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.IGNORECASE)
CHALLENGE_BYTES = 64 * 1024  # how much of an error page is read to tell a challenge from a plain error
# what anti-bot answers look like, instead of the page asked for (first match names it)
CHALLENGES = (
    (re.compile(rb"window\.location\.href\s*=\s*['\"]/redirect_", re.IGNORECASE),
     "a JavaScript challenge (the Préfecture de police's)"),
    (re.compile(rb"/cdn-cgi/challenge-platform|cf-chl-|cf_chl_opt|<title>Just a moment\.\.\.</title>|"
                rb"Attention Required! \| Cloudflare|cf-browser-verification", re.IGNORECASE),
     "a Cloudflare challenge"),
    (re.compile(rb"requires JS enabled|enable JavaScript and cookies to continue|g-recaptcha|hcaptcha|"
                rb"captcha-delivery", re.IGNORECASE), "a JavaScript or CAPTCHA challenge"),
)


@dataclass(frozen=True)
class CachedPage:
    url: str
    body: str
    etag: str | None
    last_modified: str | None


class HttpCache(Protocol):
    def get(self, url: str) -> CachedPage | None: ...

    def put(self, page: CachedPage) -> None: ...


@dataclass(frozen=True)
class HtmlPage:
    url: str  # where the page was found, after redirects
    text: str


@dataclass(frozen=True)
class Download:
    url: str
    path: Path
    sha256: str
    size: int


def challenge_in(body: bytes) -> str | None:
    """What kind of anti-bot challenge `body` is, or None."""
    return next((kind for pattern, kind in CHALLENGES if pattern.search(body)), None)


def check_pdf(url: str, head: bytes) -> None:
    """FetchError unless the first bytes of a body are those of a PDF."""
    if b"%PDF" in head[:1024]:
        return
    if b"<html" in head[:1024].lower() or b"<!doctype" in head[:1024].lower():
        kind = challenge_in(head) or ("a JavaScript challenge" if b"<script" in head.lower() else None)
        challenge = f" ({kind})" if kind else ""
        raise FetchError(url, f"not a PDF: the server sent an HTML page{challenge} instead of the document",
                         passing=True)
    raise FetchError(url, f"not a PDF: the body starts with {head[:16]!r}", passing=True)


def validators(cached: CachedPage | None) -> dict[str, str]:
    """The headers of a conditional request for a cached page."""
    headers = {}
    if cached and cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached and cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    return headers


def decode(data: bytes, content_type: str) -> str:
    """Text of an HTML body: charset from the header, else from <meta>, else UTF-8; never fails."""
    match = re.search(r"charset=[\"']?([\w-]+)", content_type, re.IGNORECASE)
    charset = match.group(1) if match else None
    if not charset:
        meta = CHARSET.search(data[:4096])
        charset = meta.group(1).decode("ascii") if meta else "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")
