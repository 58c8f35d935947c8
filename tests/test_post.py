"""Posting to Mastodon: limits, idempotency, outages, crash recovery, several accounts, harmless toots."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import time
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from mastodon import Mastodon, MastodonNotFoundError
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from tests.support.mastodon_servers import (
    PROFILES,
    MockMastodon,
    StrictMastodon,
    closed_port_url,
    entities,
    mastodon_length,
)
from watchbot.core.models import Act, Category, Facts, Match, Source
from watchbot.core.settings import BUNDLED_RULES, Account, Config
from watchbot.fetch.content import Download
from watchbot.match import rules
from watchbot.publish import outbox
from watchbot.publish.post import CONSERVATIVE_LIMIT, AccountRefused, Poster, PostFailed, RetryLater, TooLong
from watchbot.publish.toot import Limit, TootInput, compose, content_warning, length, page_link
from watchbot.run.analysis import Analysis, ClassifiedAct
from watchbot.run.status import report
from watchbot.store import acts, documents, open_database, posts
from watchbot.store.models import ActRow, DocumentRow, MatchRow, PostRow, SourceRow
from watchbot.store.states import PostState

ACTS = json.loads((Path(__file__).parent / "data" / "toot" / "acts.json").read_text(encoding="utf-8"))
CATEGORIES = {
    "drones": Category("drones", "Drones", "🚁", ("drones", "technopolice")),
    "silt_perimeter": Category("silt_perimeter", "Périmètre de protection", "🚧", ("SILT", "technopolice")),
    "videoprotection": Category("videoprotection", "Vidéoprotection", "📹", ("vidéosurveillance", "technopolice")),
}
HOSTILE = "@someone@example.org @someone #tag http://evil.example https://evil.example.com/x www.evil.example"


def toot_input(real: dict, hostile: bool = False) -> TootInput:
    suffix = f" {HOSTILE}" if hostile else ""
    return TootInput("Préfecture du Var", "83", real["raa_name"] + suffix, real["raa_url"],
                     date.fromisoformat(real["raa_date"]),
                     Act(real["ref"], real["title"] + suffix, real["first_page"], real["last_page"]),
                     (Match(real["category"], "rule", real["first_page"], real["excerpt"] + suffix, real["words"]),))


def toot_of(real: dict, max_characters: int = 500, hostile: bool = False, warning: str = "",
            url_length: int | None = 23) -> str:
    return compose(toot_input(real, hostile), [CATEGORIES[real["category"]]], max_characters, spoiler_text=warning,
                   url_length=url_length)


def marker(real: dict) -> str:
    return page_link(real["raa_url"], real["first_page"])


# --- the limit ---------------------------------------------------------------------------------------

def test_max_characters_is_read_once_from_instance_v2(strict_mastodon):
    strict_mastodon.max_characters = 321
    poster = Poster(strict_mastodon.base_url, strict_mastodon.token())
    assert poster.max_characters == 321 and poster.max_characters == 321
    assert strict_mastodon.requests == [("GET", "/api/v2/instance")]


def test_limit_falls_back_to_instance_v1_with_and_without_trailing_slash(strict_mastodon):
    strict_mastodon.instance_v2 = False
    strict_mastodon.max_characters = 444
    assert Poster(strict_mastodon.base_url, strict_mastodon.token()).limit == Limit(444, 23)
    assert strict_mastodon.requests == [("GET", "/api/v2/instance"), ("GET", "/api/v2/instance/"),
                                        ("GET", "/api/v1/instance")]


@pytest.mark.parametrize("profile", PROFILES)
def test_limit_and_url_rule_are_read_on_every_server(profile):
    server = StrictMastodon(max_characters=321, profile=PROFILES[profile]).start()
    try:
        limit = Poster(server.base_url, server.token()).limit
    finally:
        server.stop()
    assert limit == Limit(321, {"mastodon": 23, "gotosocial": 25, "akkoma": None, "takahe": 23}[profile])


def test_mastodon_py_misses_takahes_instance_endpoints():
    """The control: Mastodon.py asks for /api/v1/instance/ and /api/v2/instance/, which Takahē does not route."""
    takahe = StrictMastodon(max_characters=300, profile=PROFILES["takahe"]).start()
    try:
        api = Mastodon(api_base_url=takahe.base_url, access_token=takahe.token(), version_check_mode="none")
        for read in (api.instance_v1, api.instance_v2):
            with pytest.raises(MastodonNotFoundError):
                read()
        assert Poster(takahe.base_url, takahe.token()).max_characters == 300
    finally:
        takahe.stop()


def test_without_a_readable_limit_a_conservative_one_is_used_and_logged(strict_mastodon, caplog):
    strict_mastodon.max_characters = None  # a server that does not say
    with caplog.at_level(logging.WARNING, logger="watchbot"):
        assert Poster(strict_mastodon.base_url, strict_mastodon.token()).limit == CONSERVATIVE_LIMIT
    assert CONSERVATIVE_LIMIT == Limit(300, None)
    assert "no instance endpoint gives the character limit" in caplog.text


def test_max_characters_during_an_outage_is_retried_not_guessed(strict_mastodon):
    strict_mastodon.max_characters = 300
    strict_mastodon.fail(503, method="GET", path="/api/v2/instance")
    strict_mastodon.fail(503, method="GET", path="/api/v1/instance")
    poster = Poster(strict_mastodon.base_url, strict_mastodon.token())
    with pytest.raises(RetryLater, match="503") as outage:
        _ = poster.max_characters
    assert outage.value.stop_account  # no toot of the account can be sized: the reason goes on all of them
    assert poster.max_characters == 300


def test_a_server_error_on_instance_v2_falls_back_to_v1(strict_mastodon):
    """Issue 21: a 5xx on /api/v2/instance blocked posting instead of reading /api/v1/instance."""
    strict_mastodon.max_characters = 300
    strict_mastodon.fail(502, method="GET", path="/api/v2/instance")
    assert Poster(strict_mastodon.base_url, strict_mastodon.token()).max_characters == 300
    assert strict_mastodon.requests == [("GET", "/api/v2/instance"), ("GET", "/api/v1/instance")]


def test_mastodon_mock_limit_can_be_set(mastodon_mock_server):
    assert Poster(mastodon_mock_server.base_url, mastodon_mock_server.token()).max_characters == 500
    mastodon_mock_server.set_max_characters(300)
    assert Poster(mastodon_mock_server.base_url, mastodon_mock_server.token()).max_characters == 300


@pytest.mark.parametrize("limit", [500, 300])
def test_real_toots_fit_the_strict_server(strict_mastodon, limit):
    strict_mastodon.max_characters = limit
    poster = Poster(strict_mastodon.base_url, strict_mastodon.token())
    for index, real in enumerate(ACTS):
        text = toot_of(real, poster.max_characters, hostile=True)
        poster.post(text, idempotency_key=f"act{index}")
    assert [status["text"] for status in strict_mastodon.statuses] == [toot_of(real, limit, True) for real in ACTS]


def test_a_limit_lowered_during_the_run_is_recognised_on_every_server(any_server):
    poster = Poster(any_server.base_url, any_server.token())
    limit = poster.limit
    any_server.max_characters = 300  # the admin lowered the limit during the run
    with pytest.raises(TooLong) as refused:
        poster.post(toot_of(ACTS[0], limit.characters, url_length=limit.url_length), idempotency_key="k")
    assert any_server.statuses == [] and refused.value.reason.startswith(str(any_server.profile.too_long[0]))
    assert poster.tighten(refused.value) and poster.limit == Limit(300, None)
    assert not poster.tighten(refused.value)  # nothing stricter left to try
    shorter = toot_of(ACTS[0], 300, url_length=None)
    if any_server.profile.replays_refusals:  # Akkoma answers the same key with the same refusal
        with pytest.raises(TooLong):
            poster.post(shorter, idempotency_key="k")
    poster.post(shorter, idempotency_key="k2")
    assert [status["text"] for status in any_server.statuses] == [shorter]


def test_a_toot_over_the_limit_is_refused_before_sending(strict_mastodon):
    poster = Poster(strict_mastodon.base_url, strict_mastodon.token())
    with pytest.raises(PostFailed, match="counts 501 characters, the server accepts 500"):
        poster.post("x" * 501, idempotency_key="k")
    assert strict_mastodon.post_attempts() == 0


def test_mastodon_mock_counts_urls_in_full_unlike_mastodon(monkeypatch, strict_mastodon):
    """Why the fixture patches mastodon-mock: a toot Mastodon takes (its URL counts 23) is too long for it."""
    text = toot_of(ACTS[0])
    assert len(text) > 500 >= length(text)
    Poster(strict_mastodon.base_url, strict_mastodon.token()).post(text, idempotency_key="k")
    for mastodon_count in (False, True):
        server = MockMastodon(monkeypatch, mastodon_count=mastodon_count).start()
        try:
            poster = Poster(server.base_url, server.token())
            if mastodon_count:
                poster.post(text, idempotency_key="k")
                assert [status["text"] for status in server.posts()] == [text]
            else:
                with pytest.raises(PostFailed, match="422"):
                    poster.post(text, idempotency_key="k")
        finally:
            server.close()


# --- what gets posted --------------------------------------------------------------------------------

def test_posted_toot_has_visibility_language_and_content_warning(mastodon_mock_server, strict_mastodon):
    warning = content_warning([CATEGORIES["drones"]], {"drones": "Surveillance policière"})
    for server in (mastodon_mock_server, strict_mastodon):
        poster = Poster(server.base_url, server.token())
        text = toot_of(ACTS[0], warning=warning)
        delivered = poster.post(text, idempotency_key="k", spoiler_text=warning)
        [status] = server.posts("surveillance")
        assert (status["id"], status["visibility"], status["language"]) == (delivered.status_id, "unlisted", "fr")
        assert status["spoiler_text"] == "Surveillance policière" and status["sensitive"] is True
        assert status["text"] == text and delivered.url


def test_document_text_mentions_tags_and_links_nobody(mastodon_mock_server, strict_mastodon):
    """mastodon-mock knows @someone and @someone@example.org: a mention would be recorded and notified."""
    real = ACTS[1]
    text = toot_of(real, hostile=True)
    unsafe = text.replace("\u2060", "")
    for server in (mastodon_mock_server, strict_mastodon):
        poster = Poster(server.base_url, server.token())
        poster.post(unsafe, idempotency_key="unsafe")  # the control: the same text, not neutralised
        poster.post(text, idempotency_key="safe")
        safe_status, unsafe_status = server.posts("surveillance")[:2]
        assert unsafe_status["mentions"] and "tag" in [tag["name"] for tag in unsafe_status["tags"]]
        assert safe_status["mentions"] == []
        assert [tag["name"] for tag in safe_status["tags"]] == ["silt", "technopolice", "var"]
        assert 'href="https://evil.example.com/x' in unsafe_status["content"]
        assert safe_status["content"].count("<a ") == 1 and f'href="{marker(real)}"' in safe_status["content"]
    found = entities(strict_mastodon.statuses[-1]["text"])
    assert found["links"] == [marker(real)] and found["domains"] == []


# --- exactly once ------------------------------------------------------------------------------------

@pytest.mark.parametrize("server_name", ["mastodon_mock_server", "strict_mastodon"])
def test_same_idempotency_key_posts_once(server_name, request):
    server = request.getfixturevalue(server_name)
    poster = Poster(server.base_url, server.token())
    first = poster.post(toot_of(ACTS[0]), idempotency_key="act-1|surveillance")
    again = Poster(server.base_url, server.token()).post(toot_of(ACTS[0]), idempotency_key="act-1|surveillance")
    assert first == again and len(server.posts("surveillance")) == 1


def test_lost_answer_then_retry_posts_once(strict_mastodon):
    poster = Poster(strict_mastodon.base_url, strict_mastodon.token())
    strict_mastodon.lose_answer()
    with pytest.raises(RetryLater) as lost:
        poster.post(toot_of(ACTS[0]), idempotency_key="k")
    assert "network error" in lost.value.reason
    delivered = poster.post(toot_of(ACTS[0]), idempotency_key="k")
    assert [status["id"] for status in strict_mastodon.statuses] == [delivered.status_id]


def test_crash_after_posting_is_found_once_the_key_has_expired(strict_mastodon):
    """The run died after the server took the toot; an hour later the key is gone: find_posted avoids a re-post."""
    poster = Poster(strict_mastodon.base_url, strict_mastodon.token())
    for real in ACTS:
        poster.post(toot_of(real), idempotency_key=real["ref"])
    strict_mastodon.expire_idempotency_keys()
    restarted = Poster(strict_mastodon.base_url, strict_mastodon.token())
    found = restarted.find_posted(marker(ACTS[0]))
    assert found is not None and found.status_id == strict_mastodon.statuses[0]["id"]
    assert restarted.find_posted(page_link(ACTS[0]["raa_url"], 4)) is None
    assert Poster(strict_mastodon.base_url, strict_mastodon.token("silt")).find_posted(marker(ACTS[0])) is None
    restarted.post(toot_of(ACTS[0]), idempotency_key=ACTS[0]["ref"])
    assert len(strict_mastodon.statuses) == 4  # what find_posted prevents: without it, a duplicate


def test_find_posted_on_mastodon_mock(mastodon_mock_server):
    poster = Poster(mastodon_mock_server.base_url, mastodon_mock_server.token())
    delivered = poster.post(toot_of(ACTS[2], hostile=True), idempotency_key="k")
    assert poster.find_posted(marker(ACTS[2])) == delivered
    assert poster.find_posted(f"Acte n° {ACTS[2]['ref']}") == delivered
    assert poster.find_posted("@someone@example.org") == delivered  # the text as read, joiners aside
    assert poster.find_posted(marker(ACTS[0])) is None
    assert poster.find_posted([marker(ACTS[2]), f"Acte n° {ACTS[2]['ref']}"]) == delivered
    assert poster.find_posted([marker(ACTS[2]), f"Acte n° {ACTS[0]['ref']}"]) is None


def test_find_posted_looks_through_limit_statuses(strict_mastodon):
    poster = Poster(strict_mastodon.base_url, strict_mastodon.token())
    first = poster.post("premier https://example.org/a.pdf#page=7", idempotency_key="first")
    for index in range(44):
        poster.post(f"toot {index}", idempotency_key=str(index))
    assert poster.find_posted("https://example.org/a.pdf#page=7", limit=40) is None
    assert poster.find_posted("https://example.org/a.pdf#page=7", limit=60) == first
    assert strict_mastodon.requests.count(("GET", "/api/v1/accounts/1/statuses")) == 3


# --- outages ------------------------------------------------------------------------------------------

def test_a_silent_server_times_out():
    with socket.socket() as silent:  # listens, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        poster = Poster(f"http://127.0.0.1:{silent.getsockname()[1]}", "token", timeout=0.5)
        started = time.monotonic()
        with pytest.raises(RetryLater, match="timed out"):
            poster.post("x", idempotency_key="k")
        assert time.monotonic() - started < 3


def test_connection_refused_is_retried_later_without_recursion():
    poster = Poster(closed_port_url(), "secret-token-123", timeout=5)
    started = time.monotonic()
    with pytest.raises(RetryLater) as refused:
        poster.post("x", idempotency_key="k")
    assert "Connection refused" in refused.value.reason and refused.value.stop_account
    assert "secret-token-123" not in str(refused.value) and time.monotonic() - started < 5


@pytest.mark.parametrize("server_name", ["mastodon_mock_server", "strict_mastodon"])
def test_server_down_then_back(server_name, request):
    server = request.getfixturevalue(server_name)
    poster = Poster(server.base_url, server.token())
    assert poster.max_characters == 500
    server.stop()
    with pytest.raises(RetryLater, match="network error"):
        poster.post(toot_of(ACTS[0]), idempotency_key="k")
    server.start()
    poster.post(toot_of(ACTS[0]), idempotency_key="k")
    assert len(server.posts("surveillance")) == 1


@pytest.mark.parametrize("server_name", ["mastodon_mock_server", "strict_mastodon"])
def test_503_is_retried_later(server_name, request):
    server = request.getfixturevalue(server_name)
    poster = Poster(server.base_url, server.token())
    server.fail(503)
    with pytest.raises(RetryLater, match="server error 503") as unavailable:
        poster.post(toot_of(ACTS[0]), idempotency_key="k")
    assert not unavailable.value.stop_account
    poster.post(toot_of(ACTS[0]), idempotency_key="k")
    assert len(server.posts("surveillance")) == 1


@pytest.mark.parametrize("server_name", ["mastodon_mock_server", "strict_mastodon"])
def test_429_stops_the_account_until_the_reset(server_name, request):
    server = request.getfixturevalue(server_name)
    poster = Poster(server.base_url, server.token())
    server.rate_limit(reset_in=120)
    with pytest.raises(RetryLater, match=r"rate limited \(429\) until") as limited:
        poster.post(toot_of(ACTS[0]), idempotency_key="k")
    assert limited.value.stop_account
    assert abs((limited.value.retry_at - datetime.now(timezone.utc)).total_seconds() - 120) < 5
    assert server.posts("surveillance") == []
    poster.post(toot_of(ACTS[0]), idempotency_key="k")
    assert len(server.posts("surveillance")) == 1


def test_unreadable_answer_is_retried_later(mastodon_mock_server):
    poster = Poster(mastodon_mock_server.base_url, mastodon_mock_server.token())
    mastodon_mock_server.garble()
    with pytest.raises(RetryLater, match="unreadable answer"):
        poster.post(toot_of(ACTS[0]), idempotency_key="k")
    poster.post(toot_of(ACTS[0]), idempotency_key="k")
    assert len(mastodon_mock_server.posts()) == 1


def test_a_wrong_token_is_an_account_problem_on_every_server(any_server):
    poster = Poster(any_server.base_url, "secret-token-123")
    with pytest.raises(AccountRefused) as refused:
        poster.post("x", idempotency_key="k")
    code, body = any_server.profile.bad_token
    message = body if isinstance(body, str) else body["error"]
    assert refused.value.reason.startswith(str(code)) and refused.value.reason.endswith(message)
    assert "secret-token-123" not in refused.value.reason and any_server.statuses == []


@pytest.mark.parametrize("code, message", [
    (400, "Invalid Bearer token"), (400, "invalid_token"), (422, "Your account is suspended"),
    (422, "The access token is invalid"), (418, "This account is disabled"), (404, "Not Found")])
def test_refusals_about_the_account_whatever_their_code(strict_mastodon, code, message):
    strict_mastodon.fail(code, body=message)
    with pytest.raises(AccountRefused, match=f"{code} .*{message}"):
        Poster(strict_mastodon.base_url, strict_mastodon.token()).post("x", idempotency_key="k")


def test_a_refusal_of_the_toot_itself_is_not_an_account_problem(strict_mastodon):
    strict_mastodon.fail(422, body={"error": "Validation failed: Language is not supported"})
    with pytest.raises(PostFailed) as refused:
        Poster(strict_mastodon.base_url, strict_mastodon.token()).post("x", idempotency_key="k")
    assert type(refused.value) is PostFailed


def test_server_echoing_the_token_does_not_leak_it(strict_mastodon):
    token = strict_mastodon.token()
    strict_mastodon.fail(403, body={"error": f"token {token} is suspended"})
    with pytest.raises(AccountRefused, match=r"403 Forbidden: token \*\*\* is suspended") as refused:
        Poster(strict_mastodon.base_url, token).post("x", idempotency_key="k")
    assert token not in str(refused.value)


def test_bad_visibility_is_a_permanent_failure(strict_mastodon):
    poster = Poster(strict_mastodon.base_url, strict_mastodon.token())
    with pytest.raises(PostFailed):
        poster.post("x", idempotency_key="k", visibility="everyone")


# --- several accounts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("server_name", ["mastodon_mock_server", "strict_mastodon"])
def test_several_accounts_each_get_their_toots(server_name, request):
    server = request.getfixturevalue(server_name)
    accounts = {"surveillance": ("drones", "videoprotection"), "silt": ("silt_perimeter",)}
    for account, followed in accounts.items():
        poster = Poster(server.base_url, server.token(account))
        for real in ACTS:
            if real["category"] in followed:
                poster.post(toot_of(real, poster.max_characters), idempotency_key=f"{real['ref']}|{account}")
    surveillance, silt = server.posts("surveillance"), server.posts("silt")
    assert [s["text"].split("\n")[0] for s in surveillance] == ["📹 Vidéoprotection — Préfecture du Var (83)",
                                                                "🚁 Drones — Préfecture du Var (83)"]
    assert [s["text"].split("\n")[0] for s in silt] == ["🚧 Périmètre de protection — Préfecture du Var (83)"]
    assert Poster(server.base_url, server.token("silt")).find_posted(marker(ACTS[0])) is None


# --- the outbox on every server ------------------------------------------------------------------------
# Real acts with their real *.gouv.fr links, queued in SQLite and sent by the outbox as a run does.

VAR = Source("pref83", "Préfecture du Var", "https://www.var.gouv.fr/Publications/RAA", "83")
RULESET = rules.load(BUNDLED_RULES)


def queued(tmp_path: Path, account: Account) -> sessionmaker:
    sessions = open_database(f"sqlite:///{tmp_path / 'watchbot.db'}")
    with sessions() as session:
        session.add(SourceRow(code=VAR.code, name=VAR.name))
        session.flush()
        for real in ACTS:
            act = ActRow(ref=real["ref"], title=real["title"], first_page=real["first_page"],
                         last_page=real["last_page"], key=real["ref"], fingerprint=real["ref"],
                         matches=[MatchRow(category=real["category"], rule="rule", page=real["first_page"],
                                           excerpt=real["excerpt"], words=real["words"])])
            session.add(DocumentRow(source_code=VAR.code, url=real["raa_url"], title=real["raa_name"],
                                    published=date.fromisoformat(real["raa_date"]), acts=[act]))
            session.flush()
            posts.enqueue(session, act, [real["category"]], [account], department=VAR.department)
        session.commit()
    return sessions


def account_on(server: StrictMastodon, visibility: str = "unlisted") -> Account:
    return Account("surveillance", server.base_url, tuple(CATEGORIES), access_token_env="TOKEN_SURVEILLANCE",
                   visibility=visibility)


def send(sessions: sessionmaker, account: Account) -> outbox.PostCounts:
    return outbox.Sender(sessions, RULESET, {VAR.code: VAR}, io.StringIO(), "test").send(
        [account], dry_run=False, max_posts=None)


def rows(sessions: sessionmaker) -> list[PostRow]:
    with sessions() as session:
        return session.scalars(select(PostRow).order_by(PostRow.id)).all()


def links(server: StrictMastodon) -> Counter:
    return Counter(re.search(r"https://\S+#page=\d+", status["text"]).group() for status in server.statuses)


def test_a_wrong_token_then_the_right_one_posts_each_toot_once(any_server, tmp_path, monkeypatch, caplog):
    account = account_on(any_server)
    sessions = queued(tmp_path, account)
    monkeypatch.setenv("TOKEN_SURVEILLANCE", "wrong-secret-token")
    counts = send(sessions, account)
    assert counts.stopped == ["surveillance"] and counts.errors == 1 and counts.failed == 0
    assert any_server.statuses == []
    assert {(row.status, row.wait_reason.split(" (")[0]) for row in rows(sessions)} == {
        ("pending", "account stopped: the server refused the account")}
    assert "account surveillance: the server refused the account" in caplog.text
    assert "$TOKEN_SURVEILLANCE" in caplog.text and "write:statuses" in caplog.text
    saved = " ".join(str(value) for row in rows(sessions) for value in vars(row).values())
    assert "wrong-secret-token" not in caplog.text + saved

    monkeypatch.setenv("TOKEN_SURVEILLANCE", any_server.token())
    counts = send(sessions, account)
    assert (counts.sent, counts.found, counts.failed, counts.stopped) == (len(ACTS), 0, 0, [])
    assert send(sessions, account).sent == 0
    assert set(links(any_server).values()) == {1} and len(links(any_server)) == len(ACTS)
    assert [row.status for row in rows(sessions)] == ["posted"] * len(ACTS)


@pytest.mark.parametrize("limit", [500, 300])
def test_real_gouv_links_never_make_a_toot_fail(any_server, tmp_path, monkeypatch, limit):
    any_server.max_characters = limit
    monkeypatch.setenv("TOKEN_SURVEILLANCE", any_server.token())
    account = account_on(any_server)
    sessions = queued(tmp_path, account)
    counts = send(sessions, account)
    assert (counts.sent, counts.failed) == (len(ACTS), 0)
    for row, status, real in zip(rows(sessions), any_server.statuses, ACTS, strict=True):
        assert status["text"] == row.text and any_server.profile.count(row.text, "") <= limit
        assert re.fullmatch(r"(#\w+ )+#Var", row.text.rsplit("\n", 1)[1])  # the hashtags, whole
        assert f"\n\n{marker(real)}\n\n" in row.text
    refusals = any_server.post_attempts() - len(ACTS)
    advertised_wrongly = any_server.profile.advertised_url_length is not None \
        and any_server.profile.count is not mastodon_length
    assert refusals == (1 if advertised_wrongly else 0)  # learnt once per run, not once per toot
    if limit == 300:
        assert all(len(row.text) < len(toot_of(real)) for row, real in zip(rows(sessions), ACTS, strict=True))


@pytest.mark.parametrize("visibility", ["private", "direct", "unlisted"])
def test_a_crash_during_a_post_never_leads_to_a_duplicate(any_server, tmp_path, monkeypatch, visibility):
    """The server takes the toot, the answer is lost (the run died), the key expires before the next run."""
    any_server.max_characters = 5000  # GoToSocial's and Akkoma's default: the lost toot is taken on every server
    monkeypatch.setenv("TOKEN_SURVEILLANCE", any_server.token())
    account = account_on(any_server, visibility)
    sessions = queued(tmp_path, account)
    any_server.lose_answer()
    first = send(sessions, account)
    assert first.errors == 1 and [row.status for row in rows(sessions)] == ["sending", "pending", "pending"]
    any_server.expire_idempotency_keys()
    for _ in range(2):
        second = send(sessions, account)
        assert set(links(any_server).values()) == {1} and len(links(any_server)) == len(ACTS)
    # Takahē does not list private or direct toots to their author; its home timeline shows them (issue 21)
    assert (second.found, second.held) == (0, 0)
    assert [row.status for row in rows(sessions)] == ["posted"] * len(ACTS)


def test_a_held_toot_is_sent_again_by_retry_sending(tmp_path, monkeypatch):
    """On Takahē the run died before the request left: the human sees no toot and re-sends it."""
    takahe = StrictMastodon(profile=PROFILES["takahe"]).start()
    try:
        monkeypatch.setenv("TOKEN_SURVEILLANCE", takahe.token())
        account = account_on(takahe, "private")
        sessions = queued(tmp_path, account)
        with sessions() as session:
            session.execute(update(PostRow).where(PostRow.id == 1).values(status="sending", attempts=1))
            session.commit()
        counts = send(sessions, account)
        assert (counts.sent, counts.held) == (len(ACTS) - 1, 1) and marker(ACTS[0]) not in links(takahe)
        assert [row.id for row in posts.requeue(sessions, states=[PostState.SENDING])] == [1]
        counts = send(sessions, account)
        assert (counts.sent, counts.held) == (1, 0) and set(links(takahe).values()) == {1}
        assert len(links(takahe)) == len(ACTS)
    finally:
        takahe.stop()


def test_retry_queues_failed_toots_again_never_a_posted_one(strict_mastodon, tmp_path, monkeypatch):
    monkeypatch.setenv("TOKEN_SURVEILLANCE", strict_mastodon.token())
    account = account_on(strict_mastodon)
    sessions = queued(tmp_path, account)
    strict_mastodon.fail(422, count=2, body={"error": "Validation failed: Language is not supported"})
    assert send(sessions, account).failed == 2
    failed_key = rows(sessions)[0].idempotency_key
    assert [row.status for row in rows(sessions)] == ["failed", "failed", "posted"]
    status = report(Config(database_url=str(sessions.kw["bind"].url), path=tmp_path / "watchbot.yaml"))
    assert f"watchbot retry --config {tmp_path / 'watchbot.yaml'} --account surveillance --failed" in status
    assert [row.id for row in posts.requeue(sessions, states=[PostState.FAILED], account="surveillance")] == [1, 2]
    assert posts.requeue(sessions, states=[PostState.FAILED]) == []
    assert rows(sessions)[0].idempotency_key != failed_key  # Akkoma would replay the refusal to the old key
    assert send(sessions, account).sent == 2 and set(links(strict_mastodon).values()) == {1}
    assert len(links(strict_mastodon)) == len(ACTS)


def test_status_says_why_each_queued_toot_waits(strict_mastodon, tmp_path, monkeypatch):
    monkeypatch.setenv("TOKEN_SURVEILLANCE", strict_mastodon.token())
    account = account_on(strict_mastodon)
    sessions = queued(tmp_path, account)
    config = Config(database_url=str(sessions.kw["bind"].url))
    assert report(config).count(": never tried") == len(ACTS)
    reset = strict_mastodon.rate_limit(reset_in=600)
    assert send(sessions, account).errors == 1
    retry_at = rows(sessions)[0].retry_at.replace(tzinfo=timezone.utc)
    assert abs((retry_at - reset).total_seconds()) < 3
    assert report(config).count(f"retry after 429 until {retry_at:%Y-%m-%d %H:%M} UTC") == len(ACTS)
    requests = len(strict_mastodon.requests)
    assert send(sessions, account).sent == 0 and len(strict_mastodon.requests) == requests  # before the reset


# --- accounts for an area ------------------------------------------------------------------------------

def test_accounts_get_the_acts_of_their_departements_and_sources(tmp_path):
    sessions = open_database(f"sqlite:///{tmp_path / 'watchbot.db'}")
    accounts = [Account("var", "https://x", ("drones",), departments=("83",), access_token_env="T"),
                Account("alpes", "https://x", ("drones",), sources=("pref06",), access_token_env="T"),
                Account("all", "https://x", tuple(RULESET.categories), access_token_env="T")]
    with sessions() as session:
        for code, name in (("pref83", "Préfecture du Var"), ("pref06", "Préfecture des Alpes-Maritimes")):
            session.add(SourceRow(code=code, name=name))
            session.flush()
            act = ActRow(ref=f"{code}-1", title="Arrêté autorisant la captation d'images par drone", first_page=1,
                         last_page=1, key=f"{code}-1", fingerprint=f"{code}-1",
                         matches=[MatchRow(category="drones", rule="r", page=1, excerpt="drone", words="drone")])
            session.add(DocumentRow(source_code=code, url=f"https://{code}.example/raa.pdf", title="RAA", acts=[act]))
            session.flush()
            posts.enqueue(session, act, ["drones"], accounts, department=code.removeprefix("pref"))
        session.commit()
    assert {(post.account, post.act_key) for post in rows(sessions)} == {
        ("var", "pref83-1"), ("alpes", "pref06-1"), ("all", "pref83-1"), ("all", "pref06-1")}


def test_an_account_for_a_departement_gets_the_acts_of_a_source_only_the_config_defines(tmp_path):
    """The département of a source the bundled registry does not know, on an act that names no commune:
    read as the act was classified (ClassifiedAct.department), when it is stored and when it is read again."""
    sessions = open_database(f"sqlite:///{tmp_path / 'watchbot.db'}")
    accounts = [Account("xx", "https://x", ("drones",), departments=("XX",), access_token_env="T"),
                Account("var", "https://x", ("drones",), departments=("83",), access_token_env="T")]
    match = Match("drones", "r", 1, "captation d'images par drone")
    reading = ClassifiedAct(Act("XX-2026-01-1", "Arrêté autorisant la captation d'images par drone", 1, 1), (match,),
                            Facts(scope="department", purposes=("manifestation",)), "XX")
    with sessions() as session:
        session.add(SourceRow(code="mine", name="Préfecture de mon département"))
        session.flush()
        session.add_all(DocumentRow(source_code="mine", url=f"https://mine.example/{n}.pdf", title="RAA")
                        for n in (1, 2))
        session.commit()
    download = Download("https://mine.example/1.pdf", tmp_path / "1.pdf", "0" * 64, 1)
    [act_id] = documents.record_reading(sessions, 1, download, Analysis((), (), (reading,)), accounts)
    acts.replace_readings(sessions, {act_id: reading}, [act_id], accounts)  # already queued: once
    with sessions() as session:
        other = ActRow(ref="XX-2", title=reading.act.title, first_page=1, last_page=1, key="XX-2", fingerprint="XX-2",
                       document_id=2)
        session.add(other)
        session.commit()
        other_id = other.id
    acts.replace_readings(sessions, {other_id: reading}, [other_id], accounts)
    assert [(post.account, post.act_id) for post in rows(sessions)] == [("xx", act_id), ("xx", other_id)]


def test_an_account_follows_an_act_by_category_source_departement_and_kind():
    account = Account("var", "https://x", ("drones", "vsa"), departments=("83",), skip_kinds=("repeal",))
    assert account.follows(["drones", "lra"], "pref83", {"83"}, "initial") == ["drones"]
    assert account.follows(["drones"], "pref13", {"13", "83"}, "renewal") == ["drones"]  # a Var commune
    assert account.follows(["drones"], "pref13", {"13"}, "initial") == []
    assert account.follows(["drones"], "pref83", {"83"}, "repeal") == []
    assert Account("a", "https://x", ("drones",), sources=("pref06",)).follows(["drones"], "pref83", {"06"},
                                                                              "initial") == []


@pytest.mark.parametrize("start, also, queued", [(None, "", ["all"]), (date(2025, 4, 19), "", ["all", "new-only"]),
                                                (None, " et portant autorisation de captation d'images",
                                                 ["all", "new-only"])])
def test_an_account_skipping_repeals_gets_no_toot_of_a_stored_repeal(tmp_path, start, also, queued):
    """The kind stored with the act's facts decides: a repeal is queued for the account that follows
    repeals, never for the one with skip_kinds: [repeal] — unless it replaces the act it repeals with a
    measure of its own (it states its own period, or its title names what it does besides), which is in force."""
    sessions = open_database(f"sqlite:///{tmp_path / 'watchbot.db'}")
    accounts = [Account("all", "https://x", ("drones",), access_token_env="T"),
                Account("new-only", "https://x", ("drones",), skip_kinds=("repeal",), access_token_env="T")]
    with sessions() as session:
        session.add(SourceRow(code="pref75", name="Préfecture de police"))
        session.flush()
        act = ActRow(ref="2025-00496", title="Arrêté 2025-00496 portant abrogation de l'arrêté n° 2025-00490 "
                     "autorisant la captation d'images par des caméras installées sur des aéronefs" + also,
                     first_page=1, last_page=1, key="2025-00496", fingerprint="2025-00496", kind="repeal", period_start=start,
                     matches=[MatchRow(category="drones", rule="r", page=1, excerpt="aéronefs", words="aéronefs")])
        session.add(DocumentRow(source_code="pref75", url="https://pp.example/2025-00496.pdf", title="Arrêté",
                                acts=[act]))
        session.flush()
        posts.enqueue(session, act, ["drones"], accounts, department="75")
        session.commit()
    assert [post.account for post in rows(sessions)] == queued
