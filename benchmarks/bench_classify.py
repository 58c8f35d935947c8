"""Acts classified per second with the full ruleset, on the Var corpus, on one core, and what reading the
facts of the acts in a category adds.

    .venv/bin/python -m benchmarks.bench_classify [--texts DIR] [--rules DIR]

The texts are whole RAA (``<sha256>.txt``): they are split into acts first
(not timed), then every act is classified (timed), then the facts of those
with a category are read (timed apart; the first reading, which loads the gazetteer, is printed apart). Each is
timed several times and the fastest counts: a single reading of the facts takes a third of a second, less than
the jitter of a shared machine.
Targets: the whole 232-RAA corpus in under 5 seconds once extracted (issue 5);
facts under 10 % of the classification time (issue 22).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path
from typing import Callable, TypeVar

from watchbot.evaluate.measure import read_text
from watchbot.facts.extract import read_facts
from watchbot.match import rules
from watchbot.match.classify import classify
from watchbot.read.extract import pages_of_text
from watchbot.read.split import split

ROOT = Path(__file__).resolve().parents[1]
CLASSIFY_RUNS, FACTS_RUNS = 3, 7
T = TypeVar("T")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=Path, default=ROOT.parent / "shared" / "corpus" / "var-2025")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    args = parser.parse_args()
    ruleset = rules.load(args.rules)
    files = sorted(args.texts.glob("*.txt"))
    acts = [act for path in files for act in split(list(pages_of_text(read_text(path))))]
    characters = sum(len(page.text) for act in acts for page in act.pages)
    timings = [_timed(lambda: [(act, sorted({match.category for match in classify(act, ruleset)}))
                               for act in acts]) for _ in range(CLASSIFY_RUNS)]
    wall, cpu, classified = min(timings, key=lambda timing: timing[1])
    found = Counter(category for _, categories in classified for category in categories)
    hits = [(act, categories) for act, categories in classified if categories]
    readings = [_timed(lambda: [read_facts(act, ruleset.vocabulary, categories, department="83")
                                for act, categories in hits])[1] for _ in range(FACTS_RUNS + 1)]
    first, facts_cpu = readings[0], min(readings[1:])
    print(f"{len(files)} RAA, {len(acts)} acts, {characters / 1e6:.1f} M characters")
    # CPU time is what one core spends, whatever else the machine is running.
    print(f"classified in {cpu:.2f} s of CPU ({wall:.2f} s wall): {len(acts) / cpu:.0f} acts/s, "
          f"{characters / 1e6 / cpu:.1f} M chars/s")
    print("acts per category: " + ", ".join(f"{name} {count}" for name, count in sorted(found.items())))
    print(f"facts of the {len(hits)} acts in a category: {facts_cpu:.2f} s of CPU, {facts_cpu / cpu:.1%} of the "
          f"classification time (target: under 10 %); the first reading, loading the gazetteer: {first:.2f} s")


def _timed(work: Callable[[], T]) -> tuple[float, float, T]:
    """Wall and CPU seconds that ``work`` takes, and what it gives."""
    wall, cpu = time.perf_counter(), time.process_time()
    done = work()
    return time.perf_counter() - wall, time.process_time() - cpu, done


if __name__ == "__main__":
    main()
