"""The lifecycle states of stored documents and toots (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum


class DocumentState(StrEnum):
    NEW = "new"  # to read
    SKIPPED = "skipped"  # published before not_before: kept, never read
    DONE = "done"  # read: pages, acts and matches stored
    FAILED = "failed"  # its own fault: retried on later runs while attempts < extract.max_attempts
    WAITING = "waiting"  # a passing failure: retried from retry_at on, while younger than extract.retry_days
    GONE = "gone"  # the site answered 404 or 410: never fetched again


class PostState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # a request may have reached the server
    POSTED = "posted"
    FAILED = "failed"  # refused for good


QUEUED = (PostState.PENDING, PostState.SENDING)  # toots still to post
TO_READ = (DocumentState.NEW, DocumentState.FAILED, DocumentState.WAITING)
