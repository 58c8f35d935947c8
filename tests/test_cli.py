"""The commands other than `run`: discover, classify, rules check, eval, exit codes (README: Commands)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.support.httpserver import Route
from tests.support.prefecture import CHALLENGE_PAGE, DRONE_RAA, NEGATIVE_RAA, Document, serve, write_config
from watchbot.cli import main
from watchbot.commands import UsageError, status
from watchbot.core.settings import ConfigError
from watchbot.core.yamlfile import Problem
from watchbot.discover import DiscoverError
from watchbot.evaluate.measure import LabelError
from watchbot.match.rules import RuleError
from watchbot.publish.post import AccountRefused, PostFailed, RetryLater
from watchbot.publish.toot import TootError
from watchbot.store.lock import LockHeld
from watchbot.store.query import QueryError

DATA = Path(__file__).resolve().parent / "data"


def test_discover_lists_the_raa_as_json_without_downloading(tmp_path, site_server, capsys):
    documents = [Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31)),
                 Document(NEGATIVE_RAA, "RAA n°09 du 20 janvier 2025", date(2025, 1, 20))]
    config = write_config(tmp_path, serve(site_server, documents))
    assert main(["discover", "--json", "--config", str(config)]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(item["source"], item["published"]) for item in found] == [("pref77", "2024-01-31"),
                                                                       ("pref77", "2025-01-20")]
    assert found[0]["url"].endswith("/RAA%20n%C2%B0D77-31-01-2024-special.pdf")
    assert "RAA spécial n°D77-31-01-2024" in found[0]["title"]
    assert site_server.paths() == ["/Publications/RAA"]
    assert not (tmp_path / "state" / "watchbot.db").exists()


def test_discover_of_an_unreachable_source_exits_1(tmp_path, caplog):
    config = write_config(tmp_path, "http://127.0.0.1:9/Publications/RAA")
    assert main(["discover", "--config", str(config)]) == 1
    assert "source pref77 failed: index page unreachable" in caplog.text


def test_classify_a_text_file_with_form_feeds(tmp_path, capsys):
    acts = sorted((DATA / "rules" / "acts").glob("nord_drone_captation_*.txt"))
    assert acts, "tests/data/rules/acts holds real Nord acts"
    text = "Sommaire sans intérêt\f" + acts[0].read_text(encoding="utf-8")
    path = tmp_path / "raa.txt"
    path.write_text(text, encoding="utf-8")
    assert main(["classify", "--json", str(path)]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["file"] == str(path) and result["pages"] == 2 and result["ocr_pages"] == []
    drones = [act for act in result["acts"] if "drones" in act["categories"]]
    assert len(drones) == 1
    match = drones[0]["matches"][0]
    assert set(match) >= {"category", "rule", "page", "excerpt"} and match["page"] == 2
    assert match["zone"] in ("title", "dispositif")


def test_classify_shows_the_facts_each_act_was_read_with(capsys):
    """Beside the matches that explain the category, what the act authorises, as `classify --json` has it."""
    path = DATA / "rules" / "acts" / "var_drones_gendarmerie.txt"
    assert main(["classify", "--json", str(path)]) == 0
    [act] = [act for act in json.loads(capsys.readouterr().out)[0]["acts"] if act["categories"]]
    assert main(["classify", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.endswith("\n".join([
        "      facts:",
        "        kind: initial",
        "        period: 2025-02-08",
        "        times: 07:00-14:00",
        "        communes: Saint-Maximin-la-Sainte-Baume (83116)",
        "        scope: commune",  # Article 3: « limitée au périmètre … du centre-ville de la commune »
        "        places: basilique de Saint-Maximin la Sainte Baume",
        "        purposes: manifestation, terrorisme, autre",
        "        operators: gendarmerie",
        "        cameras: 1\n"]))
    assert act["facts"]["communes"] == [{"name": "Saint-Maximin-la-Sainte-Baume", "insee": "83116"}]
    assert act["facts"]["cameras"] == 1 and act["facts"]["places"] == ["basilique de Saint-Maximin la Sainte Baume"]


def test_classify_goes_on_after_a_bad_file_and_exits_1(tmp_path, capsys):
    page = tmp_path / "page.pdf"
    shutil.copy(CHALLENGE_PAGE, page)
    text = tmp_path / "empty.txt"
    text.write_text("", encoding="utf-8")
    assert main(["classify", "--json", str(page), str(text)]) == 1
    captured = capsys.readouterr()
    assert "not a PDF" in captured.err
    assert [result["file"] for result in json.loads(captured.out)] == [str(text)]


@pytest.mark.ocr
def test_classify_the_real_seine_et_marne_special_raa_finds_the_drone_act(capsys):
    assert main(["classify", "--json", str(DRONE_RAA)]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["pages"] == 6
    drones = [act for act in result["acts"] if act["categories"] == ["drones"]]
    assert len(drones) == 1
    act = drones[0]
    assert act["ref"] == "D77-2024-01-31-00001"
    assert (act["first_page"], act["last_page"]) == (3, 6)
    assert "aéronefs" in act["title"]
    assert set(result["ocr_pages"]) >= {4, 5, 6}
    assert set(result["ocr_quality"]) == {str(page) for page in result["ocr_pages"]}
    assert all(0.85 < quality <= 1 for quality in result["ocr_quality"].values())
    assert result["poorly_read_pages"] == []


def test_rules_check_reports_every_problem_with_its_place(tmp_path, capsys):
    assert main(["rules", "check", str(DATA / "rules" / "invalid")]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert any("typo_key.yaml:" in line and "did you mean" in line for line in errors)
    assert any("bad_regex.yaml:" in line for line in errors)
    assert all(line.split(":")[0].endswith((".yaml", ".yml")) for line in errors if line.strip())


def test_rules_check_accepts_the_bundled_rules(capsys):
    assert main(["rules", "check"]) == 0
    out = capsys.readouterr().out
    assert "7 categories OK" in out
    assert "  drones: Drones — Autorisation préfectorale de captation d'images par des caméras installées sur" in out


def test_a_broken_ruleset_stops_run_with_exit_2(tmp_path, capsys):
    rules = tmp_path / "rules"
    shutil.copytree(DATA / "rules" / "invalid", rules)
    config = write_config(tmp_path, "http://127.0.0.1:9/raa", extra=f"rules_dir: {rules}\n")
    assert main(["run", "--config", str(config)]) == 2
    assert "typo_key.yaml" in capsys.readouterr().err
    assert not (tmp_path / "state" / "watchbot.db").exists()


def test_eval_prints_precision_and_recall(capsys):
    labels = DATA / "rules" / "labels" / "acts.csv"
    assert main(["eval", "--labels", str(labels), "--texts", str(DATA / "rules" / "acts")]) == 0
    report = capsys.readouterr().out
    assert "precision" in report.lower() and "drones" in report


def test_eval_on_one_half_of_the_labels(tmp_path, capsys):
    labels = tmp_path / "labels.csv"
    labels.write_text("act_id,title,categories,split\n1,Arrêté portant interdiction d'une manifestation,"
                      "demonstration_ban,tune\n2,AP Drone,drones,held-out\n3,Arrêté fixant les tarifs,,held-out\n",
                      encoding="utf-8")
    assert main(["eval", "--labels", str(labels), "--split", "held-out"]) == 0
    report = capsys.readouterr().out
    assert report.startswith("2 acts") and "demonstration_ban" in report
    assert main(["eval", "--labels", str(DATA / "rules" / "labels" / "acts.csv"), "--split", "tune"]) == 2
    assert "no 'split' column" in capsys.readouterr().err


def test_eval_with_missing_texts_is_a_usage_error(tmp_path, capsys):
    labels = DATA / "rules" / "labels" / "acts.csv"
    assert main(["eval", "--labels", str(labels), "--texts", str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_console_script_and_module_agree():
    result = subprocess.run([sys.executable, "-m", "watchbot", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("watchbot ")
    usage = subprocess.run([sys.executable, "-m", "watchbot"], capture_output=True, text=True)
    assert usage.returncode == 2


def test_sources_check_reports_each_source_and_exits_1_when_one_is_broken(tmp_path, site_server, capsys):
    index = serve(site_server, [Document(NEGATIVE_RAA, "RAA n°09 du 20 janvier 2025", date(2025, 1, 20))])
    site_server.route("/Publications/Vide", "<main><h1>Recueil des actes administratifs</h1></main>")
    site_server.route("/pp", Route(body=CHALLENGE_PAGE.read_bytes(), status=403))
    extra = (f'  - {{code: pref01, name: Vide, index_url: "{site_server.url("/Publications/Vide")}"}}\n'
             f'  - {{code: pp, name: Police, index_url: "{site_server.url("/pp")}"}}\n')
    config = write_config(tmp_path, index, not_before="2025-01-01", extra=extra)
    assert main(["sources", "check", "--config", str(config)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["source", "reachable", "RAA", "newest", "requests", "challenge", "problem"]
    assert lines[1].split() == ["pref77", "yes", "1", "2025-01-20", "1", "no"]
    assert lines[2].split()[:6] == ["pref01", "yes", "0", "—", "1", "no"]
    assert "no RAA found at" in lines[2] and "the site may have changed" in lines[2]
    assert lines[3].split()[:6] == ["pp", "no", "0", "—", "1", "yes"]
    assert lines[4] == "3 sources, 2 broken: pref01, pp; 3 requests"
    assert main(["sources", "check", "--config", str(config), "--source", "pref77"]) == 0


@pytest.mark.parametrize("error, exit_code", [
    (UsageError("--max-posts must be 0 or more"), 2),
    (ConfigError([Problem("watchbot.yaml", 3, 1, "unknown key 'sorces'", "sources?")]), 2),
    (RuleError("invalid regular expression: missing )"), 2),
    (LabelError("labels.csv: no 'categories' column"), 2),
    (QueryError("a parenthesis is not closed"), 2),
    (LockHeld("another run holds state/watchbot.lock (pid 12); nothing was done"), 3),
    (DiscoverError("index page unreachable: HTTP 503", source="pref83", passing=True), 1),
    (TootError("a toot needs at least one category"), 1),
    (RetryLater("server error 503"), 1),
    (AccountRefused("401 Unauthorized"), 1),
    (PostFailed("422 Unprocessable Entity"), 1),
])
def test_a_watchbot_error_ends_a_command_with_its_exit_code_and_message(error, exit_code, tmp_path, monkeypatch,
                                                                      capsys):
    def report(config):
        raise error

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATCHBOT_CONFIG", raising=False)
    monkeypatch.setattr(status, "report", report)
    assert main(["status"]) == exit_code
    err = capsys.readouterr().err
    assert err == "".join(f"watchbot: {line}\n" for line in str(error).splitlines()) and "Traceback" not in err


def test_classify_and_eval_read_the_configuration(tmp_path, capsys):
    """Issue 25: `classify` read with the default extract settings and `eval` with the bundled rules, whatever
    the configuration said."""
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    shutil.copy(Path(__file__).parents[1] / "rules" / "drones.yaml", rules_dir)
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"state_dir: {tmp_path / 'state'}\nrules_dir: {rules_dir}\nextract: {{ocr: false}}\n",
                      encoding="utf-8")
    scanned = DRONE_RAA.parents[3] / "1002" / "2002" / "file" / "RAA n°D77-30-10-2025.pdf"
    assert main(["classify", "--json", "--config", str(config), str(scanned)]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["ocr_pages"] == []  # extract: {ocr: false}
    assert {category for act in result["acts"] for category in act["categories"]} <= {"drones"}
    data = Path(__file__).parent / "data" / "rules"
    assert main(["eval", "--config", str(config), "--labels", str(data / "labels" / "acts.csv"), "--texts",
                 str(data / "acts")]) == 0
    report = capsys.readouterr().out  # the configuration's one rule: the other categories' acts are missed
    assert "drones                  3    3    0    0" in report and "videoprotection         2    0    0    2" in report
