"""The outbox: toots queued in the database with the matches, then posted exactly once.

A row is written in the same transaction as its act. Before a request that may
reach the server, the row is marked `sending`; if the run dies before the
answer is recorded, the next run first looks for the toot on the account, and
only re-sends (with the same Idempotency-Key) if it is not there.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import partial
from typing import Callable, Mapping, Sequence, TextIO

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, object_session, sessionmaker

from watchbot.settings import Account, ConfigError
from watchbot.models import Act, Category, Match, Source
from watchbot.publish.post import Delivered, Poster, PostFailed, RetryLater
from watchbot.match.rules import Ruleset
from watchbot.store.models import QUEUED, ActRow, PageRow, PostRow, utcnow
from watchbot.publish.toot import TootError, TootInput, compose, content_warning, page_link

log = logging.getLogger("watchbot")
DRY_RUN_MAX_CHARACTERS = 500


@dataclass
class PostCounts:
    posted: int = 0
    printed: int = 0
    errors: int = 0  # network errors, 5xx, 429: the toots wait for the next run
    failed: int = 0
    pending: int = 0

    def line(self) -> str:
        if self.printed:
            return f"toots {self.printed} printed (dry run), {self.pending} pending"
        return f"toots {self.posted} posted, {self.pending} pending, {self.failed} failed"


def enqueue(session: Session, act: ActRow, categories: Sequence[str], accounts: Sequence[Account]) -> None:
    """Queue one toot per account following any of the act's categories, unless already queued."""
    for account in accounts:
        wanted = [category for category in categories if category in account.categories]
        if not wanted or _already_queued(session, account.name, act):
            continue
        key = hashlib.sha256(f"{account.name}|{act.key}".encode()).hexdigest()[:32]
        session.add(PostRow(account=account.name, act_key=act.key, act_id=act.id,
                            categories=",".join(wanted), idempotency_key=key))
        session.flush()


def _already_queued(session: Session, account: str, act: ActRow) -> bool:
    same_act = (PostRow.act_key == act.key) | PostRow.act.has(ActRow.fingerprint == act.fingerprint)
    return session.scalar(select(exists().where(PostRow.account == account, same_act)))


class Sender:
    def __init__(self, sessions: sessionmaker[Session], ruleset: Ruleset, sources: Mapping[str, Source],
                 counts: PostCounts, out: TextIO, user_agent: str, poor_quality_below: float):
        self.sessions = sessions
        self.poor_quality_below = poor_quality_below
        self.user_agent = user_agent
        self.ruleset = ruleset
        self.sources = sources
        self.counts = counts
        self.out = out

    def send(self, accounts: Sequence[Account], *, dry_run: bool, max_posts: int | None) -> None:
        for account in accounts:
            limit = account.max_posts_per_run if max_posts is None else min(max_posts, account.max_posts_per_run)
            with self.sessions() as session:
                queued = (PostRow.account == account.name, PostRow.status.in_(QUEUED))
                rows = session.scalars(select(PostRow).where(*queued).order_by(PostRow.id).limit(limit)).all()
                if dry_run:
                    for row in rows:
                        self._print_toot(row.act_id, partial(self._toot, row, account, DRY_RUN_MAX_CHARACTERS))
                else:
                    self._send_account(session, account, rows)
                self.counts.pending += session.scalar(select(func.count()).where(*queued))

    def _send_account(self, session: Session, account: Account, rows: Sequence[PostRow]) -> None:
        try:
            poster = Poster(account.api_base_url, account.token(), user_agent=self.user_agent)
            for row in rows:
                self._deliver(session, poster, account, row)
        except RetryLater as error:
            self.counts.errors += 1
            log.warning("account %s: posting stopped for this run: %s", account.name, error.reason)
        except ConfigError as error:
            self.counts.errors += 1
            log.error("account %s: %s", account.name, error)
        except Exception:  # a bug must not stop the other accounts; the toot stays queued
            self.counts.errors += 1
            log.exception("account %s: posting stopped for this run by an unexpected error", account.name)

    def _deliver(self, session: Session, poster: Poster, account: Account, row: PostRow) -> None:
        try:
            if row.status == "sending":
                found = poster.find_posted(self._marker(row))
                if found:
                    self._posted(session, row, found)
                    return
            row.text, spoiler = self._toot(row, account, poster.max_characters)
            row.status = "sending"
            row.attempts += 1
            session.commit()
            log.debug("toot %d for %s: sending", row.id, account.name)
            delivered = poster.post(row.text, idempotency_key=row.idempotency_key, visibility=account.visibility,
                                    spoiler_text=spoiler, language="fr")
            log.debug("toot %d for %s: accepted by the server as %s", row.id, account.name, delivered.status_id)
        except RetryLater as error:
            row.last_error = error.reason
            session.commit()
            if error.stop_account:
                raise
            self.counts.errors += 1
            log.warning("toot %d for %s will be retried: %s", row.id, account.name, error.reason)
            return
        except PostFailed as error:
            if error.stop_account:  # a revoked token or a suspended account: the toot itself is fine
                row.last_error = error.reason
                session.commit()
                raise RetryLater(f"the server refused the account: {error.reason}", stop_account=True) from error
            self._failed(session, row, account, error.reason)
            return
        except TootError as error:
            self._failed(session, row, account, str(error))
            return
        self._posted(session, row, delivered)

    def _failed(self, session: Session, row: PostRow, account: Account, reason: str) -> None:
        row.status = "failed"
        row.last_error = reason
        session.commit()
        self.counts.failed += 1
        log.error("toot %d for %s failed: %s", row.id, account.name, reason)

    def _posted(self, session: Session, row: PostRow, delivered: Delivered) -> None:
        row.status = "posted"
        row.remote_id = delivered.status_id
        row.remote_url = delivered.url
        row.posted_at = utcnow()
        row.last_error = None
        session.commit()
        self.counts.posted += 1
        log.info("posted toot %d: %s", row.id, delivered.url or delivered.status_id)

    def print_acts(self, act_ids: Sequence[int]) -> None:
        """Without accounts: print the toot of every act matched in this run."""
        with self.sessions() as session:
            for act_id in act_ids:
                self._print_toot(act_id, partial(self._act_toot, session.get(ActRow, act_id)))

    def _print_toot(self, act_id: int, toot: Callable[[], tuple[str, str | None]]) -> None:
        try:
            text, spoiler = toot()
        except TootError as error:
            log.error("act %d: no toot: %s", act_id, error)
            return
        warning = f"[CW: {spoiler}]\n" if spoiler else ""
        self.out.write(f"{warning}{text}\n---\n")
        self.out.flush()
        self.counts.printed += 1

    def _known(self, names: Sequence[str]) -> list[Category]:
        return [self.ruleset.categories[name] for name in names if name in self.ruleset.categories]

    def _act_toot(self, act: ActRow) -> tuple[str, None]:
        """An act's toot for every category it matches, as no account is there to choose."""
        return self._render(act, self._known(act.categories), DRY_RUN_MAX_CHARACTERS), None

    def _toot(self, row: PostRow, account: Account, max_characters: int) -> tuple[str, str | None]:
        """The queued toot's text and content warning, for this account."""
        categories = self._known(row.categories.split(","))
        spoiler = content_warning(categories, account.content_warnings)
        return self._render(row.act, categories, max_characters, spoiler), spoiler

    def _render(self, act: ActRow, categories: Sequence[Category], max_characters: int,
                spoiler: str | None = None) -> str:
        document = act.document
        source = self.sources.get(document.source_code)
        item = TootInput(
            source_name=source.name if source else document.source_code,
            department=source.department if source else None,
            document_title=document.title,
            document_url=document.url,
            published=document.published,
            act=Act(act.ref, act.title, act.first_page, act.last_page),
            matches=tuple(Match(m.category, m.rule, m.page, m.excerpt, m.words)
                          for m in act.matches if m.category in {c.name for c in categories}),
            poor_pages=frozenset(object_session(act).scalars(
                select(PageRow.number).where(PageRow.document_id == act.document_id,
                                             PageRow.quality < self.poor_quality_below))),
        )
        return compose(item, categories, max_characters, spoiler_text=spoiler or "")

    @staticmethod
    def _marker(row: PostRow) -> list[str]:
        """What the toot of this act contains for sure: its page link and its reference."""
        marker = [page_link(row.act.document.url, row.act.first_page)]
        return marker + [f"Acte n° {row.act.ref}"] if row.act.ref else marker
