"""Acts classified per second with the full ruleset, on the Var corpus, on one core, and what reading the
facts of the acts in a category adds.

    .venv/bin/python -m benchmarks.bench_classify [--texts DIR] [--rules DIR]

The texts are whole RAA (``<sha256>.txt``): they are split into acts first
(not timed), then every act is classified (timed), then the facts of those
with a category are read (timed apart, the gazetteer's loading included).
Targets: the whole 232-RAA corpus in under 5 seconds once extracted (issue 5);
facts under 10 % of the classification time (issue 22).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from watchbot.evaluate.measure import read_text
from watchbot.facts.extract import read_facts
from watchbot.match import rules
from watchbot.match.classify import classify
from watchbot.read.extract import pages_of_text
from watchbot.read.split import split

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=Path, default=ROOT.parent / "shared" / "corpus" / "var-2025")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    args = parser.parse_args()
    ruleset = rules.load(args.rules)
    files = sorted(args.texts.glob("*.txt"))
    acts = [act for path in files for act in split(list(pages_of_text(read_text(path))))]
    characters = sum(len(page.text) for act in acts for page in act.pages)
    wall, cpu = time.perf_counter(), time.process_time()
    classified = [(act, sorted({match.category for match in classify(act, ruleset)})) for act in acts]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    found = Counter(category for _, categories in classified for category in categories)
    hits = [(act, categories) for act, categories in classified if categories]
    facts_cpu = time.process_time()
    for act, categories in hits:
        read_facts(act, ruleset.vocabulary, categories, department="83")
    facts_cpu = time.process_time() - facts_cpu
    print(f"{len(files)} RAA, {len(acts)} acts, {characters / 1e6:.1f} M characters")
    # CPU time is what one core spends, whatever else the machine is running.
    print(f"classified in {cpu:.2f} s of CPU ({wall:.2f} s wall): {len(acts) / cpu:.0f} acts/s, "
          f"{characters / 1e6 / cpu:.1f} M chars/s")
    print("acts per category: " + ", ".join(f"{name} {count}" for name, count in sorted(found.items())))
    print(f"facts of the {len(hits)} acts in a category: {facts_cpu:.2f} s of CPU, {facts_cpu / cpu:.1%} of the "
          f"classification time (target: under 10 %)")


if __name__ == "__main__":
    main()
