"""Run one function in a child process, with a time limit.

PDF parsers are C code fed by strangers: a hostile or broken PDF may crash
PDFium or make it loop. In a child process such a file costs one document,
not the run (a hung run would also hold the lock, so every later cron run would
stop at once with exit code 3).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from typing import Any, Callable, TypeVar

T = TypeVar("T")
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


class ChildFailed(Exception):
    """The child crashed or ran out of time; str(error) says which."""


def run_in_child(function: Callable[..., T], *args: Any, timeout: float) -> T:
    """function(*args) in a forked process; its exceptions are raised here."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(os.getpid(), receive, send, function, args), daemon=True)
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
        if child.pid is not None:
            _kill_group(child.pid)
        child.kill()
        child.join()
        receive.close()
    if failed:
        raise value
    return value


def _child(parent: int, receive, send, function: Callable, args: tuple) -> None:
    # The child inherits the run's lock: if the run is killed, the child must not outlive it, nor block
    # for ever on a pipe whose only reader is itself.
    receive.close()
    _die_with(parent)
    os.setpgrp()  # its own process group: a timeout kills the Tesseract processes it started too
    try:
        result = (False, function(*args))
    except Exception as error:  # the parent re-raises it
        result = (True, error)
    send.send(result)
    send.close()


def _die_with(parent: int) -> None:
    """Be killed when the parent dies (Linux); exit at once if it already has."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the broken pipe ends the child when it answers
        pass
    if os.getppid() != parent:
        os._exit(1)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _how(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"killed by signal {signal.Signals(-exitcode).name}"
    return f"exit code {exitcode}"
