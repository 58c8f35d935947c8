"""What the last runs did and what waits for the next one: the report `watchbot status` prints."""

from __future__ import annotations

import shlex
from datetime import datetime

from watchbot.core.clock import utcnow
from watchbot.core.settings import Config
from watchbot.core.terminal import printable
from watchbot.publish.outbox import HELD
from watchbot.store import documents, open_database, posts, runs, sources
from watchbot.store.models import PostRow
from watchbot.store.states import QUEUED, DocumentState, PostState


def report(config: Config, last_runs: int = 5) -> str:
    sessions = open_database(config.db_url)
    sections = [
        _section("Last runs", [
            f"#{row.id} {_when(row.started_at)} exit {row.exit_code if row.exit_code is not None else '?'}"
            f" {row.summary or '(unfinished)'}"
            for row in runs.last(sessions, last_runs)]),
        _section("Sources", [
            f"{row.code}: last success {_when(row.last_success_at)}, {row.last_found} RAA listed"
            + (f"; last error: {row.last_error}" if row.last_error else "")
            for row in sources.every(sessions)]),
        _section("Failed documents", [
            f"{row.url} ({row.attempts} attempts): {row.last_error}"
            for row in documents.in_state(sessions, DocumentState.FAILED)]),
        _section("Waiting documents", [
            f"{row.url}: retried after {_when(row.retry_at)} UTC; last error: {row.last_error}"
            for row in documents.in_state(sessions, DocumentState.WAITING)]),
        _section("Gone documents", [
            f"{row.url}: {row.last_error}" for row in documents.in_state(sessions, DocumentState.GONE)]),
        _section("Pages read poorly", [
            f"{url}: " + ", ".join(f"p. {number} ({quality:.2f})" for number, quality in pages)
            for url, pages in documents.poorly_read(sessions, config.extract.poor_quality_below)]),
        _section("Queued toots", [
            f"#{row.id} {row.account} [{row.categories}] {row.act.title[:80]}: {_why(row)}"
            for row in posts.in_states(sessions, QUEUED)]),
        _failed_toots(config, posts.in_states(sessions, [PostState.FAILED])),
    ]
    return "\n\n".join(sections)


def _why(row: PostRow) -> str:
    """Why a queued toot waits."""
    if row.status == PostState.SENDING:
        if row.wait_reason and row.wait_reason.startswith(HELD):
            return row.wait_reason
        return "sending: an interrupted run may have posted it; the next run looks for it on the account"
    if row.retry_at and row.retry_at > utcnow():
        return f"retry after 429 until {row.retry_at:%Y-%m-%d %H:%M} UTC"
    tried = f" ({row.attempts} attempts; last error: {row.last_error})" if row.attempts and row.last_error else ""
    if row.wait_reason:
        return row.wait_reason + tried
    return f"will be retried{tried}" if row.attempts else "never tried"


def _failed_toots(config: Config, rows: list[PostRow]) -> str:
    """The failed toots, and for each account the command that queues them again."""
    lines = [f"#{row.id} {row.account} {row.act.title[:80]}: {row.last_error}" for row in rows]
    where = f" --config {shlex.quote(str(config.path))}" if config.path else ""
    lines += [f"to queue {account}'s again: watchbot retry{where} --account {shlex.quote(account)} --failed"
              for account in dict.fromkeys(row.account for row in rows)]
    return _section("Failed toots", lines, count=len(rows))


def _section(title: str, lines: list[str], count: int | None = None) -> str:
    return (f"{title} ({len(lines) if count is None else count})\n"
            + "\n".join(f"  {printable(line)}" for line in lines or ["none"]))


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "never"
