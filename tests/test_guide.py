"""The operator's guide (docs/GUIDE.en.md, docs/GUIDE.fr.md) replayed where it can be offline: its
configuration loads, its account table names every key with its default, its commands exist, and
compose.yaml fits the image."""

from __future__ import annotations

import dataclasses
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from watchbot import config
from watchbot.cli import build_parser
from watchbot.core.settings import Account

ROOT = Path(__file__).resolve().parents[1]
GUIDES = [ROOT / "docs" / "GUIDE.en.md", ROOT / "docs" / "GUIDE.fr.md"]


def blocks(guide: Path, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", guide.read_text(encoding="utf-8"), re.M | re.S)


def commands(text: str) -> list[list[str]]:
    """The arguments of each call of watchbot's executable in shell or crontab lines."""
    found = []
    for line in text.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        for index, word in enumerate(words):
            if word.endswith("bin/watchbot"):
                rest = words[index + 1:]
                ends = [rest.index(stop) for stop in (">>", ">", "||", "&&", "|") if stop in rest]
                found.append(rest[:min(ends, default=len(rest))])
    return found


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_the_configuration_of_the_guide_loads(guide, tmp_path):
    [example] = blocks(guide, "yaml")
    (tmp_path / "watchbot.yaml").write_text(example, encoding="utf-8")
    token_files = re.findall(r"access_token_file: (\S+)", example)
    for name in token_files:
        (tmp_path / name).write_text("a-token\n", encoding="utf-8")
    loaded = config.load(str(tmp_path / "watchbot.yaml"))
    assert loaded.state_dir == Path("/var/lib/watchbot")
    [account] = loaded.accounts
    assert account.token() == "a-token" and token_files == ["surveillance.token"]
    rule_files = {path.stem for path in (ROOT / "rules").glob("*.yaml")}
    assert set(account.categories) == rule_files


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_the_account_table_names_every_key_with_its_default(guide):
    rows = {match[0]: match[1] for match in re.findall(r"^\| `(\w+)` \| (.*)$", guide.read_text(encoding="utf-8"),
                                                        re.M)}
    keys = [field for field in dataclasses.fields(Account) if field.name != "name"]
    assert set(rows) == {field.name for field in keys}
    for field in keys:
        if isinstance(field.default, (str, int)):
            assert rows[field.name].startswith(f"`{field.default}` |"), field.name


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_the_commands_of_the_guide_exist(guide):
    [crontab] = blocks(guide, "crontab")
    assert commands(crontab) == [["run", "--quiet"]]
    every = [arguments for block in blocks(guide, "sh") + [crontab] for arguments in commands(block)]
    assert {arguments[0] for arguments in every} == {"demo", "run", "sources", "accounts"}
    for arguments in every:
        assert hasattr(build_parser().parse_args(arguments), "handler"), arguments
    shown = subprocess.run([sys.executable, "-m", "watchbot", "run", "--help"], capture_output=True, text=True,
                           timeout=60)
    assert shown.returncode == 0 and "--dry-run" in shown.stdout


def test_compose_runs_the_image_as_the_guide_says():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    bot = compose["services"]["watchbot"]
    assert "VOLUME /data/state" in dockerfile and "WORKDIR /data\n" in dockerfile
    assert "watchbot-state:/data/state" in bot["volumes"]
    assert "./watchbot.yaml:/data/watchbot.yaml:ro" in bot["volumes"]
    [secret] = bot["secrets"]
    for guide in GUIDES:
        assert f"access_token_file: /run/secrets/{secret}" in guide.read_text(encoding="utf-8")
    assert compose["services"]["postgres"]["profiles"] == ["postgres"]
