"""The outbox: one toot per act and account, queued with the act's matches, then posted exactly once."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timezone
from typing import Any, Sequence

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, joinedload

from watchbot.core.clock import utcnow
from watchbot.core.models import Facts
from watchbot.core.settings import Account
from watchbot.facts.extract import replaces
from watchbot.store import Sessions
from watchbot.store.models import ActRow, PostRow
from watchbot.store.records import QueuedPost, queued_post, stored_act
from watchbot.store.states import QUEUED, PostState


def idempotency_key(account: str, act_key: str, attempt: int = 0) -> str:
    """The key of a toot's request; a new attempt gets a new key once the server refused the last one
    (Pleroma and Akkoma replay any answer to a key for 6 hours, a refusal included)."""
    seed = f"{account}|{act_key}" + (f"|{attempt}" if attempt else "")
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def enqueue(session: Session, act: ActRow, categories: Sequence[str], accounts: Sequence[Account], *,
            department: str | None) -> None:
    """Queue, in the caller's transaction, one toot per account following any of the act's categories (and
    its source, département and kind: `Account.follows`), unless that account already has this act (same
    key, or same text republished); never for the acts of a backfill, which fills the archive with years past.
    `department` is the act's own (`ClassifiedAct.department`: its source's, from the registry or the config)."""
    if act.document.backfill or not accounts:
        return
    facts = stored_act(act).facts or Facts()
    source = act.document.source_code
    departments = {commune.department for commune in facts.communes} | ({department} if department else set())
    # a repeal that replaces is a measure in force, not for skip_kinds: [repeal] to drop
    kind = "initial" if replaces(facts, act.title) else facts.kind
    for account in accounts:
        wanted = account.follows(categories, source, departments, kind)
        if not wanted or _already_queued(session, account.name, act):
            continue
        session.add(PostRow(account=account.name, act_key=act.key, act_id=act.id, categories=",".join(wanted),
                            idempotency_key=idempotency_key(account.name, act.key)))
        session.flush()


def _already_queued(session: Session, account: str, act: ActRow) -> bool:
    same_act = (PostRow.act_key == act.key) | PostRow.act.has(ActRow.fingerprint == act.fingerprint)
    return bool(session.scalar(select(exists().where(PostRow.account == account, same_act))))


def queued(sessions: Sessions, account: str, limit: int) -> list[QueuedPost]:
    """The account's oldest toots still to post, at most `limit`."""
    with sessions() as session:
        rows = session.scalars(select(PostRow).where(PostRow.account == account, PostRow.status.in_(QUEUED))
                               .order_by(PostRow.id).limit(limit))
        return [queued_post(row) for row in rows]


def count_queued(sessions: Sessions, account: str) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).where(PostRow.account == account,
                                                         PostRow.status.in_(QUEUED))) or 0


def rate_limited_until(sessions: Sessions, account: str) -> datetime | None:
    """The latest reset time a 429 gave for the account's queued toots, if any."""
    with sessions() as session:
        return session.scalar(select(func.max(PostRow.retry_at)).where(PostRow.account == account,
                                                                        PostRow.status.in_(QUEUED)))


def wait(sessions: Sessions, account: str, reason: str, retry_at: datetime | None, *, keep: str) -> None:
    """Say why the account's queued toots wait, except those whose reason starts with `keep`."""
    with sessions() as session:
        session.execute(update(PostRow).where(
            PostRow.account == account, PostRow.status.in_(QUEUED),
            PostRow.wait_reason.is_(None) | ~PostRow.wait_reason.startswith(keep)).values(
            wait_reason=reason[:500], retry_at=retry_at))
        session.commit()


def hold(sessions: Sessions, post_id: int, reason: str) -> None:
    """A toot left `sending` that waits for a human decision."""
    with sessions() as session:
        session.get_one(PostRow, post_id).wait_reason = reason
        session.commit()


def mark_sending(sessions: Sessions, post_id: int, text: str, key: str) -> None:
    """Before a request that may reach the server: the text sent, its Idempotency-Key, one more attempt."""
    with sessions() as session:
        row = session.get_one(PostRow, post_id)
        row.text, row.idempotency_key, row.status = text, key, PostState.SENDING
        row.attempts += 1
        row.wait_reason = row.retry_at = None
        session.commit()


def mark_refused(sessions: Sessions, post_id: int, reason: str) -> None:
    """The server answered without taking the toot: queued again."""
    _update(sessions, post_id, status=PostState.PENDING, last_error=reason)


def record_error(sessions: Sessions, post_id: int, reason: str) -> None:
    """A failure after which the server may have the toot: it stays `sending`."""
    _update(sessions, post_id, last_error=reason)


def mark_posted(sessions: Sessions, post_id: int, remote_id: str, remote_url: str | None) -> None:
    _update(sessions, post_id, status=PostState.POSTED, remote_id=remote_id, remote_url=remote_url,
            posted_at=utcnow(), last_error=None, wait_reason=None, retry_at=None)


def confirm_posted(sessions: Sessions, post_id: int) -> PostRow:
    """A toot left `sending` that a person found on the account: posted. LookupError for any other toot."""
    with sessions() as session:
        row = session.get(PostRow, post_id)
        if row is None or row.status != PostState.SENDING:
            state = f"is {row.status}" if row else "does not exist"
            raise LookupError(f"toot #{post_id} {state}: only a toot left sending can be marked posted")
        row.status, row.posted_at, row.retry_at = PostState.POSTED, utcnow(), None
        row.wait_reason = f"marked posted by `watchbot retry --mark-posted` on {utcnow():%Y-%m-%d %H:%M} UTC"
        session.commit()
        return row


def mark_failed(sessions: Sessions, post_id: int, reason: str) -> None:
    _update(sessions, post_id, status=PostState.FAILED, last_error=reason)


def _update(sessions: Sessions, post_id: int, **values: Any) -> None:
    with sessions() as session:
        row = session.get_one(PostRow, post_id)
        for name, value in values.items():
            setattr(row, name, value)
        session.commit()


def requeue(sessions: Sessions, *, states: Sequence[PostState], account: str | None = None,
            since: date | None = None) -> list[PostRow]:
    """Put `failed` and/or `sending` toots back in the queue (never a posted one); the rows requeued.

    A failed toot gets a new Idempotency-Key: the server refused the last one, and Pleroma and Akkoma
    would replay that refusal. A `sending` toot keeps its key: a server that honours it answers with
    the toot it may already have.
    """
    if not set(states) <= {PostState.FAILED, PostState.SENDING}:
        raise ValueError(f"only failed and sending toots can be queued again, not {list(states)}")
    query = select(PostRow).where(PostRow.status.in_(states)).order_by(PostRow.id)
    if account:
        query = query.where(PostRow.account == account)
    if since:
        query = query.where(PostRow.created_at >= datetime.combine(since, time(), timezone.utc))
    with sessions() as session:
        rows = list(session.scalars(query))
        for row in rows:
            if row.status == PostState.FAILED:
                row.idempotency_key = idempotency_key(row.account, row.act_key, row.attempts + 1)
            row.status = PostState.PENDING
            row.wait_reason = f"queued again by `watchbot retry` on {utcnow():%Y-%m-%d %H:%M} UTC"
            row.retry_at = None
        session.commit()
        return rows


def categories_by_act_key(sessions: Sessions, account: str) -> dict[str, list[str]]:
    """The categories each of the account's toots names, by the key of its act."""
    with sessions() as session:
        return {key: categories.split(",") for key, categories in session.execute(
            select(PostRow.act_key, PostRow.categories).where(PostRow.account == account))}


def in_states(sessions: Sessions, states: Sequence[PostState]) -> list[PostRow]:
    """Toots in these states, with their act, oldest first."""
    with sessions() as session:
        return list(session.scalars(select(PostRow).options(joinedload(PostRow.act))
                                    .where(PostRow.status.in_(states)).order_by(PostRow.id)))
