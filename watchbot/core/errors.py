"""One error hierarchy, each error carrying its exit code and whether it is passing.

Every error watchbot raises on purpose derives from `WatchbotError`. `cli.main` turns one into its
exit code and message with a single check, and a run's step asks `error.passing` whether a failure
says nothing against its source or document (a server, the network, the disk: retry later) instead
of listing error types. The only other error deriving from a builtin is the run's stop signal
(`watchbot.run.stop.Stopped`, a BaseException so that no `except Exception` swallows it).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of every command."""

    OK = 0
    FAILED = 1  # the run finished but some sources, documents or toots failed: retried next run
    USAGE = 2  # usage, configuration or ruleset error: nothing was done
    LOCKED = 3  # another run holds the lock: nothing was done


class WatchbotError(Exception):
    """An expected failure. `exit_code` is what a command ends with when nothing catches it before;
    `passing` says whether trying again later may succeed without anything being changed."""

    exit_code = ExitCode.FAILED
    passing = False
