"""Run functions in a child process, with a time and a memory limit.

PDF parsers are C code fed by strangers: a hostile or broken PDF may crash
PDFium, make it loop or exhaust memory. In a child process such a file costs
one document, not the run (a hung run would also hold the lock, so every later
cron run would stop at once with exit code 3). The child's address space is
limited (RLIMIT_AS, inherited by the processes it starts), and the child is
its own process group, killed whole when the time is up or the run stops, and
it is killed when the run dies (even by SIGKILL), so it never holds the lock.

The child is a new interpreter (multiprocessing's "spawn": fork and exec at
once), never a fork of this process: the run and the reader have threads (the
demo's web server, fetch timers, the OCR's Tesseract readers), and a fork taken
while another thread holds a lock (of malloc, PDFium, logging…) hangs on it for
ever in the child.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
from typing import Any, Callable, Generic, TypeVar

from watchbot.core.errors import WatchbotError

T = TypeVar("T")
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
SPAWN = multiprocessing.get_context("spawn")
START_SECONDS = 60  # for a new interpreter to import the modules of its function, on a saturated machine


class ChildFailed(WatchbotError):
    """The child crashed or ran out of time; str(error) says which."""


class ChildTimedOut(ChildFailed):
    pass


def run_in_child(function: Callable[..., T], *args: Any, timeout: float, memory_mb: int | None = None,
                 what: str = "reading the document", own_group: bool = True) -> T:
    """function(*args) in a child process that may use `memory_mb` MB more than it starts with; its
    exceptions are raised here."""
    with Child(function, memory_mb=memory_mb, own_group=own_group) as child:
        return child.call(*args, timeout=timeout, what=what)


class Child(Generic[T]):
    """A child process running `function` on the arguments it is given, one call after the other, killed
    with everything it started on close, or at once when a call crashes it or runs out of time.

    A child started by a child stays in its parent's process group (`own_group=False`), so that killing
    the reader kills everything it started.
    """

    def __init__(self, function: Callable[..., T], *, memory_mb: int | None = None, own_group: bool = True):
        self.memory_mb = memory_mb
        self.started = self.closed = False
        requests, self.requests = SPAWN.Pipe(duplex=False)
        self.answers, answers = SPAWN.Pipe(duplex=False)
        # not a daemon: the reader starts its own children (the page renderer); it is killed in any case
        self.process = SPAWN.Process(target=_serve, args=(os.getpid(), requests, answers, function, memory_mb,
                                                            own_group))
        # a stop signal raised in the middle of start() would leave a child running that nobody kills
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            self.process.start()
        finally:
            requests.close()
            answers.close()
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def __enter__(self) -> Child[T]:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def call(self, *args: Any, timeout: float, what: str) -> T:
        """function(*args) in the child, given `timeout` seconds once the child has started (its modules
        imported); after a ChildFailed the child is gone."""
        try:
            self.wait_started()
            self.requests.send((args, what))
            if not self.answers.poll(max(0.0, timeout)):
                raise ChildTimedOut(f"{what} took more than {timeout:g} s")
            failed, value = self.answers.recv()
        except (EOFError, BrokenPipeError):
            self.close()
            limit = f"; its memory limit is {self.memory_mb} MB" if self.memory_mb else ""
            raise ChildFailed(f"{what} crashed the reader ({_how(self.process.exitcode)}{limit})") from None
        except BaseException:
            self.close()
            raise
        if failed:
            raise value
        return value

    def wait_started(self) -> None:
        if not self.started:
            if not self.answers.poll(START_SECONDS):
                raise ChildTimedOut(f"the child process did not start within {START_SECONDS} s")
            self.answers.recv()
            self.started = True

    def close(self) -> None:
        if self.process.pid is not None and not self.closed:  # once: a reaped pid may be reused
            kill_group(self.process.pid)
            self.process.kill()
            self.process.join()
        self.closed = True
        self.requests.close()
        self.answers.close()


def _serve(parent: int, requests, answers, function: Callable, memory_mb: int | None, own_group: bool) -> None:
    # The child inherits the run's lock: if the run is killed, the child must not outlive it, nor block
    # for ever on a pipe whose only reader is itself.
    _die_with(parent)
    if own_group:  # a timeout kills the Tesseract processes it started too
        os.setpgrp()
    for number in STOP_SIGNALS:  # the parent's handlers are for the parent
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    if memory_mb:  # beyond the address space of this interpreter with the modules of its function
        limit = _address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    answers.send("started")
    while True:
        try:
            args, what = requests.recv()
        except EOFError:
            return
        try:
            result = (False, function(*args))
        except MemoryError:
            result = (True, ChildFailed(f"{what} needed more than the memory limit of {memory_mb} MB"))
        except Exception as error:  # the parent re-raises it
            result = (True, error)
        answers.send(result)


def _die_with(parent: int) -> None:
    """Be killed when the parent dies (Linux); exit at once if it already has."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: the broken pipe ends the child when it answers
        prctl = None
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
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
