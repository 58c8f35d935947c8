"""Rebuild real-acts.csv: the labels of ../shared/corpus/real-acts/ with a fixed tuning / held-out split.

The split was made before any act text was read, from the file names and the labels alone: within
each stratum (the act's category, or its kind for traps and ordinary negatives) the files are sorted
by the SHA-256 of their name and dealt alternately, the first to « held-out ». The rules may be tuned
by reading the « tune » half only; `watchbot eval --split held-out` reports on the other half.

    python tests/data/rules/labels/real_acts_split.py ../shared/corpus/real-acts/labels.csv
"""

import csv
import hashlib
import sys
from collections import defaultdict
from pathlib import Path


def split(rows: list[dict[str, str]]) -> dict[str, str]:
    strata = defaultdict(list)
    for row in rows:
        strata[row["categories"] or row["kind"]].append(row["file"])
    halves = {}
    for files in strata.values():
        for index, name in enumerate(sorted(files, key=lambda name: hashlib.sha256(name.encode()).hexdigest())):
            halves[name] = "held-out" if index % 2 == 0 else "tune"
    return halves


def main(labels: str) -> None:
    with open(labels, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    halves = split(rows)
    with open(Path(__file__).with_name("real-acts.csv"), "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["file", "categories", "kind", "scope", "split"])
        for row in rows:
            writer.writerow([row["file"], row["categories"], row["kind"], row["scope"], halves[row["file"]]])


if __name__ == "__main__":
    main(sys.argv[1])
