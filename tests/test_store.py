"""The schema: migrations from an empty database, models in step with them, upgrades keep data."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from watchbot.store import alembic_config, connect, migrate
from watchbot.store.models import Base
from watchbot.store.search import compared


def test_migrations_build_the_models_schema_from_empty(database_url):
    engine = connect(database_url)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"include_name": compared}),
                                       Base.metadata)
    assert differences == []
    assert set(inspect(engine).get_table_names()) >= {"sources", "documents", "pages", "acts", "matches", "posts",
                                                      "runs", "http_cache", "alembic_version"}


def test_each_revision_upgrades_a_populated_database_without_loss(database_url):
    engine = connect(database_url)
    config = alembic_config(engine)
    revisions = [script.revision for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]
    command.upgrade(config, revisions[0])
    with engine.begin() as connection:
        connection.execute(text("insert into sources (code, name, first_run_at, last_found) "
                                "values ('pref83', 'Préfecture du Var', CURRENT_TIMESTAMP, 3)"))
        connection.execute(text("insert into documents (source_code, url, title, first_seen_at, status, attempts, "
                                "ocr_pages) values ('pref83', 'https://www.var.gouv.fr/a.pdf', 'RAA', "
                                "CURRENT_TIMESTAMP, 'done', 1, '4,5')"))
    for revision in revisions[1:]:
        command.upgrade(config, revision)
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(text("select code, name, last_found from sources")).all() == [
            ("pref83", "Préfecture du Var", 3)]
        assert connection.execute(text("select url, ocr_pages from documents")).all() == [
            ("https://www.var.gouv.fr/a.pdf", "4,5")]
