"""The outbox: toots queued in the database with the matches, then posted exactly once.

A row is written in the same transaction as its act. Before a request that may
reach the server, the row is marked `sending`; when the server answers with a
refusal it goes back to `pending` or on to `failed`. A row left `sending` (the
run died, the answer was lost) is first looked up on the account: found, it is
posted; not found, it is sent again with the same Idempotency-Key, except for
visibilities a server may not list back to their author (followers-only,
direct): those wait for a human decision (`watchbot retry --sending`), as a
blind re-send could post them twice on servers that ignore the key.

A refusal of the account (wrong token, missing scope, suspension) stops that
account for the run and keeps its toots queued, whatever the server's status code.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from functools import partial
from typing import Callable, Mapping, Sequence, TextIO

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, object_session, sessionmaker

from watchbot.settings import Account, ConfigError, ExtractSettings
from watchbot.models import Act, Category, Match, Source
from watchbot.publish.post import (LISTED, AccountRefused, Delivered, Poster, PostFailed, RetryLater, TooLong)
from watchbot.match.rules import Ruleset
from watchbot.store.models import QUEUED, ActRow, PageRow, PostRow, utcnow
from watchbot.publish.toot import WORD_JOINER, Limit, TootError, TootInput, compose, content_warning, page_link

log = logging.getLogger("watchbot")
HELD = "sending: needs a human decision"
DRY_RUN_LIMIT = Limit(500)


@dataclass
class PostCounts:
    sent: int = 0
    found: int = 0  # a toot an interrupted run had sent, found on the account
    printed: int = 0
    errors: int = 0  # network errors, 5xx, 429, held toots: the toots wait for the next run or a human
    failed: int = 0
    pending: int = 0
    held: int = 0
    stopped: list[str] = field(default_factory=list)  # accounts the server refused

    @property
    def posted(self) -> int:
        return self.sent + self.found

    def line(self) -> str:
        if self.printed:
            return f"toots {self.printed} printed (dry run), {self.pending} pending"
        held = f", {self.held} held for a human decision" if self.held else ""
        stopped = f"; accounts stopped: {', '.join(self.stopped)}" if self.stopped else ""
        return (f"toots {self.sent} sent, {self.found} found already posted, {self.pending} pending, "
                f"{self.failed} failed{held}{stopped}")


def enqueue(session: Session, act: ActRow, categories: Sequence[str], accounts: Sequence[Account]) -> None:
    """Queue one toot per account following any of the act's categories, unless already queued."""
    for account in accounts:
        wanted = [category for category in categories if category in account.categories]
        if not wanted or _already_queued(session, account.name, act):
            continue
        session.add(PostRow(account=account.name, act_key=act.key, act_id=act.id,
                            categories=",".join(wanted), idempotency_key=idempotency_key(account.name, act.key)))
        session.flush()


def idempotency_key(account: str, act_key: str, attempt: int = 0) -> str:
    """The key of a toot's request; a new attempt gets a new key once the server refused the last one
    (Pleroma and Akkoma replay any answer to a key for 6 hours, a refusal included)."""
    seed = f"{account}|{act_key}" + (f"|{attempt}" if attempt else "")
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def account_hint(account: Account) -> str:
    """What a human should check when the server refuses an account; never the token itself."""
    where = (f"${account.access_token_env}" if account.access_token_env
             else account.access_token_file or "its access token")
    return (f"check the token in {where} (an access token of this account on {account.api_base_url}, "
            f"with the scope write:statuses), the api_base_url, and that the account is not suspended or disabled")


def _already_queued(session: Session, account: str, act: ActRow) -> bool:
    same_act = (PostRow.act_key == act.key) | PostRow.act.has(ActRow.fingerprint == act.fingerprint)
    return session.scalar(select(exists().where(PostRow.account == account, same_act)))


class Sender:
    def __init__(self, sessions: sessionmaker[Session], ruleset: Ruleset, sources: Mapping[str, Source],
                 counts: PostCounts, out: TextIO, user_agent: str,
                 poor_quality_below: float = ExtractSettings.poor_quality_below):
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
                        self._print_toot(row.act_id, partial(self._toot, row, account, DRY_RUN_LIMIT))
                elif rows and not self._rate_limited(session, account):
                    self._send_account(session, account, rows)
                self.counts.pending += session.scalar(select(func.count()).where(*queued))

    def _rate_limited(self, session: Session, account: Account) -> bool:
        """True while a 429's reset time is ahead: no request to this account before it."""
        until = session.scalar(select(func.max(PostRow.retry_at)).where(
            PostRow.account == account.name, PostRow.status.in_(QUEUED)))
        if until is None or _aware(until) <= utcnow():
            return False
        log.info("account %s: rate limited until %s UTC: its toots wait", account.name, f"{_aware(until):%H:%M:%S}")
        return True

    def _send_account(self, session: Session, account: Account, rows: Sequence[PostRow]) -> None:
        try:
            poster = Poster(account.api_base_url, account.token(), user_agent=self.user_agent)
            # a lost or replaced database must not post again what the account already shows
            recent = poster.recent() if rows else []
            for row in rows:
                self._deliver(session, poster, account, row, recent)
        except RetryLater as error:
            self.counts.errors += 1
            log.warning("account %s: posting stopped for this run: %s", account.name, error.reason)
            self._wait(session, account, error.reason, error.retry_at)
        except AccountRefused as error:
            self._stop(session, account, f"the server refused the account ({error.reason})")
        except ConfigError as error:
            self._stop(session, account, str(error))
        except Exception:  # a bug must not stop the other accounts; the toot stays queued
            session.rollback()
            self.counts.errors += 1
            log.exception("account %s: posting stopped for this run by an unexpected error", account.name)

    def _stop(self, session: Session, account: Account, reason: str) -> None:
        self.counts.errors += 1
        self.counts.stopped.append(account.name)
        log.error("account %s: %s: nothing posted to it in this run, its toots stay queued; %s", account.name,
                  reason, account_hint(account))
        self._wait(session, account, f"account stopped: {reason}")

    def _wait(self, session: Session, account: Account, reason: str, retry_at: datetime | None = None) -> None:
        """Say why the account's queued toots wait (those a human must decide on keep their reason)."""
        session.execute(update(PostRow).where(
            PostRow.account == account.name, PostRow.status.in_(QUEUED),
            PostRow.wait_reason.is_(None) | ~PostRow.wait_reason.startswith(HELD)).values(
            wait_reason=reason[:500], retry_at=retry_at))
        session.commit()

    def _deliver(self, session: Session, poster: Poster, account: Account, row: PostRow,
                 recent: Sequence[tuple[Delivered, str]]) -> None:
        try:
            if row.status == "sending" and self._recovered(session, poster, account, row):
                return
            if row.status != "sending" and (shown := _shown(recent, self._marker(row))):
                self._posted(session, row, shown, found=True)
                return
            delivered = self._post(session, poster, account, row)
        except RetryLater as error:
            if error.stop_account:
                raise
            self.counts.errors += 1
            log.warning("toot %d for %s will be retried: %s", row.id, account.name, error.reason)
            return
        except (PostFailed, TootError) as error:
            self._failed(session, row, account, error.reason if isinstance(error, PostFailed) else str(error))
            return
        self._posted(session, row, delivered, found=False)

    def _recovered(self, session: Session, poster: Poster, account: Account, row: PostRow) -> bool:
        """A toot an interrupted run was sending: True when it is settled (found, or held for a human)."""
        found = poster.find_posted(self._marker(row))
        if found:
            self._posted(session, row, found, found=True)
            return True
        if account.visibility in LISTED:
            return False  # the account's list shows every toot of this visibility: not there, not posted
        row.wait_reason = (f"{HELD}: the run stopped while sending this {account.visibility} toot, which the "
                           f"server may not list back; if the account does not show it, "
                           f"`watchbot retry --sending --account {account.name}` sends it again")
        session.commit()
        self.counts.held += 1
        self.counts.errors += 1
        log.warning("toot %d for %s: %s", row.id, account.name, row.wait_reason)
        return True

    def _post(self, session: Session, poster: Poster, account: Account, row: PostRow) -> Delivered:
        """Send the toot; a too-long refusal gets one new composition under the server's stricter count."""
        try:
            return self._send(session, poster, account, row)
        except TooLong as refusal:
            if not poster.tighten(refusal):
                raise
        row.idempotency_key = idempotency_key(account.name, row.act_key, row.attempts)
        return self._send(session, poster, account, row)

    def _send(self, session: Session, poster: Poster, account: Account, row: PostRow) -> Delivered:
        row.text, spoiler = self._toot(row, account, poster.limit)
        row.status = "sending"
        row.attempts += 1
        row.wait_reason = row.retry_at = None
        session.commit()
        log.debug("toot %d for %s: sending", row.id, account.name)
        try:
            delivered = poster.post(row.text, idempotency_key=row.idempotency_key, visibility=account.visibility,
                                    spoiler_text=spoiler, language="fr")
        except (AccountRefused, PostFailed) as refusal:  # the server answered: it does not have the toot
            row.status = "pending"
            row.last_error = refusal.reason
            session.commit()
            raise
        except RetryLater as error:
            if not error.maybe_posted:
                row.status = "pending"
            row.last_error = error.reason
            session.commit()
            raise
        log.debug("toot %d for %s: accepted by the server as %s", row.id, account.name, delivered.status_id)
        return delivered

    def _failed(self, session: Session, row: PostRow, account: Account, reason: str) -> None:
        row.status = "failed"
        row.last_error = reason
        session.commit()
        self.counts.failed += 1
        log.error("toot %d for %s failed: %s; `watchbot retry --account %s` queues it again", row.id,
                  account.name, reason, account.name)

    def _posted(self, session: Session, row: PostRow, delivered: Delivered, *, found: bool) -> None:
        row.status = "posted"
        row.remote_id = delivered.status_id
        row.remote_url = delivered.url
        row.posted_at = utcnow()
        row.last_error = row.wait_reason = row.retry_at = None
        session.commit()
        if found:
            self.counts.found += 1
            log.info("toot %d was already posted by an interrupted run: %s", row.id, delivered.url or
                     delivered.status_id)
        else:
            self.counts.sent += 1
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
        return self._render(act, self._known(act.categories), DRY_RUN_LIMIT), None

    def _toot(self, row: PostRow, account: Account, limit: Limit) -> tuple[str, str | None]:
        """The queued toot's text and content warning, for this account."""
        categories = self._known(row.categories.split(","))
        spoiler = content_warning(categories, account.content_warnings)
        return self._render(row.act, categories, limit, spoiler), spoiler

    def _render(self, act: ActRow, categories: Sequence[Category], limit: Limit, spoiler: str | None = None) -> str:
        return render(act, categories, self.sources, limit, spoiler, self.poor_quality_below)

    @staticmethod
    def _marker(row: PostRow) -> list[str]:
        """What the toot of this act contains for sure: its page link and its reference."""
        marker = [page_link(row.act.document.url, row.act.first_page)]
        return marker + [f"Acte n° {row.act.ref}"] if row.act.ref else marker


def _shown(recent: Sequence[tuple[Delivered, str]], marker: Sequence[str]) -> Delivered | None:
    wanted = [text.replace(WORD_JOINER, "") for text in marker]
    return next((delivered for delivered, text in recent if all(part in text for part in wanted)), None)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def requeue(sessions: sessionmaker[Session], *, statuses: Sequence[str], account: str | None = None,
            since: date | None = None) -> list[PostRow]:
    """Put `failed` and/or `sending` toots back in the queue (never a posted one); the rows requeued.

    A failed toot gets a new Idempotency-Key: the server refused the last one, and Pleroma and Akkoma
    would replay that refusal. A `sending` toot keeps its key: a server that honours it answers with
    the toot it may already have.
    """
    if not set(statuses) <= {"failed", "sending"}:
        raise ValueError(f"only failed and sending toots can be queued again, not {statuses}")
    query = select(PostRow).where(PostRow.status.in_(statuses)).order_by(PostRow.id)
    if account:
        query = query.where(PostRow.account == account)
    if since:
        query = query.where(PostRow.created_at >= datetime.combine(since, time(), timezone.utc))
    with sessions() as session:
        rows = session.scalars(query).all()
        for row in rows:
            if row.status == "failed":
                row.idempotency_key = idempotency_key(row.account, row.act_key, row.attempts + 1)
            row.status = "pending"
            row.wait_reason = f"queued again by `watchbot retry` on {utcnow():%Y-%m-%d %H:%M} UTC"
            row.retry_at = None
        session.commit()
        return list(rows)


def render(act: ActRow, categories: Sequence[Category], sources: Mapping[str, Source], limit: Limit,
           spoiler: str | None = None, poor_quality_below: float = ExtractSettings.poor_quality_below) -> str:
    """The toot of a stored act for `categories` (the toots, the dry run and the feeds alike); an excerpt
    from a page whose OCR quality is under `poor_quality_below` is said to be uncertain."""
    document = act.document
    source = sources.get(document.source_code)
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
                                         PageRow.quality < poor_quality_below))),
    )
    return compose(item, categories, limit.characters, spoiler_text=spoiler or "", url_length=limit.url_length)
