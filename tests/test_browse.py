"""`watchbot browse`: the archive of a real run served by Datasette, looked at in headless Chromium."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import text

from tests.support.prefecture import DRONE_RAA, NEGATIVE_RAA, Document, serve, write_config
from watchbot.cli import main
from watchbot.core.models import Act, Facts, Match
from watchbot.facts.gazetteer import gazetteer
from watchbot.match import rules
from watchbot.run.analysis import ClassifiedAct
from watchbot.store import open_database
from watchbot.store.models import DocumentRow, SourceRow
from watchbot.store.records import act_row
from watchbot.store.search import search

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

CHROMEDRIVER = "/usr/bin/chromedriver"
DRONE_ACT = "D77-2024-01-31-00001"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def browser(tmp_path):
    if not Path(CHROMEDRIVER).exists() or not shutil.which("chromium"):
        pytest.skip("Debian's chromium and chromium-driver are not installed: run scripts/setup --test")
    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1200",
                 "--lang=fr", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def archive(tmp_path, site_server):
    """`watchbot browse` serving the database of a real run over two real RAA."""
    config = write_config(tmp_path, serve(site_server, [Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024",
                                                                 date(2024, 1, 31)),
                                                        Document(NEGATIVE_RAA, "RAA n°09 du 20 janvier 2025",
                                                                 date(2025, 1, 20))]))
    assert main(["run", "--config", str(config)]) == 0
    with browsing(config, tmp_path / "state" / "watchbot.db", site_server) as url:
        yield url


@pytest.fixture
def months(tmp_path, site_server):
    """`watchbot browse` serving a database of drone and VSA acts published over two months."""
    database = tmp_path / "state" / "watchbot.db"
    sessions = open_database(f"sqlite:///{database}")
    with sessions() as session:
        session.add(SourceRow(code="pref79", name="Préfecture des Deux-Sèvres"))
        session.flush()
        for number, (published, category) in enumerate([(date(2025, 1, 6), "drones"), (date(2025, 1, 20), "drones"),
                                                         (date(2025, 3, 3), "drones"), (date(2025, 3, 3), "vsa")]):
            act = act_row(ClassifiedAct(Act(f"79-{number}", "Arrêté", 1, 1), (Match(category, "r", 1, ""),)))
            session.add(DocumentRow(source_code="pref79", url=f"https://www.deux-sevres.gouv.fr/{number}.pdf",
                                    title=f"RAA {number}", published=published, acts=[act]))
        session.commit()
    config = tmp_path / "watchbot.yaml"
    config.write_text(f"database_url: sqlite:///{database}\n", encoding="utf-8")
    with browsing(config, tmp_path / "state" / "watchbot.db", site_server) as url:
        yield url


@contextmanager
def browsing(config: Path, database: Path, site_server) -> Iterator[str]:
    """`watchbot browse` on a free port, its map's tiles from `site_server` only; the database left as it was."""
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the last writes into the file itself
    connection.close()
    before = database.read_bytes()
    port = free_port()
    tiles = site_server.url("/tiles/{z}/{x}/{y}.png")
    server = subprocess.Popen([sys.executable, "-m", "watchbot", "browse", "--config", str(config), "--port",
                               str(port), "--tiles", tiles], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "watchbot browse did not start within 60 s"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert database.read_bytes() == before, "browsing wrote to the database"


def screenshot(driver, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")


def test_a_person_sees_the_latest_alerts_and_finds_the_drone_act_by_one_search(archive, browser, tmp_path):
    browser.get(f"{archive}/watchbot/alertes")
    assert "Dernières alertes" in browser.find_element(By.TAG_NAME, "h1").text
    table = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns")
    headers = [cell.text for cell in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers == ["Date du RAA", "Préfecture", "Catégories", "Acte", "Titre", "Type", "Du", "Au", "Communes",
                       "Finalités", "Opérateurs", "Caméras", "RAA", "Lien"]
    [row] = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
    assert cells[:4] == ["2024-01-31", "Préfecture de Seine-et-Marne", "drones", DRONE_ACT]
    assert cells[5:9] == ["initial", "2024-01-31", "2024-02-03", "Brie-Comte-Robert (77)"]
    link = row.find_element(By.CSS_SELECTOR, "td:last-child a")
    assert link.get_attribute("href").endswith("RAA%20n%C2%B0D77-31-01-2024-special.pdf#page=3")
    screenshot(browser, tmp_path, "alertes")

    browser.get(f"{archive}/watchbot/alertes_par_categorie")
    assert "drones (Drones : Autorisation préfectorale de captation d'images" in browser.page_source
    assert "rave_ban (Interdiction de rave party" in browser.page_source

    browser.get(f"{archive}/watchbot/recherche?q={quote('AERONEF* NOT rassemblement')}")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Rechercher dans les actes")
    [row] = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    text = row.text
    assert DRONE_ACT in text and "Préfecture de Seine-et-Marne" in text and "[aéronefs]" in text
    screenshot(browser, tmp_path, "recherche")

    browser.get(f"{archive}/watchbot/recherche?q={quote('véhicules')}")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    with open_database(f"sqlite:///{tmp_path / 'state' / 'watchbot.db'}")() as session:
        wanted = [hit.act.ref for hit in search(session, "véhicules", limit=100)]
    assert len(wanted) > 1
    assert [row.find_element(By.CSS_SELECTOR, "td:nth-child(2)").text for row in rows] == wanted
    assert all("[véhicules]" in row.text.lower() for row in rows)


def test_the_facts_of_the_acts_are_columns_with_facets(archive, browser, tmp_path):
    browser.get(f"{archive}/watchbot/browse_facts")
    assert "Ce que les actes autorisent ou interdisent" in browser.find_element(By.TAG_NAME, "h1").text
    facets = {element.get_attribute("data-column"): element.text
              for element in browser.find_elements(By.CSS_SELECTOR, ".facet-info")}
    assert set(facets) == {"Type", "Finalités", "Départements"}
    assert "initial 1" in facets["Type"] and "77 1" in facets["Départements"]
    table = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns")
    headers = [cell.text for cell in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers[headers.index("Type"):] == ["Type", "Du", "Au", "Communes", "Départements", "Finalités",
                                               "Opérateurs", "Caméras", "Lien"]
    [row] = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert DRONE_ACT in row.text and "Brie-Comte-Robert (77)" in row.text
    screenshot(browser, tmp_path, "faits")
    browser.find_element(By.LINK_TEXT, "77").click()  # the département's facet narrows the rows
    assert browser.current_url.endswith("__arraycontains=77") and len(browser.find_elements(
        By.CSS_SELECTOR, "table.rows-and-columns tbody tr")) == 1


def test_the_map_shows_a_marker_for_each_commune_of_the_acts_on_the_configured_tiles(archive, browser, tmp_path,
                                                                                     site_server):
    browser.get(f"{archive}/watchbot/browse_map")
    assert "Carte des communes des actes" in browser.find_element(By.TAG_NAME, "h1").text
    WebDriverWait(browser, 30).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon"))
    [marker] = browser.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon")  # the drone act's one commune
    marker.click()
    # the plugin fills the popup after it opens (its text was once read empty in CI): wait for some text
    popup = WebDriverWait(browser, 10).until(lambda driver: next(
        (found for found in driver.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content") if found.text), None))
    assert "Brie-Comte-Robert" in popup.text and "77053" in popup.text
    [row] = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
    assert cells[:5] == ["Brie-Comte-Robert", "77053", "77", '["drones"]', DRONE_ACT]
    screenshot(browser, tmp_path, "carte")
    assert any(path.startswith("/tiles/") for path in site_server.paths())
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(entry => entry.name)")
    assert fetched and all(url.startswith(("http://127.0.0.1:", "data:")) for url in fetched), fetched


def test_the_acts_per_month_and_category_are_counted_and_charted(months, browser, tmp_path):
    browser.get(f"{months}/watchbot/actes_par_mois")
    assert [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in browser.find_elements(
        By.CSS_SELECTOR, "table.rows-and-columns tbody tr")] == [
        ["2025-01", "drones", "2"], ["2025-03", "drones", "1"], ["2025-03", "vsa", "1"]]
    browser.find_element(By.LINK_TEXT, "le graphique").click()
    chart = WebDriverWait(browser, 30).until(lambda driver: driver.find_element(By.CSS_SELECTOR,
                                                                                 ".vega-embed canvas"))
    assert chart.size["width"] > 100 and chart.size["height"] > 100
    screenshot(browser, tmp_path, "graphique")
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(entry => entry.name)")
    assert all(url.startswith(months) for url in fetched), fetched


def test_the_map_view_has_a_row_per_commune_of_an_act_with_its_coordinates(tmp_path):
    sessions = open_database(f"sqlite:///{tmp_path / 'watchbot.db'}")
    communes = (gazetteer().by_insee("79191"), gazetteer().by_insee("75116"))
    reading = ClassifiedAct(Act("79-2026-06-01-001", "Arrêté", 2, 3), (Match("drones", "r", 2, ""),
                                                                        Match("vsa", "r", 2, "")),
                            Facts(start=date(2026, 6, 12), communes=communes, scope="commune"), "79")
    with sessions() as session:
        session.add(SourceRow(code="pref79", name="Préfecture des Deux-Sèvres"))
        session.flush()
        session.add(DocumentRow(source_code="pref79", url="https://www.deux-sevres.gouv.fr/a.pdf", title="RAA",
                                published=date(2026, 6, 1), acts=[act_row(reading)]))
        session.commit()
        rows = session.execute(text("SELECT * FROM browse_map ORDER BY INSEE")).all()
    assert [tuple(row) for row in rows] == [
        ("Paris 16e Arrondissement", "75116", "75", '["drones","vsa"]', "79-2026-06-01-001", "Arrêté", "initial",
         "2026-06-12", None, "Préfecture des Deux-Sèvres", "2026-06-01", "https://www.deux-sevres.gouv.fr/a.pdf#page=2",
         1, communes[1].latitude, communes[1].longitude),
        ("Niort", "79191", "79", '["drones","vsa"]', "79-2026-06-01-001", "Arrêté", "initial", "2026-06-12", None,
         "Préfecture des Deux-Sèvres", "2026-06-01", "https://www.deux-sevres.gouv.fr/a.pdf#page=2", 1,
         communes[0].latitude, communes[0].longitude)]
    assert all(row[-2] and row[-1] for row in rows)


def test_the_category_help_is_built_from_the_rules(tmp_path):
    archive = pytest.importorskip("watchbot.commands.archive")
    (tmp_path / "cranes.yaml").write_text("label: Grues\ndescription: Des grues.\nstrong: [grue]\n", encoding="utf-8")
    queries = archive.metadata("watchbot", rules.load(tmp_path))["databases"]["watchbot"]["queries"]
    described = queries["alertes_par_categorie"]["description"]
    assert described.endswith("l'une de celles des règles : cranes (Grues : Des grues.)") and "drones" not in described


def test_browse_refuses_a_postgresql_database(tmp_path, capsys):
    path = tmp_path / "watchbot.yaml"
    path.write_text("database_url: postgresql+psycopg://localhost/watchbot\n", encoding="utf-8")
    assert main(["browse", "--config", str(path)]) == 2
    assert "browse opens a SQLite database file" in capsys.readouterr().err


def raw_get(port: int, host: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET /watchbot HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while piece := connection.recv(65536):
            answer += piece
    return answer


def test_only_requests_addressed_to_the_local_port_are_answered(archive):
    """Issue 21: a page on evil.example whose name is made to resolve to 127.0.0.1 (DNS rebinding) read
    the archive; a request whose Host is not 127.0.0.1:PORT or localhost:PORT is refused."""
    port = int(archive.rsplit(":", 1)[1])
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1", f"127.0.0.2:{port}", f"localhost:{port + 1}"):
        answer = raw_get(port, host)
        assert answer.startswith(b"HTTP/1.1 421 "), (host, answer[:200])
        assert b"acts" not in answer
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        assert raw_get(port, host).startswith(b"HTTP/1.1 200 "), host
