"""What a fetch ends with when it gets no usable answer."""

from __future__ import annotations

from watchbot.core.errors import WatchbotError


class FetchError(WatchbotError):
    """A URL could not be fetched; `passing` when the cause may pass (network, 429, 5xx, truncation),
    `gone` when the server says the document is no longer there (404, 410)."""

    def __init__(self, url: str, reason: str, passing: bool = False, gone: bool = False):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.passing = passing
        self.gone = gone


class TimeUp(FetchError):
    """The source's or the run's deadline has passed: nothing more is fetched for it."""

    def __init__(self, url: str, reason: str):
        super().__init__(url, reason, passing=True)


class ChallengeError(FetchError):
    """The server answered with an anti-bot challenge (a page for browsers) instead of what was asked."""

    def __init__(self, url: str, kind: str, reason: str):
        super().__init__(url, reason, passing=True)
        self.kind = kind


def too_late(url: str, reason: str, final: bool) -> FetchError:
    """A request cut short by its time: TimeUp when the source's or run's deadline cut it (`final`)."""
    return TimeUp(url, reason) if final else FetchError(url, reason, passing=True)
