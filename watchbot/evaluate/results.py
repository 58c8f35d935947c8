"""The published figures: one JSON file of scores per labelled set, each with the command that made it,
and the Markdown table the documentation prints from it (a test checks that the two agree)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from watchbot.evaluate.measure import LabelError, Report, Score

Results = dict[str, dict[str, Any]]


def entry(report: Report, command: str) -> dict[str, Any]:
    """What the results file keeps of a report: counts only (per category: true positives, false positives,
    false negatives; and the labelled repeals and modifications: found, labelled), never the acts or their
    errors."""
    return {"command": command, "acts": report.acts, "trap_acts": report.trap_acts,
            "traps_flagged": sum(error.trap for error in report.errors), "missing": len(report.missing),
            "repeals": {category: [found, labelled] for category, (found, labelled) in report.repeals.items()},
            "scores": {score.category: [score.true_positives, score.false_positives, score.false_negatives]
                       for score in report.scores}}


def read(path: Path) -> Results:
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise LabelError(f"{path}: cannot read results: {error}") from error
    if not isinstance(results, dict):
        raise LabelError(f"{path}: not a results file (an object of labelled sets)")
    return results


def write(path: Path, name: str, report: Report, command: str) -> None:
    """Put the figures of one labelled set in the results file, keeping the other sets'."""
    results = read(path)
    results[name] = entry(report, command)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=1, ensure_ascii=False, sort_keys=True)
    counts = re.sub(r"\[\s*\d+(?:,\s*\d+)+\s*\]", lambda match: "[" + ", ".join(re.findall(r"\d+", match[0])) + "]", text)
    path.write_text(counts + "\n", encoding="utf-8")


def table(results: Results, names: list[str]) -> str:
    """The Markdown table of some labelled sets: the categories with positives or false positives, one
    row each, the others on one row."""
    lines = ["| labelled set | category | positives | precision | recall | traps wrongly flagged |",
             "|---|---|---|---|---|---|"]
    for name in names:
        result = results[name]
        scores = [Score(category, *counts) for category, counts in sorted(result["scores"].items())]
        shown = [score for score in scores if score.positives or score.false_positives]
        rows = [[score.category, str(score.positives), _ratio(score.precision, score.true_positives
                                                              + score.false_positives),
                 _ratio(score.recall, score.positives)] for score in shown]
        silent = [score.category for score in scores if score not in shown]
        if silent:
            rows.append([", ".join(silent), "0", "–", "–"])
        traps = f"{result['traps_flagged']} / {result['trap_acts']}" if result["trap_acts"] else "–"
        heading = f"{name}, {result['acts']} acts"
        for index, row in enumerate(rows):
            lines.append("| " + " | ".join([heading if index == 0 else "", *row, traps if index == 0 else ""]) + " |")
    return "\n".join(lines)


def _ratio(value: float, count: int) -> str:
    return f"{value:.3f}" if count else "–"
