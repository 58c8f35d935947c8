"""`watchbot report`: the static site of SPEC §10, entered at DIR/index.html (docs/REPORT.md).

An index (every category: acts per month, totals, links) and one page per category (acts per month, purposes,
départements and their days covered, a map of the communes, the latest acts with their facts), each chart an SVG
file beside a table that says the same; the export files to download. Plain files with relative links: any web
server serves them, and so does file://. Every file is replaced whole (a temporary file renamed), so that a reader
never gets half a page and a failed write (a full disk) leaves the previous file in place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from jinja2 import Environment, PackageLoader, select_autoescape

from watchbot.core.clock import utcnow
from watchbot.core.files import replace
from watchbot.core.models import Facts
from watchbot.core.settings import Config
from watchbot.core.text import clean
from watchbot.match.rules import Ruleset
from watchbot.publish.factline import french_date, kind_words, period
from watchbot.report import charts, downloads
from watchbot.report.figures import Figures, Row, Tally, gather, tally
from watchbot.store import Sessions, summary
from watchbot.store.export import DATES, FIELDS

log = logging.getLogger("watchbot")
MAX_PLACES = 200  # communes in a page's table; the export files hold them all
Step = Callable[[str], None]  # told the name of each step as it starts (the progress display)


@dataclass(frozen=True)
class ExportFile:
    path: str
    label: str
    size: str


def write(sessions: Sessions, config: Config, ruleset: Ruleset, directory: Path, step: Step = lambda _: None) -> Path:
    """Write the whole site into `directory`; return its index."""
    labels = ruleset.vocabulary.labels()
    step("comptage des actes")
    summary.refresh_unless_busy(sessions)
    figures = gather(sessions, ruleset, labels)
    step("fichiers de données")
    files = [ExportFile(path, label, _size(directory / path))
             for path, label in downloads.write_all(sessions, directory, [tally(figures)])]
    step("graphiques et carte")
    images = _charts(figures, directory)
    step("pages")
    environment = _environment()
    context = {"generated": french_date(utcnow().date()), "files": files, "canonical": ""}
    shown = [category for category in figures.categories.values() if category.acts]
    replace(directory / "index.html", _render(environment, "index.html", context, config, "index.html",
                                              figures=figures, shown=shown, by_month=_by_month(figures)))
    for category in figures.categories.values():
        page = f"{category.name}.html"
        replace(directory / page, _render(environment, "category.html", context, config, page,
                                          **_category(category, images[category.name], labels)))
    replace(directory / "style.css", (Path(__file__).with_name("templates") / "style.css").read_bytes())
    return directory / "index.html"


def write_after_run(sessions: Sessions, config: Config, ruleset: Ruleset) -> bool:
    """After a run, when `report.dir` is set: False when the site could not be written (logged; the run and
    the previous site's files are kept)."""
    if config.report.dir is None:
        return True
    try:
        write(sessions, config, ruleset, config.report.dir)
    except OSError as error:
        log.error("the report could not be written in %s: %s", config.report.dir, error)
        return False
    return True


def _charts(figures: Figures, directory: Path) -> dict[str, dict[str, str]]:
    """Draw every chart; return each category's images by role, as paths relative to the pages (none for a
    category without acts: its page says so)."""
    replace(directory / "graphiques" / "mois.svg", charts.by_month(
        {category.label: category.months for category in figures.categories.values() if category.acts},
        "Actes par mois"))
    images: dict[str, dict[str, str]] = {}
    for category in figures.categories.values():
        images[category.name] = {}
        if not category.acts:
            continue
        drawn = {"months": charts.by_month({category.label: category.months}, f"{category.label} : actes par mois"),
                 "purposes": charts.ranking(category.purposes, "Actes par finalité"),
                 "departments": charts.ranking(category.departments, "Actes par département"),
                 "days": charts.ranking(sorted(category.departments, key=lambda row: (-row.days, row.label)),
                                        "Jours couverts par département", value="days"),
                 "map": charts.communes_map(category.places, f"{category.label} : communes concernées")}
        for role, svg in drawn.items():
            path = f"graphiques/{category.name}-{role}.svg"
            replace(directory / path, svg)
            images[category.name][role] = path
    return images


def _category(category: Tally, images: dict[str, str], labels: dict[str, str]) -> dict:
    months = [Row(charts.month_label(row.code) if row.code else row.label, row.acts, row.days, row.code)
              for row in category.months]
    return {"category": category, "images": images, "months": months, "places": category.places[:MAX_PLACES],
            "places_left": max(0, len(category.places) - MAX_PLACES),
            "latest": [_act(row, labels) for row in reversed(category.latest)]}


def _act(values: tuple, labels: dict[str, str]) -> dict:
    """An export row as the page shows it: document text cleaned (escaped by the template), labels in French."""
    def named(field: str) -> str:
        return ", ".join(labels.get(value, value) for value in row[field].split(";") if value)
    row = dict(zip(FIELDS, values, strict=True))
    start, end, published = (date.fromisoformat(row[name]) if row[name] else None for name in DATES)
    kind = kind_words(Facts(row["kind"], start), row["title"]) or ("Acte initial" if row["kind"] == "initial" else "")
    return {"title": clean(row["title"]) or "(sans titre)", "link": row["link"], "reference": clean(row["reference"]),
            "kind": kind, "period": period(start, end), "communes": clean(row["communes"].replace(";", ", ")),
            "purposes": named("purposes"), "operators": named("operators"), "cameras": row["cameras"],
            "raa": clean(row["raa"]), "published": french_date(published) if published else ""}


def _by_month(figures: Figures) -> dict[str, dict[str, int]]:
    return {name: {row.code: row.acts for row in category.months} for name, category in figures.categories.items()}


def _render(environment: Environment, template: str, context: dict, config: Config, page: str, **values) -> bytes:
    base = config.report.base_url
    canonical = f"{base.rstrip('/')}/{page}" if base else ""
    return environment.get_template(template).render(context | {"canonical": canonical}, **values).encode()


def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("watchbot.report", "templates"),
                              autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    environment.filters["number"] = _number
    environment.filters["month"] = charts.month_label
    return environment


def _number(value: int | None) -> str:
    """12345 as « 12 345 » (a narrow no-break space, as French writes thousands)."""
    return f"{value or 0:,}".replace(",", "\u202f")


def _size(path: Path) -> str:
    """« 812 octets », « 3,4 ko », « 120,5 Mo »."""
    size = path.stat().st_size
    if size < 1000:
        return f"{size} octets"
    return f"{size / 1000:.1f} ko".replace(".", ",") if size < 1_000_000 else f"{size / 1e6:.1f} Mo".replace(".", ",")
