"""The YAML rule format: loading, checking with positions and hints, and how patterns match."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchbot.core.yamlfile import YamlError
from watchbot.match import patterns, rules
from watchbot.match.normalize import fold
from watchbot.match.zones import ZONES

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "rules"
INVALID = Path(__file__).parent / "data" / "rules" / "invalid"


def found(words: str, text: str) -> list[str]:
    folded = fold(text)
    return [folded[start:end] for start, end in patterns.compile_words(words).finditer(folded)]


def test_shipped_rules_load_with_their_labels():
    ruleset = rules.load(SHIPPED)
    assert set(ruleset.categories) == {"drones", "vsa", "videoprotection", "silt_perimeter", "lra",
                                       "demonstration_ban", "rave_ban"}
    drones = ruleset.categories["drones"]
    assert drones.label == "Drones" and drones.emoji and "Technopolice" in drones.hashtags
    assert all(not tag.startswith("#") for category in ruleset.categories.values() for tag in category.hashtags)
    assert rules.check(SHIPPED) == []


@pytest.mark.parametrize("words, text, expected", [
    ("caméra aéroportée", "CAMÉRAS AÉROPORTÉES", ["cameras aeroportees"]),
    ("transmission d'images", "transmission d\u2019images", ["transmission d'images"]),
    ("transmission d'images", "transmission d 'images", ["transmission d 'images"]),
    ("transmission d'images", "transmission d images", ["transmission d images"]),
    ("local de rétention", "locaux de rétention", ["locaux de retention"]),
    ("vidéo-protection", "vidéoprotection, vidéo protection, vidéo-\nprotection",
     ["videoprotection", "video protection", "videoprotection"]),
    ("est suffisant", "estsuffisant", ["estsuffisant"]),
    ("L. 226-1", "L.226-1, L 226-1, L226-1 et l'article L. 226- 1", ["l.226-1", "l 226-1", "l226-1", "l. 226- 1"]),
    ("L. 226-1", "L. 226-12", []),
    ("LRA", "lettre LRAR, la LRA de Toulon", ["lra"]),
    ("vsa", "un VSAV", []),
    ("drone", "hydrodrone", []),
    ("terroris*", "Terrorisme, terroristes", ["terrorisme", "terroristes"]),
    ("image", "images", ["images"]),
])
def test_plain_words_match_what_they_mean(words, text, expected):
    assert found(words, text) == expected


def test_parts_joined_by_plus_must_be_close_together():
    pattern = patterns.compile_pattern({"words": "interdiction + manifestation", "within": 40})
    near = fold("portant interdiction partielle d'une manifestation déclarée")
    far = fold("interdiction de circulation " + "x " * 40 + "manifestation")
    assert pattern.find(near) is not None and pattern.find(far) is None
    start, end = pattern.find(near)
    assert near[start:end] == "interdiction partielle d'une manifestation"
    in_order = patterns.compile_pattern({"words": "institu* + périmètre de protection", "within": 40})
    assert in_order.find(fold("instituant un périmètre de protection")) is not None
    assert in_order.find(fold("lorsqu'un périmètre de protection a été institué")) is None


def test_regex_runs_on_folded_text_with_its_accents_folded():
    pattern = patterns.compile_pattern({"regex": r"interdi\w+ (de |d'une )?manifestation"})
    assert pattern.find(fold("INTERDICTION D’UNE MANIFESTATION")) is not None
    assert patterns.compile_pattern({"regex": "périmètre"}).find(fold("PÉRIMÈTRE")) is not None


def test_check_reports_every_problem_with_file_line_column_and_hint():
    problems = {(Path(p.file).name, p.line, p.column, p.message): p.hint for p in rules.check(INVALID)}
    messages = "\n".join(f"{key} {hint}" for key, hint in problems.items())
    assert ("typo_key.yaml", 2, 1, "unknown key 'lable'") in problems, messages
    assert problems[("typo_key.yaml", 2, 1, "unknown key 'lable'")] == "did you mean 'label'?"
    bad_regex = [key for key in problems if key[0] == "bad_regex.yaml"]
    assert [key[1:3] for key in bad_regex] == [(4, 5)]
    assert "invalid regular expression: missing )" in bad_regex[0][3]
    assert ("empty.yaml", 2, 1, "empty category: no 'strong' nor 'support' pattern") in problems
    assert ("duplicate_pattern.yaml", 5, 5, "duplicate pattern 'caméra aéroportée' in 'strong'") in problems
    assert ("duplicates.yml", None, None, "duplicate category 'duplicates'") in problems
    assert ("wrong_types.yaml", 2, 1, "'hashtags' must be a list") in problems
    assert ("wrong_types.yaml", 3, 1, "'min_support' must be a whole number, not text") in problems
    assert ("wrong_types.yaml", 4, 1, "'where' must be one of title, visas, considerants, dispositif, signature, annexes, body, any "
            "(or a list of them), not 'partout'") in problems
    assert ("wrong_types.yaml", 7, 5, "'within' must be a whole number, not text") in problems
    assert any(key[0] == "broken_yaml.yaml" and key[3].startswith("invalid YAML") for key in problems)


def test_load_refuses_a_bad_ruleset_listing_every_problem():
    with pytest.raises(YamlError) as error:
        rules.load(INVALID)
    assert len(error.value.problems) == len(rules.check(INVALID))
    assert "typo_key.yaml:2:1: unknown key 'lable' (did you mean 'label'?)" in str(error.value)


def test_a_user_adds_a_category_by_adding_one_file(tmp_path):
    for path in SHIPPED.glob("*.yaml"):
        shutil.copy(path, tmp_path)
    (tmp_path / "armes.yaml").write_text(
        "# Interdiction de port d'armes\nlabel: Interdiction d'armes\nemoji: \"🔪\"\nhashtags: [armes]\n"
        "strong:\n  - interdiction + port + armes\n", encoding="utf-8")
    assert rules.check(tmp_path) == []
    assert rules.load(tmp_path).categories["armes"].label == "Interdiction d'armes"


@pytest.mark.parametrize("content, message", [
    ("label: X\nstrong: [drone]\nmin_support: 2\nsupport: [a]\n", "min_support is 2 but there are only 1"),
    ("label: X\nstrong: [drone]\nhashtags: ['#drones']\n", "bad hashtag '#drones'"),
    ("label: X\nstrong:\n  - words: a\n    regex: b\n", "a pattern needs either 'words' or 'regex'"),
    ("label: X\nstrong:\n  - wrods: drone\n", "unknown key 'wrods'"),
    ("label: X\nstrong: [\"« »\"]\n", "no letter or digit left in these words"),
    ("- a\n- b\n", "a rule file must be a mapping"),
    ("label: [X]\nstrong: [drone]\n", "'label' must be text, not a list"),
])
def test_check_explains_other_mistakes(tmp_path, content, message):
    (tmp_path / "cat.yaml").write_text(content, encoding="utf-8")
    problems = rules.check(tmp_path)
    assert any(message in problem.message for problem in problems), problems


def test_check_empty_or_missing_directory(tmp_path):
    assert rules.check(tmp_path)[0].message == "no rule file"
    assert rules.check(tmp_path / "absent")[0].message == "not a directory of rule files"


@settings(max_examples=200, deadline=2000)
@given(st.text(), st.sampled_from(["caméra aéroportée", "L. 226-1", "interdi* + manifestation", "lra", "a"]))
def test_matcher_never_fails_on_any_text(text, words):
    folded = fold(text)
    pattern = patterns.compile_pattern(words)
    span = pattern.find(folded)
    if span is not None:
        assert 0 <= span[0] < span[1] <= len(folded)


def test_examples_of_the_rules_readme_are_valid(tmp_path):
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in readme.split("```yaml\n")[1:]]
    assert blocks
    (tmp_path / "exemple.yaml").write_text(blocks[0], encoding="utf-8")
    assert rules.check(tmp_path) == []
    for index, block in enumerate(blocks[1:]):
        strong = "" if "strong:" in block else "strong: [exemple]\n"
        (tmp_path / f"morceau{index}.yaml").write_text("label: Exemple\n" + strong + block, encoding="utf-8")
    assert rules.check(tmp_path) == []


@pytest.mark.parametrize("words, text, expected", [
    ("2023-828", "décret n°2023-828 du 28 août", ["2023-828"]),
    ("Mayol", "stade Mayol35", ["mayol"]),
    ("2023-828", "arrêté 12023-828", []),
])
def test_letters_glued_to_digits_are_separate_words(words, text, expected):
    assert found(words, text) == expected


@pytest.mark.parametrize("words, text, expected", [
    # real text layers (../shared/corpus/real-acts): the phrase's last word runs into the next one
    ("caméras installées sur des aéronefs", "caméras installées sur des aéronefsle 10 septembre",
     ["cameras installees sur des aeronefs"]),
    ("caméras installées sur des aéronefs", "CAMÉRAS INSTALLÉES SUR DES AÉRONEFSLE 10", ["cameras installees sur des aeronefs"]),
    ("préfet", "PREFETDE LA MANCHE", ["prefet"]),
    ("drone", "l'usage desdrones est", ["drones"]),
    ("interdiction de manifestation", "2025 portantinterdiction de manifestationsdans le centre",
     ["interdiction de manifestations"]),
    ("enregistrement audiovisuel", "autorisant l□enregistrement audiovisuel", ["enregistrement audiovisuel"]),
    # glue only with short French words, or for long words: no new word found inside another
    ("drone", "hydrodrone, dronesque", []),
    ("image", "imagerie", []),
    ("matériel de son", "matériel de sonde", []),
    ("protection", "vidéoprotection", []),
    ("rave", "bravement, ravel", []),
])
def test_phrases_glued_to_the_next_or_previous_word(words, text, expected):
    assert found(words, text) == expected


def test_where_names_zones_lists_and_groups(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "label: X\nstrong:\n  - words: a\n    where: [title, visas]\n  - words: b\n    where: body\n"
        "  - c\nsupport: [d]\nexclude: [e]\n", encoding="utf-8")
    [rule] = rules.load(tmp_path).rules
    assert [pattern.where for pattern in rule.strong] == [{"title", "visas"}, set(ZONES) - {"title"},
                                                          {"title", "dispositif"}]
    assert rule.support[0].where == rule.exclude[0].where == set(ZONES)
    (tmp_path / "x.yaml").write_text("label: X\nstrong:\n  - words: a\n    where: [title, partout]\n",
                                     encoding="utf-8")
    [problem] = rules.check(tmp_path)
    assert (problem.line, problem.column) == (4, 20) and "not 'partout'" in problem.message
