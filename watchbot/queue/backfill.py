"""`watchbot backfill`: crawl the sources back to a date and queue the reading of each RAA found.

The crawl is the run's own (`discover_source`, with the per-platform pacing) and holds the run lock, so
that no cron run reads a document between the crawl and its claim. The backfill claims the documents
published from `since` up to where each source's cron window starts: the cron run keeps the recent ones,
reads and posts them; the backfill's are read by workers and never posted. One job per document, with a
queueing lock (never two jobs waiting for one document) and a lock (never two workers reading it at once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Sequence, TextIO

from watchbot import discover
from watchbot.core.clock import Clock
from watchbot.core.models import Source
from watchbot.core.settings import Config
from watchbot.fetch import Fetcher
from watchbot.queue import QUEUE, TASK
from watchbot.run.steps import discover_source
from watchbot.store import Sessions, documents
from watchbot.store import sources as source_history
from watchbot.store.cache import DatabaseHttpCache
from watchbot.store.lock import run_lock

log = logging.getLogger("watchbot")
PAGES_PER_MONTH = 1  # index pages a crawl reads per month of its window, on most prefectures' sites


@dataclass
class Queued:
    """What a backfill queued: new jobs, documents already waiting in the queue, sources that failed."""

    jobs: int = 0
    already: int = 0
    sources_failed: int = 0


def crawl_estimate(sources: Sequence[Source], since: date, config: Config, today: date) -> str:
    """The crawl's expected duration, from the number of sources, the months back and the per-host delay."""
    months = (today.year - since.year) * 12 + today.month - since.month + 1
    pages = len(sources) * months * PAGES_PER_MONTH
    delay = config.http.delay_seconds
    most = len(sources) * config.crawl.max_index_pages
    return (f"crawling {len(sources)} source{'s' if len(sources) != 1 else ''} back to {since}: about {pages} "
            f"index pages at {delay:g} s each, about {duration(pages * delay)} (at most {duration(most * delay)}: "
            f"{config.crawl.max_index_pages} pages per source)")


def duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {int(seconds) % 60:02d} s"


def backfill(app, sessions: Sessions, config: Config, sources: Sequence[Source], since: date, clock: Clock,
             out: TextIO) -> Queued:
    """Crawl each source back to `since`, claim its documents and queue their reading."""
    print(crawl_estimate(sources, since, config, clock.today), file=out, flush=True)
    queued = Queued()
    claimed: list[int] = []
    with (run_lock(config.state_dir, config.db_url),
          Fetcher(config.http, discover.allowed_origins(sources), cache=DatabaseHttpCache(sessions)) as fetcher):
        for source in sources:
            if discover_source(sessions, fetcher, source, config.crawl, since, clock).new is None:
                queued.sources_failed += 1
                continue
            claimed += documents.claim_for_backfill(sessions, source.code, since, cron_start(sessions, source, config,
                                                                                             clock),
                                                    config.extract.max_attempts)
    with app.open():
        for document_id in claimed:
            defer(app, document_id, queued)
    return queued


def cron_start(sessions: Sessions, source: Source, config: Config, clock: Clock) -> date:
    """Where the cron run's window of a source starts: its configured not_before, else its first run's."""
    history = source_history.history(sessions, source, clock.now, discover.default_since(None, clock.today))
    return config.not_before or history.not_before or clock.today


def defer(app, document_id: int, queued: Queued) -> None:
    from procrastinate.exceptions import AlreadyEnqueued

    lock = f"document-{document_id}"
    try:
        app.configure_task(TASK, queue=QUEUE, lock=lock, queueing_lock=lock).defer(document_id=document_id)
    except AlreadyEnqueued:
        queued.already += 1
    else:
        queued.jobs += 1
