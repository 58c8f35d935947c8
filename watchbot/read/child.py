"""Run one function in a child process, with a time limit.

PDF parsers are C code fed by strangers: a hostile or broken PDF may crash
PDFium or make it loop. In a child process such a file costs one document,
not the run (a hung run would also hold the lock, so every later cron run would
stop at once with exit code 3).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class ChildFailed(Exception):
    """The child crashed or ran out of time; str(error) says which."""


def run_in_child(function: Callable[..., T], *args: Any, timeout: float) -> T:
    """function(*args) in a forked process; its exceptions are raised here."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, function, args), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise ChildFailed(f"reading the document took more than {timeout:g} s")
        try:
            failed, value = receive.recv()
        except EOFError:
            child.join()
            raise ChildFailed(f"reading the document crashed the reader ({_how(child.exitcode)})") from None
    finally:
        _kill_group(child.pid)
        child.kill()
        child.join()
        receive.close()
    if failed:
        raise value
    return value


def _child(send, function: Callable, args: tuple) -> None:
    os.setpgrp()  # its own process group: a timeout kills the Tesseract processes it started too
    try:
        result = (False, function(*args))
    except Exception as error:  # the parent re-raises it
        result = (True, error)
    send.send(result)
    send.close()


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _how(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"killed by signal {signal.Signals(-exitcode).name}"
    return f"exit code {exitcode}"
