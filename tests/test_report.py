"""watchbot report: the static site's numbers are those of watchbot stats, its HTML is valid and escaped, and
headless Chromium lays its charts and map out (docs/REPORT.md)."""

from __future__ import annotations

import errno
import io
import json
import os
import re
import sys
from datetime import date
from pathlib import Path

import html5lib
import pytest

from tests import test_browse as browse_tests
from tests import test_stats as stats_tests
from tests.support.prefecture import DRONE_RAA, Document, serve, write_config
from watchbot import config as configuration
from watchbot.cli import main
from watchbot.core.settings import ConfigError
from watchbot.report import borders, charts, downloads, site
from watchbot.report.figures import Place
from watchbot.store import open_database
from watchbot.store.export import FIELDS
from watchbot.store.models import ActRow

var_archive = stats_tests.var_archive  # the labelled Var acts stored in their RAA, as tests/test_stats.py does
browser = browse_tests.browser  # Debian's headless Chromium, as tests/test_browse.py drives it
WebDriverWait = pytest.importorskip("selenium.webdriver.support.wait").WebDriverWait

SCREENSHOTS = os.environ.get("WATCHBOT_REPORT_SCREENSHOTS")  # a folder: keep the screenshots there (docs/report)
XHTML = "{http://www.w3.org/1999/xhtml}"
DRONE = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31))
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & «\x1b[31m»'


def parse(path: Path):
    """The page as html5lib's strict parser reads it: any parse error raises."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(path.read_bytes())


def table(page, table_id: str) -> dict[str, list[str]]:
    """A table's rows: each row's data-code, with its cells' text."""
    [found] = [element for element in page.iter(f"{XHTML}table") if element.get("id") == table_id]
    return {row.get("data-code"): ["".join(cell.itertext()) for cell in row if cell.tag in (f"{XHTML}td",
                                                                                            f"{XHTML}th")]
            for row in found.iter(f"{XHTML}tr") if row.get("data-code") is not None}


def number(text: str) -> int:
    return int(re.sub(r"\s", "", text))


def stats(config: Path, capsys, *arguments: str) -> list[dict]:
    assert main(["stats", "--format", "json", "--config", str(config), *arguments]) == 0
    return json.loads(capsys.readouterr().out)


def check_links(site: Path) -> list[str]:
    """Every page's ids are unique, and each of its links to the site leads to a file and, with a #fragment,
    to an id of that page; returns the broken ones."""
    ids = {page.name: [element.get("id") for element in parse(page).iter() if element.get("id")]
           for page in site.glob("*.html")}
    broken = [f"{page}: id {name} twice" for page, found in ids.items() for name in set(found)
              if found.count(name) > 1]
    for page in site.glob("*.html"):
        for element in parse(page).iter():
            target = element.get("href") or element.get("src")
            if not target or target.startswith(("http://", "https://")):
                continue
            path, _, fragment = target.partition("#")
            if path and not (site / path).is_file():
                broken.append(f"{page.name}: {target}")
            elif fragment and fragment not in ids[path or page.name]:
                broken.append(f"{page.name}: {target}")
    return broken


def test_the_report_shows_the_numbers_of_stats_in_valid_html(var_archive, tmp_path, capsys):
    config, acts = var_archive
    site = tmp_path / "site"
    assert main(["report", "--config", str(config), "--out", str(site)]) == 0
    assert capsys.readouterr() == (f"{site / 'index.html'}\n", "")  # no progress display off a terminal
    pages = {page.name: parse(page) for page in site.glob("*.html")}  # strict: any parse error raises
    assert set(pages) >= {"index.html", "drones.html", "silt_perimeter.html", "vsa.html"}
    assert check_links(site) == []
    index = pages["index.html"]
    assert {code: (number(acts), number(days)) for code, (_, acts, days) in table(index, "categories").items()
            if number(acts)} == {row["category"]: (row["acts"], row["days"])
                                 for row in stats(config, capsys, "--by", "category")}
    assert {code: number(cells[-1]) for code, cells in table(index, "mois").items()} == {
        row["month"]: row["acts"] for row in stats(config, capsys, "--by", "month")}
    drones = pages["drones.html"]
    for table_id, dimension in (("mois", "month"), ("finalites", "purpose"), ("departements", "department")):
        assert {code or None: (number(acts), number(days)) for code, (_, acts, days) in
                table(drones, table_id).items()} == {
            row[dimension]: (row["acts"], row["days"])
            for row in stats(config, capsys, "--category", "drones", "--by", dimension)}, table_id
    assert {code: (name, number(cells[-1])) for code, (name, *cells) in table(drones, "communes").items()} == {
        row["commune"]: (row["commune_name"], row["acts"])
        for row in stats(config, capsys, "--category", "drones", "--by", "commune")}
    text = "".join(drones.itertext())
    assert "délinquance" in text and "Toulon" in text and "police nationale" in text  # French labels
    [lead] = [element for element in drones.iter(f"{XHTML}p") if element.get("class") == "lead"]
    assert [[number(strong.text) for strong in lead]] == [
        [row["acts"], row["days"]] for row in stats(config, capsys, "--category", "drones")]
    articles = [element for element in drones.iter(f"{XHTML}article")]
    assert len(articles) == sum(1 for _, row in acts if row["category"] == "drones")
    assert all(link.get("href").startswith("https://") and "#page=" in link.get("href")
               for article in articles for link in article.iter(f"{XHTML}a"))
    assert not list(pages["vsa.html"].iter(f"{XHTML}img")) and "Aucun acte." in "".join(pages["vsa.html"].itertext())
    exported = json.loads((site / "donnees" / "actes.json").read_text(encoding="utf-8"))
    assert main(["export", "--format", "json", "--config", str(config)]) == 0
    assert exported == json.loads(capsys.readouterr().out)
    assert len((site / "donnees" / "actes.csv").read_text(encoding="utf-8").splitlines()) == len(acts) + 1


def test_a_hostile_title_is_escaped_and_its_control_characters_dropped(var_archive, tmp_path):
    config, _ = var_archive
    with open_database(configuration.load(str(config)).db_url)() as session:
        act = session.query(ActRow).filter(ActRow.ref == "83-2025-02-10-00001").first()
        act.title = HOSTILE
        session.commit()
    assert main(["report", "--config", str(config), "--out", str(tmp_path / "site")]) == 0
    source = (tmp_path / "site" / "drones.html").read_text(encoding="utf-8")
    assert "<script" not in source and "<img src=x" not in source and "\x1b" not in source
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; «[31m»" in source
    page = parse(tmp_path / "site" / "drones.html")
    assert [element.text for element in page.iter(f"{XHTML}a") if element.text and "alert" in element.text] == [
        '<script>alert("x")</script><img src=x onerror=alert(1)> & «[31m»']
    assert "alert" not in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_the_report_settings_are_checked(tmp_path):
    path = tmp_path / "watchbot.yaml"
    path.write_text("report: {dir: www/rapport, base_url: 'https://x.org/rapport/'}\n", encoding="utf-8")
    config = configuration.load(str(path))
    assert (config.report.dir, config.report.base_url) == (tmp_path / "www" / "rapport", "https://x.org/rapport/")
    assert configuration.load(None).report.dir is None
    for wrong, says in (("{dirs: x}", "dirs"), ("{base_url: 'x.org/rapport'}", "must be an http"),
                        ("{dir: 3}", "must be a path")):
        path.write_text(f"report: {wrong}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=says):
            configuration.load(str(path))


def test_a_run_writes_the_report_and_a_failure_to_write_it_fails_the_run(tmp_path, site_server, monkeypatch,
                                                                         caplog):
    config = write_config(tmp_path, serve(site_server, [DRONE]),
                          extra="report: {dir: rapport, base_url: 'https://x.org/rapport/'}\n")
    assert main(["run", "--config", str(config)]) == 0
    index = tmp_path / "rapport" / "index.html"
    assert '<link rel="canonical" href="https://x.org/rapport/index.html">' in index.read_text(encoding="utf-8")
    assert "D77-2024-01-31-00001" in (tmp_path / "rapport" / "drones.html").read_text(encoding="utf-8")
    before = index.read_bytes()

    def full(path, content):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(site, "replace", full)
    assert main(["run", "--config", str(config)]) == 1
    assert "the report could not be written" in caplog.text and "No space left on device" in caplog.text
    assert "report not written" in caplog.text
    assert index.read_bytes() == before  # the previous report is kept


def test_report_needs_a_directory(tmp_path, capsys):
    assert main(["report", "--config", str(write_config(tmp_path, "http://127.0.0.1:9/"))]) == 2
    assert "give --out DIR" in capsys.readouterr().err


def test_chromium_lays_out_the_charts_and_the_map(var_archive, browser, tmp_path):
    config, _ = var_archive
    site_dir = tmp_path / "site"
    assert main(["report", "--config", str(config), "--out", str(site_dir)]) == 0
    for page, images in (("index.html", 1), ("drones.html", 5)):
        browser.get((site_dir / page).as_uri())
        WebDriverWait(browser, 30).until(lambda driver: driver.execute_script(
            "return [...document.images].every(image => image.complete)"))
        laid_out = browser.execute_script("return [...document.images].map(image => [image.getAttribute('src'), "
                                          "image.naturalWidth, image.getBoundingClientRect().width, "
                                          "image.getBoundingClientRect().height])")
        assert len(laid_out) == images and all(natural > 0 and width > 100 and height > 50
                                               for _, natural, width, height in laid_out), laid_out
        if page == "drones.html":
            assert "graphiques/drones-map.svg" in [src for src, *_ in laid_out]
        if SCREENSHOTS:
            height = browser.execute_script("return document.documentElement.scrollHeight")
            browser.set_window_size(1100, height)
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(Path(SCREENSHOTS) / page.replace(".html", ".png")))


def test_a_terminal_sees_the_steps(var_archive, tmp_path, monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    config, _ = var_archive
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert main(["report", "--config", str(config), "--out", str(tmp_path / "site")]) == 0
    assert "rapport : pages" in sys.stderr.getvalue()
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert main(["-q", "report", "--config", str(config), "--out", str(tmp_path / "site")]) == 0
    assert sys.stderr.getvalue() == ""


def test_the_map_parts_neighbouring_departements_only():
    """Borders drawn from the communes' places part the départements that touch, and never two that do not
    (the sea or a third département between them)."""
    segments, parted = borders.segments_between()
    assert len(segments) == len(parted) > 5000
    neighbours = {("75", "92"), ("75", "93"), ("75", "94"), ("06", "83"), ("13", "83"), ("2A", "2B"),
                  ("29", "56"), ("22", "29"), ("59", "62"), ("01", "74"), ("17", "33")}
    apart = {("75", "83"), ("06", "13"), ("2B", "83"), ("06", "2B"), ("29", "35"), ("02", "62"), ("67", "75")}
    assert neighbours <= set(parted) and not apart & set(parted)


def test_the_map_draws_the_borders_under_the_dots_in_one_light_path():
    svg = charts.communes_map([Place("83137", "Toulon", "83", 43.12, 5.93, 3)], "Carte").decode()
    drawn = re.search(r'<g id="borders">\s*<path d="([^"]+)"', svg)
    assert drawn and drawn.group(1).count("M") > 100
    assert svg.index('id="borders"') < svg.index("PathCollection_1") and len(svg) < 150_000


def test_the_json_file_has_an_act_a_line_whatever_its_text():
    """A batch is encoded in one call, then cut where a row starts: text that looks like a row's start stays."""
    tricky = ['a, {"id": "x"}', '}, {"id": ', "é\n\t\\\"", "\u2028\x00", ""]
    rows = [tuple(None if name in ("reference", "cameras") and n % 2 else tricky[(n + i) % len(tricky)]
                  for i, name in enumerate(FIELDS)) for n in range(7)]
    for batches in ([rows], [rows[:3], rows[3:]], []):
        expected = [dict(zip(FIELDS, row, strict=True)) for batch in batches for row in batch]
        assert _written(downloads.json_writer, batches) == (
            "[\n" + ",\n".join(json.dumps(row, ensure_ascii=False) for row in expected) + "\n]\n" if expected else "[]\n")


def test_the_csv_file_has_its_header_and_every_batch():
    rows = [tuple(f"{name}{n}" for name in FIELDS) for n in range(5)]
    for batches in ([], [rows[:2], rows[2:]]):
        assert _written(downloads.csv_writer, batches).splitlines() == (
            [",".join(FIELDS)] + [",".join(row) for batch in batches for row in batch])


def _written(writer, batches) -> str:
    """What a download's writer (a generator fed batches of rows) writes."""
    out = io.StringIO()
    sink = writer(out)
    next(sink)
    for batch in batches:
        sink.send(batch)
    sink.close()
    return out.getvalue()


@pytest.mark.parametrize("kind, start, title, shown", [
    ("initial", "", "Arrêté autorisant la captation d'images", "Acte initial"),
    ("repeal", "", "Arrêté portant abrogation de l'arrêté n° 2025-00490 autorisant la captation d'images",
     "Abrogation"),
    ("repeal", "2025-04-19", "Arrêté n° 2025/BSP/PP/007 instaurant un périmètre de protection à Toulon",
     "Abrogation et remplacement"),
])
def test_an_act_of_a_page_says_its_kind_as_its_toot_does(kind, start, title, shown):
    row = dict.fromkeys(FIELDS, "") | {"kind": kind, "start": start, "title": title}
    assert site._act(tuple(row[name] for name in FIELDS), {})["kind"] == shown
