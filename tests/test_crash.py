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
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.corpus import corpus
from tests.support.mastodon_servers import StrictMastodon
from tests.support.prefecture import Document, serve, write_config
from watchbot.cli import main
from watchbot.store import open_database
from watchbot.store.models import DocumentRow

SEED = 20261122
ROUNDS = 20
FILES = [  # real RAA with drone and CCTV acts in their text layer, and a negative one
    "idf/pdfs/RAA%20n%C2%B015%20du%2029%20janvier%202024.pdf",
    "idf/pdfs/RAA%20n%C2%B0D77-31-01-2024-special.pdf",
    "idf/pdfs/RAA%20n%C2%B0D77-29-07-2024.pdf",
    "idf/pdfs/RAA%20n%C2%B008%20du%2017%20janvier%202025.pdf",
]


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


def documents(database_url: str) -> Counter:
    with open_database(database_url)() as session:
        return Counter(session.scalars(select(DocumentRow.status)))


def kill_point(line: str) -> str:
    return re.sub(r"127\.0\.0\.1:\d+", "HOST", line)


@pytest.fixture
def documents_served(site_server):
    documents = [Document(corpus(relative), f"RAA {number}", date(2024, 2, number))
                 for number, relative in enumerate(FILES, start=1)]
    return serve(site_server, documents), len(documents)


def test_killed_runs_lose_nothing_and_post_nothing_twice(tmp_path, documents_served, new_database):
    index, count = documents_served
    shuffled = random.Random(SEED)
    reference = StrictMastodon().start()
    reference_config = write_config(tmp_path / "reference", index, reference, database_url=new_database())
    code, reference_log = run(reference_config, reference)
    expected = delivered(reference)
    reference.stop()
    assert code == 0, reference_log
    assert len(expected) >= 5 and set(expected.values()) == {1}

    points, kills = set(), 0
    for round_number, first_kill in enumerate(shuffled.sample(range(1, len(reference_log)), ROUNDS)):
        mastodon = StrictMastodon().start()
        database_url = new_database()
        path = write_config(tmp_path / f"round{round_number}", index, mastodon, database_url=database_url)
        for kill_after in (first_kill, shuffled.randint(1, len(reference_log) // 2)):
            code, log = run(path, mastodon, kill_after)
            if code == -signal.SIGKILL:
                points.add(kill_point(log[-1]))
                kills += 1
            mastodon.expire_idempotency_keys()
        assert run(path, mastodon)[0] == 0
        assert delivered(mastodon) == expected, f"round {round_number}"
        assert documents(database_url) == {"done": count}
        mastodon.stop()
    print(f"{len(points)} distinct kill points in {kills} kills over {ROUNDS} rounds, "
          f"{sum(expected.values())} toots expected per round")
    assert len(points) >= 20, sorted(points)
