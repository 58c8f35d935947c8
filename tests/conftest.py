"""Shared fixtures: real servers on 127.0.0.1 (prefecture sites, Mastodon, PostgreSQL)."""

from __future__ import annotations

import os

import pytest

from tests.support import postgres

pytest_plugins = ["tests.support.httpserver", "tests.support.mastodon_servers"]


@pytest.fixture(scope="session")
def postgres_server():
    if os.environ.get("WATCHBOT_TEST_POSTGRES") == "off":
        pytest.skip("WATCHBOT_TEST_POSTGRES=off")
    try:
        server = postgres.start()
    except FileNotFoundError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(error))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request, tmp_path):
    """Make empty databases: every database-layer test runs on SQLite and on a real PostgreSQL."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_server").create_database
    count = iter(range(1000))
    return lambda: f"sqlite:///{tmp_path / 'databases' / f'watchbot{next(count)}.db'}"


@pytest.fixture
def database_url(new_database):
    return new_database()
