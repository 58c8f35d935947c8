"""Segmentation agreement on the real Var corpus.

For every RAA labelled in var-2025-acts-dev.csv, split its text and compare the
acts found with the labelled acts: identifier, title, start page.

    .venv/bin/python -m benchmarks.bench_split [CORPUS_DIR]
"""

from __future__ import annotations

import csv
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from watchbot.read.extract import read_text_file
from watchbot.read.split import ACT_ID as ACT_ID_PATTERN
from watchbot.read.split import split

ACT_ID = re.compile(ACT_ID_PATTERN)
DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def main(corpus: Path) -> int:
    labels = defaultdict(list)
    with (corpus / "var-2025-acts-dev.csv").open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            labels[row["raa_sha256"]].append(row)
    labelled = found = same_id = same_title = same_page = exact_raa = 0
    misses = []
    started = time.perf_counter()
    for sha, rows in sorted(labels.items()):
        acts = split(read_text_file(corpus / "var-2025" / f"{sha}.txt").pages)
        by_ref = {act.ref: act for act in acts}
        if len(rows) == 1 and not ACT_ID.fullmatch(rows[0]["act_id"]):
            by_ref[rows[0]["act_id"]] = acts[0]  # no Sommaire: the label's id is made up
        labelled += len(rows)
        found += len(acts)
        ok = len(acts) == len(rows)
        for row in rows:
            act = by_ref.get(row["act_id"])
            if act is None:
                misses.append(f"{rows[0]['raa_name']}: {row['act_id']} not found")
                ok = False
                continue
            same_id += 1
            title = " ".join(row["title"].split())
            same_title += act.title == title
            same_page += act.first_page == int(row["start_page"])
            if act.title != title:
                misses.append(f"{rows[0]['raa_name']}: {row['act_id']} title {act.title!r} != {title!r}")
            if act.first_page != int(row["start_page"]):
                misses.append(f"{rows[0]['raa_name']}: {row['act_id']} page {act.first_page} != {row['start_page']}")
            ok = ok and act.title == title and act.first_page == int(row["start_page"])
        exact_raa += ok
    elapsed = time.perf_counter() - started
    for miss in misses[:40]:
        print("  ", miss)
    print(f"RAA: {len(labels)}, labelled acts: {labelled}, acts found: {found}")
    print(f"identifier: {same_id}/{labelled} ({same_id / labelled:.1%})")
    print(f"title:      {same_title}/{labelled} ({same_title / labelled:.1%})")
    print(f"start page: {same_page}/{labelled} ({same_page / labelled:.1%})")
    print(f"RAA split exactly (same acts, titles, pages): {exact_raa}/{len(labels)}")
    print(f"time: {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS))
