"""The fetcher's cache of index pages (body + HTTP validators), kept in the database."""

from __future__ import annotations

from watchbot.core.clock import utcnow
from watchbot.fetch import CachedPage
from watchbot.store import Sessions
from watchbot.store.models import HttpCacheRow


class DatabaseHttpCache:
    def __init__(self, sessions: Sessions):
        self.sessions = sessions

    def get(self, url: str) -> CachedPage | None:
        with self.sessions() as session:
            row = session.get(HttpCacheRow, url)
            return CachedPage(row.url, row.body, row.etag, row.last_modified) if row else None

    def put(self, page: CachedPage) -> None:
        with self.sessions() as session:
            session.merge(HttpCacheRow(url=page.url, body=page.body, etag=page.etag,
                                       last_modified=page.last_modified, fetched_at=utcnow()))
            session.commit()
