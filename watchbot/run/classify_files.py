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


def classify_files(paths: Sequence[Path], ruleset: Ruleset) -> tuple[list[dict], list[str]]:
    """The JSON of each file read (`to_json`), and why each other one could not be read."""
    results, failures = [], []
    settings = ExtractSettings()
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
    lines = [f"{printable(result['file'])}: {result['pages']} pages, {len(result['acts'])} acts, "
             f"OCR on pages {result['ocr_pages'] or 'none'}{poor}"]
    for act in result["acts"]:
        if not act["categories"]:
            continue
        pages = f"p. {act['first_page']}-{act['last_page']}"
        lines.append(f"  [{', '.join(act['categories'])}] {printable(act['ref'] or '-')} {pages}: {printable(act['title'])}")
        for match in act["matches"]:
            lines.append(f"      {match['category']}: « {printable(match['words'])} » p. {match['page']}, {match['zone']} "
                         f"({match['rule']})")
    return "\n".join(lines)
