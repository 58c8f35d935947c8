"""OCR of selected PDF pages: PDFium renders each page, Tesseract reads it.

Why not OCRmyPDF: even limited to the pages that need it (`--pages`) and asked
for a text sidecar only (`--output-type none --optimize 0`, pypdfium rasterizer),
it spends a lot around Tesseract (a 400 dpi RGB PNG per page, a JPEG of the
visible page, a text-layer PDF grafted on a copy of the document): 1.4x to 1.7x
the wall time of raw Tesseract on the same images, where the target is 1.3x;
this module costs 1.1x (`benchmarks/bench_extract.py --ocrmypdf` measures all
three). Here a page is rendered in grayscale at 300 dpi to an uncompressed PGM
file in the work directory, by a child process that renders the document's
pages one after the other, and read by Tesseract (see watchbot.read.tesseract);
as many pages are read at once as there are cores.

The mean word confidence is the page's quality. A page turned by 90, 180 or 270 degrees reads as noise. Only when the first reading is
poor is the page read a second time, the better reading kept, so upright
portrait pages cost what they cost before: turned upside down when its words
lie across the page (a page fed upside down, or a poor scan: then the second
reading is no better), else with Tesseract's orientation detection
(`--psm 1`: OSD, the page turned upright and the usual reading in one run, 10 to
20% dearer than `--psm 3`; an upright page stays as it is). A landscape page,
often a portrait page scanned sideways, is read with orientation detection at
once. A page read well whose lines slope by a degree or more is read again
deskewed (see MIN_SKEW); the reading with the larger sum of word confidences is
kept. Every run of Tesseract for a page shares that page's time
limit and the document's.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

import pypdfium2 as pdfium
from PIL import Image

from watchbot.core.settings import ExtractSettings
from watchbot.read.child import Child, ChildFailed, ChildTimedOut
from watchbot.read.tesseract import DPI, LAYOUT, LAYOUT_WITH_ORIENTATION, OcrError, OcrStopped, PageText, Tesseract

MAX_PIXELS = 40_000_000  # a poster-sized page is rendered at a lower resolution rather than exhausting memory
# Below this mean word confidence a page may be turned: it is read again with orientation detection.
# Upright scans of the corpus read at 0.80 and more; a turned page at about 0.37.
TURNED_BELOW = 0.6
# A scan skewed by a degree or more loses words, lines or its act identifier: at 3 degrees clockwise,
# Tesseract 5.3 read 113 words of a page's 621; at 1 degree, the identifier of the demo's scanned CCTV
# authorisation was misread. Such a page is read again, deskewed. The upright scans of the corpus slope
# by 0.35 degrees at most; a median slope steeper than MAX_SKEW is vertical text, not skew.
MIN_SKEW, MAX_SKEW = 1.0, 10.0  # degrees


def ocr_pages(path: Path, numbers: Sequence[int], settings: ExtractSettings,
              workdir: Path) -> dict[int, PageText]:
    """The OCR readings of the given 1-based pages of the PDF at path."""
    numbers = sorted(set(numbers))
    if not numbers:
        return {}
    workdir.mkdir(parents=True, exist_ok=True)
    with (tempfile.TemporaryDirectory(prefix="ocr-", dir=workdir) as scratch,
          Child(render_file, own_group=False) as renderer):
        return read_pages(path, numbers, Reader(settings, Path(scratch), renderer))


def read_pages(path: Path, numbers: Sequence[int], reader: Reader) -> dict[int, PageText]:
    count = jobs(reader.settings, len(numbers))
    slots = threading.BoundedSemaphore(count + 1)  # pages rendered but not yet read

    def read(number: int, image: Path) -> PageText:
        try:
            return reader.read(number, image)
        except BaseException:
            reader.stop()  # one failure fails the document: do not read the other pages
            raise
        finally:
            image.unlink()
            slots.release()

    with ThreadPoolExecutor(count) as pool:
        futures = {}
        try:
            for number in numbers:
                slots.acquire()
                if reader.stopped:
                    break
                image = reader.scratch / f"{number}.pgm"
                reader.render(path, number, image)
                futures[number] = pool.submit(read, number, image)
        except BaseException:
            reader.stop()
            raise
        errors = [future.exception() for future in futures.values()]
    failure = next((error for error in errors if error and not isinstance(error, OcrStopped)), None)
    if failure:
        raise failure
    return {number: future.result() for number, future in futures.items()}


def jobs(settings: ExtractSettings, pages: int) -> int:
    return max(1, min(settings.ocr_jobs or os.cpu_count() or 1, pages))


def open_document(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        raise OcrError(f"cannot open the PDF to render pages for OCR: {error}") from None


def render_file(path: Path, number: int, image: Path) -> None:
    document = open_document(path)
    try:
        render(document, number, image)
    finally:
        document.close()


def render(document: pdfium.PdfDocument, number: int, image: Path) -> None:
    """Write the page as a grayscale PGM image, at 300 dpi unless the page is huge."""
    try:
        page = document[number - 1]
    except (pdfium.PdfiumError, IndexError) as error:
        raise OcrError(f"cannot render page {number} for OCR: {error}") from None
    try:
        width, height = page.get_size()
        scale = min(DPI / 72, (MAX_PIXELS / max(width * height, 1)) ** 0.5)
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            bitmap.to_pil().save(image, format="PPM")
        finally:
            bitmap.close()
    except pdfium.PdfiumError as error:
        raise OcrError(f"cannot render page {number} for OCR: {error}") from None
    finally:
        page.close()


class Reader:
    """Renders pages and has Tesseract read them within the page and document timeouts; stop() kills what
    runs."""

    def __init__(self, settings: ExtractSettings, scratch: Path, renderer: Child[None]):
        self.settings = settings
        self.scratch = scratch
        self.renderer = renderer
        self.deadline = time.monotonic() + settings.ocr_document_timeout_seconds \
            if settings.ocr_document_timeout_seconds else None
        self.tesseract = Tesseract(settings.ocr_language, scratch)

    @property
    def stopped(self) -> bool:
        return self.tesseract.stopped

    def stop(self) -> None:
        self.tesseract.stop()

    def check_deadline(self) -> float | None:
        """Seconds left for the document (None: no limit); raises when none are left."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise OcrError(f"OCR timed out after {self.settings.ocr_document_timeout_seconds:g} s for the document")
        return left

    def render(self, path: Path, number: int, image: Path) -> None:
        """Render a page in the renderer, killed when the page's or the document's time is up: PDFium
        may spend hours on one page of nested images."""
        timeout = self.page_timeout()
        try:
            self.renderer.call(path, number, image, timeout=timeout or 1e9,
                               what=f"rendering page {number} for OCR")
        except ChildTimedOut:
            raise self.timed_out(number, page=timeout == self.settings.ocr_page_timeout_seconds) from None
        except ChildFailed as error:
            raise OcrError(str(error)) from None

    def page_timeout(self) -> float | None:
        left = self.check_deadline()
        page_limit = self.settings.ocr_page_timeout_seconds or None
        limits = [limit for limit in (left, page_limit) if limit is not None]
        return min(limits) if limits else None

    def timed_out(self, number: int, page: bool) -> OcrError:
        """The error for a time limit reached: the page's own, or the document's."""
        if page:
            return OcrError(f"OCR timed out after {self.settings.ocr_page_timeout_seconds:g} s on page {number}")
        return OcrError(f"OCR timed out after {self.settings.ocr_document_timeout_seconds:g} s for the document")

    def read(self, number: int, image: Path) -> PageText:
        """The page read upright (see the module's docstring)."""
        limit = self.settings.ocr_page_timeout_seconds
        page_deadline = time.monotonic() + limit if limit else None
        with Image.open(image) as picture:  # reads the header only
            landscape = picture.width > picture.height
        first = self.recognise(number, image, page_deadline, LAYOUT_WITH_ORIENTATION if landscape else LAYOUT)
        if landscape or first.score >= TURNED_BELOW and not MIN_SKEW <= abs(first.skew) <= MAX_SKEW:
            return first
        if first.score >= TURNED_BELOW:
            second = self.reread(number, image, page_deadline, lambda picture: picture.rotate(
                first.skew, Image.Resampling.BILINEAR, expand=True, fillcolor=255))
        elif first.sideways:
            second = self.recognise(number, image, page_deadline, LAYOUT_WITH_ORIENTATION)
        else:
            second = self.reread(number, image, page_deadline,
                                 lambda picture: picture.transpose(Image.Transpose.ROTATE_180))
        return replace(second, turned=True) if second.confident_words > first.confident_words else first

    def reread(self, number: int, image: Path, page_deadline: float | None,
               turn: Callable[[Image.Image], Image.Image]) -> PageText:
        """The page read again, its image turned by `turn`."""
        turned = image.with_name(f"{image.stem}-turned.pgm")
        try:
            with Image.open(image) as picture:
                turn(picture).save(turned, format="PPM")
            return self.recognise(number, turned, page_deadline, LAYOUT)
        finally:
            turned.unlink(missing_ok=True)

    def recognise(self, number: int, image: Path, page_deadline: float | None, mode: str) -> PageText:
        """One run of Tesseract within the page's and the document's time left."""
        left = self.check_deadline()
        page_left = page_deadline - time.monotonic() if page_deadline is not None else None
        limits = [limit for limit in (left, page_left) if limit is not None]
        timeout = max(0.0, min(limits)) if limits else None
        try:
            return self.tesseract.read(number, image, mode, timeout)
        except subprocess.TimeoutExpired:
            raise self.timed_out(number, page=left is None or left > (timeout or 0.0)) from None
