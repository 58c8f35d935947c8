"""Segmentation agreement: on the Var development labels, then on real PDFs read by watchbot itself.

1. For every RAA labelled in var-2025-acts-dev.csv, split its text and compare the acts found with
   the labelled acts: identifier, title, start page. These texts were extracted for the corpus by
   another tool (not watchbot's reader), and the splitter was developed on these very labels.
2. Read each real Île-de-France PDF of the corpus (the demo's three among them) with watchbot's
   `extract_pdf` (text layer, OCR where the layer is unusable), split it, and compare the acts found
   and their start pages with those its Sommaire lists (`SOMMAIRES`, counted by reading each one).

    .venv/bin/python -m benchmarks.bench_split [CORPUS_DIR]
"""

from __future__ import annotations

import csv
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from watchbot.core.settings import ExtractSettings
from watchbot.read.extract import extract_pdf, read_text_file
from watchbot.read.split import ACT_ID as ACT_ID_PATTERN
from watchbot.read.split import split

ACT_ID = re.compile(ACT_ID_PATTERN)
DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

# The acts' start pages as each PDF's Sommaire lists them, read on its pages 2 to 5 (the Val-de-Marne
# « Arrêté / Date / INTITULÉ / Page » tables, the Seine-et-Marne « D77-… (n pages) Page n » lines). The
# three Seine-et-Marne files and RAA no. 09 are the demo's (watchbot/demo_data). Printed page numbers
# are the PDF's page numbers in all six.
SOMMAIRES = {
    "RAA%20n%C2%B008%20du%2017%20janvier%202025.pdf": [5, 7, 10, 13, 16, 18, 29],
    "RAA%20n%C2%B009%20du%2020%20janvier%202025.pdf": [6, 8, 13, 157, 187, 190, 193, 196, 201, 205],
    "RAA%20n%C2%B015%20du%2029%20janvier%202024.pdf": [5, 14, 16, 22, 24, 26, 31, 36],
    "RAA%20n%C2%B0D77-29-07-2024.pdf": [3, 7, 13, 18, 23],
    "RAA%20n%C2%B0D77-30-10-2025.pdf": [3, 6, 10, 12, 14],
    "RAA%20n%C2%B0D77-31-01-2024-special.pdf": [3],
}


def main(corpus: Path) -> int:
    development_labels(corpus)
    real_pdfs(corpus / "idf" / "pdfs")
    return 0


def development_labels(corpus: Path) -> None:
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


def real_pdfs(folder: Path) -> None:
    print(f"\nreal PDFs read by watchbot ({folder}), acts found against their Sommaire:")
    expected = found = same_page = exact = 0
    started = time.perf_counter()
    for name, pages in SOMMAIRES.items():
        with tempfile.TemporaryDirectory(prefix="bench-split-") as work:
            extraction = extract_pdf(folder / name, ExtractSettings(), Path(work))
        starts = [act.first_page for act in split(extraction.pages)]
        expected += len(pages)
        found += len(starts)
        same_page += len(set(starts) & set(pages))
        exact += starts == pages
        print(f"  {name}: {len(starts)} acts found, {len(pages)} in the Sommaire"
              + ("" if starts == pages else f"; start pages {starts} != {pages}"))
    print(f"acts in the Sommaires: {expected}, acts found: {found}, found at a listed start page: {same_page}")
    print(f"PDFs split exactly (same start pages): {exact}/{len(SOMMAIRES)}; "
          f"time with OCR: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS))
