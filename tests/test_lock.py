"""One run at a time: an overlapping run exits 3 at once; a killed run's lock is recovered."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from sqlalchemy import create_engine, text

from watchbot.cli import main
from watchbot.store.lock import ADVISORY_KEY, run_lock

HOLD = "import sys, time; from pathlib import Path; from watchbot.store.lock import run_lock\n" \
       "with run_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(60)\n"


def test_second_run_exits_3_at_once(tmp_path):
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"state_dir: {tmp_path / 'state'}\nsources: []\n")
    with run_lock(tmp_path / "state"):
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "watchbot", "run", "--config", str(config)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "another run holds" in result.stderr and "; nothing was done" in result.stderr
    assert time.monotonic() - started < 30
    assert not (tmp_path / "state" / "watchbot.db").exists()


def test_lock_of_a_killed_run_is_recovered(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    with run_lock(tmp_path):
        assert (tmp_path / "watchbot.lock").read_text().strip().isdigit()


def test_a_run_on_another_machine_sharing_the_database_is_seen(tmp_path, postgres_server, capsys):
    url = postgres_server.create_database()
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"state_dir: {tmp_path / 'state'}\ndatabase_url: {url}\nsources: []\n")
    other_machine = create_engine(url)
    with other_machine.connect() as connection:
        connection.execute(text("select pg_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        assert main(["run", "--config", str(config)]) == 3
        assert "another run holds the database's lock" in capsys.readouterr().err
    other_machine.dispose()  # the other machine's run ended: its connection, and so its lock, are gone
    assert main(["run", "--config", str(config)]) == 0
