"""Reading a document in a child process: a crash or a hang costs that document, not the run."""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import threading
import time

import pytest

from tests.support.prefecture import DRONE_RAA
from watchbot.core.settings import ExtractSettings
from watchbot.read.child import ChildFailed, run_in_child
from watchbot.read.extract import ExtractError, extract_pdf


def crash() -> None:
    faulthandler.disable()  # pytest's would print this process's stack
    os.kill(os.getpid(), signal.SIGSEGV)


def refuse() -> None:
    raise ExtractError("encrypted PDF")


def fill_the_disk() -> None:
    raise ExtractError("OCR work directory w: No space left on device", passing=True)


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


def test_a_passing_error_of_the_reader_stays_passing():
    with pytest.raises(ExtractError) as caught:
        run_in_child(fill_the_disk, timeout=30)
    assert caught.value.passing and str(caught.value) == "OCR work directory w: No space left on device"


# A fork taken while another thread holds a lock (malloc's, PDFium's, logging's…) may hang on it in the child:
# under load, OCR stalled until its time limit on pages that read in seconds (issue 21).

@pytest.fixture
def forks(monkeypatch):
    """The number of threads alive at each fork of this process."""
    seen: list[int] = []
    fork = os.fork

    def counted() -> int:
        seen.append(threading.active_count())
        return fork()

    monkeypatch.setattr(os, "fork", counted)
    return seen


def test_the_reader_is_not_forked_from_a_process_with_threads(forks):
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)  # as the demo's web server, or a fetch timer
    thread.start()
    try:
        assert run_in_child(sorted, [3, 1, 2], timeout=30) == [1, 2, 3]
    finally:
        stop.set()
        thread.join()
    assert [threads for threads in forks if threads > 1] == []


@pytest.mark.ocr
def test_pages_are_not_rendered_in_a_fork_while_pages_are_read(tmp_path, forks):
    extraction = extract_pdf(DRONE_RAA, ExtractSettings(ocr_jobs=2), tmp_path)  # the demo's scanned pages
    assert extraction.ocr_pages == (4, 5, 6) and "Article 8" in extraction.pages[5].text
    assert [threads for threads in forks if threads > 1] == []
