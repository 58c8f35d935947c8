"""Split and classify PDF or text files on disk, offline: what `watchbot classify` prints."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Sequence

from watchbot.core.errors import WatchbotError
from watchbot.core.settings import ExtractSettings
from watchbot.core.terminal import printable
from watchbot.match.rules import Ruleset
from watchbot.read.child import run_in_child
from watchbot.run.analysis import analyse_file, to_json
from watchbot.run.steps import READ_MARGIN


def classify_files(paths: Sequence[Path], ruleset: Ruleset,
                   settings: ExtractSettings) -> tuple[list[dict], list[str]]:
    """The JSON of each file read (`to_json`) with the configuration's `extract` settings, and why each other
    one could not be read."""
    results, failures = [], []
    with tempfile.TemporaryDirectory(prefix="watchbot-") as workdir:
        for path in paths:
            try:  # in a child with the run's limits: a hostile file costs that file
                analysis = run_in_child(analyse_file, path, ruleset, settings, Path(workdir),
                                        timeout=settings.ocr_document_timeout_seconds + READ_MARGIN,
                                        memory_mb=settings.max_memory_mb)
            except (WatchbotError, OSError) as error:
                failures.append(f"{path}: {error}")
                continue
            results.append(to_json(str(path), analysis))
    return results, failures


def describe(result: dict) -> str:
    poor = f", read poorly: {result['poorly_read_pages']}" if result["poorly_read_pages"] else ""
    pages = f"{result['pages']} pages, " if result["pages"] is not None else ""  # a text file has no count
    lines = [f"{printable(result['file'])}: {pages}{len(result['acts'])} acts, "
             f"OCR on pages {result['ocr_pages'] or 'none'}{poor}"]
    for act in result["acts"]:
        if not act["categories"]:
            continue
        span = _pages(act["first_page"], act["last_page"])
        lines.append(f"  [{', '.join(act['categories'])}] {printable(act['ref'] or '-')}{span}: {printable(act['title'])}")
        for match in act["matches"]:
            lines.append(f"      {match['category']}: « {printable(match['words'])} »{_pages(match['page'], None)}, "
                         f"{match['zone']} ({match['rule']})")
        facts = facts_lines(act.get("facts"))
        lines += ["      facts:"] * bool(facts) + [f"        {name}: {printable(value)}" for name, value in facts]
    return "\n".join(lines)


def facts_lines(facts: dict | None) -> list[tuple[str, str]]:
    """The facts an act was read with (`facts_json`), a (field, value) line each, the fields not stated left out."""
    if not facts:
        return []
    period = " → ".join(dict.fromkeys(day for day in (facts["start"], facts["end"]) if day))
    communes = ", ".join(f"{commune['name']} ({commune['insee']})" for commune in facts["communes"])
    lines = [("kind", facts["kind"]), ("period", period), ("times", ", ".join(facts["times"])),
             ("communes", communes), ("scope", facts["scope"]), ("places", "; ".join(facts["places"])),
             ("purposes", ", ".join(facts["purposes"])), ("operators", ", ".join(facts["operators"])),
             ("cameras", str(facts["cameras"] or ""))]
    return [(name, value) for name, value in lines if value]


def _pages(first: int | None, last: int | None) -> str:
    """" p. 3-5", " p. 3", or nothing where the pages are not known."""
    if first is None:
        return ""
    return f" p. {first}-{last}" if last is not None and last != first else f" p. {first}"
