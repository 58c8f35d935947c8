"""The schema: migrations from an empty database, models in step with them, upgrades keep data."""

from __future__ import annotations

from datetime import date

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from watchbot.core.models import Act, Facts, Match
from watchbot.facts.gazetteer import gazetteer
from watchbot.run.analysis import ClassifiedAct
from watchbot.store import acts, alembic_config, connect, migrate, open_database
from watchbot.store.models import ActCommuneRow, ActFacetRow, Base, DocumentRow, SourceRow
from watchbot.store.records import act_row
from watchbot.store.search import compared


def test_migrations_build_the_models_schema_from_empty(database_url):
    engine = connect(database_url)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"include_name": compared}),
                                       Base.metadata)
    assert differences == []
    assert set(inspect(engine).get_table_names()) >= {"sources", "documents", "pages", "acts", "matches", "posts",
                                                      "runs", "http_cache", "alembic_version", "act_communes", "act_facets"}


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


FACTS = Facts(kind="renewal", start=date(2026, 6, 12), end=date(2026, 6, 14), times=("08:00-20:00", "21:00-23:00"),
              communes=(gazetteer().by_insee("79191"), gazetteer().by_insee("01015")), scope="commune",
              places=("Stade René-Gaillard", "gare; parvis"), purposes=("manifestation", "sport"),
              operators=("police_nationale",), cameras=2)
DEPARTMENT_WIDE = Facts(kind="repeal", scope="department", purposes=("rave",))


def store_act(sessions, reading: ClassifiedAct) -> int:
    with sessions() as session:
        session.add(SourceRow(code="pref79", name="Préfecture des Deux-Sèvres"))
        session.flush()
        document = DocumentRow(source_code="pref79", url="https://www.deux-sevres.gouv.fr/a.pdf", title="RAA")
        document.acts = [act_row(reading)]
        session.add(document)
        session.commit()
        return document.acts[0].id


def facets(sessions, act_id: int) -> list[tuple[str, str]]:
    with sessions() as session:
        return sorted(session.execute(select(ActFacetRow.facet, ActFacetRow.value)
                                      .where(ActFacetRow.act_id == act_id)).all())


def test_an_acts_facts_are_stored_and_read_back_whole(database_url):
    sessions = open_database(database_url)
    match = Match("drones", "drones/strong", 1, "captation d'images")
    act_id = store_act(sessions, ClassifiedAct(Act("79-2026-06-01-001", "Arrêté", 1, 1), (match,), FACTS, "79"))
    assert acts.get(sessions, act_id).facts == FACTS
    assert facets(sessions, act_id) == [("department", "01"), ("department", "79"), ("operator", "police_nationale"),
                                        ("purpose", "manifestation"), ("purpose", "sport")]
    # read again with an edited vocabulary: a measure over the département, the old rows gone
    acts.replace_readings(sessions, {act_id: ClassifiedAct(Act(None, "Arrêté", 1, 1), (match,), DEPARTMENT_WIDE,
                                                           "2a")}, (), ())
    assert acts.get(sessions, act_id).facts == DEPARTMENT_WIDE
    assert facets(sessions, act_id) == [("department", "2A"), ("purpose", "rave")]
    acts.replace_readings(sessions, {act_id: ClassifiedAct(Act(None, "Arrêté", 1, 1), ())}, (), ())
    assert acts.get(sessions, act_id).facts is None and facets(sessions, act_id) == []
    with sessions() as session:
        assert session.scalars(select(ActCommuneRow)).all() == []


def test_the_facts_migration_keeps_the_acts_stored_before_without_facts(database_url):
    engine = connect(database_url)
    command.upgrade(alembic_config(engine), "0009")
    with engine.begin() as connection:
        connection.execute(text("insert into sources (code, name, first_run_at, last_found) "
                                "values ('pref79', 'Préfecture des Deux-Sèvres', CURRENT_TIMESTAMP, 0)"))
        connection.execute(text("insert into documents (id, source_code, url, title, first_seen_at, status, attempts, "
                                "ocr_pages, backfill) values (1, 'pref79', 'https://www.deux-sevres.gouv.fr/a.pdf', "
                                "'RAA', CURRENT_TIMESTAMP, 'done', 1, '', false)"))
        connection.execute(text("insert into acts (id, document_id, ref, title, first_page, last_page, key, "
                                "fingerprint) values (7, 1, 'A-1', 'Arrêté', 1, 2, 'k', 'f')"))
    sessions = open_database(database_url)
    stored = acts.get(sessions, 7)
    assert (stored.act.ref, stored.act.title, stored.facts) == ("A-1", "Arrêté", None)
    acts.replace_readings(sessions, {7: ClassifiedAct(stored.act, (), FACTS, "79")}, (), ())
    assert acts.get(sessions, 7).facts == FACTS
