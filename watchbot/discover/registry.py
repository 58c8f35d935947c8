"""The bundled registry of prefecture sources (sources.yaml), read and checked once."""

from __future__ import annotations

import difflib
import functools
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

from watchbot.core import yamlfile
from watchbot.core.models import Source
from watchbot.core.urls import is_http_url
from watchbot.core.yamlfile import Problem, YamlError
from watchbot.discover import DiscoverError
from watchbot.discover import source as build_source

REGISTRY = Path(__file__).resolve().parent / "sources.yaml"
SOURCE_KEYS = ("code", "name", "department", "index_url", "strategy", "options", "timezone")  # as in a configuration file
NOTES = ("shape", "tested", "evidence")
EARLIER_EVIDENCE = "SITE-STRUCTURES.md §7 (index URLs live-checked 2026-08 by MaximeMaigret2/arrete-prefectoraux)"
KEYS = (*SOURCE_KEYS, *NOTES)


@functools.cache
def bundled() -> tuple[Source, ...]:
    return load(REGISTRY)


@functools.cache
def notes() -> dict[str, dict[str, str]]:
    """The notes of each bundled source, by code: its `shape`, the fixtures it is `tested` on, the `evidence`
    for its index URL."""
    entries = yamlfile.load(REGISTRY).data
    return {entry["code"]: {key: str(entry.get(key, "")) for key in NOTES} for entry in entries}


def load(path: Path) -> tuple[Source, ...]:
    """The sources of a registry file; YamlError naming the line of every problem."""
    document = yamlfile.load(path)
    if not isinstance(document.data, list):
        raise YamlError([document.problem((), "the registry must be a list of sources")])
    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    for index, entry in enumerate(document.data):
        source = from_entry(document, (index,), entry, problems, KEYS)
        if source is None:
            continue
        if source.code in sources:
            problems.append(document.problem((index, "code"), f"duplicate source code '{source.code}'"))
        sources[source.code] = source
    if problems:
        raise YamlError(problems)
    return tuple(sources.values())


def from_entry(document: yamlfile.Document, path: yamlfile.Path_, entry: Any, problems: list[Problem],
               keys: Sequence[str], departments: Mapping[str, Source] | None = None) -> Source | None:
    """The source a registry or configuration entry describes, or None with its problems added.
    A missing department is taken from `departments` by code."""
    if not isinstance(entry, dict):
        problems.append(document.problem(path, "a source is a code or a mapping"))
        return None
    problems += document.unknown_keys(path, entry, keys)
    missing = [key for key in ("code", "name", "index_url") if not entry.get(key)]
    if missing:
        problems.append(document.problem(path, "a source needs " + ", ".join(missing)))
        return None
    code, index_url = str(entry["code"]), str(entry["index_url"])
    known = (departments or {}).get(code)
    department = entry.get("department", known.department if known else None)
    if not is_http_url(index_url):
        problems.append(document.problem((*path, "index_url"), f"'{index_url}' is not an http(s) URL with a host"))
    try:
        return build_source(code, str(entry["name"]), index_url,
                            department=str(department) if department is not None else None,
                            strategy=str(entry.get("strategy", "dsfr")), options=entry.get("options") or {},
                            timezone=str(entry.get("timezone", "Europe/Paris")))
    except DiscoverError as error:
        problems.append(document.problem((*path, "options"), error.reason))
        return None


def select(configured: Sequence[Source] | None, codes: Sequence[str]) -> list[Source]:
    """The configured sources (None: every bundled one), narrowed to `codes`; ValueError for an unknown code."""
    available = {source.code: source for source in (bundled() if configured is None else configured)}
    for code in codes:
        if code not in available:
            raise ValueError(f"there is no source '{code}' in the configuration: {suggest(code, available)}")
    return [available[code] for code in codes] if codes else list(available.values())


def suggest(code: str, known: Mapping[str, Source]) -> str:
    """A hint for an unknown source code: "did you mean 'pref83'?" (also from "83", "PREF83" or "var")."""
    wanted = code.strip().lower()
    forms = (wanted, f"pref{wanted}", f"pref{wanted.removeprefix('pref').zfill(2)}")
    by_site = {_slug(source.index_url): name for name, source in known.items()}
    close = (next((form for form in forms if form in known), None) or by_site.get(wanted)
             or next(iter(difflib.get_close_matches(wanted, list(known), n=1)), None))
    if close:
        return f"did you mean '{close}'?"
    return "codes look like 'pref01', 'pref2a', 'pref83', 'ppparis'"


def _slug(url: str) -> str:
    """"var" for https://www.var.gouv.fr/…"""
    return (urlsplit(url).hostname or "").removeprefix("www.").split(".")[0]


def coverage_table() -> str:
    """docs/SOURCES.md: every bundled source with its shape and the fixture it is tested on."""
    lines = [
        "# Sources",
        "",
        "Generated from `watchbot/discover/sources.yaml` by `python -m watchbot.discover.registry > docs/SOURCES.md`.",
        "`shape` is the navigation observed on the live site; `tested on` names the fixture site of",
        "`tests/data/sites/` (crawled end to end through the HTTP layer by `tests/test_discover_sites.py`)",
        "written from that shape, or the real page reconstruction (`real-NN`) parsed by `tests/test_discover.py`.",
        "",
        f"{len(bundled())} sources.",
        "",
        "A source is a YAML entry: `code`, `name`, `department`, `index_url`, `strategy` (`dsfr`, the generic",
        "crawler, `spip` for www.prefectures-regions.gouv.fr, `dims` for Moselle's mc.moselle.gouv.fr) and, only",
        "where a site needs them, `options`:",
        "`skip` / `only` (regular expressions on a link's text or URL: links never followed / the only links",
        "followed from the index page), `exclude` (documents left out, e.g. `_sommaire`), `areas` (other path",
        "prefixes the crawl may enter), `hosts` (other hosts the documents live on), `navigation` and `scope`",
        "(CSS selectors of the links to follow and of the part of the page read), `documents` (a regular",
        "expression on the URLs of documents that neither end in `.pdf` nor are `/contenu/telechargement/`",
        "downloads), `entry` (a page opened first, for the session cookie a site wants) and `browser: true`",
        "(index pages read in a headless browser, for a site behind a JavaScript challenge; `scripts/setup --browser`).",
        "",
        "A configured source may also read the Attrap search API (https://attrap.fr) instead of a site:",
        "`strategy: attrap`, `index_url: https://attrap.fr/api/v1/search`, options `administration` (Attrap's",
        "code, e.g. `pref94`), `hosts` (the prefecture hosts its documents live on) and optionally `query`. An",
        "element without a date is left out with a warning; an answer of more than 1,000 elements a page or 5,000 in",
        "all fails the source.",
        "",
        "`timezone` (default Europe/Paris) is the zone of the prefecture's calendar: its today and publication days.",
        "",
        "`evidence` says where the index URL was found (a public crawler or extractor naming it, a public RAA",
        "archive naming its PDFs); no two sources share an index URL (tests/test_discover_sources.py).",
        "",
        "| source | name | strategy | index URL | shape | tested on | evidence |",
        "|---|---|---|---|---|---|---|",
    ]
    for source in bundled():
        lines.append(_row(source, notes()[source.code]))
    return "\n".join(lines) + "\n"


def _row(source: Source, note: Mapping[str, str]) -> str:
    name = source.name + (f" ({source.timezone})" if source.timezone != "Europe/Paris" else "")
    cells = (f"`{source.code}`", name, source.strategy, source.index_url, note["shape"], note["tested"] or "—",
             note["evidence"] or EARLIER_EVIDENCE)
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


if __name__ == "__main__":
    sys.stdout.write(coverage_table())
