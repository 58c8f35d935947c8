"""The draw order of the third held-out facts set (Préfecture de police titles): every distinct non-empty
numero_arrete of arretes.csv (first row kept) not found as a plain string in the repository's tests/, watchbot/,
docs/, rules/ or README.md (tests/data/rules/labels/pp-paris-titles.csv, the category labels of the whole
title corpus, is not counted), ordered by the sha256 of the number. Writes order.tsv (position, number, title);
prints counts only."""
import csv, hashlib, sys
from pathlib import Path

repo, corpus, out = (Path(a) for a in sys.argv[1:4])
rows = {}
with open(corpus / "pp-paris" / "arretes.csv", encoding="utf-8") as handle:
    for row in csv.DictReader(handle):
        number = row["numero_arrete"].strip()
        if number and number not in rows:
            rows[number] = row["titre"]
skip = repo / "tests" / "data" / "rules" / "labels" / "pp-paris-titles.csv"
texts = []
for root in ("tests", "watchbot", "docs", "rules"):
    for path in (repo / root).rglob("*"):
        if path.is_file() and path != skip and "__pycache__" not in path.parts:
            texts.append(path.read_bytes().decode("utf-8", "replace"))
texts.append((repo / "README.md").read_text(encoding="utf-8"))
blob = "\n".join(texts)
exposed = {n for n in rows if n in blob}
order = sorted((n for n in rows if n not in exposed), key=lambda n: hashlib.sha256(n.encode()).hexdigest())
with open(out, "w", encoding="utf-8", newline="") as handle:
    writer = csv.writer(handle, delimiter="\t")
    writer.writerow(["position", "numero_arrete", "titre"])
    for position, number in enumerate(order):
        writer.writerow([position, number, rows[number]])
print(f"{len(rows)} numbers, {len(exposed)} exposed, {len(order)} in the order")
