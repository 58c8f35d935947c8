"""A non-editable install (the Docker image's) carries the rules, the sources, the migrations, the
gazetteer's communes and the demo's real RAA."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_every_data_file(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("watchbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = {f"watchbot/bundled_rules/{path.name}" for path in (ROOT / "rules").glob("*.yaml")}
    assert len(rules) == 7 and rules <= names
    assert {"watchbot/discover/sources.yaml", "watchbot/facts/communes.tsv.gz", "watchbot/store/migrations/env.py",
            "watchbot/store/migrations/versions/0001_initial_schema.py", "watchbot/report/templates/index.html",
            "watchbot/report/templates/style.css"} <= names
    demo = {name for name in names if name.startswith("watchbot/demo_data/site/")}
    assert sum(name.endswith(".pdf") for name in demo) == 3 and sum(name.endswith(".html") for name in demo) == 2
