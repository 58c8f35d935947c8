"""The task engine of backfills (docs/BACKFILL.md): Procrastinate on the configured PostgreSQL.

The database the bot already runs on is the queue: no broker. `open_engine` brings both schemas up to
date (the bot's migrations, then Procrastinate's own schema, applied once) under a lock, so that workers
and a backfill starting together do it one after the other. The cron run on SQLite never comes here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from watchbot.core.errors import ExitCode, WatchbotError
from watchbot.core.settings import Config
from watchbot.store import Sessions, backend, has_table, libpq_url, open_database
from watchbot.store.lock import setup_lock

if TYPE_CHECKING:
    from procrastinate import App

QUEUE = "watchbot-read"  # the queue of the reading jobs
TASK = "read_document"
SCHEMA_TABLE = "procrastinate_jobs"


class EngineUnavailable(WatchbotError):
    """No task engine: the database is not PostgreSQL, or the `queue` extra is not installed."""

    exit_code = ExitCode.USAGE


def open_engine(config: Config) -> tuple[App, Sessions]:
    """The Procrastinate app on the configured database (not opened yet) and the bot's sessions."""
    if backend(config.db_url) != "postgresql":
        raise EngineUnavailable("backfills and workers need a PostgreSQL database_url (the task engine lives in "
                                "it); the cron run keeps working on SQLite")
    try:
        import procrastinate
    except ImportError:
        raise EngineUnavailable("the task engine is not installed: pip install 'watchbot[queue]'") from None
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=libpq_url(config.db_url)))
    with setup_lock(config.db_url):
        sessions = open_database(config.db_url)
        if not has_table(config.db_url, SCHEMA_TABLE):
            with app.open():
                app.schema_manager.apply_schema()
    return app, sessions
