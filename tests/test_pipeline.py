"""What a run does with sources, documents and toots over several runs: first runs, republished
acts, sites that change, Mastodon outages, queues and `watchbot status`."""

from __future__ import annotations

import logging
import shutil
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from tests.support.corpus import corpus
from tests.support.httpserver import Route
from tests.support.prefecture import (
    DRONE_RAA,
    INDEX_PATH,
    NEGATIVE_RAA,
    Document,
    downloads,
    serve,
    tokens,
    write_config,
)
from watchbot import config as configuration
from watchbot.cli import main
from watchbot.commands import load_rules
from watchbot.core.clock import Clock, utcnow
from watchbot.run import analysis, pipeline, steps
from watchbot.store import open_database
from watchbot.store.models import ActRow, DocumentRow, PageRow, PostRow, RunRow, SourceRow

RULES = Path(__file__).resolve().parents[1] / "rules"
DRONE = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31))
NEGATIVE = Document(NEGATIVE_RAA, "RAA n°09 du 20 janvier 2025", date(2025, 1, 20))


def rows(config_path, model, *conditions):
    sessions = open_database(configuration.load(str(config_path)).db_url)
    with sessions() as session:
        return session.scalars(select(model).where(*conditions)).all()


def statuses(config_path) -> dict[str, str]:
    return {f"{post.account}": post.status for post in rows(config_path, PostRow)}


def test_first_run_records_what_exists_without_posting_it(tmp_path, database_url, site_server, strict_mastodon,
                                                          monkeypatch):
    tokens(monkeypatch, strict_mastodon)
    today = Document(DRONE_RAA, "RAA spécial du jour", date.today(), name="RAA du jour.pdf")
    config = write_config(tmp_path, serve(site_server, [DRONE, NEGATIVE, today]), strict_mastodon, not_before=None,
                          database_url=database_url)

    assert main(["run", "--config", str(config)]) == 0
    assert downloads(site_server, DRONE) == downloads(site_server, NEGATIVE) == 0
    assert downloads(site_server, today) == 1
    assert {row.title: row.status for row in rows(config, DocumentRow)} == {
        DRONE.title: "skipped", NEGATIVE.title: "skipped", today.title: "done"}
    assert [post["account"]["username"] for post in strict_mastodon.statuses] == ["surveillance", "silt"]


def test_an_act_republished_in_another_raa_is_not_posted_again(tmp_path, database_url, site_server,
                                                               strict_mastodon, monkeypatch):
    tokens(monkeypatch, strict_mastodon)
    again = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024 (rectificatif)", date(2024, 2, 1),
                     name="RAA n°D77-31-01-2024-special-bis.pdf")
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon, database_url=database_url)
    assert main(["run", "--config", str(config)]) == 0
    serve(site_server, [DRONE, again])
    assert main(["run", "--config", str(config)]) == 0

    assert downloads(site_server, again) == 1
    assert len(strict_mastodon.posts("surveillance")) == len(strict_mastodon.posts("silt")) == 1
    assert len(rows(config, DocumentRow, DocumentRow.status == "done")) == 2


def test_a_source_that_stops_listing_raa_is_a_failure(tmp_path, database_url, site_server, caplog):
    config = write_config(tmp_path, serve(site_server, [NEGATIVE]), database_url=database_url)
    assert main(["run", "--config", str(config)]) == 0
    serve(site_server, [])
    assert main(["run", "--config", str(config)]) == 1
    assert f"no RAA found at {site_server.url(INDEX_PATH)}: the site may have changed" in caplog.text
    source = rows(config, SourceRow)[0]
    assert source.last_found == 1 and "site may have changed" in source.last_error


def test_a_source_that_lists_no_raa_on_its_first_run_is_a_failure(tmp_path, database_url, site_server, caplog):
    config = write_config(tmp_path, serve(site_server, []), database_url=database_url)
    assert main(["run", "--config", str(config)]) == 1
    assert f"source pref77 failed: no RAA found at {site_server.url(INDEX_PATH)}: the site may have changed" \
        in caplog.text


@pytest.mark.parametrize("fault, queued", [("503", "sending"), ("429", "pending"), ("refused", "pending")])
def test_a_mastodon_outage_keeps_toots_queued_for_the_next_run(tmp_path, database_url, site_server,
                                                               strict_mastodon, monkeypatch, fault, queued):
    tokens(monkeypatch, strict_mastodon)
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon, database_url=database_url)
    if fault == "503":
        strict_mastodon.fail(503, count=2)
    elif fault == "429":
        strict_mastodon.rate_limit(reset_in=600, count=2)
    else:
        strict_mastodon.stop()

    assert main(["run", "--config", str(config)]) == 1
    assert statuses(config) == {"surveillance": queued, "silt": queued}  # sending: the server may have it
    assert strict_mastodon.statuses == []

    if fault == "refused":
        strict_mastodon.start()
    if fault == "429":  # no request before the reset time; then the toots go
        requests_before = len(strict_mastodon.requests)
        assert main(["run", "--config", str(config)]) == 0
        assert len(strict_mastodon.requests) == requests_before
        with open_database(configuration.load(str(config)).db_url)() as session:
            session.execute(update(PostRow).values(retry_at=utcnow() - timedelta(seconds=1)))
            session.commit()
    assert main(["run", "--config", str(config)]) == 0
    assert statuses(config) == {"surveillance": "posted", "silt": "posted"}
    assert [len(strict_mastodon.posts(account)) for account in ("surveillance", "silt")] == [1, 1]


def test_a_rate_limit_stops_only_that_account(tmp_path, database_url, site_server, strict_mastodon, monkeypatch):
    tokens(monkeypatch, strict_mastodon)
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon, database_url=database_url)
    strict_mastodon.rate_limit(reset_in=600, count=1)  # the first account's toot

    assert main(["run", "--config", str(config)]) == 1
    assert statuses(config) == {"surveillance": "pending", "silt": "posted"}


def test_a_refused_toot_is_failed_with_its_reason_and_shown_by_status(tmp_path, database_url, site_server,
                                                                      strict_mastodon, monkeypatch, capsys):
    tokens(monkeypatch, strict_mastodon)
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon, database_url=database_url)
    strict_mastodon.fail(422, count=1, body={"error": "Validation failed: Text is invalid"})

    assert main(["run", "--config", str(config)]) == 1
    assert statuses(config) == {"surveillance": "failed", "silt": "posted"}
    assert main(["run", "--config", str(config)]) == 0  # a failed toot is not retried
    assert len(strict_mastodon.posts("surveillance")) == 0

    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    report = capsys.readouterr().out
    assert "Failed toots (1)" in report and "Validation failed" in report
    assert "Queued toots (0)" in report and "Last runs (2)" in report
    assert "pref77: last success" in report


def test_max_posts_leaves_the_rest_queued(tmp_path, database_url, site_server, strict_mastodon, monkeypatch,
                                          capsys):
    tokens(monkeypatch, strict_mastodon)
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon, database_url=database_url)

    assert main(["run", "--max-posts", "0", "--config", str(config)]) == 0
    assert statuses(config) == {"surveillance": "pending", "silt": "pending"}
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    assert "Queued toots (2)" in capsys.readouterr().out
    assert main(["run", "--config", str(config)]) == 0
    assert statuses(config) == {"surveillance": "posted", "silt": "posted"}


def test_unknown_source_is_a_usage_error(tmp_path, capsys):
    config = write_config(tmp_path, "http://127.0.0.1:9/raa")
    assert main(["run", "--source", "pref7", "--config", str(config)]) == 2
    assert "there is no source 'pref7' in the configuration: did you mean 'pref77'?" in capsys.readouterr().err


def test_a_toot_whose_answer_was_lost_is_found_not_posted_again(tmp_path, database_url, site_server,
                                                                strict_mastodon, monkeypatch):
    tokens(monkeypatch, strict_mastodon)
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon, database_url=database_url)
    strict_mastodon.lose_answer(count=2)  # the server stores both toots, the bot never hears back

    assert main(["run", "--config", str(config)]) == 1
    assert statuses(config) == {"surveillance": "sending", "silt": "sending"}
    strict_mastodon.expire_idempotency_keys()  # hours later: the server forgot the keys
    assert main(["run", "--config", str(config)]) == 0
    assert statuses(config) == {"surveillance": "posted", "silt": "posted"}
    assert [len(strict_mastodon.posts(account)) for account in ("surveillance", "silt")] == [1, 1]
    assert strict_mastodon.post_attempts() == 2


def test_reclassify_applies_edited_rules_without_reading_again_or_posting_twice(tmp_path, database_url,
                                                                               site_server, strict_mastodon,
                                                                               monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="watchbot")
    tokens(monkeypatch, strict_mastodon)
    before = tmp_path / "rules"  # the rules before an edit taught them the CCTV authorisations
    shutil.copytree(RULES, before)
    (before / "videoprotection.yaml").write_text("label: Vidéoprotection\nstrong:\n  - mot que nul acte ne contient\n",
                                                 encoding="utf-8")
    cctv = Document(corpus("idf/pdfs/RAA%20n%C2%B015%20du%2029%20janvier%202024.pdf"), "RAA n°15", date(2024, 1, 29))
    index = serve(site_server, [DRONE, cctv])
    config = write_config(tmp_path, index, strict_mastodon, database_url=database_url,
                          extra=f"rules_dir: {before}\n")
    assert main(["run", "--config", str(config)]) == 0
    posted = len(strict_mastodon.statuses)
    assert not any("Vidéoprotection" in status["text"] for status in strict_mastodon.statuses)
    with_facts = {row.ref for row in rows(config, ActRow, ActRow.kind.is_not(None))}
    assert "D77-2024-01-31-00001" in with_facts and not any("04677" in (ref or "") for ref in with_facts)

    edited = write_config(tmp_path, index, strict_mastodon, database_url=database_url)  # the full rules
    assert main(["reclassify", "--dry-run", "--config", str(edited)]) == 0
    assert "1 match more categories, 0 fewer (dry run" in caplog.text
    assert rows(config, ActRow, ActRow.kind.is_not(None)) and {
        row.ref for row in rows(config, ActRow, ActRow.kind.is_not(None))} == with_facts
    assert main(["reclassify", "--config", str(edited)]) == 0
    assert "«portant modification des dispositions" in caplog.text and "now matches videoprotection" in caplog.text
    [cctv_act] = [row for row in rows(config, ActRow, ActRow.kind.is_not(None)) if row.ref not in with_facts]
    assert cctv_act.kind == "modification" and cctv_act.scope
    assert main(["run", "--config", str(edited)]) == 0
    new = strict_mastodon.statuses[posted:]
    assert [status["account"]["username"] for status in new] == ["surveillance"]
    assert "Vidéoprotection" in new[0]["text"] and "2023/04677" in new[0]["text"]
    assert downloads(site_server, DRONE) == downloads(site_server, cctv) == 1


def test_a_token_echoed_by_the_server_never_reaches_logs_or_database(tmp_path, database_url, site_server,
                                                                     strict_mastodon, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    tokens(monkeypatch, strict_mastodon)
    secret = strict_mastodon.token("surveillance")
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon, database_url=database_url)
    strict_mastodon.fail(401, body={"error": f"The access token {secret} was revoked"})

    assert main(["-v", "run", "--config", str(config)]) == 1
    assert statuses(config) == {"surveillance": "pending", "silt": "posted"}  # queued until the token is fixed
    assert "was revoked" in caplog.text and secret not in caplog.text
    stored = [str(value) for row in rows(config, PostRow) for value in vars(row).values()]
    assert any("was revoked" in value for value in stored) and not any(secret in value for value in stored)


def analyse_with_a_bug(path, ruleset, settings, workdir, *facts_context) -> analysis.Analysis:
    """analyse_file with a bug in the splitter for the drone RAA; a module's function, as the reading child
    is a new interpreter that imports it."""
    result = analysis.analyse_file(path, ruleset, settings, workdir, *facts_context)
    if len(result.pages) == 6:  # the drone RAA
        raise RuntimeError("a bug in the splitter")
    return result


def test_a_bug_on_one_document_does_not_stop_the_others(tmp_path, database_url, site_server, monkeypatch):
    monkeypatch.setattr(steps, "analyse_file", analyse_with_a_bug)
    config = write_config(tmp_path, serve(site_server, [DRONE, NEGATIVE]), database_url=database_url)
    assert main(["run", "--config", str(config)]) == 1
    documents = {row.title: row for row in rows(config, DocumentRow)}
    assert documents[NEGATIVE.title].status == "done"
    failed = documents[DRONE.title]
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == "internal error: RuntimeError: a bug in the splitter"
    assert rows(config, PageRow, PageRow.document_id == failed.id) == []


def test_a_configured_not_before_applies_to_raa_seen_before(tmp_path, database_url, site_server):
    config = write_config(tmp_path, serve(site_server, [NEGATIVE]), database_url=database_url, not_before=None)
    assert main(["run", "--config", str(config)]) == 0
    assert downloads(site_server, NEGATIVE) == 0  # older than a week before this first run
    older = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31))
    index = serve(site_server, [NEGATIVE, older])
    config = write_config(tmp_path, index, database_url=database_url, not_before="2024-01-01")
    assert main(["run", "--config", str(config)]) == 0
    assert downloads(site_server, older) == downloads(site_server, NEGATIVE) == 1


@pytest.fixture
def local_date_differs_from_utc(monkeypatch):
    """A server clock whose date is not UTC's right now (as on a French server between 00:00 and 02:00)."""
    zone = "XXX-14" if datetime.now(timezone.utc).hour >= 10 else "XXX+12"  # POSIX: UTC+14, UTC-12
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    assert datetime.now().date() != datetime.now(timezone.utc).date()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_first_run_reads_no_undated_raa_whatever_the_time_zone(tmp_path, database_url, site_server,
                                                                 local_date_differs_from_utc):
    undated = Document(NEGATIVE_RAA, "Recueil spécial", None, name="recueil-special.pdf")
    config = write_config(tmp_path, serve(site_server, [undated]), database_url=database_url, not_before=None)

    assert main(["run", "--config", str(config)]) == 0
    assert [(row.published, row.status) for row in rows(config, DocumentRow)] == [(None, "skipped")]
    assert downloads(site_server, undated) == 0


def test_a_document_gone_from_the_site_is_reported_once_and_never_fetched_again(tmp_path, database_url,
                                                                                site_server, capsys):
    gone = Document(NEGATIVE_RAA, "RAA n°12 retiré", date(2025, 1, 22), name="RAA retiré.pdf")
    config = write_config(tmp_path, serve(site_server, [DRONE, gone]), database_url=database_url)
    site_server.route(quote(gone.href), Route(status=410))

    assert main(["run", "--config", str(config)]) == 1
    assert "documents 2 new, 1 processed, 0 failed, 1 gone" in rows(config, RunRow)[0].summary
    assert main(["run", "--config", str(config)]) == 0
    assert downloads(site_server, gone) == 1
    assert {row.title: (row.status, row.attempts) for row in rows(config, DocumentRow)} == {
        DRONE.title: ("done", 1), gone.title: ("gone", 1)}
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    report = capsys.readouterr().out
    assert "Failed documents (0)" in report and "Gone documents (1)" in report and "HTTP 410" in report


def test_every_raa_since_not_before_is_read_however_far_back(tmp_path, database_url, site_server):
    """not_before 2026-10-01, today 2026-12-01: October is beyond the one-month look-back, still read."""
    months = {"10-Octobre": Document(DRONE_RAA, "RAA spécial d'octobre", date(2026, 10, 14), "oct.pdf"),
              "11-Novembre": Document(NEGATIVE_RAA, "RAA de novembre", date(2026, 11, 5), "nov.pdf"),
              "09-Septembre": Document(NEGATIVE_RAA, "RAA de septembre", date(2026, 9, 9), "sep.pdf")}
    year = f"{INDEX_PATH}/RAA-2026"
    site_server.route(INDEX_PATH, f'<main><a href="{year}">RAA 2026</a></main>')
    site_server.route(year, "<main>" + "".join(f'<a href="{year}/{month}">{month}</a>' for month in months)
                      + "</main>")
    for month, document in months.items():
        site_server.route(quote(document.href), Route(body=document.file.read_bytes(), content_type="application/pdf"))
        site_server.route(f"{year}/{month}", f'<main><a href="{document.href}">{document.title} '
                                             f'<span class="fr-link__detail">PDF - {document.published:%d/%m/%Y}'
                                             f'</span></a></main>')
    path = write_config(tmp_path, site_server.url(INDEX_PATH), database_url=database_url, not_before="2026-10-01")
    config = configuration.load(str(path))
    summary = pipeline.run(config, load_rules(config.rules_dir), sources=config.sources,
                           clock=Clock(datetime(2026, 12, 1, 12, tzinfo=timezone.utc)))
    assert summary.exit_code == 0 and summary.requests == {"pref77": 4}
    assert {row.title: row.status for row in rows(path, DocumentRow)} == {
        "RAA spécial d'octobre": "done", "RAA de novembre": "done"}
    assert summary.matches == 1  # the drone act of the October RAA
    assert site_server.count(f"{year}/09-Septembre") == 0


def test_an_overseas_source_crawls_on_its_own_calendar(tmp_path, database_url, site_server):
    """01:30 UTC on 1 September is still 31 August in Cayenne: the source's today is the 31st, so its window
    ends in August, where the RAA it published that evening is listed, dated the 31st, and September's page
    is not read (on the Paris calendar it would be)."""
    evening = Document(NEGATIVE_RAA, "RAA du 31 août 2026", date(2026, 8, 31), "aout.pdf")
    year = f"{INDEX_PATH}/RAA-2026"
    site_server.route(INDEX_PATH, f'<main><a href="{year}">RAA 2026</a></main>')
    site_server.route(year, f'<main><a href="{year}/09-Septembre">09-Septembre</a><a href="{year}/08-Aout">08-Aout</a>'
                            '</main>')
    site_server.route(f"{year}/09-Septembre", "<main><p>Aucun recueil</p></main>")
    site_server.route(f"{year}/08-Aout", f'<main><a href="{evening.href}">{evening.title} <span class="fr-link__detail">'
                                         f'PDF - 31/08/2026</span></a></main>')
    site_server.route(quote(evening.href), Route(body=evening.file.read_bytes(), content_type="application/pdf"))
    index = site_server.url(INDEX_PATH)
    path = write_config(tmp_path, index, database_url=database_url, not_before=None, extra="crawl: {lookback_months: 0}")
    path.write_text(path.read_text(encoding="utf-8").replace(f'"{index}"}}', f'"{index}", timezone: America/Cayenne}}'),
                    encoding="utf-8")
    config = configuration.load(str(path))
    assert config.sources[0].timezone == "America/Cayenne"
    summary = pipeline.run(config, load_rules(config.rules_dir), sources=config.sources,
                           clock=Clock(datetime(2026, 9, 1, 1, 30, tzinfo=timezone.utc)))
    assert summary.exit_code == 0
    assert [(row.title, row.published, row.status) for row in rows(path, DocumentRow)] == [
        (evening.title, date(2026, 8, 31), "done")]
    assert site_server.count(f"{year}/09-Septembre") == 0
