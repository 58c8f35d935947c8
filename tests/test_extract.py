"""Reading real RAA PDFs: text layers, which pages need OCR, OCR itself, and bad files."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace

import pytest

from tests.support.corpus import DATA, corpus
from tests.support.prefecture import DRONE_RAA, ROOT
from tests.support.scans import CCTV_REF, blurred, image_pdf, scans, turned
from watchbot.core.settings import ExtractSettings
from watchbot.match import rules
from watchbot.read import extract
from watchbot.read.extract import ExtractError, extract_pdf, read_layers, read_text_file
from watchbot.run.analysis import analyse

SPECIAL = DRONE_RAA  # the demo's copy: Seine-et-Marne special RAA, 6 pages, drone act
CHALLENGE = DATA / "pdfs" / "2024_01493_05102024.pdf"
NO_OCR = ExtractSettings(ocr=False)

# The image-only pages, seen with `pdfimages -list` and by rendering the pages: full-page scans
# (under a text header/footer overlay on the D77 recueils), a cover printed as one image (n°09 p. 17)
# and a map whose only text is its caption (n°09 p. 181).
IMAGE_ONLY = {
    "RAA%20n%C2%B008%20du%2017%20janvier%202025.pdf": [],
    "RAA%20n%C2%B009%20du%2020%20janvier%202025.pdf": [17, 181],
    "RAA%20n%C2%B015%20du%2029%20janvier%202024.pdf": list(range(6, 14)),
    "RAA%20n%C2%B0D77-29-07-2024.pdf": [4, 5, 6, 8, 9, 10, 11, 12, 14, 15, 16, 17],
    "RAA%20n%C2%B0D77-30-10-2025.pdf": [4, 5, 7, 8, 9, 11, 13],
    "RAA%20n%C2%B0D77-31-01-2024-special.pdf": [4, 5, 6],
}


def qpdf(*arguments: str) -> None:
    if not shutil.which("qpdf"):
        pytest.skip("qpdf is not installed")
    subprocess.run(["qpdf", *arguments], check=True)


def encrypted(path):
    qpdf("--encrypt", "secret", "owner", "256", "--", str(SPECIAL), str(path))
    return path


def no_pages(path):
    qpdf("--empty", str(path))
    return path


def needing_ocr(layers) -> list[int]:
    return [layer.number for layer in layers if layer.unusable]


@pytest.mark.parametrize("name", sorted(IMAGE_ONLY))
def test_the_pages_to_ocr_are_exactly_the_image_only_pages(name):
    path = corpus(f"idf/pdfs/{name}")
    assert needing_ocr(read_layers(path, 2000)) == IMAGE_ONLY[name]


def test_pdfminer_fallback_takes_the_same_decisions():
    assert needing_ocr(extract.pdfminer_layers(SPECIAL, 2000)) == [4, 5, 6]
    assert "D77-2024-01-31-00001" in extract.pdfminer_layers(SPECIAL, 2000)[1].text


def test_text_layer_of_the_special_raa(tmp_path):
    result = extract_pdf(SPECIAL, NO_OCR, tmp_path)
    assert [page.number for page in result.pages] == [1, 2, 3, 4, 5, 6]
    assert result.ocr_pages == ()
    assert "au moyen de caméras installées sur des aéronefs" in result.pages[1].text
    assert "\r" not in result.pages[1].text
    # the apostrophes of this file are cp1252 bytes that PDFium gives as C1 controls ("l\x92enregistrement")
    assert "l’enregistrement" in result.pages[2].text
    assert not any(0x80 <= ord(char) <= 0x9F for page in result.pages for char in page.text)


def test_glyph_number_text_layer_is_unusable():
    glyphs = corpus("var-2025/8500770ee70eb4640dab3eb199fc289eb9a7acce06f62e269215d7ca8d587796.txt")
    sane = corpus("var-2025/06c148ec3cf7f62bb29a458d3d6594e1ad9d4ea84aee161fd43adbed6c8a3fda.txt")
    assert extract.is_garbage(glyphs.read_text(encoding="utf-8")[:3000])
    assert not extract.is_garbage(sane.read_text(encoding="utf-8"))
    assert extract.Layer(1, glyphs.read_text(encoding="utf-8")[:3000], body_letters=500).unusable


def test_html_challenge_page_is_not_a_pdf(tmp_path):
    with pytest.raises(ExtractError, match="not a PDF: the server returned an HTML page"):
        extract_pdf(CHALLENGE, NO_OCR, tmp_path)


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(ExtractError, match="the file is empty"):
        extract_pdf(empty, NO_OCR, tmp_path)


def test_broken_pdf(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    with pytest.raises(ExtractError, match="broken or truncated PDF"):
        extract_pdf(broken, NO_OCR, tmp_path)


@pytest.mark.parametrize("kept", [0.3, 0.99])
def test_truncated_pdf(tmp_path, kept):
    data = SPECIAL.read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(data[: int(len(data) * kept)])
    with pytest.raises(ExtractError, match="broken or truncated PDF"):
        extract_pdf(truncated, NO_OCR, tmp_path)


def test_encrypted_pdf(tmp_path):
    with pytest.raises(ExtractError, match="encrypted PDF"):
        extract_pdf(encrypted(tmp_path / "locked.pdf"), NO_OCR, tmp_path)


def test_pdf_with_zero_pages(tmp_path):
    with pytest.raises(ExtractError, match="no pages"):
        extract_pdf(no_pages(tmp_path / "zero.pdf"), NO_OCR, tmp_path)


def test_too_many_pages(tmp_path):
    huge = tmp_path / "huge.pdf"
    qpdf("--empty", "--pages", *[str(SPECIAL)] * 10, "--", str(huge))
    with pytest.raises(ExtractError, match="too many pages: 60 > extract.max_pages = 50"):
        extract_pdf(huge, replace(NO_OCR, max_pages=50), tmp_path)
    assert len(extract_pdf(huge, replace(NO_OCR, max_pages=60), tmp_path).pages) == 60


def test_bad_documents_do_not_affect_the_next_ones(tmp_path):
    # PDFium keeps its last error code: a zero-page file read after an encrypted one must not be "encrypted"
    locked, zero = encrypted(tmp_path / "locked.pdf"), no_pages(tmp_path / "zero.pdf")
    reasons = []
    for path in (locked, zero, CHALLENGE, locked):
        with pytest.raises(ExtractError) as error:
            extract_pdf(path, NO_OCR, tmp_path)
        reasons.append(str(error.value).split(":")[0])
    assert reasons == ["encrypted PDF", "the PDF has no pages", "not a PDF", "encrypted PDF"]
    assert len(extract_pdf(SPECIAL, NO_OCR, tmp_path).pages) == 6


def test_unusable_work_directory(tmp_path):
    blocker = tmp_path / "state"
    blocker.write_text("a file where the work directory should be")
    with pytest.raises(ExtractError, match="OCR work directory .*: Not a directory"):
        extract_pdf(SPECIAL, ExtractSettings(), blocker / "work")


def test_text_file_with_form_feeds(tmp_path):
    text = read_text_file(corpus("idf/derived/pdftotext/RAA%20n%C2%B0D77-31-01-2024-special.txt"))
    assert [page.number for page in text.pages] == [1, 2, 3, 4, 5, 6]
    assert "Sommaire" in text.pages[1].text
    plain = tmp_path / "plain.txt"
    plain.write_text("Arrêté portant interdiction\nArticle 1", encoding="utf-8")
    assert [page.number for page in read_text_file(plain).pages] == [None]
    with pytest.raises(ExtractError, match="cannot read"):
        read_text_file(tmp_path / "missing.txt")


@pytest.mark.ocr
def test_ocr_reads_only_the_scanned_pages(tmp_path):
    workdir = tmp_path / "work"
    result = extract_pdf(SPECIAL, ExtractSettings(), workdir)
    assert result.ocr_pages == (4, 5, 6)
    assert [page.ocr for page in result.pages] == [False, False, False, True, True, True]
    scanned = result.pages[3].text
    assert scanned.startswith("PREFECTURE DE SEINE-ET-MARNE - D77-2024-01-31-00001")  # the overlay is kept
    assert "code de la sécurité intérieure" in scanned  # the body comes from OCR
    assert "Article 8" in result.pages[5].text
    assert [page.quality for page in result.pages[:3]] == [None, None, None]  # text layers
    assert all(0.85 < page.quality <= 1 for page in result.pages[3:]) and result.poor_pages == ()
    assert list(workdir.iterdir()) == []  # OCR scratch files are gone


@pytest.mark.ocr
def test_ocr_page_timeout_is_an_error(tmp_path):
    with pytest.raises(ExtractError, match=r"OCR timed out after 0.01 s on page [456]$"):
        extract_pdf(SPECIAL, ExtractSettings(ocr_page_timeout_seconds=0.01), tmp_path)


@pytest.mark.ocr
def test_ocr_document_timeout_kills_the_run(tmp_path):
    with pytest.raises(ExtractError, match="OCR timed out after 1 s for the document"):
        extract_pdf(SPECIAL, ExtractSettings(ocr_document_timeout_seconds=1), tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.ocr
@pytest.mark.parametrize("degrees", [0, 90, 180, 270, -3])
def test_a_turned_or_skewed_scan_is_read_upright(tmp_path, degrees):
    # the cover and first page of a real scanned CCTV authorisation, as an image-only PDF, turned or skewed
    # (read skewed by 3 degrees clockwise, the act identifier and half the words are lost)
    pdf = image_pdf(tmp_path / "turned.pdf", [turned(page, degrees) for page in scans([3, 4])])
    extraction = extract_pdf(pdf, ExtractSettings(), tmp_path / "work")
    analysis = analyse(extraction, rules.load(ROOT / "rules"))
    assert [(item.act.ref, item.categories) for item in analysis.acts] == [(CCTV_REF, ["videoprotection"])]
    assert "portant AUTORISATION d'exploitation du système de vidéoprotection" in extraction.pages[1].text
    assert all(page.quality > 0.85 for page in extraction.pages) and extraction.poor_pages == ()


@pytest.mark.ocr
def test_a_page_read_poorly_is_listed(tmp_path):
    pdf = image_pdf(tmp_path / "poor.pdf", [blurred(page) for page in scans([4])])
    extraction = extract_pdf(pdf, ExtractSettings(), tmp_path / "work")
    [page] = extraction.pages
    assert page.ocr and page.quality < ExtractSettings().poor_quality_below
    assert extraction.poor_pages == (1,)
    assert extract.poorly_read(extraction.pages, below=page.quality) == ()
