"""The HTTP layer, in the rooms a request crosses: its time limit (deadline), its pace (pacing), what it
may reach and bring back (guard), the Fetcher that sends it with retries (client), what it brings back
(content) and what it fails with (errors)."""

from watchbot.fetch.client import Fetcher
from watchbot.fetch.content import CHALLENGE_BYTES, CachedPage, Download, HtmlPage, HttpCache, challenge_in
from watchbot.fetch.errors import ChallengeError, FetchError, TimeUp, too_late

__all__ = ["CHALLENGE_BYTES", "CachedPage", "ChallengeError", "Download", "FetchError", "Fetcher", "HtmlPage",
           "HttpCache", "TimeUp", "challenge_in", "too_late"]
