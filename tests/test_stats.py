"""watchbot stats: distinct acts and days covered, counted by SQL, checked against the labelled facts."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from tests.support.corpus import DATA, corpus
from watchbot import config as configuration
from watchbot.cli import main
from watchbot.core.models import Act, Facts, Match
from watchbot.facts.gazetteer import gazetteer
from watchbot.run.analysis import ClassifiedAct
from watchbot.store import open_database
from watchbot.store.models import DocumentRow, SourceRow
from watchbot.store.export import rows
from watchbot.store.records import act_row
from watchbot.store.stats import count, days_covered

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


def test_stats_by_month_and_purpose_equal_the_counts_of_the_labels(var_archive, capsys):
    config, acts = var_archive
    assert len(acts) == 19
    assert main(["stats", "--by", "month", "--by", "purpose", "--format", "json", "--config", str(config)]) == 0
    found = json.loads(capsys.readouterr().out)
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


def test_export_reads_the_archive_in_one_statement_with_lists_in_order(var_archive):
    """One streamed query, the lists joined by the database: no lookup per act or per chunk of acts."""
    config, acts = var_archive
    sessions = open_database(configuration.load(str(config)).db_url)
    statements: list[str] = []
    with sessions() as session:
        event.listen(session.get_bind(), "before_cursor_execute", lambda *found: statements.append(found[2]))
        exported = list(rows(session))
    assert len(statements) == 1 and len(exported) == len(acts)
    labels = {(row["ref"], row["title"]): row for _, row in acts}
    several = [(row, labels[row["reference"] or "", row["title"]]) for row in exported
               if ";" in row["purposes"] + row["operators"] + row["communes"]]
    assert several and all((row["purposes"], row["operators"], row["communes"])
                           == (label["purposes"], label["operators"], label["communes"]) for row, label in several)
    assert all(row["categories"].split(";") == sorted(row["categories"].split(";")) for row in exported)
