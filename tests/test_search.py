"""`watchbot search`: one query language, the same acts found on SQLite and PostgreSQL, checked against
a plain Python reading of the same pages; the index kept in step and built for existing databases."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date

import pytest
from alembic import command
from sqlalchemy import select, text

from tests.support.httpserver import SiteServer
from tests.support.prefecture import DRONE_RAA, NEGATIVE_RAA, Document, serve, write_config
from watchbot import config as configuration
from watchbot.cli import main
from watchbot.commands import load_rules
from watchbot.core.models import Act, Facts, Match
from watchbot.core.settings import ExtractSettings
from watchbot.facts.gazetteer import gazetteer
from watchbot.run.analysis import ClassifiedAct, analyse_file, facts_json
from watchbot.store import alembic_config, connect, open_database
from watchbot.store.models import ActRow, DocumentRow, PageRow, SourceRow
from watchbot.store.query import And, Not, Or, QueryError, Words, fts5, parse, tsquery
from watchbot.store.records import act_row
from watchbot.store.search import Filters, search, unindexed_revision

DRONE = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31))
NEGATIVE = Document(NEGATIVE_RAA, "RAA n°09 du 20 janvier 2025", date(2025, 1, 20))
DRONE_ACT = "D77-2024-01-31-00001"
QUERIES = ['aéronef*', 'AERONEFS', '"caméras installées"', 'drone OR ambulatoires', 'captation NOT drone',
           'véhicules NOT (tunnel OR marchandises)', "d'images", '"commune de Brie"*', 'circulation AND véhicules',
           '"7,5 tonnes"', 'ÉTABLISSEMENT', 'préfet', '2024', '"cahier des charges" régional', 'soins OR (vote NOT '
           'élection)', 'médecin* véhicules', 'Brie-Comte-Robert']


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request, tmp_path_factory):
    """A configuration whose database holds two real RAA (224 pages, 11 acts) read by a real run."""
    directory = tmp_path_factory.mktemp("archive")
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_server").create_database()
    server = SiteServer().start()
    try:
        path = write_config(directory, serve(server, [DRONE, NEGATIVE]), database_url=url)
        assert main(["run", "--config", str(path)]) == 0
    finally:
        server.stop()
    return path


@pytest.fixture
def session(archive):
    with open_database(configuration.load(str(archive)).db_url)() as session:
        yield session


def test_the_language_parses_to_one_tree_written_for_each_database():
    tree = parse('drone* OR "Zone de protection" NOT (aéronef AND l\'arrêté) préfet')
    assert tree == Or((Words(("drone",), prefix=True),
                       And((Not(Words(("Zone", "de", "protection")),
                                And((Words(("aéronef",)), Words(("l", "arrêté"))))),
                            Words(("préfet",))))))
    assert fts5(tree) == ('("drone"* OR (("Zone de protection" NOT ("aéronef" AND "l arrêté")) AND "préfet"))')
    assert tsquery(tree) == ("(('drone':*) | ((('Zone' <-> 'de' <-> 'protection') & !(('aéronef') & ('l' <-> "
                             "'arrêté'))) & ('préfet')))")


@pytest.mark.parametrize("query, problem", [
    ("", "no word"), ("NOT drone", "NOT needs a word before it"), ('"zone de', "closing quote"),
    ("(drone OR aéronef", "not closed"), ("drone )", "unexpected ')'"), ("drone OR", "ends where a word"),
    ("*", "unexpected"), ("- ;", "no word")])
def test_a_query_that_cannot_be_understood_says_why(query, problem):
    with pytest.raises(QueryError, match=re.escape(problem)):
        parse(query)


def fold(text: str) -> list[str]:
    """Words as both indexes cut and fold them: runs of letters and digits, lower-case, no accents."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.findall(r"[^\W_]+", plain.lower())


def holds(node, words: list[str]) -> bool:
    """The query's meaning, read plainly on one page's words."""
    if isinstance(node, Words):
        wanted = [fold(word)[0] for word in node.words]
        for start in range(len(words) - len(wanted) + 1):
            window = words[start:start + len(wanted)]
            if window[:-1] == wanted[:-1] and (window[-1].startswith(wanted[-1]) if node.prefix
                                               else window[-1] == wanted[-1]):
                return True
        return False
    if isinstance(node, Not):
        return holds(node.kept, words) and not holds(node.excluded, words)
    test = all if isinstance(node, And) else any
    return test(holds(item, words) for item in node.items)


def expected(session, query: str) -> set[str]:
    tree = parse(query)
    found = set()
    for act in session.scalars(select(ActRow)):
        pages = session.scalars(select(PageRow).where(PageRow.document_id == act.document_id,
                                                      PageRow.number.between(act.first_page, act.last_page)))
        if any(holds(tree, fold(page.text)) for page in pages):
            found.add(act.ref)
    return found


@pytest.mark.parametrize("query", QUERIES)
def test_each_database_finds_the_acts_whose_pages_answer_the_query(session, query):
    wanted = expected(session, query)
    assert {hit.act.ref for hit in search(session, query, limit=1000)} == wanted
    assert wanted, "every query of the list finds some act"


def test_the_drone_act_is_found_by_a_prefix_without_accents_with_its_page_and_snippet(session):
    [hit] = search(session, "AERONEF*")
    assert (hit.source_name, hit.act.ref, hit.document.title, hit.page) == (
        "Préfecture de Seine-et-Marne", DRONE_ACT, DRONE.title, 3)
    assert hit.link.endswith("RAA%20n%C2%B0D77-31-01-2024-special.pdf#page=3")
    assert "[aéronefs]" in hit.snippet
    assert hit.act.categories == ["drones"]


def test_filters_and_date_order(session):
    assert [hit.act.ref for hit in search(session, "2024", Filters(categories=["drones"]))] == [DRONE_ACT]
    assert search(session, "2024", Filters(sources=["pref83"])) == []
    assert {hit.document.published for hit in search(session, "2024", Filters(since=date(2025, 1, 1)))} == {
        NEGATIVE.published}
    assert {hit.document.published for hit in search(session, "2024", Filters(until=date(2024, 12, 31)))} == {
        DRONE.published}
    newest = [hit.document.published for hit in search(session, "2024", sort="date", limit=100)]
    assert len(set(newest)) == 2 and newest == sorted(newest, reverse=True)
    best = search(session, "véhicules", limit=100)
    assert len(best) > 1 and len({hit.act.id for hit in best}) == len(best)


def test_the_command_prints_each_act_found_or_json(archive, capsys):
    assert main(["search", "aéronef* OR drone*", "--config", str(archive)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"1. Préfecture de Seine-et-Marne — {DRONE_ACT} [drones]\n")
    assert f"{DRONE.title} du 31/01/2024, page 3: http://127.0.0.1:" in out
    assert main(["search", "véhicules", "--sort", "date", "--until", "2025-12-31", "--limit", "2", "--json",
                 "--config", str(archive)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results) == 2 and {result["published"] for result in results} == {"2025-01-20"}
    assert all(result["link"] == f"{result['raa_url']}#page={result['page']}" and "[véhicules]" in
               result["snippet"].lower() for result in results)
    assert main(["search", "drone NOT", "--config", str(archive)]) == 2
    assert "watchbot: the query ends where a word was expected" in capsys.readouterr().err
    # issue 21: 300 nested parentheses made FTS5 overflow its parser, with the advice to move the database aside
    assert main(["search", "(" * 300 + "drone" + ")" * 300, "--config", str(archive)]) == 2
    assert capsys.readouterr().err == "watchbot: the query has more than 200 words, operators and parentheses\n"
    assert main(["search", "(" * 25 + "drone" + ")" * 25, "--config", str(archive)]) == 2
    assert capsys.readouterr().err == "watchbot: parentheses nested more than 20 deep\n"


def one_page_act(session, text: str) -> DocumentRow:
    """A stored RAA of one page holding one act, committed."""
    session.add(SourceRow(code="pref83", name="Préfecture du Var"))
    session.flush()
    document = DocumentRow(source_code="pref83", url="https://www.var.gouv.fr/raa.pdf", title="RAA n°1")
    document.pages = [PageRow(number=1, text=text)]
    document.acts = [ActRow(title="Arrêté", first_page=1, last_page=1, key="k", fingerprint="f")]
    session.add(document)
    session.commit()
    return document


def test_the_index_follows_deleted_and_changed_pages(database_url):
    sessions = open_database(database_url)
    with sessions() as session:
        document = one_page_act(session, "Arrêté autorisant un aéronef à Toulon")
        assert len(search(session, "aeronef")) == 1
        document.pages[0].text = "Arrêté portant interdiction de rassemblement festif"
        session.commit()
        assert search(session, "aeronef") == [] and len(search(session, "festif")) == 1
        session.delete(document)
        session.commit()
        assert search(session, "festif") == []


def test_the_migration_indexes_the_pages_of_an_existing_database(database_url):
    engine = connect(database_url)
    command.upgrade(alembic_config(engine), unindexed_revision(engine))
    with engine.begin() as connection:  # the rows as that schema has them (the models are those of the last one)
        connection.execute(text("insert into sources (code, name, first_run_at, last_found) "
                                "values ('pref83', 'Préfecture du Var', CURRENT_TIMESTAMP, 0)"))
        connection.execute(text("insert into documents (id, source_code, url, title, first_seen_at, status, attempts, "
                                "ocr_pages) values (1, 'pref83', 'https://www.var.gouv.fr/raa.pdf', 'RAA n°1', "
                                "CURRENT_TIMESTAMP, 'done', 1, '')"))
        connection.execute(text("insert into pages (document_id, number, text, ocr) values (1, 1, "
                                "'Captation d''images par caméras installées sur des aéronefs', false)"))
        connection.execute(text("insert into acts (document_id, title, first_page, last_page, key, fingerprint) "
                                "values (1, 'Arrêté', 1, 1, 'k', 'f')"))
    with open_database(database_url)() as session:
        [hit] = search(session, '"caméras installées"')
        assert hit.page == 1 and re.search(r"par \[caméras\]? ?\[?installées\] sur", hit.snippet)


def test_the_best_acts_are_the_same_however_many_are_asked_for(session):
    query = "article OR arrêté OR soins"
    everything = [(hit.act.id, hit.page) for hit in search(session, query, limit=1000)]
    assert len(everything) >= 10
    for limit in (1, 2, 5):
        assert [(hit.act.id, hit.page) for hit in search(session, query, limit=limit)] == everything[:limit]


def drone_facts(tmp_path) -> dict:
    """The drone act's facts as `classify --json` writes them, read for its source's département."""
    analysis = analyse_file(DRONE.file, load_rules(None), ExtractSettings(ocr=False), tmp_path, "77", DRONE.published)
    [facts] = [item.facts for item in analysis.acts if item.act.ref == DRONE_ACT]
    assert facts and facts.communes[0].name == "Brie-Comte-Robert" and (facts.start, facts.end) == (
        date(2024, 1, 31), date(2024, 2, 3))
    return facts_json(facts)


@pytest.mark.parametrize("filters, found", [
    (Filters(communes=["77053"]), True), (Filters(communes=["79191", "83137"]), False),
    (Filters(departments=["77"]), True), (Filters(departments=["83"]), False),
    (Filters(kinds=["initial", "renewal"]), True), (Filters(kinds=["repeal"]), False),
    (Filters(period_from=date(2024, 2, 3)), True), (Filters(period_from=date(2024, 2, 4)), False),
    (Filters(period_to=date(2024, 1, 31)), True), (Filters(period_to=date(2024, 1, 30)), False),
    (Filters(period_from=date(2024, 2, 1), period_to=date(2024, 2, 2)), True),
    (Filters(period_from=date(2023, 1, 1), period_to=date(2024, 1, 30)), False)])
def test_the_facts_of_a_real_run_filter_the_acts(session, filters, found):
    wanted = [DRONE_ACT] if found else []
    assert [hit.act.ref for hit in search(session, "2024", filters, limit=100)] == wanted
    assert [hit.act.ref for hit in search(session, None, filters, limit=100)] == wanted


def test_the_command_filters_by_facts_prints_them_and_checks_their_values(archive, capsys, tmp_path):
    assert main(["search", "--commune", "brie comte robert", "--from", "2024-02-01", "--department", "77", "--json",
                 "--config", str(archive)]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert (result["ref"], result["snippet"], result["facts"]) == (DRONE_ACT, "", drone_facts(tmp_path))
    assert main(["search", "véhicules", "--json", "--config", str(archive)]) == 0
    assert {result["facts"] is None for result in json.loads(capsys.readouterr().out)} == {True}
    assert main(["search", "aéronef*", "--kind", "initial", "--config", str(archive)]) == 0
    assert "   initial · 2024-01-31 → 2024-02-03 · Brie-Comte-Robert (77)\n" in capsys.readouterr().out
    assert main(["search", "aéronef*", "--purpose", "manifestation", "--config", str(archive)]) == 0
    assert capsys.readouterr().out == "No act found.\n"
    assert main(["search", "--purpose", "drones", "--config", str(archive)]) == 2
    assert "search: unknown purpose drones: one of manifestation, sport, " in capsys.readouterr().err
    assert main(["search", "--kind", "new", "--config", str(archive)]) == 2
    assert "search: unknown kind new: one of initial, renewal, modification, extension, repeal" in \
        capsys.readouterr().err
    assert main(["search", "--department", "99", "--config", str(archive)]) == 2
    assert "search: unknown département 99: one of 01, 02, " in capsys.readouterr().err
    assert main(["search", "--commune", "Nulle-Part-sur-Mer", "--config", str(archive)]) == 2
    assert "search: no commune is named 'Nulle-Part-sur-Mer'" in capsys.readouterr().err
    assert main(["search", "--commune", "00000", "--config", str(archive)]) == 2
    assert "search: no commune has the INSEE code 00000" in capsys.readouterr().err


def test_acts_are_found_by_their_communes_and_periods_known_on_one_side(database_url, capsys, tmp_path):
    communes = gazetteer()
    niort, beon = communes.by_insee("79191"), communes.by_insee("01039")  # Béon: now part of Culoz (01138)
    readings = {"niort": Facts(start=date(2026, 6, 12), end=date(2026, 6, 14), communes=(niort,), scope="commune",
                               purposes=("sport", "manifestation")),
                "until": Facts(end=date(2026, 3, 1), communes=(beon,), scope="commune"),
                "from": Facts(kind="repeal", start=date(2026, 9, 1), scope="department", purposes=("rave",)),
                "undated": Facts(communes=(niort,), scope="commune")}
    sessions = open_database(database_url)
    with sessions() as session:
        session.add(SourceRow(code="pref79", name="Préfecture des Deux-Sèvres"))
        session.flush()
        document = DocumentRow(source_code="pref79", url="https://www.deux-sevres.gouv.fr/raa.pdf", title="RAA")
        document.pages = [PageRow(number=1, text="Arrêté autorisant la captation d'images")]
        document.acts = [act_row(ClassifiedAct(Act(ref, "Arrêté", 1, 1), (Match("drones", "r", 1, ""),), facts,
                                               "79")) for ref, facts in readings.items()]
        session.add(document)
        session.commit()

        def found(query=None, **filters) -> set[str]:
            return {hit.act.ref for hit in search(session, query, Filters(**filters), limit=100)}

        assert found(communes=["79191"]) == found("captation", communes=["79191"]) == {"niort", "undated"}
        assert found(communes=["01138"]) == {"until"}
        assert found(departments=["79"]) == {"niort", "undated", "from"} and found(departments=["01"]) == {"until"}
        assert found(period_from=date(2026, 2, 1), period_to=date(2026, 6, 12)) == {"niort", "until"}
        assert found(period_from=date(2026, 6, 15)) == {"from"}
        assert found(period_to=date(2026, 2, 28)) == {"until"}
        assert found(purposes=["manifestation", "rave"]) == {"niort", "from"} and found(kinds=["repeal"]) == {"from"}
        assert found(purposes=["rave"], departments=["79"], period_to=date(2026, 9, 1)) == {"from"}
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"database_url: {database_url}\n", encoding="utf-8")
    assert main(["search", "--commune", "NIORT", "--to", "2026-12-31", "--json", "--config", str(config)]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["ref"] == "niort" and result["facts"]["communes"] == [{"name": "Niort", "insee": "79191"}]


def test_paris_lyon_and_marseille_find_the_acts_of_their_arrondissements(database_url, capsys, tmp_path):
    communes = gazetteer()
    places = {"paris-16": "75116", "paris": "75056", "lyon-3": "69383", "marseille-13": "13213", "niort": "79191"}
    sessions = open_database(database_url)
    with sessions() as session:
        session.add(SourceRow(code="pp", name="Préfecture de police"))
        session.flush()
        document = DocumentRow(source_code="pp", url="https://www.prefecturedepolice.interieur.gouv.fr/raa.pdf",
                               title="RAA")
        document.acts = [act_row(ClassifiedAct(Act(ref, "Arrêté", 1, 1), (Match("drones", "r", 1, ""),),
                                               Facts(communes=(communes.by_insee(code),), scope="commune"), None))
                         for ref, code in places.items()]
        session.add(document)
        session.commit()
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"database_url: {database_url}\n", encoding="utf-8")

    def found(*communes: str) -> set[str]:
        options = [option for commune in communes for option in ("--commune", commune)]
        assert main(["search", *options, "--json", "--config", str(config)]) == 0
        return {result["ref"] for result in json.loads(capsys.readouterr().out)}

    assert found("Paris") == found("75056") == {"paris", "paris-16"}
    assert found("Lyon") == found("69123") == {"lyon-3"}
    assert found("MARSEILLE", "Niort") == {"marseille-13", "niort"}
    assert found("Paris 16e") == found("75116") == {"paris-16"}
    assert found("Lyon 1er") == set()


def test_the_command_checks_categories_and_sources_and_hints_when_nothing_is_found(archive, capsys):
    """Issue 25: an unknown category or source found nothing, silently; lower-case operators and plurals
    searched as such found nothing with no word of why."""
    assert main(["search", "drone", "--category", "drones", "--category", "drone", "--config", str(archive)]) == 2
    assert "unknown category drone: one of demonstration_ban, drones," in capsys.readouterr().err
    assert main(["search", "drone", "--source", "pref999", "--config", str(archive)]) == 2
    assert "unknown source pref999" in capsys.readouterr().err
    assert main(["search", "hélicoptères or dirigeables", "--config", str(archive)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No act found.\n")
    assert "write OR, AND, NOT for the operators" in out and "aéronef* finds aéronef and aéronefs" in out
