"""Write the acts of JulienDepelchin/raa-veille (Nord and Pas-de-Calais, 2026) that have a text layer, one file
each, for `watchbot eval --facts` on tests/data/facts/tune/raa-veille-from-held-out-2.csv.

    python tests/data/facts/raa_veille_texts.py REPO OUT

REPO is a clone of https://github.com/JulienDepelchin/raa-veille (its history: data/resultats.json is
overwritten each week, so the acts of every commit are gathered); OUT becomes a corpus folder: a link to each
entry of ../shared/corpus and OUT/nord-pdc-union/<reference>.txt, in the form of ../shared/corpus/nord-pdc/acts/
(provenance lines starting with #, then the text). The texts stay outside this repository; OUT/INDEX.tsv lists
each file with its full title, for reading.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"  # beside the repository
REFERENCE = re.compile(r"\b(?:\d{2,3}-)?20\d\d-\d\d-\d\d-\d{5}\b")


def acts(repo: Path) -> dict[str, tuple[str, dict]]:
    """Each act with a text, by reference, from the oldest commit it appears in."""
    log = ["git", "-C", str(repo), "log", "--reverse", "--format=%H %cI", "--", "data/resultats.json"]
    found: dict[str, tuple[str, dict]] = {}
    for line in subprocess.run(log, capture_output=True, text=True, check=True).stdout.splitlines():
        commit, when = line.split()
        shown = subprocess.run(["git", "-C", str(repo), "show", f"{commit}:data/resultats.json"],
                               capture_output=True, text=True, check=True).stdout
        for act in json.loads(shown):
            reference = REFERENCE.search(act.get("titre_complet") or "")
            if act.get("texte") and reference and reference.group() not in found:
                found[reference.group()] = (f"{commit} ({when})", act)
    return found


def write(found: dict[str, tuple[str, dict]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for entry in CORPUS.iterdir():
        if not (out / entry.name).exists():
            (out / entry.name).symlink_to(entry)
    union = out / "nord-pdc-union"
    union.mkdir(exist_ok=True)
    index = []
    for reference, (seen, act) in sorted(found.items()):
        head = [f"# SOURCE: JulienDepelchin/raa-veille data/resultats.json (field 'texte'), first seen in commit {seen}",
                f"# titre_complet: {act['titre_complet']}", f"# source_pdf: {act.get('source_pdf', '')}",
                f"# page_debut: {act.get('page_debut')} nb_pages: {act.get('nb_pages')} dept(field): {act.get('dept')}"]
        (union / f"{reference}.txt").write_text("\n".join(head) + "\n" + act["texte"], encoding="utf-8")
        index.append(f"nord-pdc-union/{reference}.txt\t{act['titre_complet']}")
    (out / "INDEX.tsv").write_text("\n".join(index) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(acts(Path(sys.argv[1])), Path(sys.argv[2]))
