"""The database: engine, migrations, sessions. Any SQLAlchemy URL (SQLite, PostgreSQL).

Only this package speaks SQL: its modules (sources, documents, acts, posts, runs, cache, lock) answer
named questions and take a `Sessions` factory, so that the other layers never hold a transaction.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from watchbot.core.errors import ExitCode, WatchbotError

Sessions = sessionmaker[Session]
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UNUSABLE = (DatabaseError, CommandError)  # a corrupt or unreadable database, a schema migrations cannot handle


def alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


class DatabaseUrlError(WatchbotError):
    """A database_url naming a database kind or a driver that is not installed."""

    exit_code = ExitCode.USAGE


def connect(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url)
    except ImportError as error:  # the driver the URL names is not installed
        raise DatabaseUrlError(f"database_url {make_url(url).render_as_string(hide_password=True)}: its driver is "
                               f"not installed ({error}); for PostgreSQL run scripts/setup --postgres") from None
    except ArgumentError as error:
        raise DatabaseUrlError(f"database_url: {error}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def migrate(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for any other database."""
    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def database_identity(url: str) -> tuple[int, int] | None:
    """Which file a SQLite database is (device, inode); None for a server database or a missing file."""
    path = sqlite_file(url)
    if path is None:
        return None
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


def unavailable(error: BaseException) -> bool:
    """Whether an error is the database's passing trouble (busy, locked, unreachable): worth trying later."""
    return isinstance(error, OperationalError)


def backend(url: str) -> str:
    """The database's kind: sqlite, postgresql…"""
    return make_url(url).get_backend_name()


def libpq_url(url: str) -> str:
    """A PostgreSQL URL as libpq and psycopg take it (without SQLAlchemy's driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def has_table(url: str, name: str) -> bool:
    engine = connect(url)
    try:
        return inspect(engine).has_table(name)
    finally:
        engine.dispose()


def open_database(url: str) -> Sessions:
    """Connect, bring the schema up to date, and return a session factory."""
    engine = connect(url)
    migrate(engine)
    return sessionmaker(engine, expire_on_commit=False)
