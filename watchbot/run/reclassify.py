"""`watchbot reclassify`: apply edited rules to the acts already read, from their stored pages.

No download, no OCR. Acts keep their rows (the outbox points at them), only
their matches and facts are replaced (the facts' vocabulary may have been
edited too; acts stored without facts get them); an act that now matches gets
its toots queued, and the outbox's keys make sure nothing already posted is
posted again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from watchbot.core.settings import Config
from watchbot.match.rules import Ruleset
from watchbot.run.analysis import ClassifiedAct, classified
from watchbot.run.steps import sources_by_code
from watchbot.store import acts, open_database
from watchbot.store.lock import run_lock
from watchbot.store.records import StoredAct

log = logging.getLogger("watchbot")


@dataclass
class Changes:
    acts: int = 0
    gained: int = 0  # acts that match a category they did not match before
    lost: int = 0

    def line(self) -> str:
        return f"{self.acts} acts reclassified: {self.gained} match more categories, {self.lost} fewer"


def reclassify(config: Config, ruleset: Ruleset, *, since: date | None = None, dry_run: bool = False) -> Changes:
    changes = Changes()
    with run_lock(config.state_dir, config.db_url):
        sessions = open_database(config.db_url)
        by_code = sources_by_code(config)
        replaced: dict[int, ClassifiedAct] = {}
        queue: list[int] = []
        for document_acts in acts.by_document(sessions, since):
            for stored in document_acts:
                source = by_code.get(stored.source_code)
                reading = classified(stored.act, ruleset, source.department if source else None, stored.published)
                if _compare(stored, reading, changes):
                    queue.append(stored.id)
                if reading.matches != stored.matches or reading.facts != stored.facts:
                    replaced[stored.id] = reading
        if not dry_run:
            acts.replace_readings(sessions, replaced, queue, config.accounts)
    return changes


def _compare(stored: StoredAct, reading: ClassifiedAct, changes: Changes) -> bool:
    """Count and log the change of categories; True when the act gained one."""
    before = set(stored.categories)
    after = set(reading.categories)
    act = stored.act
    changes.acts += 1
    if before - after:
        changes.lost += 1
        log.info("act %s «%s» no longer matches %s", act.ref or stored.id, act.title[:80],
                 ", ".join(sorted(before - after)))
    if after - before:
        changes.gained += 1
        log.info("act %s «%s» now matches %s", act.ref or stored.id, act.title[:80], ", ".join(sorted(after - before)))
        return True
    return False
