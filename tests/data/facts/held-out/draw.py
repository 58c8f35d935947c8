"""Write the draw order of the third held-out facts set: every distinct non-empty numero_arrete of the
Préfecture de police titles (first row kept) not found as a plain string in the repository's tests/, watchbot/,
docs/, rules/ or README.md, ordered by the sha256 of the number. tests/data/rules/labels/pp-paris-titles.csv, the
category labels of the whole title corpus, is not counted as exposure. Prints counts only.

    python tests/data/facts/held-out/draw.py REPO CORPUS OUT

REPO is a checkout of commit 5578313 (later commits hold the drawn numbers), CORPUS the shared corpus folder,
OUT the order written as a TSV file (position, numero_arrete, titre).
"""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

SEARCHED = ("tests", "watchbot", "docs", "rules")
NOT_EXPOSURE = Path("tests/data/rules/labels/pp-paris-titles.csv")


def titles(corpus: Path) -> dict[str, str]:
    """Each number's title, from its first row."""
    found: dict[str, str] = {}
    with open(corpus / "pp-paris" / "arretes.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            number = row["numero_arrete"].strip()
            if number and number not in found:
                found[number] = row["titre"]
    return found


def repository_text(repo: Path) -> str:
    paths = [path for root in SEARCHED for path in sorted((repo / root).rglob("*"))
             if path.is_file() and path != repo / NOT_EXPOSURE and "__pycache__" not in path.parts]
    return "\n".join([*(path.read_bytes().decode("utf-8", "replace") for path in paths),
                      (repo / "README.md").read_text(encoding="utf-8")])


def main(repo: Path, corpus: Path, out: Path) -> None:
    found = titles(corpus)
    text = repository_text(repo)
    exposed = {number for number in found if number in text}
    order = sorted(set(found) - exposed, key=lambda number: hashlib.sha256(number.encode()).hexdigest())
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["position", "numero_arrete", "titre"])
        writer.writerows((position, number, found[number]) for position, number in enumerate(order))
    print(f"{len(found)} numbers, {len(exposed)} exposed, {len(order)} in the order")


if __name__ == "__main__":
    main(*(Path(argument) for argument in sys.argv[1:4]))
