"""Tesseract, run on page images: its command line, its processes and what its TSV output tells.

One single-threaded Tesseract process reads a page image from a file (piping
the image costs more) and writes its text and a TSV of the words with their
boxes and confidences in one run; the mean word confidence is the page's
quality, the word boxes tell whether the lines run across the page and how
much they slope.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from watchbot.core.errors import WatchbotError

DPI = 300
LAYOUT, LAYOUT_WITH_ORIENTATION = "3", "1"  # Tesseract's page segmentation modes (--psm)
SIDEWAYS = 0.5  # share of words taller than wide above which a page's lines run up or down it
MIN_WORD_LETTERS = 3  # shorter words may be taller than wide in any orientation
MIN_LINE_WORDS = 4  # lines with fewer words give no slope worth having


class OcrError(WatchbotError):
    """OCR failed or timed out; str(error) is the reason."""


class OcrStopped(OcrError):
    """A page not read because another page failed."""


@dataclass(frozen=True)
class PageText:
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


class Tesseract:
    """Runs Tesseract processes, several at once from several threads; stop() kills those running and
    refuses new ones."""

    def __init__(self, language: str, scratch: Path):
        self.language = language
        self.env = dict(os.environ, OMP_THREAD_LIMIT="1", TMPDIR=str(scratch))
        self.running: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.stopped = False

    def read(self, number: int, image: Path, mode: str, timeout: float | None) -> PageText:
        """Text, word boxes and confidences of page `number` from one run of Tesseract on its image;
        subprocess.TimeoutExpired when the time is up."""
        base = image.with_suffix("")
        self.run(number, ["tesseract", str(image), str(base), "-l", self.language, "--dpi", str(DPI),
                          "--psm", mode, "txt", "tsv"], timeout)
        text, table = base.with_suffix(".txt"), base.with_suffix(".tsv")
        try:
            return page_text(text.read_text(encoding="utf-8", errors="replace"),
                             table.read_text(encoding="utf-8", errors="replace"))
        finally:
            text.unlink(missing_ok=True)
            table.unlink(missing_ok=True)

    def run(self, number: int, command: list[str], timeout: float | None) -> None:
        with self.lock:
            if self.stopped:
                raise OcrStopped("OCR stopped")
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
            raise
        finally:
            with self.lock:
                self.running.discard(process)
        if self.stopped:
            raise OcrStopped("OCR stopped")
        if process.returncode != 0:
            lines = errors.decode("utf-8", "replace").strip().splitlines()
            raise OcrError(f"tesseract failed on page {number} (exit code {process.returncode}): "
                           f"{lines[-1] if lines else 'no message'}")

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for process in self.running:
                process.kill()


def page_text(text: str, tsv: str) -> PageText:
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
        return PageText(text, None)
    return PageText(text, round(sum(confidences) / len(confidences), 3), sum(confidences),
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
