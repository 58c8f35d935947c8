"""`watchbot status`: what the last runs did and what waits for the next one."""

from __future__ import annotations

from datetime import datetime

from watchbot import config as configuration
from watchbot.commands import OK, config_option
from watchbot.settings import Config
from watchbot.store import documents, open_database, posts, runs, sources
from watchbot.store.states import QUEUED, DocumentState, PostState


def register(commands, common) -> None:
    parser = commands.add_parser("status", parents=[common], help="last runs, sources, failed documents, "
                                 "queued and failed toots")
    config_option(parser)
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    print(report(configuration.load(args.config)))
    return OK


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
        _section("Gone documents", [
            f"{row.url}: {row.last_error}" for row in documents.in_state(sessions, DocumentState.GONE)]),
        _section("Queued toots", [
            f"#{row.id} {row.account} [{row.categories}] {row.act.title[:80]}"
            + (f" ({row.attempts} attempts; last error: {row.last_error})" if row.attempts else "")
            for row in posts.in_states(sessions, QUEUED)]),
        _section("Failed toots", [
            f"#{row.id} {row.account} {row.act.title[:80]}: {row.last_error}"
            for row in posts.in_states(sessions, [PostState.FAILED])]),
    ]
    return "\n\n".join(sections)


def _section(title: str, lines: list[str]) -> str:
    return f"{title} ({len(lines)})\n" + "\n".join(f"  {line}" for line in lines or ["none"])


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "never"
