"""Crash safety: `watchbot run` killed with SIGKILL at many points, then a clean run.

Kill points are chosen by instrumentation: the child runs with -v and is killed
right after its n-th log line (n drawn with a fixed seed), so kills land in
discovery, downloads, extraction, between a toot's request and its record, …
The fake Mastodon forgets idempotency keys between runs (the worst case: a key
expired while the bot was down), so only the bot's own bookkeeping can prevent
a duplicate. After the clean run every expected toot exists exactly once.
"""

from __future__ import annotations

import logging
import os
import random
import re
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import corpus
from httpserver import Route, SiteServer
from mastodon_servers import StrictMastodon
from watchbot.cli import main

SEED = 20261122
ROUNDS = 16
FILES = {
    "1": "idf/pdfs/RAA%20n%C2%B015%20du%2029%20janvier%202024.pdf",
    "2": "idf/pdfs/RAA%20n%C2%B0D77-31-01-2024-special.pdf",
    "3": "idf/pdfs/RAA%20n%C2%B0D77-29-07-2024.pdf",
    "4": "idf/pdfs/RAA%20n%C2%B008%20du%2017%20janvier%202025.pdf",
}


def site(files: dict[str, Path]) -> SiteServer:
    server = SiteServer().start()
    links = []
    for key, path in files.items():
        href = f"/contenu/telechargement/{key}/{key}/file/RAA {key}.pdf"
        server.route(quote(href), Route(body=path.read_bytes(), content_type="application/pdf"))
        links.append(f'<li><a class="fr-link fr-link--download" href="{href}">RAA {key}'
                     f'<span class="fr-link__detail">PDF - 1 Mb - 0{key}/02/2024</span></a></li>')
    server.route("/raa", f"<html><body><div class='fr-downloads-group'><ul>{''.join(links)}</ul></div></body></html>")
    return server


def config(directory: Path, index_url: str, mastodon: StrictMastodon) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "watchbot.yaml"
    path.write_text(f"""
state_dir: {directory / 'state'}
not_before: 2000-01-01
http: {{delay_seconds: 0, max_retries: 1, timeout_seconds: 10}}
extract: {{ocr: false}}
sources:
  - {{code: pref77, name: Préfecture de Seine-et-Marne, department: "77", index_url: "{index_url}"}}
accounts:
  surveillance:
    api_base_url: {mastodon.base_url}
    access_token_env: TOKEN_SURVEILLANCE
    categories: [drones, vsa, videoprotection]
  silt:
    api_base_url: {mastodon.base_url}
    access_token_env: TOKEN_SILT
    categories: [drones, silt_perimeter]
""", encoding="utf-8")
    return path


def run(config_path: Path, mastodon: StrictMastodon, kill_after: int | None = None) -> tuple[int, list[str]]:
    """Run the bot in a forked process (no import cost); with kill_after, SIGKILL it right after
    that many log lines. Returns the exit status (negative: killed by that signal) and the lines."""
    os.environ.update(TOKEN_SURVEILLANCE=mastodon.token("surveillance"), TOKEN_SILT=mastodon.token("silt"))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.dup2(write, 2)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        logging.getLogger().handlers.clear()
        os._exit(main(["-v", "run", "--config", str(config_path)]))
    os.close(write)
    lines = []
    with open(read, encoding="utf-8") as stream:
        for line in stream:
            lines.append(line.strip())
            if len(lines) == kill_after:
                os.kill(pid, signal.SIGKILL)
                break
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    return status, lines


def delivered(mastodon: StrictMastodon) -> Counter:
    """Each toot as (account, link to the act's page)."""
    links = Counter()
    for account in ("surveillance", "silt"):
        for status in mastodon.posts(account):
            links[(account, re.search(r"https?://\S+#page=\d+", status["text"]).group())] += 1
    return links


def documents(directory: Path) -> Counter:
    with sqlite3.connect(directory / "state" / "watchbot.db") as connection:
        return Counter(dict(connection.execute("select status, count(*) from documents group by status")))


def kill_point(line: str) -> str:
    return re.sub(r"127\.0\.0\.1:\d+", "HOST", line)


@pytest.fixture(scope="module")
def files():
    return {key: corpus(relative) for key, relative in FILES.items()}


def test_killed_runs_lose_nothing_and_post_nothing_twice(tmp_path, files):
    shuffled = random.Random(SEED)
    server = site(files)
    try:
        reference = StrictMastodon().start()
        code, reference_log = run(config(tmp_path / "reference", server.url("/raa"), reference), reference)
        expected = delivered(reference)
        reference.stop()
        assert code == 0
        assert len(expected) >= 5 and set(expected.values()) == {1}

        points = set()
        first_kills = shuffled.sample(range(1, len(reference_log)), ROUNDS)
        for round_number, first_kill in enumerate(first_kills):
            mastodon = StrictMastodon().start()
            path = config(tmp_path / f"round{round_number}", server.url("/raa"), mastodon)
            for kill_after in (first_kill, shuffled.randint(1, len(reference_log) // 2)):
                code, log = run(path, mastodon, kill_after)
                if code == -signal.SIGKILL:
                    points.add(kill_point(log[-1]))
                mastodon.expire_idempotency_keys()
            assert run(path, mastodon)[0] == 0
            assert delivered(mastodon) == expected, f"round {round_number}"
            assert documents(path.parent) == {"done": len(files)}
            mastodon.stop()
        assert len(points) >= 20, sorted(points)
    finally:
        server.stop()
