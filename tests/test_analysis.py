"""Telling acts apart: the same act republished is recognised, two different acts never merged."""

from __future__ import annotations

from tests.support.prefecture import DRONE_RAA
from watchbot.core.models import Act, Page
from watchbot.core.settings import ExtractSettings
from watchbot.read.extract import extract_pdf
from watchbot.read.split import split
from watchbot.run.analysis import act_key, fingerprint


def test_a_republished_act_keeps_its_fingerprint_under_a_new_identifier(tmp_path):
    [act] = split(extract_pdf(DRONE_RAA, ExtractSettings(ocr=False), tmp_path).pages)
    new_id = "D77-2024-02-02-00007"
    again = Act(new_id, act.title, act.first_page, act.last_page,
                tuple(Page(page.number, page.text.replace(act.ref, new_id)) for page in act.pages))
    assert fingerprint(again) == fingerprint(act)
    assert act_key(again) != act_key(act)


def test_scanned_acts_without_text_are_not_merged():
    first = Act("83-2025-01-02-00001", "AP - Captation images - Aéronef", 3, 4, (Page(3, ""), Page(4, "")))
    second = Act("83-2025-01-09-00003", "AP - Captation images - Aéronef", 7, 8, (Page(7, ""), Page(8, "")))
    assert fingerprint(first) != fingerprint(second)
    assert act_key(first) != act_key(second)
