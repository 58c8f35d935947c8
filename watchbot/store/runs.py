"""The runs: when each started and finished, its exit code and summary line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from watchbot.core.clock import utcnow
from watchbot.store import Sessions
from watchbot.store.models import RunRow


def start(sessions: Sessions, now: datetime) -> int:
    with sessions() as session:
        row = RunRow(started_at=now)
        session.add(row)
        session.commit()
        return row.id


def finish(sessions: Sessions, run_id: int, exit_code: int, summary: str) -> None:
    with sessions() as session:
        row = session.get_one(RunRow, run_id)
        row.finished_at, row.exit_code, row.summary = utcnow(), exit_code, summary
        session.commit()


def last(sessions: Sessions, count: int) -> list[RunRow]:
    with sessions() as session:
        return list(session.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(count)))
