"""URL helpers shared by the crawler, the fetcher and the toots."""

from __future__ import annotations

from urllib.parse import urlsplit

from requests.utils import requote_uri


def normalize_url(url: str) -> str:
    """Percent-encode raw spaces, `°` and accents; never re-encode an existing %XX."""
    return requote_uri(url.strip())


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_http_url(url: str) -> bool:
    """An http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False
