"""`watchbot search`: one query language, the same acts found on SQLite and PostgreSQL, checked against
a plain Python reading of the same pages; the index kept in step and built for existing databases."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, insert, select

from tests.support.httpserver import SiteServer
from tests.support.prefecture import DRONE_RAA, NEGATIVE_RAA, Document, serve, write_config
from watchbot import config as configuration
from watchbot.cli import main
from watchbot.store import alembic_config, connect, open_database
from watchbot.store.models import ActRow, DocumentRow, PageRow, SourceRow
from watchbot.store.query import And, Not, Or, QueryError, Words, fts5, parse, tsquery
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


def insert_as_then(connection, model, **values) -> int:
    """A row of `model` written with the columns its table had at an older revision (the models have more):
    the values given, and the models' defaults for the other columns the table had."""
    table = Table(model.__tablename__, MetaData(), autoload_with=connection)
    defaults = {column.name: column.default for column in model.__table__.columns if column.default is not None}
    row = {name: values[name] if name in values else
           defaults[name].arg(None) if defaults[name].is_callable else defaults[name].arg
           for name in (column.name for column in table.columns) if name in values or name in defaults}
    return connection.execute(insert(table).values(row)).inserted_primary_key[0]


def test_the_migration_indexes_the_pages_of_an_existing_database(database_url):
    engine = connect(database_url)
    command.upgrade(alembic_config(engine), unindexed_revision(engine))
    with engine.begin() as connection:
        insert_as_then(connection, SourceRow, code="pref83", name="Préfecture du Var")
        document = insert_as_then(connection, DocumentRow, source_code="pref83", url="https://www.var.gouv.fr/raa.pdf",
                                  title="RAA n°1", status="new")
        insert_as_then(connection, PageRow, document_id=document, number=1,
                       text="Captation d'images par caméras installées sur des aéronefs")
        insert_as_then(connection, ActRow, document_id=document, title="Arrêté", first_page=1, last_page=1, key="k",
                       fingerprint="f")
    with open_database(database_url)() as session:
        [hit] = search(session, '"caméras installées"')
        assert hit.page == 1 and re.search(r"par \[caméras\]? ?\[?installées\] sur", hit.snippet)


def test_the_best_acts_are_the_same_however_many_are_asked_for(session):
    query = "article OR arrêté OR soins"
    everything = [(hit.act.id, hit.page) for hit in search(session, query, limit=1000)]
    assert len(everything) >= 10
    for limit in (1, 2, 5):
        assert [(hit.act.id, hit.page) for hit in search(session, query, limit=limit)] == everything[:limit]
