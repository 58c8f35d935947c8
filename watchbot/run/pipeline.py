"""`watchbot run`: one pass of discover -> fetch -> read (extract, split, classify) -> publish.

Each step is a function of its inputs and commits what it has finished, so a run
killed at any instant loses nothing: unfinished documents are read again, and a
toot whose request may have reached the server is looked up there before it is
re-sent. SIGTERM and SIGINT stop a run where it is, kill the reader and release
the lock; the run is recorded as interrupted. Discovery and reading stop at the
run's deadline (`run_deadline_seconds`); what is left waits for the next run.
"""

from __future__ import annotations

import errno
import logging
import sys
from typing import Sequence, TextIO

from watchbot import discover
from watchbot.core.clock import Clock, utcnow
from watchbot.core.models import Source
from watchbot.core.settings import Config
from watchbot.fetch import Fetcher
from watchbot.match.rules import Ruleset
from watchbot.publish import accounts, feeds
from watchbot.report import site as report
from watchbot.run.steps import discover_source, documents_to_read, publish, read_document
from watchbot.run.stop import RunDeadline, Stopped, stoppable
from watchbot.run.summary import Summary
from watchbot.store import Sessions, database_identity, open_database, posts, runs, sqlite_file
from watchbot.store.cache import DatabaseHttpCache
from watchbot.store.lock import run_lock

log = logging.getLogger("watchbot")


def run(config: Config, ruleset: Ruleset, *, sources: Sequence[Source], dry_run: bool = False,
        max_posts: int | None = None, out: TextIO | None = None, clock: Clock | None = None) -> Summary:
    """One full pass, under the state directory's lock (LockHeld if another run has it)."""
    clock = clock or Clock.system()
    with run_lock(config.state_dir, config.db_url):
        sessions = open_database(config.db_url)
        database = database_identity(config.db_url)
        run_id = runs.start(sessions, clock.now)
        summary = Summary()  # filled step by step: a stopped run records what it did
        if config.accounts and not dry_run:
            check_accounts(sessions, config)
        try:
            with stoppable():
                steps(sessions, config, ruleset, sources, clock, summary, dry_run=dry_run, max_posts=max_posts,
                      out=out or sys.stdout)
                summary.feeds_failed = not feeds.write_after_run(sessions, config, ruleset)
                summary.report_failed = not report.write_after_run(sessions, config, ruleset)
        except Stopped as stop:
            summary.interrupted = str(stop)
            log.warning("run interrupted by %s: what it finished is kept, the rest waits for the next run", stop)
        runs.finish(sessions, run_id, summary.exit_code, summary.line())
        if database_identity(config.db_url) != database:
            raise OSError(errno.ENOENT, "the database file was deleted or replaced during the run, with what "
                                        "the run recorded", str(sqlite_file(config.db_url)))
        return summary


def steps(sessions: Sessions, config: Config, ruleset: Ruleset, sources: Sequence[Source], clock: Clock,
          summary: Summary, *, dry_run: bool, max_posts: int | None, out: TextIO) -> None:
    """Discover, read (until the run's deadline) and publish, adding up in `summary` what each step did."""
    deadline = RunDeadline.starting_now(config.run_deadline_seconds)
    hits: list[int] = []
    with (Fetcher(config.http, discover.allowed_origins(sources), cache=DatabaseHttpCache(sessions)) as fetcher,
          fetcher.limited(deadline.seconds, "the run's deadline")):
        for source in sources:
            summary.add_source(source.code, discover_source(sessions, fetcher, source, config.crawl,
                                                            config.not_before, clock))
        ids = documents_to_read(sessions, [source.code for source in sources], config)
        for done, document_id in enumerate(ids):
            if deadline.left() <= 0:
                log.warning("the run's deadline of %g s has passed: %d documents left for the next run",
                            deadline.seconds, len(ids) - done)
                break
            reading = read_document(sessions, fetcher, document_id, config, ruleset, deadline)
            summary.add_outcome(reading)
            hits += reading.hits
    publish(sessions, config, ruleset, hits, summary.posts, dry_run=dry_run, max_posts=max_posts, out=out)


def check_accounts(sessions: Sessions, config: Config) -> None:
    """Say a missing or refused token at once, not after the crawl and OCR; the run still reads and stores.
    A rate-limited account is not asked before its reset time."""
    now = utcnow()
    free = [account for account in config.accounts
            if (until := posts.rate_limited_until(sessions, account.name)) is None or until <= now]
    for name, why in accounts.refused(free, config.http.user_agent).items():
        log.error("account %s: %s: it is stopped, nothing will be posted to it in this run; the RAA are still "
                  "read and stored and its toots queued (watchbot accounts check says more)", name, why)
