"""Run one function in a child process, with a time and a memory limit.

PDF parsers are C code fed by strangers: a hostile or broken PDF may crash
PDFium, make it loop or exhaust memory. In a child process such a file costs
one document, not the run (a hung run would also hold the lock, so every later
cron run would stop at once with exit code 3). The child's address space is
limited (RLIMIT_AS, inherited by the processes it starts), and the child is
its own process group, killed whole when the time is up or the run stops, and
it is killed when the run dies (even by SIGKILL), so it never holds the lock.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
from typing import Any, Callable, TypeVar

T = TypeVar("T")
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def _libc_prctl() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: the broken pipe ends the child when it answers
        return None


# looked up once here: a child forked from a process with threads must not load libraries (dlopen may deadlock)
PRCTL = _libc_prctl()


class ChildFailed(Exception):
    """The child crashed or ran out of time; str(error) says which."""


class ChildTimedOut(ChildFailed):
    pass


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def run_in_child(function: Callable[..., T], *args: Any, timeout: float, memory_mb: int | None = None,
                 what: str = "reading the document", own_group: bool = True) -> T:
    """function(*args) in a forked process that may use `memory_mb` MB more than it inherits; its exceptions
    are raised here.

    A child started by a child stays in its parent's process group (`own_group=False`), so that killing
    the reader kills everything it started.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    # not a daemon: the reader starts its own children (each page rendered for OCR); it is killed in any case
    child = context.Process(target=_child, args=(os.getpid(), receive, send, function, args, memory_mb, what,
                                                 own_group))
    try:
        # a stop signal raised while forking would be lost in the fork handlers: it waits until the child runs
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            child.start()
        finally:
            send.close()
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        if not receive.poll(max(0.0, timeout)):
            raise ChildTimedOut(f"{what} took more than {timeout:g} s")
        try:
            failed, value = receive.recv()
        except EOFError:
            child.join()
            limit = f"; its memory limit is {memory_mb} MB" if memory_mb else ""
            raise ChildFailed(f"{what} crashed the reader ({_how(child.exitcode)}{limit})") from None
    finally:
        if child.pid is not None:
            kill_group(child.pid)
            child.kill()
            child.join()
        receive.close()
    if failed:
        raise value
    return value


def _child(parent: int, receive, send, function: Callable, args: tuple, memory_mb: int | None, what: str,
           own_group: bool) -> None:
    # The child inherits the run's lock: if the run is killed, the child must not outlive it, nor block
    # for ever on a pipe whose only reader is itself.
    receive.close()
    _die_with(parent)
    if own_group:  # a timeout kills the Tesseract processes it started too
        os.setpgrp()
    for number in STOP_SIGNALS:  # the parent's handlers are for the parent
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    if memory_mb:  # beyond the address space inherited from the parent, whatever threads and libraries it has
        limit = _address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result = (False, function(*args))
    except MemoryError:
        result = (True, ChildFailed(f"{what} needed more than the memory limit of {memory_mb} MB"))
    except Exception as error:  # the parent re-raises it
        result = (True, error)
    send.send(result)
    send.close()


def _die_with(parent: int) -> None:
    """Be killed when the parent dies (Linux); exit at once if it already has."""
    if PRCTL is not None:
        PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _address_space() -> int:
    """This process's virtual memory size, in bytes."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _how(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"killed by signal {signal.Signals(-exitcode).name}"
    return f"exit code {exitcode}"
