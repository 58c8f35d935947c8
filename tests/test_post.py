"""Posting to Mastodon: limits, idempotency, outages, crash recovery, several accounts, harmless toots."""

from __future__ import annotations

import json
import socket
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from mastodon_servers import MockMastodon, closed_port_url, entities
from watchbot.models import Act, Category, Match
from watchbot.publish.post import Poster, PostFailed, RetryLater
from watchbot.publish.toot import TootInput, compose, content_warning, length, page_link

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


def toot_of(real: dict, max_characters: int = 500, hostile: bool = False, warning: str = "") -> str:
    return compose(toot_input(real, hostile), [CATEGORIES[real["category"]]], max_characters, spoiler_text=warning)


def marker(real: dict) -> str:
    return page_link(real["raa_url"], real["first_page"])


# --- the limit ---------------------------------------------------------------------------------------

def test_max_characters_is_read_once_from_instance_v2(strict_mastodon):
    strict_mastodon.max_characters = 321
    poster = Poster(strict_mastodon.base_url, strict_mastodon.token())
    assert poster.max_characters == 321 and poster.max_characters == 321
    assert strict_mastodon.requests == [("GET", "/api/v2/instance")]


def test_max_characters_falls_back_to_instance_v1(strict_mastodon):
    strict_mastodon.instance_v2 = False
    strict_mastodon.max_characters = 444
    assert Poster(strict_mastodon.base_url, strict_mastodon.token()).max_characters == 444
    assert strict_mastodon.requests == [("GET", "/api/v2/instance"), ("GET", "/api/v1/instance")]


def test_max_characters_defaults_to_500(strict_mastodon):
    strict_mastodon.max_characters = None  # a server that does not say
    assert Poster(strict_mastodon.base_url, strict_mastodon.token()).max_characters == 500


def test_max_characters_during_an_outage_is_retried_not_guessed(strict_mastodon):
    strict_mastodon.max_characters = 300
    strict_mastodon.fail(503, method="GET", path="/api/v2/instance")
    poster = Poster(strict_mastodon.base_url, strict_mastodon.token())
    with pytest.raises(RetryLater, match="503"):
        _ = poster.max_characters
    assert poster.max_characters == 300


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


def test_a_stale_limit_gets_a_permanent_422(strict_mastodon):
    poster = Poster(strict_mastodon.base_url, strict_mastodon.token())
    text = toot_of(ACTS[0], poster.max_characters)
    strict_mastodon.max_characters = 200  # the admin lowered the limit during the run
    with pytest.raises(PostFailed, match="422 .*character limit of 200 exceeded") as failure:
        poster.post(text, idempotency_key="k")
    assert not failure.value.stop_account and strict_mastodon.statuses == []


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
    until = datetime.strptime(limited.value.reason.split(" until ")[1], "%Y-%m-%d %H:%M:%S UTC")
    assert abs((until.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).total_seconds() - 120) < 5
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


def test_bad_token_fails_for_the_account_without_showing_it(strict_mastodon):
    poster = Poster(strict_mastodon.base_url, "secret-token-123")
    with pytest.raises(PostFailed, match="401 Unauthorized: The access token is invalid") as refused:
        poster.post("x", idempotency_key="k")
    assert refused.value.stop_account and "secret-token-123" not in str(refused.value)


def test_server_echoing_the_token_does_not_leak_it(strict_mastodon):
    token = strict_mastodon.token()
    strict_mastodon.fail(403, body={"error": f"token {token} is suspended"})
    with pytest.raises(PostFailed, match=r"403 Forbidden: token \*\*\* is suspended") as refused:
        Poster(strict_mastodon.base_url, token).post("x", idempotency_key="k")
    assert refused.value.stop_account and token not in str(refused.value)


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
