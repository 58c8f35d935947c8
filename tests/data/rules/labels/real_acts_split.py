"""Rebuild real-acts.csv: the labels of ../shared/corpus/real-acts/ with a fixed tuning / held-out split.

The split was made before any act text was read, from the file names and the labels alone: within
each stratum (the act's category, or its kind for traps and ordinary negatives) the files are sorted
by the SHA-256 of their name and dealt alternately, the first to « held-out ». The rules may be tuned
by reading the « tune » half only; `watchbot eval --split held-out` reports on the other half.

Exposure rule: the corpus' MANIFEST.md, read while writing the rules, quotes wordings of the acts
(« "caméra sur aéronef" », « "véhicules terrestres à moteur" »…), and two rules were written from such
phrases. A held-out act whose text carries one of the MANIFEST's quotes was therefore seen through it:
it goes to « tune ». A quote is a "double-quoted" string of the MANIFEST, or a `back-quoted` one holding a
space (a verbatim excerpt; single back-quoted words there are column or category names); « … » in a quote
stands for any text, « a / b » for either, « (s) » for an optional s; case, accents, apostrophes and
line breaks do not matter. The script prints the exposed files and how many acts each quote exposes,
never a text.

The `repeal` column (`repeal` or `modification`: the act repeals or amends an act of its category) is
not in the corpus' labels: it is kept from the existing real-acts.csv. It was set on the tune rows by
reading them, and on the held-out rows from the `kind` of the same act in the first facts held-out half
(since retired: tests/data/facts/retired/held-out/real-acts.csv), without reading their texts.

    python tests/data/rules/labels/real_acts_split.py ../shared/corpus/real-acts/labels.csv
"""

import csv
import hashlib
import re
import sys
import unicodedata
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


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("\\n", " "))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    return " ".join(re.sub(r"[’'□`]", "'", text).split())


def quotes(manifest: str) -> list[str]:
    double = re.findall(r'"([^"]+)"', manifest)
    verbatim = [quote for quote in re.findall(r"`([^`]+)`", manifest) if " " in quote]
    return list(dict.fromkeys(double + verbatim))


def pattern(quote: str) -> re.Pattern[str]:
    parts = []
    for part in fold(quote).split("…"):
        choices = [re.escape(choice.strip()).replace(r"\(s\)", "s?").replace(r"\ ", r"\s+")
                   for choice in part.split(" / ") if choice.strip()]
        if choices:
            parts.append("(?:" + "|".join(choices) + ")")
    return re.compile(".*?".join(parts), re.DOTALL)


def exposed(halves: dict[str, str], acts: Path, manifest: str) -> dict[str, list[str]]:
    """The held-out files whose text carries a quote of the MANIFEST, with the quotes."""
    patterns = {quote: pattern(quote) for quote in quotes(manifest)}
    found = {}
    for name, half in sorted(halves.items()):
        if half == "held-out":
            text = fold((acts / name).read_text(encoding="utf-8"))
            carried = [quote for quote, regex in patterns.items() if regex.search(text)]
            if carried:
                found[name] = carried
    return found


def main(labels: str) -> None:
    corpus = Path(labels).parent
    with open(labels, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    halves = split(rows)
    seen = exposed(halves, corpus / "acts", (corpus / "MANIFEST.md").read_text(encoding="utf-8"))
    for name in seen:
        halves[name] = "tune"
    print(f"{len(seen)} held-out acts carry a quote of the MANIFEST and go to tune:", *seen, sep="\n  ")
    for quote in quotes((corpus / "MANIFEST.md").read_text(encoding="utf-8")):
        print(f"  {sum(quote in carried for carried in seen.values()):3}  {quote!r}")
    output = Path(__file__).with_name("real-acts.csv")
    with open(output, newline="", encoding="utf-8") as stream:
        repeals = {row["file"]: row.get("repeal", "") for row in csv.DictReader(stream)}
    with open(output, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["file", "categories", "kind", "scope", "split", "repeal"])
        for row in rows:
            writer.writerow([row["file"], row["categories"], row["kind"], row["scope"], halves[row["file"]],
                             repeals.get(row["file"], "")])


if __name__ == "__main__":
    main(sys.argv[1])
