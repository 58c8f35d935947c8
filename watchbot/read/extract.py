"""The text of each page of an RAA, OCR only where the text layer is unusable.

The text layer is read with pypdfium2 (pdfminer.six when PDFium cannot open a
file). A page is OCRed when its text layer is glyph-number garbage, or when it
is a scan: images cover much of the page and, outside the header and footer
bands, it has almost no letters (DemaRAA recueils print a text header and
footer over scanned act bodies). Text layers showing decoding glitches
("sØcuritØ") are kept as they are: normalisation repairs them for matching.
"""

from __future__ import annotations

import errno
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from watchbot.core.errors import WatchbotError
from watchbot.core.models import Page
from watchbot.core.settings import ExtractSettings
from watchbot.read import ocr

log = logging.getLogger(__name__)

MIN_BODY_LETTERS = 100  # fewer letters than this outside the header and footer bands: maybe a scan
MIN_IMAGE_COVER = 0.25  # share of the page area covered by images for a low-text page to be a scan
MAX_OVERLAY_LETTERS = 900  # above this many letters a page cannot be a scan under a text overlay
BAND = 0.1  # share of the page height holding the header, and again the footer
MAX_FORM_DEPTH = 8  # Form XObjects nested deeper than this are not searched for images
SIGNATURE_WINDOW = 1024  # PDF readers accept junk before %PDF- within the first kilobyte

LETTER = re.compile(r"[^\W\d_]")
GLYPH_NUMBER = re.compile(r"/\d+\b")  # "/0 /1 /2": glyph ids of fonts without a Unicode map
JUNK = re.compile("[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f]")
WORD = re.compile(r"\S+")


class ExtractError(WatchbotError):
    """A document whose text cannot be read; str(error) is the reason, `passing` when not its fault."""

    def __init__(self, reason: str, passing: bool = False):
        super().__init__(reason)
        self.passing = passing


@dataclass(frozen=True)
class Extraction:
    pages: tuple[Page, ...]
    ocr_pages: tuple[int, ...] = ()  # 1-based page numbers
    poor_pages: tuple[int, ...] = ()  # OCRed pages whose quality is under extract.poor_quality_below


@dataclass(frozen=True)
class Layer:
    """What the text layer of one page offers."""

    number: int
    text: str
    body_letters: int
    image_cover: float = 0.0

    @property
    def scanned(self) -> bool:
        return self.body_letters < MIN_BODY_LETTERS and self.image_cover >= MIN_IMAGE_COVER

    @property
    def unusable(self) -> bool:
        return self.scanned or is_garbage(self.text)


def extract_pdf(path: Path, settings: ExtractSettings, workdir: Path) -> Extraction:
    """The text of every page; OCR (writing only inside workdir) for the pages whose layer is unusable."""
    check_signature(path)
    layers = read_layers(path, settings.max_pages)
    needed = [layer.number for layer in layers if layer.unusable] if settings.ocr else []
    try:
        readings = ocr.ocr_pages(path, needed, settings, workdir)
    except ocr.OcrError as error:
        raise ExtractError(str(error)) from None
    except OSError as error:  # the work directory: missing, full, not writable
        raise ExtractError(f"OCR work directory {workdir}: {error.strerror or error}",
                           passing=error.errno in (errno.ENOSPC, errno.EDQUOT)) from None
    pages = capped(tuple(merge(layer, readings.get(layer.number)) for layer in layers), settings)
    return Extraction(pages=pages, ocr_pages=tuple(needed),
                      poor_pages=poorly_read(pages, settings.poor_quality_below))


def poorly_read(pages: tuple[Page, ...], below: float) -> tuple[int, ...]:
    return tuple(page.number for page in pages
                 if page.number is not None and page.quality is not None and page.quality < below)


def capped(pages: tuple[Page, ...], settings: ExtractSettings) -> tuple[Page, ...]:
    """The pages with at most `max_page_characters` each and `max_document_characters` in all: a text bomb
    costs neither memory in splitting and classifying nor room in the database."""
    kept, total = [], 0
    for page in pages:
        room = max(0, min(settings.max_page_characters, settings.max_document_characters - total))
        if len(page.text) > room:
            log.warning("page %s: text cut from %d to %d characters (extract.max_page_characters %d, "
                        "extract.max_document_characters %d)", page.number, len(page.text), room,
                        settings.max_page_characters, settings.max_document_characters)
            page = replace(page, text=page.text[:room])
        total += len(page.text)
        kept.append(page)
    return tuple(kept)


def read_text_file(path: Path) -> Extraction:
    """A text file; form feeds separate pages, as pdftotext writes them."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise ExtractError(f"cannot read {path}: {error.strerror}") from None
    return Extraction(pages=pages_of_text(text))


def pages_of_text(text: str) -> tuple[Page, ...]:
    """Form feeds separate pages, as pdftotext writes them; without any, one unnumbered page."""
    if "\f" not in text:
        return (Page(number=None, text=text),)
    parts = text.split("\f")
    if parts[-1].strip() == "":  # pdftotext ends the last page with a form feed
        parts.pop()
    return tuple(Page(number=index, text=part) for index, part in enumerate(parts, 1))


def merge(layer: Layer, reading: ocr.PageText | None) -> Page:
    if reading is None:
        return Page(number=layer.number, text=layer.text)
    text = reading.text
    if layer.scanned and not is_garbage(layer.text) and layer.text.strip():
        # the exact header overlay (act id, title) is worth keeping beside the OCR of the scan
        text = f"{layer.text.strip()}\n{text}"
    return Page(number=layer.number, text=text, ocr=True, quality=reading.quality)


def is_garbage(text: str) -> bool:
    """Glyph numbers or replacement/private-use characters instead of words."""
    words = len(WORD.findall(text))
    if words < 10:
        return False
    junk = len(GLYPH_NUMBER.findall(text)) + len(JUNK.findall(text))
    return junk >= 0.3 * words


def check_signature(path: Path) -> None:
    try:
        with path.open("rb") as stream:
            head = stream.read(SIGNATURE_WINDOW)
    except OSError as error:
        raise ExtractError(f"cannot read {path}: {error.strerror}") from None
    if not head:
        raise ExtractError("not a PDF: the file is empty")
    if b"%PDF-" in head:
        return
    lowered = head.lower()
    if any(tag in lowered for tag in (b"<html", b"<!doctype", b"<script", b"<head", b"<body")):
        raise ExtractError("not a PDF: the server returned an HTML page (a JavaScript challenge or an error page?)")
    raise ExtractError("not a PDF: no %PDF- signature at the start of the file")


def check_count(count: int, max_pages: int) -> None:
    if count == 0:
        raise ExtractError("the PDF has no pages")
    if count > max_pages:
        raise ExtractError(f"too many pages: {count} > extract.max_pages = {max_pages}")


def read_layers(path: Path, max_pages: int) -> list[Layer]:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        return pdfium_layers(path, max_pages)
    except pdfium.PdfiumError as error:
        # PDFium's error code can be stale (it reports the previous file's), so pdfminer judges too
        pdfium_reason = str(error)
    try:
        return pdfminer_layers(path, max_pages)
    except ExtractError:
        raise
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise ExtractError("encrypted PDF: it needs a password to open") from None
    except Exception as error:  # pdfminer raises many unrelated types on broken files
        reason = str(error) or type(error).__name__
        raise ExtractError(f"broken or truncated PDF: {pdfium_reason}; pdfminer: {reason}") from None


def pdfium_layers(path: Path, max_pages: int) -> list[Layer]:
    document = pdfium.PdfDocument(path)
    try:
        check_count(len(document), max_pages)
        return [pdfium_layer(document, index) for index in range(len(document))]
    finally:
        document.close()


def pdfium_layer(document: pdfium.PdfDocument, index: int) -> Layer:
    page = document[index]
    textpage = page.get_textpage()
    try:
        text = clean(textpage.get_text_range())
        letters = count_letters(text)
        if letters > MAX_OVERLAY_LETTERS:
            return Layer(index + 1, text, letters)
        box = page.get_bbox()
        body = count_letters(textpage.get_text_bounded(*body_box(box, page.get_rotation())))
        cover = image_cover(page, box) if body < MIN_BODY_LETTERS else 0.0
        return Layer(index + 1, text, body, cover)
    finally:
        textpage.close()
        page.close()


# Windows-1252 punctuation that a PDF's font maps to C1 control codes (l\x92enregistrement)
CP1252_CONTROLS = {code: bytes([code]).decode("cp1252", "ignore") or None for code in range(0x80, 0xA0)}


def clean(text: str) -> str:
    # PDFium ends lines with CRLF and writes U+FFFE for a hyphen it took for a soft one
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-")
    return text.translate(CP1252_CONTROLS)


def count_letters(text: str) -> int:
    return len(LETTER.findall(text))


Box = tuple[float, float, float, float]  # left, bottom, right, top


def body_box(box: Box, rotation: int) -> Box:
    """The page without its header and footer strips, in unrotated coordinates."""
    left, bottom, right, top = box
    if rotation in (90, 270):
        width = BAND * (right - left)
        return left + width, bottom, right - width, top
    height = BAND * (top - bottom)
    return left, bottom + height, right, top - height


def image_cover(page: pdfium.PdfPage, box: Box) -> float:
    """Share of the page covered by images (overlaps counted twice, capped at 1)."""
    left, bottom, right, top = box
    area = 0.0
    for x0, y0, x1, y1 in image_bounds(page, None, None, 0):
        width, height = min(x1, right) - max(x0, left), min(y1, top) - max(y0, bottom)
        if width > 0 and height > 0:
            area += width * height
    page_area = (right - left) * (top - bottom)
    return min(1.0, area / page_area) if page_area > 0 else 0.0


def image_bounds(page: pdfium.PdfPage, form, matrix: pdfium.PdfMatrix | None, depth: int) -> Iterator[Box]:
    """Page-space bounds of the images, inside Form XObjects too (PDFium gives those in the form's space:
    recueils wrap each scanned page in a scaled form)."""
    for item in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM], max_depth=1,
                                 form=form):
        if item.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            bounds = item.get_bounds()
            yield matrix.on_rect(*bounds) if matrix else bounds
        elif depth < MAX_FORM_DEPTH:
            inner = item.get_matrix() if matrix is None else item.get_matrix().multiply(matrix)
            yield from image_bounds(page, item, inner, depth + 1)


def pdfminer_layers(path: Path, max_pages: int) -> list[Layer]:
    from pdfminer.high_level import extract_pages

    layers = []
    for number, layout in enumerate(extract_pages(path, maxpages=max_pages + 1), 1):
        if number > max_pages:
            raise ExtractError(f"too many pages: more than extract.max_pages = {max_pages}")
        layers.append(pdfminer_layer(number, layout))
    check_count(len(layers), max_pages)
    return layers


def pdfminer_layer(number: int, layout) -> Layer:
    from pdfminer.layout import LTImage, LTTextLine

    box = (layout.x0, layout.y0, layout.x1, layout.y1)
    body_area = body_box(box, layout.rotate % 360)
    texts, body, image_area = [], 0, 0.0
    for element in walk(layout):
        if isinstance(element, LTTextLine):
            text = element.get_text()
            texts.append(text)
            if inside(element, body_area):
                body += count_letters(text)
        elif isinstance(element, LTImage):
            image_area += element.width * element.height
    page_area = layout.width * layout.height
    cover = min(1.0, image_area / page_area) if page_area > 0 else 0.0
    return Layer(number, "".join(texts), body, cover)


def walk(container) -> Iterator:
    from pdfminer.layout import LTContainer, LTTextLine

    for element in container:
        yield element
        if isinstance(element, LTContainer) and not isinstance(element, LTTextLine):
            yield from walk(element)


def inside(element, box: Box) -> bool:
    left, bottom, right, top = box
    return left <= element.x0 and element.x1 <= right and bottom <= element.y0 and element.y1 <= top
