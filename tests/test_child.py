"""Reading a document in a child process: a crash or a hang costs that document, not the run."""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import time

import pytest

from watchbot.read.child import ChildFailed, run_in_child
from watchbot.read.extract import ExtractError


def crash() -> None:
    faulthandler.disable()  # pytest's would print this process's stack
    os.kill(os.getpid(), signal.SIGSEGV)


def refuse() -> None:
    raise ExtractError("encrypted PDF")


def hang_with_a_grandchild(pid_file: str) -> None:
    grandchild = subprocess.Popen(["sleep", "60"])
    with open(pid_file, "w") as handle:
        handle.write(str(grandchild.pid))
    time.sleep(60)


def test_the_result_comes_back():
    assert run_in_child(sorted, [3, 1, 2], timeout=30) == [1, 2, 3]


def test_an_error_of_the_reader_is_raised_as_is():
    with pytest.raises(ExtractError, match="encrypted PDF"):
        run_in_child(refuse, timeout=30)


def test_a_crash_is_a_clear_failure():
    with pytest.raises(ChildFailed, match="crashed the reader.*SIGSEGV"):
        run_in_child(crash, timeout=30)


def test_a_hang_is_stopped_with_everything_it_started(tmp_path):
    pid_file = tmp_path / "grandchild"
    started = time.monotonic()
    with pytest.raises(ChildFailed, match="took more than 2 s"):
        run_in_child(hang_with_a_grandchild, str(pid_file), timeout=2)
    assert time.monotonic() - started < 10
    grandchild = int(pid_file.read_text())
    time.sleep(0.2)
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(grandchild)], capture_output=True, text=True).stdout
    assert state.strip() in ("", "Z")  # gone, or a zombie waiting for init
