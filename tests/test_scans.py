"""A scan read poorly, through a whole run: its quality stored, listed by `watchbot status`, and the toot
quoting it says the page is a scan read with uncertainty."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.support.prefecture import Document, serve, write_config
from tests.support.scans import CCTV_REF, blurred, image_pdf, scans
from tests.test_pipeline import rows
from watchbot.cli import main
from watchbot.store.models import PageRow


@pytest.mark.ocr
def test_a_page_read_poorly_is_stored_listed_and_quoted_with_care(tmp_path, site_server, capsys):
    cover, body = scans([3, 4])
    pdf = image_pdf(tmp_path / "RAA n°D77-30-10-2025 scanné.pdf", [cover, blurred(body)])
    config = write_config(tmp_path, serve(site_server, [Document(pdf, "RAA n°D77-30-10-2025", date(2025, 10, 30))]),
                          extract="{}")

    assert main(["run", "--config", str(config)]) == 0
    toot = capsys.readouterr().out
    assert f"Acte n° {CCTV_REF}" in toot and "#vidéosurveillance" in toot
    facts = toot.splitlines()[1]  # what was read on the blurred page leads the toot, said to be uncertain
    assert facts.startswith("📍 ") and facts.endswith(" (page scannée, lecture incertaine)")

    pages = sorted((page.number, page.quality) for page in rows(config, PageRow))
    assert [number for number, _ in pages] == [1, 2]
    assert pages[0][1] > 0.85 and pages[1][1] < 0.7
    assert main(["status", "--config", str(config)]) == 0
    report = capsys.readouterr().out
    assert re.search(r"Pages read poorly \(1\)\n  http://\S+: p\. 2 \(0\.\d\d\)\n", report)
