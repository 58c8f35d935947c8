"""How pp-paris-titles.csv was labelled. Reproduce it from the repository root with

    python3 tests/data/rules/labels/pp_paris_labelling.py > tests/data/rules/labels/pp-paris-titles.csv

The Préfecture de police titles come without labels. I read every distinct title
template of /work/shared/corpus/pp-paris/arretes.csv that mentions a category word
(drone, aéronef, captation, caméra, vidéo, algorithm, périmètre, manifest, rassembl,
cortège, défilé, festi, rave, rétention, interdi), then wrote down my decisions
below as one reading per kind of title, checked the outcome by reading the
resulting positives and the category-word negatives, and set aside as UNSURE the
titles that do not say what the act does (« portant mesures de police
applicables … à l'occasion d'appels à manifester », abrogations, refusals …).
These decisions follow VOCABULARY.md, not watchbot's rules, and use plain `re`
on the raw title, not watchbot's matcher.

What this makes of the figures (docs/EVALUATION.md): the rows are keyword-labelled, not
read one by one, and the triggers below are largely the rules' own phrases (« captation
… image », « traitement algorithmique », « périmètre de protection », « interdiction …
manifestation »), so the score measures how closely the rules agree with this script,
not how right they are. The 120 titles it leaves out as unsure (abrogations, « appels à
manifester », « à l'occasion de manifestations », refusals …), the hardest ones, are not
in the CSV at all.
"""

import csv
import re
import sys
from pathlib import Path

SOURCE = "/work/shared/corpus/pp-paris/arretes.csv"


def decide(title: str) -> str | None:
    """The categories (';'-joined), '' for a negative, None for unsure."""
    t = re.sub(r"\s+", " ", title.lower().replace("’", "'"))
    if re.search(r"abrog", t):
        return None
    if "captation" in t and "image" in t or "installées sur des aéronefs" in t:
        return "drones"
    if re.search(r"survol de drones|périmètre de sécurité|instituant un périmètre à|réglementant le rassemblement|"
                 r"manifestation festive|occasion de l'interdiction", t):
        return None
    if "traitement algorithmique" in t:
        return "vsa"
    if re.search(r"arrêtés de vidéoprotection|dispositif de vidéoprotection|système de vidéoprotection", t):
        return "videoprotection"
    if re.search(r"(institu|instaur|insitut|renouvel|création|modifiant|complétant).{0,40}p[ée]rim[èe]tres? "
                 r"(de protection|protection|silt)|- p[ée]rim[èe]tre de protection"
                 r"|portant sur le p[ée]rim[èe]tre silt|^\W*arrêté n° ?[\d-]+ p[ée]rim[èe]tre (de )?protection", t):
        return "silt_perimeter"
    if re.search(r"mesures de police applicables au périmètre de protection|périmètre champs|instauration d'un "
                 r"périmètre|périmètre interdiction", t):
        return None
    if re.search(r"interdi\w*( partielle| totale)?( de l'itinéraire| du lieu)? ?(d'une |d'un |de |des |de la |toute "
                 r"|un )?(manifestations?|rassemblements?)\b", t):
        return "demonstration_ban"
    if re.search(r"interd\w*ction (partielle |totale )?(du lieu |de l'itinéraire |des parcours )?(déposés? )?"
                 r"(d'une |de )?manifestation|interdiction manifestation|interdisant (totalement )?(toute|un|une|les) "
                 r"(manifestation|rassemblement)", t):
        return "demonstration_ban"
    if re.search(r"appels? à manifester|à l'occasion (d'une|de|des) manifestations?|à l'occasion d'un rassemblement|"
                 r"à l'occasion de rassemblements|parcours d'une manifestation|parcours de la manifestation|"
                 r"pour manifestation|rejet d'une demande|réglement\w* (les )?rassemblement|manifestation festive|"
                 r"applicables aux rassemblements|interdiction partielle de la mani", t):
        return None
    return ""


def main() -> None:
    # The `repeal` column (`modification` or `repeal` of an act of the row's category) is no keyword decision:
    # it is kept from the existing CSV, where it was set by reading the tune titles (odd SHA-256 of the act
    # id) and, for the held-out ones (even), from the `kind` of the same act in the first facts held-out half
    # (since retired: tests/data/facts/tune/pp-from-held-out-1.csv).
    with open(Path(__file__).with_name("pp-paris-titles.csv"), newline="", encoding="utf-8") as stream:
        repeals = {row["act_id"]: row["repeal"] for row in csv.DictReader(stream)}
    writer = csv.writer(sys.stdout)
    writer.writerow(["act_id", "title", "categories", "repeal"])
    unsure = 0
    with open(SOURCE, newline="", encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            label = decide(row["titre"])
            if label is None:
                unsure += 1
                continue
            writer.writerow([row["numero_arrete"], row["titre"], label, repeals.get(row["numero_arrete"], "")])
    print(f"{unsure} unsure titles left out", file=sys.stderr)


if __name__ == "__main__":
    main()
