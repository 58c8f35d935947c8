"""One clock for a run: the instant it started, and the server's local date at that instant.

Times are stored in UTC; dates are judged in the server's local time, the calendar the prefectures
and cron agree on, except a source's own days (its today, the day of its first run), judged in its
zone: overseas prefectures publish on their own calendar. Every date a run compares comes from
here, so that a run just after midnight never mixes two calendars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Clock:
    now: datetime  # timezone-aware

    @classmethod
    def system(cls) -> Clock:
        return cls(utcnow())

    @property
    def today(self) -> date:
        return local_date(self.now)

    def today_in(self, zone: str) -> date:
        return date_in(self.now, zone)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_date(moment: datetime) -> date:
    """The server's local date at an aware instant."""
    return moment.astimezone().date()


def date_in(moment: datetime, zone: str) -> date:
    """The date at an aware instant in a time zone ("America/Cayenne")."""
    return moment.astimezone(ZoneInfo(zone)).date()
