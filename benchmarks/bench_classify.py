"""Acts classified per second with the full ruleset, on the Var corpus, on one core.

    .venv/bin/python -m benchmarks.bench_classify [--texts DIR] [--rules DIR]

The texts are whole RAA (``<sha256>.txt``): they are split into acts first
(not timed), then every act is classified (timed). Target (issue 5): the whole
232-RAA corpus in under 5 seconds once extracted.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from watchbot.match import rules
from watchbot.match.classify import classify
from watchbot.evaluate.measure import read_text
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
    found = Counter(category for act in acts for category in {match.category for match in classify(act, ruleset)})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{len(files)} RAA, {len(acts)} acts, {characters / 1e6:.1f} M characters")
    # CPU time is what one core spends, whatever else the machine is running.
    print(f"classified in {cpu:.2f} s of CPU ({wall:.2f} s wall): {len(acts) / cpu:.0f} acts/s, "
          f"{characters / 1e6 / cpu:.1f} M chars/s")
    print("acts per category: " + ", ".join(f"{name} {count}" for name, count in sorted(found.items())))


if __name__ == "__main__":
    main()
