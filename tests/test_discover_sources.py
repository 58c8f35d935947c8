"""The bundled registry of sources: coverage, checks with file and line, hints, the coverage table."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchbot.core.yamlfile import YamlError
from watchbot.discover import registry as sources

ROOT = Path(__file__).parent.parent
# SITE-STRUCTURES.md §7: every metropolitan département (20 split into 2A and 2B)
DEPARTMENTS = [f"{number:02d}" for number in range(1, 96) if number != 20] + ["2A", "2B"]


OVERSEAS = {"971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne",
            "974": "Indian/Reunion", "976": "Indian/Mayotte"}
REGIONS = {"prefaura", "prefbfc", "prefbretagne", "prefcentrevaldeloire", "prefcorse", "prefgrandest",
           "prefhautsdefrance", "prefidf", "prefnormandie", "prefnouvelleaquitaine", "prefoccitanie", "prefpaca",
           "prefpaysdelaloire"}


def test_the_registry_covers_every_departement_the_regions_and_the_police():
    bundled = sources.bundled()
    codes = {source.code for source in bundled}
    assert len(bundled) >= 115
    departments = [source.department for source in bundled if source.department and source.code.startswith("pref")]
    assert sorted(departments) == sorted(DEPARTMENTS + list(OVERSEAS))
    assert REGIONS <= codes and all(source.department is None for source in bundled if source.code in REGIONS)
    assert {"pref01", "pref2a", "pref2b", "pref83", "pref75", "ppparis"} <= codes
    paris = next(source for source in bundled if source.code == "pref75")
    assert paris.strategy == "spip" and paris.index_url.startswith("https://www.prefectures-regions.gouv.fr/")
    assert all(sources.notes()[source.code]["shape"] for source in bundled)


def test_no_two_sources_share_an_index_url():
    by_url: dict[str, list[str]] = {}
    for source in sources.bundled():
        by_url.setdefault(source.index_url.rstrip("/").lower(), []).append(source.code)
    assert [codes for codes in by_url.values() if len(codes) > 1] == []


def test_every_source_is_tested_on_saved_pages_and_every_new_one_gives_its_evidence():
    notes = sources.notes()
    fixtures = {path.stem for path in (ROOT / "tests" / "data" / "sites").glob("*.yaml")}
    reconstructions = {f"real-{path.name[-2:]}" for path in (ROOT / "tests" / "data" / "sites" / "real").glob("prefecture-*")}
    for code, note in notes.items():
        named = [name for name in note["tested"].split(", ") if name]
        assert named and set(named) <= fixtures | reconstructions, code
    overseas = {source.code for source in sources.bundled() if source.department in OVERSEAS}
    assert all(notes[code]["evidence"] for code in REGIONS | overseas - {"pref976"})


def test_overseas_sources_live_on_their_own_clock():
    zones = {source.department: source.timezone for source in sources.bundled() if source.department in OVERSEAS}
    assert zones == OVERSEAS
    assert {source.timezone for source in sources.bundled() if source.department not in OVERSEAS} == {"Europe/Paris"}


def test_an_unknown_time_zone_names_the_line(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("- code: pref973\n  name: Guyane\n  index_url: https://www.guyane.gouv.fr/P\n"
                    "  timezone: America/Kourou\n", encoding="utf-8")
    with pytest.raises(YamlError) as caught:
        sources.load(path)
    assert [str(problem) for problem in caught.value.problems] == [
        f"{path}:1:3: unknown time zone 'America/Kourou' (e.g. Europe/Paris, America/Cayenne)"]


def test_every_bundled_source_is_on_https():
    for source in sources.bundled():
        assert source.index_url.startswith("https://"), source.code


def test_a_broken_registry_names_the_line_and_the_problem(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("- code: pref01\n  name: Ain\n  index_url: https://www.ain.gouv.fr/P\n"
                    "  optoins: {}\n"
                    "- code: pref02\n  name: Aisne\n  index_url: https://www.aisne.gouv.fr/P\n"
                    "  options: {skip: '(regional'}\n"
                    "- code: pref01\n  name: Ain\n  index_url: ftp://www.ain.gouv.fr/P\n", encoding="utf-8")
    with pytest.raises(YamlError) as caught:
        sources.load(path)
    messages = [str(problem) for problem in caught.value.problems]
    assert messages[0] == f"{path}:4:3: unknown key 'optoins' (did you mean 'options'?)"
    assert messages[1].startswith(f"{path}:8:3: option 'skip' is not a valid regular expression")
    assert f"{path}:11:3: 'ftp://www.ain.gouv.fr/P' is not an http(s) URL with a host" in messages
    assert f"{path}:9:3: duplicate source code 'pref01'" in messages


@pytest.mark.parametrize("typed, hint", [
    ("83", "did you mean 'pref83'?"),
    ("PREF83", "did you mean 'pref83'?"),
    ("pref2A", "did you mean 'pref2a'?"),
    ("pref8", "did you mean 'pref08'?"),
    ("var", "did you mean 'pref83'?"),
    ("ppparsi", "did you mean 'ppparis'?"),
    ("zzzzzz", "codes look like 'pref01', 'pref2a', 'pref83', 'ppparis'"),
])
def test_suggest_a_known_code(typed, hint):
    known = {source.code: source for source in sources.bundled()}
    assert sources.suggest(typed, known) == hint


def test_the_coverage_table_in_docs_is_up_to_date():
    table = sources.coverage_table()
    assert (ROOT / "docs" / "SOURCES.md").read_text(encoding="utf-8") == table, \
        "run: python -m watchbot.discover.registry > docs/SOURCES.md"
    assert table.count("\n| `") == len(sources.bundled())
