"""The job of a worker: read one document of a backfill, with the run's own reading step.

`watchbot.run.steps.read_document` downloads, reads (text layer, OCR in the child with its memory and
time limits), splits, classifies and stores, with the configuration's accounts left out, and
`store.posts` queues no toot for a backfill's document in any case. A document already read by an
earlier job (a worker killed after its reading was stored) is not read again.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from watchbot import discover
from watchbot.core.errors import WatchbotError
from watchbot.core.settings import Config
from watchbot.discover import registry
from watchbot.fetch import Fetcher
from watchbot.match.rules import Ruleset
from watchbot.queue import QUEUE, TASK
from watchbot.run.steps import MIN_WAIT, read_document
from watchbot.run.stop import RunDeadline
from watchbot.store import Sessions, documents
from watchbot.store.states import TO_READ, DocumentState

log = logging.getLogger("watchbot")


class NotRead(WatchbotError):
    """The document failed (its attempts used up) or is gone: the job fails; a later backfill retries it
    while it has attempts left."""


class ReadLater(WatchbotError):
    """A passing failure (a server, the network, the disk): the engine runs the job again later."""

    passing = True


class BackfillReader:
    """What a worker needs to read a document: the configuration without its accounts, the rules, the database."""

    def __init__(self, config: Config, ruleset: Ruleset, sessions: Sessions) -> None:
        self.config = replace(config, accounts=())
        self.ruleset = ruleset
        self.sessions = sessions
        self.hosts = discover.allowed_origins(registry.select(config.sources, []))

    def read(self, document_id: int) -> None:
        state, attempts = documents.reading_state(self.sessions, document_id)
        if state == DocumentState.DONE:
            log.info("document %d: read already (by an earlier job)", document_id)
            return
        if state not in TO_READ or attempts >= self.config.extract.max_attempts:
            raise NotRead(f"document {document_id} is {state} after {attempts} attempts")
        deadline = RunDeadline.starting_now(self.config.run_deadline_seconds)
        with Fetcher(self.config.http, self.hosts) as fetcher:
            outcome = read_document(self.sessions, fetcher, document_id, self.config, self.ruleset, deadline)
        if outcome.state == DocumentState.WAITING:
            raise ReadLater(f"document {document_id} waits: a passing failure")
        if outcome.state != DocumentState.DONE:
            raise NotRead(f"document {document_id}: {outcome.state}")
        log.info("document %d: %d pages (%d OCRed), %d acts", document_id, outcome.pages, outcome.pages_ocr,
                 outcome.acts)


def register(app, reader: BackfillReader) -> None:
    """The reading task on the app; a passing failure is retried after the run's shortest wait, for as long as
    the reading step keeps it waiting (`extract.retry_days`)."""
    from procrastinate import RetryStrategy

    retry = RetryStrategy(wait=int(MIN_WAIT.total_seconds()), retry_exceptions={ReadLater})

    @app.task(name=TASK, queue=QUEUE, retry=retry)
    def read_document_job(document_id: int) -> None:
        reader.read(document_id)
