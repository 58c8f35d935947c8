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
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import pypdfium2 as pdfium

from watchbot.read.child import ChildFailed, ChildTimedOut, run_in_child
from watchbot.settings import ExtractSettings

DPI = 300
MAX_PIXELS = 40_000_000  # a poster-sized page is rendered at a lower resolution rather than exhausting memory


class OcrError(Exception):
    """OCR failed or timed out; str(error) is the reason."""


class Stopped(OcrError):
    """A page not read because another page failed."""


def ocr_pages(path: Path, numbers: Sequence[int], settings: ExtractSettings, workdir: Path) -> dict[int, str]:
    """The OCR text of the given 1-based pages of the PDF at path."""
    numbers = sorted(set(numbers))
    if not numbers:
        return {}
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ocr-", dir=workdir) as scratch:
        return read_pages(path, numbers, Reader(settings, Path(scratch)))


def read_pages(path: Path, numbers: Sequence[int], reader: Reader) -> dict[int, str]:
    count = jobs(reader.settings, len(numbers))
    slots = threading.BoundedSemaphore(count + 1)  # pages rendered but not yet read

    def read(number: int, image: Path) -> str:
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
            raise self.timed_out(number, timeout) from None
        except ChildFailed as error:
            raise OcrError(str(error)) from None

    def page_timeout(self) -> float | None:
        left = self.check_deadline()
        page_limit = self.settings.ocr_page_timeout_seconds or None
        limits = [limit for limit in (left, page_limit) if limit is not None]
        return min(limits) if limits else None

    def timed_out(self, number: int, timeout: float | None) -> OcrError:
        page_limit = self.settings.ocr_page_timeout_seconds or None
        if timeout == page_limit:
            return OcrError(f"OCR timed out after {page_limit:g} s on page {number}")
        return OcrError(f"OCR timed out after {self.settings.ocr_document_timeout_seconds:g} s for the document")

    def read(self, number: int, image: Path) -> str:
        timeout = self.page_timeout()
        command = ["tesseract", str(image), "stdout", "-l", self.settings.ocr_language, "--dpi", str(DPI)]
        with self.lock:
            if self.stopped:
                raise Stopped("OCR stopped")
            try:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, env=self.env)
            except OSError as error:
                raise OcrError(f"cannot run tesseract: {error.strerror}") from None
            self.running.add(process)
        try:
            output, errors = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise self.timed_out(number, timeout) from None
        finally:
            with self.lock:
                self.running.discard(process)
        if self.stopped:
            raise Stopped("OCR stopped")
        if process.returncode != 0:
            lines = errors.decode("utf-8", "replace").strip().splitlines()
            raise OcrError(f"tesseract failed on page {number} (exit code {process.returncode}): "
                           f"{lines[-1] if lines else 'no message'}")
        return output.decode("utf-8", "replace")

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for process in self.running:
                process.kill()
