"""One clock for a run: the instant it started, and the server's local date at that instant.

Times are stored in UTC; dates are judged in the server's local time, the calendar the prefectures
and cron agree on. Every date a run compares (today, the day of a source's first run) comes from
here, so that a run just after midnight local time never mixes the two calendars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone


@dataclass(frozen=True)
class Clock:
    now: datetime  # timezone-aware

    @classmethod
    def system(cls) -> Clock:
        return cls(utcnow())

    @property
    def today(self) -> date:
        return local_date(self.now)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_date(moment: datetime) -> date:
    """The server's local date at an aware instant."""
    return moment.astimezone().date()
