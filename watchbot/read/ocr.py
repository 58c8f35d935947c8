"""OCR of selected PDF pages: PDFium renders each page, Tesseract reads it.

Why not OCRmyPDF: even limited to the pages that need it (`--pages`) and asked
for a text sidecar only (`--output-type none --optimize 0`, pypdfium rasterizer),
it spends a lot around Tesseract (a 400 dpi RGB PNG per page, a JPEG of the
visible page, a text-layer PDF grafted on a copy of the document): 1.4x to 1.7x
the wall time of raw Tesseract on the same images, where the target is 1.3x;
this module costs 1.1x (`benchmarks/bench_extract.py --ocrmypdf` measures all
three). Here a page is rendered in grayscale at 300 dpi to an uncompressed PGM
file in the work directory and read by one single-threaded Tesseract process
(from a file: piping the image costs more); as many pages are read at once as
there are cores.

Tesseract writes its text and a TSV of the words with their boxes and
confidences in one run; the mean word confidence is the page's quality. A page
turned by 90, 180 or 270 degrees reads as noise. Only when the first reading is
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

import math
import os
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import pypdfium2 as pdfium
from PIL import Image

from watchbot.read.child import ChildFailed, ChildTimedOut, run_in_child
from watchbot.core.settings import ExtractSettings

DPI = 300
MAX_PIXELS = 40_000_000  # a poster-sized page is rendered at a lower resolution rather than exhausting memory
# Below this mean word confidence a page may be turned: it is read again with orientation detection.
# Upright scans of the corpus read at 0.80 and more; a turned page at about 0.37.
TURNED_BELOW = 0.6
LAYOUT, LAYOUT_WITH_ORIENTATION = "3", "1"  # Tesseract's page segmentation modes (--psm)
SIDEWAYS = 0.5  # share of words taller than wide above which a page's lines run up or down it
MIN_WORD_LETTERS = 3  # shorter words may be taller than wide in any orientation
# A scan skewed by a degree or more loses words, lines or its act identifier: at 3 degrees clockwise,
# Tesseract 5.3 read 113 words of a page's 621; at 1 degree, the identifier of the demo's scanned CCTV
# authorisation was misread. Such a page is read again, deskewed. The upright scans of the corpus slope
# by 0.35 degrees at most; a median slope steeper than MAX_SKEW is vertical text, not skew.
MIN_SKEW, MAX_SKEW = 1.0, 10.0  # degrees
MIN_LINE_WORDS = 4  # lines with fewer words give no slope worth having


class OcrError(Exception):
    """OCR failed or timed out; str(error) is the reason."""


class Stopped(OcrError):
    """A page not read because another page failed."""


@dataclass(frozen=True)
class Reading:
    """What Tesseract read on a page."""

    text: str
    quality: float | None  # mean word confidence, 0 to 1; None when no word was read
    confident_words: float = 0.0  # the sum of the word confidences: how much was read, and how well
    sideways: bool = False  # most words are taller than wide: the lines run up or down the page
    skew: float = 0.0  # degrees, clockwise, of the lines of text (the median over lines of four words or more)
    turned: bool = False  # read a second time: turned upside down, deskewed or with orientation detection

    @property
    def score(self) -> float:
        return self.quality or 0.0


def ocr_pages(path: Path, numbers: Sequence[int], settings: ExtractSettings,
              workdir: Path) -> dict[int, Reading]:
    """The OCR readings of the given 1-based pages of the PDF at path."""
    numbers = sorted(set(numbers))
    if not numbers:
        return {}
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ocr-", dir=workdir) as scratch:
        return read_pages(path, numbers, Reader(settings, Path(scratch)))


def read_pages(path: Path, numbers: Sequence[int], reader: Reader) -> dict[int, Reading]:
    count = jobs(reader.settings, len(numbers))
    slots = threading.BoundedSemaphore(count + 1)  # pages rendered but not yet read

    def read(number: int, image: Path) -> Reading:
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
    failure = next((error for error in errors if error and not isinstance(error, Stopped)), None)
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
    """Runs Tesseract on page images within the page and document timeouts; stop() kills what runs."""

    def __init__(self, settings: ExtractSettings, scratch: Path):
        self.settings = settings
        self.scratch = scratch
        self.deadline = time.monotonic() + settings.ocr_document_timeout_seconds \
            if settings.ocr_document_timeout_seconds else None
        self.env = dict(os.environ, OMP_THREAD_LIMIT="1", TMPDIR=str(scratch))
        self.running: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.stopped = False

    def check_deadline(self) -> float | None:
        """Seconds left for the document (None: no limit); raises when none are left."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise OcrError(f"OCR timed out after {self.settings.ocr_document_timeout_seconds:g} s for the document")
        return left

    def render(self, path: Path, number: int, image: Path) -> None:
        """Render a page in a child process, killed when the page's or the document's time is up: PDFium
        may spend hours on one page of nested images."""
        timeout = self.page_timeout()
        try:
            run_in_child(render_file, path, number, image, timeout=timeout or 1e9,
                         what=f"rendering page {number} for OCR", own_group=False)
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

    def read(self, number: int, image: Path) -> Reading:
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
               turn: Callable[[Image.Image], Image.Image]) -> Reading:
        """The page read again, its image turned by `turn`."""
        turned = image.with_name(f"{image.stem}-turned.pgm")
        try:
            with Image.open(image) as picture:
                turn(picture).save(turned, format="PPM")
            return self.recognise(number, turned, page_deadline, LAYOUT)
        finally:
            turned.unlink(missing_ok=True)

    def recognise(self, number: int, image: Path, page_deadline: float | None, mode: str) -> Reading:
        """Text, word boxes and confidences from one run of Tesseract."""
        base = image.with_suffix("")
        self.run(number, ["tesseract", str(image), str(base), "-l", self.settings.ocr_language, "--dpi", str(DPI),
                          "--psm", mode, "txt", "tsv"], page_deadline)
        text, table = base.with_suffix(".txt"), base.with_suffix(".tsv")
        try:
            return reading(text.read_text(encoding="utf-8", errors="replace"),
                           table.read_text(encoding="utf-8", errors="replace"))
        finally:
            text.unlink(missing_ok=True)
            table.unlink(missing_ok=True)

    def run(self, number: int, command: list[str], page_deadline: float | None) -> None:
        """Run Tesseract within the page's and the document's time left; killed when stopped."""
        left = self.check_deadline()
        page_left = page_deadline - time.monotonic() if page_deadline is not None else None
        limits = [limit for limit in (left, page_left) if limit is not None]
        timeout = max(0.0, min(limits)) if limits else None
        with self.lock:
            if self.stopped:
                raise Stopped("OCR stopped")
            try:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.PIPE, env=self.env)
            except OSError as error:
                raise OcrError(f"cannot run tesseract: {error.strerror}") from None
            self.running.add(process)
        try:
            _, errors = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise self.timed_out(number, page=left is None or left > (timeout or 0.0)) from None
        finally:
            with self.lock:
                self.running.discard(process)
        if self.stopped:
            raise Stopped("OCR stopped")
        if process.returncode != 0:
            lines = errors.decode("utf-8", "replace").strip().splitlines()
            raise OcrError(f"tesseract failed on page {number} (exit code {process.returncode}): "
                           f"{lines[-1] if lines else 'no message'}")

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for process in self.running:
                process.kill()


def reading(text: str, tsv: str) -> Reading:
    """The text, with what Tesseract's TSV output tells of its words: confidences, boxes, lines."""
    confidences, tall, long = [], 0, 0
    lines: dict[tuple[str, ...], list[tuple[float, float]]] = {}
    for row in tsv.splitlines()[1:]:
        fields = row.split("\t")
        # level 5 is a word; a confidence of -1 marks a block, paragraph or line without text of its own
        if len(fields) != 12 or fields[0] != "5" or not fields[11].strip() or float(fields[10]) < 0:
            continue
        confidences.append(float(fields[10]) / 100)
        if len(fields[11].strip()) >= MIN_WORD_LETTERS:
            left, top, width, height = map(int, fields[6:10])
            long += 1
            tall += height > width
            lines.setdefault(tuple(fields[1:5]), []).append((left + width / 2, top + height))
    if not confidences:
        return Reading(text, None)
    return Reading(text, round(sum(confidences) / len(confidences), 3), sum(confidences),
                   sideways=long > 0 and tall > SIDEWAYS * long, skew=skew(lines.values()))


def skew(lines) -> float:
    """The median slope, in degrees clockwise, of the bottoms of the words of each line."""
    found = [slope(words) for words in lines if len(words) >= MIN_LINE_WORDS]
    slopes = [value for value in found if value is not None]
    return math.degrees(math.atan(statistics.median(slopes))) if slopes else 0.0


def slope(points: list[tuple[float, float]]) -> float | None:
    """The least-squares slope of y over x (y grows downwards: a positive slope is a clockwise skew)."""
    xs, ys = zip(*points, strict=True)
    try:
        return statistics.linear_regression(xs, ys).slope
    except statistics.StatisticsError:  # the words stand one above the other
        return None
