"""watchbot stats: distinct acts and days covered, counted by SQL, checked against the labelled facts."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from threading import Thread

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from tests.support.corpus import DATA, corpus
from watchbot import config as configuration
from watchbot.cli import main
from watchbot.core.models import Act, Facts, Match
from watchbot.facts.gazetteer import gazetteer
from watchbot.fetch import Download
from watchbot.run.analysis import Analysis, ClassifiedAct
from watchbot.store import acts as stored_acts
from watchbot.store import connect, documents, migrate, open_database, summary
from watchbot.store.export import FIELDS, batches, statement
from watchbot.store.models import ActRow, DocumentRow, MatchRow, SourceRow, StatsCellRow, StatsStaleRow
from watchbot.store.records import act_row
from watchbot.store.stats import count, count_acts, days_covered

LABELS = DATA / "facts" / "tune" / "var-nord-idf.csv"
REPUBLISHED = "83-2025-02-10-00001"  # stored again in a later RAA: counted once, in its first RAA's month


def labelled() -> list[dict]:
    with LABELS.open(encoding="utf-8", newline="") as file:
        return [row for row in csv.DictReader(file) if row["corpus"] == "var-2025"]


def labelled_facts(row: dict) -> Facts | None:
    if not row["kind"]:
        return None
    communes = tuple(gazetteer().find(name, row["department"])[0] for name in row["communes"].split(";") if name)
    return Facts(row["kind"], _day(row["start"]), _day(row["end"]), tuple(filter(None, row["times"].split(";"))),
                 communes, row["scope"], tuple(filter(None, row["places"].split(";"))),
                 tuple(filter(None, row["purposes"].split(";"))), tuple(filter(None, row["operators"].split(";"))),
                 int(row["cameras"]) if row["cameras"] else None)


def _day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def store(database_url: str, documents: list[tuple[dict, list[ClassifiedAct]]]) -> None:
    with open_database(database_url)() as session:
        session.add(SourceRow(code="pref83", name="Préfecture du Var"))
        session.flush()
        for raa, acts in documents:
            session.add(DocumentRow(source_code="pref83", url=raa["url"], title=raa["name"],
                                    published=_day(raa["date"]), acts=[act_row(act) for act in acts]))
        session.commit()


@pytest.fixture
def var_archive(database_url, tmp_path) -> tuple[Path, list[tuple[dict, dict]]]:
    """The labelled Var acts stored with their labelled facts, in their real RAA; one of them republished
    in a later RAA. Returns a configuration and the (RAA, label) of each act."""
    acts, documents = [], defaultdict(list)
    for row in labelled():
        raa = json.loads(corpus(row["file"]).with_suffix(".json").read_text(encoding="utf-8"))
        acts.append((raa, row))
        documents[row["file"]].append((raa, ClassifiedAct(Act(row["ref"] or None, row["title"], 1, 1),
                                                          (Match(row["category"], "label", 1, ""),),
                                                          labelled_facts(row), "83")))
    stored = [(found[0][0], [act for _, act in found]) for found in documents.values()]
    [republished] = [act for found in documents.values() for _, act in found if act.act.ref == REPUBLISHED]
    stored.append(({"name": "RAA N°200 du 1er décembre 2025", "date": "2025-12-01",
                    "url": "https://www.var.gouv.fr/raa-200.pdf"}, [republished]))
    store(database_url, stored)
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"database_url: {database_url}\n", encoding="utf-8")
    return config, acts


def expected_by_month_and_purpose(acts: list[tuple[dict, dict]]) -> dict[tuple, tuple[int, int]]:
    """From the labels alone: acts and covered days (a set of days) per (month of the RAA, purpose)."""
    counted: Counter = Counter()
    days: dict[tuple, set[date]] = defaultdict(set)
    for raa, row in acts:
        for purpose in row["purposes"].split(";") if row["purposes"] else [None]:
            group = (raa["date"][:7], purpose)
            counted[group] += 1
            if row["start"] and row["end"]:
                start, end = date.fromisoformat(row["start"]), date.fromisoformat(row["end"])
                days[group].update(start + timedelta(n) for n in range((end - start).days + 1))
    return {group: (counted[group], len(days[group])) for group in counted}


def test_stats_by_month_and_purpose_equal_the_counts_of_the_labels(var_archive, database_url, capsys):
    config, acts = var_archive
    assert len(acts) == 19 and summary.stale(open_database(database_url)) > 0
    assert main(["stats", "--by", "month", "--by", "purpose", "--format", "json", "--config", str(config)]) == 0
    printed = capsys.readouterr()
    assert printed.err == "" and summary.stale(open_database(database_url)) == 0  # brought up to date, quietly
    found = json.loads(printed.out)
    assert {(row["month"], row["purpose"]): (row["acts"], row["days"]) for row in found} == \
        expected_by_month_and_purpose(acts)
    assert list(found[0]) == ["month", "purpose", "acts", "days"]
    assert main(["stats", "--config", str(config), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"acts": 19, "days": days_covered(
        (date.fromisoformat(row["start"]), date.fromisoformat(row["end"])) for _, row in acts
        if row["start"] and row["end"])}]


def test_stats_filter_by_category_and_first_publication(var_archive, capsys):
    config, acts = var_archive
    drones = [row for raa, row in acts if row["category"] == "drones" and raa["date"] >= "2025-02-01"]
    assert main(["stats", "--category", "drones", "--since", "2025-02-01", "--until", "2025-12-31", "--by",
                 "category", "--by", "department", "--format", "csv", "--config", str(config)]) == 0
    assert list(csv.DictReader(io.StringIO(capsys.readouterr().out))) == [
        {"category": "drones", "department": "83", "acts": str(len(drones)), "days": str(days_covered(
            (date.fromisoformat(row["start"]), date.fromisoformat(row["end"])) for row in drones))}]
    # the republished act is counted in its first RAA (February), not in December's
    assert main(["stats", "--since", "2025-12-01", "--format", "json", "--config", str(config)]) == 0
    assert json.loads(capsys.readouterr().out) == [{"acts": 0, "days": 0}]


def test_the_table_names_communes_and_marks_missing_values(var_archive, capsys):
    config, _ = var_archive
    assert main(["stats", "--by", "commune", "--by", "kind", "--config", str(config)]) == 0
    printed = capsys.readouterr().out
    assert "83137" in printed and "Toulon" in printed and "—" in printed
    with pytest.raises(SystemExit, match="2"):
        main(["stats", "--by", "nowhere", "--config", str(config)])
    assert "invalid choice: 'nowhere'" in capsys.readouterr().err


def test_days_covered_is_the_union_of_overlapping_periods(database_url):
    periods = {"a": (date(2025, 3, 1), date(2025, 3, 10)), "b": (date(2025, 3, 5), date(2025, 3, 12)),
               "c": (date(2025, 3, 13), date(2025, 3, 13)), "d": (date(2025, 3, 20), date(2025, 3, 21)),
               "e": (date(2025, 3, 2), date(2025, 3, 3)), "f": (date(2025, 3, 31), None)}
    acts = [ClassifiedAct(Act(ref, "Arrêté", 1, 1), (Match("drones", "r", 1, ""),),
                          Facts(start=start, end=end, purposes=("sport",) if ref in "ab" else ()), "83")
            for ref, (start, end) in periods.items()]
    store(database_url, [({"name": "RAA", "date": "2025-03-01", "url": "https://www.var.gouv.fr/a.pdf"}, acts)])
    with open_database(database_url)() as session:
        assert [(row.values, row.acts, row.days) for row in count(session, ["purpose"])] == [
            (("sport",), 2, 12), ((None,), 4, 1 + 2 + 2)]
        assert [(row.values, row.acts, row.days) for row in count(session, ["week"])] == [(("2025-W09",), 6, 15)]
    assert days_covered([(date(2025, 1, 5), date(2025, 1, 1))]) == 0
    assert days_covered([(date(2025, 1, 1), date(2025, 1, 1)), (date(2025, 1, 2), date(2025, 1, 2))]) == 2


def test_a_republished_act_counts_once_in_its_first_published_raa_whatever_the_order_read(database_url):
    def copy(start: date) -> list[ClassifiedAct]:
        return [ClassifiedAct(Act("x", "Arrêté", 1, 1), (Match("drones", "r", 1, ""),),
                              Facts(start=start, end=start), "83")]
    store(database_url, [({"name": "RAA 2", "date": "2025-05-01", "url": "https://a/2.pdf"}, copy(date(2025, 5, 2))),
                         ({"name": "undated", "date": "", "url": "https://a/0.pdf"}, copy(date(2025, 1, 1))),
                         ({"name": "RAA 1", "date": "2025-04-01", "url": "https://a/1.pdf"}, copy(date(2025, 4, 2)))])
    with open_database(database_url)() as session:
        assert [(row.values, row.acts, row.days) for row in count(session, ["month", "week"])] == [
            (("2025-04", "2025-W14"), 1, 1)]
        assert [(row.acts, row.days) for row in count(session, since=date(2025, 4, 15))] == [(0, 0)]
        assert [(row.acts, row.days) for row in count(session, until=date(2025, 4, 15))] == [(1, 1)]


def test_export_writes_each_act_once_with_its_facts_and_links(var_archive, tmp_path, capsys):
    config, acts = var_archive
    assert main(["export", "--format", "json", "--config", str(config)]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert len(exported) == len(acts) == len({row["id"] for row in exported})
    [toulon] = [row for row in exported if row["reference"] == REPUBLISHED]
    assert toulon | {"id": "", "title": ""} == {
        "id": "", "reference": REPUBLISHED, "title": "", "categories": "drones", "kind": "initial",
        "start": "2025-02-10", "end": "2025-02-14", "communes": "Toulon", "insee": "83137", "departments": "83",
        "purposes": "delinquance", "operators": "police_nationale", "cameras": 1, "source": "pref83",
        "raa": toulon["raa"], "published": "2025-02-10", "link": toulon["link"]}
    assert toulon["raa"] != "RAA N°200 du 1er décembre 2025" and toulon["link"].endswith(".pdf#page=1")
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "acts.csv"), "--config", str(config)]) == 0
    with (tmp_path / "acts.csv").open(encoding="utf-8", newline="") as file:
        assert [dict(row) for row in csv.DictReader(file)] == [
            {name: "" if value is None else str(value) for name, value in row.items()} for row in exported]
    assert main(["export", "--format", "parquet", "--config", str(config)]) == 2
    assert "--format parquet needs --out FILE" in capsys.readouterr().err


def test_export_to_parquet(var_archive, tmp_path):
    parquet = pytest.importorskip("pyarrow.parquet")
    config, acts = var_archive
    assert main(["export", "--format", "parquet", "--out", str(tmp_path / "acts.parquet"), "--config",
                 str(config)]) == 0
    table = parquet.read_table(tmp_path / "acts.parquet").to_pylist()
    assert len(table) == len(acts) and {row["published"] for row in table} >= {date(2025, 2, 10)}


# The first copies as counted before migration 0011, by searching each act's copies: the reference.
REFERENCE = """SELECT acts.id, acts.kind, acts.period_start, acts.period_end, documents.published,
        documents.source_code
    FROM acts JOIN documents ON documents.id = acts.document_id
    WHERE EXISTS (SELECT 1 FROM matches WHERE matches.act_id = acts.id)
    AND NOT EXISTS (SELECT 1 FROM acts AS other JOIN documents AS its ON its.id = other.document_id
        WHERE other.key = acts.key AND other.id <> acts.id
        AND EXISTS (SELECT 1 FROM matches WHERE matches.act_id = other.id)
        AND (its.published < documents.published
             OR (its.published IS NOT NULL AND documents.published IS NULL)
             OR (other.id < acts.id AND (its.published = documents.published
                                         OR (its.published IS NULL AND documents.published IS NULL)))))"""
MARKED = "SELECT act_id, kind, period_start, period_end, published, source_code FROM act_firsts"


def copy_of(key: str, start: date, days: int = 1, matched: bool = True) -> ClassifiedAct:
    return ClassifiedAct(Act(key, "Arrêté", 1, 1), (Match("drones", "r", 1, ""),) if matched else (),
                         Facts(start=start, end=start + timedelta(days - 1)), "83")


def test_the_first_copy_follows_readings_reclassifications_and_deletions(database_url):
    sessions = open_database(database_url)
    with sessions() as session:
        session.add(SourceRow(code="pref83", name="Préfecture du Var"))
        session.flush()
        session.add_all(DocumentRow(id=number, source_code="pref83", url=f"https://a/{number}.pdf", published=day)
                        for number, day in ((1, date(2025, 5, 1)), (2, date(2025, 4, 1)), (3, None),
                                            (4, date(2025, 4, 1))))
        session.commit()

    def read(document_id: int, *found: ClassifiedAct) -> list[int]:
        download = Download(f"https://a/{document_id}.pdf", Path("a.pdf"), "0" * 64, 1)
        return documents.record_reading(sessions, document_id, download, Analysis((), (), found), ())

    def counted() -> list[tuple]:
        with sessions() as session:
            assert set(session.execute(text(MARKED))) == set(session.execute(text(REFERENCE)))
            return [(row.values, row.acts, row.days) for row in count(session, ["month"])]

    read(1, copy_of("x", date(2025, 5, 2)), copy_of("y", date(2025, 5, 2), matched=False))
    assert counted() == [(("2025-05",), 1, 1)]
    read(3, copy_of("x", date(2025, 1, 1), 2))  # undated: the dated copy stays first
    assert counted() == [(("2025-05",), 1, 1)]
    [april] = read(2, copy_of("x", date(2025, 4, 2), 3))  # stored later, published earlier: it counts
    assert counted() == [(("2025-04",), 1, 3)]
    same_day, _ = read(4, copy_of("x", date(2025, 4, 5), 4), copy_of("y", date(2025, 4, 5)))
    assert counted() == [(("2025-04",), 2, 4)]  # x from document 2 (stored first that day), y from document 4
    stored_acts.replace_readings(sessions, {april: copy_of("x", date(2025, 4, 2), matched=False)}, (), ())
    assert counted() == [(("2025-04",), 2, 4)]  # x now from document 4: 4 days, y's day within them
    stored_acts.replace_readings(sessions, {same_day: copy_of("x", date(2025, 4, 20), 10)}, (), ())
    assert counted() == [(("2025-04",), 2, 11)]
    with sessions() as session:
        session.delete(session.get_one(DocumentRow, 4))  # the ORM's cascade
        session.commit()
    assert counted() == [(("2025-05",), 1, 1)]
    with sessions() as session:
        session.execute(text("DELETE FROM documents WHERE id = 1"))  # the database's cascade
        session.commit()
    assert counted() == [((None,), 1, 2)]


def test_the_first_copy_is_filled_by_the_migration_for_the_acts_stored_before(new_database):
    database_url = new_database()
    engine = connect(database_url)
    migrate(engine, "0010")
    with Session(engine) as session:
        session.add(SourceRow(code="pref83", name="Préfecture du Var"))
        session.flush()
        for number, day in ((1, date(2025, 5, 1)), (2, date(2025, 4, 1)), (3, None)):
            session.add(DocumentRow(id=number, source_code="pref83", url=f"https://a/{number}.pdf", published=day))
        session.flush()
        for number, key, matched in ((1, "x", True), (2, "x", True), (3, "x", True), (1, "y", False), (3, "z", True)):
            session.execute(text("INSERT INTO acts (document_id, title, key, fingerprint) VALUES (:n, '', :k, :k)"),
                            {"n": number, "k": key})
            if matched:
                session.execute(text("INSERT INTO matches (act_id, category, rule, excerpt, words) "
                                     "SELECT max(id), 'drones', 'r', '', '' FROM acts"))
        session.commit()
    migrate(engine)
    with engine.connect() as connection:
        assert sorted(connection.execute(text("SELECT key, published IS NULL FROM act_firsts"))) == [
            ("x", False), ("z", True)]
        assert set(connection.execute(text(MARKED))) == set(connection.execute(text(REFERENCE)))
    engine.dispose()


def test_two_writers_storing_copies_of_one_act_at_once_agree_on_its_first(database_url):
    """Backfill workers on PostgreSQL: the copy published first counts, whichever commits first."""
    engine = connect(database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    migrate(engine)
    with Session(engine) as session:
        session.add(SourceRow(code="pref83", name="Préfecture du Var"))
        session.flush()
        session.add_all([DocumentRow(id=1, source_code="pref83", url="https://a/1.pdf", published=date(2025, 5, 1)),
                         DocumentRow(id=2, source_code="pref83", url="https://a/2.pdf", published=date(2025, 4, 1))])
        session.commit()

    def store_copy(session: Session, document_id: int) -> None:
        session.add(ActRow(document_id=document_id, title="", key="x", fingerprint="x",
                           matches=[MatchRow(category="drones", rule="r", excerpt="")]))
        session.flush()

    with Session(engine) as later:
        store_copy(later, 1)  # the May copy, not committed yet
        other = Thread(target=lambda: _commit(engine, store_copy, 2))  # the April copy: waits for the May one
        other.start()
        other.join(1)
        assert other.is_alive()
        later.commit()
    other.join(30)
    with engine.connect() as connection:
        assert list(connection.execute(text("SELECT published FROM act_firsts"))) == [(date(2025, 4, 1),)]
        assert set(connection.execute(text(MARKED))) == set(connection.execute(text(REFERENCE)))
    engine.dispose()


def _commit(engine, write, *arguments) -> None:
    with Session(engine) as session:
        write(session, *arguments)
        session.commit()


SUMMED = [[], ["month"], ["department"], ["month", "purpose"], ["month", "category"], ["kind"], ["source", "month"],
          ["operator"], ["category"], ["category", "purpose"], ["month", "category", "department"],
          ["kind", "category"]]


def test_the_summary_counts_as_the_acts_do_while_stale_and_once_refreshed(var_archive, database_url):
    sessions = open_database(database_url)

    def same_counts() -> None:
        with sessions() as session:
            for by in SUMMED:
                for categories in ([], ["drones"], ["videoprotection"]):
                    if summary.answers(by, categories, None, None):
                        assert set(count(session, by, categories)) == set(count_acts(session, by, categories,
                                                                                     None, None)), (by, categories)

    def stale() -> list[str]:
        with sessions() as session:
            return sorted(session.scalars(select(StatsStaleRow.month)))

    months = stale()
    assert "2025-02" in months and len(months) > 3
    assert all(summary.answers(by, [], None, None) for by in SUMMED)  # the report's questions, commune aside
    same_counts()
    assert summary.refresh(sessions) == len(months) and stale() == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(StatsCellRow)) > 50
    same_counts()
    [title] = [row["title"] for row in labelled() if row["ref"] == REPUBLISHED]
    republished = ClassifiedAct(Act(REPUBLISHED, title, 1, 1), (Match("drones", "r", 1, ""),),
                                Facts(start=date(2025, 1, 2), end=date(2025, 1, 4)), "83")
    with sessions() as session:
        session.add(DocumentRow(source_code="pref83", url="https://www.var.gouv.fr/b.pdf", title="RAA",
                                published=date(2024, 12, 30),
                                acts=[act_row(republished), act_row(copy_of("new", date(2025, 1, 2)))]))
        session.commit()
    assert stale() == ["2024-12", "2025-02"]  # the republished act leaves February for December
    same_counts()
    assert summary.refresh(sessions) == 2 and stale() == []
    same_counts()


def test_export_reads_the_archive_in_one_statement_with_lists_in_order(var_archive):
    """One streamed query, the lists joined by the database: no lookup per act or per chunk of acts."""
    config, acts = var_archive
    sessions = open_database(configuration.load(str(config)).db_url)
    statements: list[str] = []
    with sessions() as session:
        event.listen(session.get_bind(), "before_cursor_execute", lambda *found: statements.append(found[2]))
        exported = [dict(zip(FIELDS, row, strict=True)) for batch in batches(session) for row in batch]
    assert len(statements) == 1 and len(exported) == len(acts)
    labels = {(row["ref"], row["title"]): row for _, row in acts}
    several = [(row, labels[row["reference"] or "", row["title"]]) for row in exported
               if ";" in row["purposes"] + row["operators"] + row["communes"]]
    assert several and all((row["purposes"], row["operators"], row["communes"])
                           == (label["purposes"], label["operators"], label["communes"]) for row, label in several)
    assert all(row["categories"].split(";") == sorted(row["categories"].split(";")) for row in exported)


def test_sqlite_reads_each_acts_facets_from_one_index_in_order(tmp_path):
    """SQLite looks each act's lists up: its facets come from the index of migration 0013 alone, in order."""
    engine = connect(f"sqlite:///{tmp_path / 'watchbot.db'}")
    migrate(engine)
    with engine.connect() as connection:
        plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement('sqlite')}")]
    assert sum("act_facets USING COVERING INDEX ix_act_facets_in_order" in line for line in plan) == 3, plan
