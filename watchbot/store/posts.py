"""The outbox: one toot per act and account, queued with the act's matches, then posted exactly once."""

from __future__ import annotations

import hashlib
from typing import Sequence

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, joinedload

from watchbot.clock import utcnow
from watchbot.settings import Account
from watchbot.store import Sessions
from watchbot.store.models import ActRow, PostRow
from watchbot.store.records import QueuedPost, queued_post
from watchbot.store.states import QUEUED, PostState


def enqueue(session: Session, act: ActRow, categories: Sequence[str], accounts: Sequence[Account]) -> None:
    """Queue, in the caller's transaction, one toot per account following any of the act's categories,
    unless that account already has this act (same key, or same text republished)."""
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


def mark_sending(sessions: Sessions, post_id: int, text: str) -> None:
    """Before a request that may reach the server: the text sent, one more attempt."""
    with sessions() as session:
        row = session.get_one(PostRow, post_id)
        row.text, row.status = text, PostState.SENDING
        row.attempts += 1
        session.commit()


def mark_posted(sessions: Sessions, post_id: int, remote_id: str, remote_url: str | None) -> None:
    with sessions() as session:
        row = session.get_one(PostRow, post_id)
        row.status, row.remote_id, row.remote_url = PostState.POSTED, remote_id, remote_url
        row.posted_at, row.last_error = utcnow(), None
        session.commit()


def mark_failed(sessions: Sessions, post_id: int, reason: str) -> None:
    with sessions() as session:
        row = session.get_one(PostRow, post_id)
        row.status, row.last_error = PostState.FAILED, reason
        session.commit()


def record_error(sessions: Sessions, post_id: int, reason: str) -> None:
    """A failure that leaves the toot queued."""
    with sessions() as session:
        session.get_one(PostRow, post_id).last_error = reason
        session.commit()


def in_states(sessions: Sessions, states: Sequence[PostState]) -> list[PostRow]:
    """Toots in these states, with their act, oldest first."""
    with sessions() as session:
        return list(session.scalars(select(PostRow).options(joinedload(PostRow.act))
                                    .where(PostRow.status.in_(states)).order_by(PostRow.id)))
