"""Extraction and OCR speed, and peak memory, on real RAA PDFs.

Prints, in one run:
1. pages per second of our text-layer extraction (with the per-page OCR decision)
   and of poppler's `pdftotext`, on the same 8 real RAA PDFs (537 pages);
2. on a 500-page PDF made of those RAA concatenated with qpdf, read by
   `extract_pdf` in a child process: peak memory (RSS summed over the process
   tree), text layer only and with OCR, and the pages OCRed;
3. seconds per scanned page (wall and CPU) of our OCR (`ocr.ocr_pages`: rendering,
   Tesseract's text and word confidences, orientation where a page reads poorly)
   and, right after, of raw `tesseract` on the very page images we render, one
   single-threaded Tesseract per page (OMP_THREAD_LIMIT=1), as many at once as
   there are cores. With --ocrmypdf, also OCRmyPDF at its leanest on the same
   pages and raw `tesseract` on the images it renders: the measurement behind
   rendering pages ourselves (see watchbot/read/ocr.py);
4. the share of the words of those OCR texts found in a French word list
   (/usr/share/dict/french, Debian's wfrench; skipped without it), raw Tesseract
   (what watchbot kept before pages had a quality and an orientation) beside ours;
5. a sample of those scanned pages as an image-only PDF at 200 dpi, upright,
   turned by 90, 180 and 270 degrees and skewed by 3 degrees clockwise, read by
   `ocr.ocr_pages` one after the other: seconds per page, the ratio to the
   upright pages, the pages whose second reading was kept, their mean quality and
   their share of French words (pages turned by 90 or 270 degrees are landscape:
   read once, with Tesseract's orientation detection).

    .venv/bin/python -m benchmarks.bench_extract [--ocrmypdf] [CORPUS_DIR]

CPU seconds are given beside wall seconds because they hardly move when other
work shares the machine; the load average is printed before each OCR section.
Everything is written to a temporary directory.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image

from watchbot.core.settings import ExtractSettings
from watchbot.read import extract, ocr

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
IDF = [
    "RAA%20n%C2%B008%20du%2017%20janvier%202025.pdf",
    "RAA%20n%C2%B009%20du%2020%20janvier%202025.pdf",
    "RAA%20n%C2%B015%20du%2029%20janvier%202024.pdf",
    "RAA%20n%C2%B0D77-29-07-2024.pdf",
    "RAA%20n%C2%B0D77-30-10-2025.pdf",
    "RAA%20n%C2%B0D77-31-01-2024-special.pdf",
]
VAR = [
    "210b522287b47fcd9449a26395503ac672b3e23523118493c72dd3b8e4ca79b1.pdf",
    "e7e832000544b85885d1cc15039083d34de30e41fbe34a5aca66b91299c29212.pdf",
]
TARGET_PAGES = 500
REPEAT = 3
WORD_LIST = Path("/usr/share/dict/french")
WORD = re.compile(r"[^\W\d_]{2,}")
TURNED_SAMPLE = 4  # every 4th scanned page goes into the turned PDFs
SCAN_DPI = 200
CHILD = """
import json, sys
from pathlib import Path
from watchbot.core.settings import ExtractSettings
from watchbot.read.extract import extract_pdf
result = extract_pdf(Path(sys.argv[1]), ExtractSettings(ocr=sys.argv[3] == "ocr"), Path(sys.argv[2]))
print(json.dumps({"pages": len(result.pages), "ocr_pages": result.ocr_pages}))
"""


def main(corpus: Path, with_ocrmypdf: bool) -> int:
    pdfs = [corpus / "idf" / "pdfs" / name for name in IDF] + [corpus / "var-2025" / name for name in VAR]
    missing = [str(path) for path in pdfs if not path.exists()]
    if missing:
        print("missing corpus files:", *missing, sep="\n  ")
        return 2
    settings = ExtractSettings()
    print(f"cores used for OCR: {ocr.jobs(settings, 10**6)}")
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as scratch:
        work = Path(scratch)
        text_speed(pdfs, work)
        big = concatenate(pdfs, work)
        _, _, numbers = memory(big, work)
        raw_texts, readings = ocr_speed(big, numbers, settings, work, with_ocrmypdf)
        french_words(raw_texts, readings)
        turned_pages(big, numbers[::TURNED_SAMPLE], settings, work)
    return 0


def text_layer(path: Path) -> tuple[int, list[int]]:
    """What watchbot does before any OCR: read the text layer, then decide which pages need OCR."""
    layers = extract.read_layers(path, 10**6)
    return len(layers), [layer.number for layer in layers if layer.unusable]


def text_speed(pdfs: list[Path], work: Path) -> None:
    pages = sum(text_layer(path)[0] for path in pdfs)
    ours = best(lambda: [text_layer(path) for path in pdfs])
    poppler = best(lambda: [subprocess.run(["pdftotext", str(path), str(work / "out.txt")], check=True)
                            for path in pdfs])
    print(f"\n1. text layer, {len(pdfs)} real PDFs, {pages} pages (best of {REPEAT})")
    print(f"   watchbot (pypdfium2 + OCR decision): {pages / ours:7.1f} pages/s")
    print(f"   pdftotext:                           {pages / poppler:7.1f} pages/s")
    print(f"   ratio: {poppler / ours:.2f}x the speed of pdftotext (target >= 0.5)")


def concatenate(pdfs: list[Path], work: Path) -> Path:
    sources = []
    for path in pdfs:
        sources += [str(path), "1-z"]
    subprocess.run(["qpdf", "--empty", "--pages", *sources, "--", str(work / "all.pdf")], check=True)
    big = work / f"{TARGET_PAGES}-pages.pdf"
    subprocess.run(["qpdf", "--empty", "--pages", str(work / "all.pdf"), f"1-{TARGET_PAGES}", "--", str(big)],
                   check=True)
    return big


def memory(big: Path, work: Path) -> tuple[tuple[float, float], tuple[float, float], list[int]]:
    print(f"\n2. extract_pdf on a {TARGET_PAGES}-page PDF of real RAA ({big.stat().st_size / 1e6:.1f} MB)")
    runs = []
    for mode in ("text", "ocr"):
        seconds, peak, output = child([sys.executable, "-c", CHILD, str(big), str(work / "state"), mode])
        result = json.loads(output)
        runs.append((seconds, result["ocr_pages"]))
        print(f"   {'text layer only' if mode == 'text' else 'with OCR':16} peak RSS {peak / 2**20:6.1f} MB "
              f"(target < 400), {result['pages']} pages, {len(result['ocr_pages'])} OCRed, "
              f"{seconds[0]:.1f} s wall, {seconds[1]:.1f} s CPU")
    return runs[0][0], runs[1][0], runs[1][1]


def ocr_speed(big: Path, numbers: list[int], settings: ExtractSettings, work: Path,
              with_ocrmypdf: bool) -> tuple[list[str], list[ocr.PageText]]:
    scanned = len(numbers)
    images = save_renders(big, numbers, work / "renders")
    print(f"\n3. OCR of its {scanned} scanned pages, {ocr.jobs(settings, scanned)} at once, twice ({load()})")
    # raw, ours, ours, raw: a load that rises or falls during the section weighs on both alike
    raw, raw_texts = measure(tesseract_all, images, settings, ["--dpi", str(ocr.DPI)])
    ours, readings = measure(ocr.ocr_pages, big, numbers, settings, work / "ocr")
    ours = add(ours, measure(ocr.ocr_pages, big, numbers, settings, work / "ocr")[0])
    raw = add(raw, measure(tesseract_all, images, settings, ["--dpi", str(ocr.DPI)])[0])
    print(f"   {'seconds per scanned page':52} {'wall':>6} {'CPU':>6}")
    row("watchbot (render 300 dpi gray + tesseract txt+tsv)", ours, 2 * scanned)
    row(f"raw tesseract on the same {len(images)} images", raw, 2 * scanned)
    print(f"   ratio: {ours[0] / raw[0]:.2f}x wall, {ours[1] / raw[1]:.2f}x CPU (target <= 1.3)")
    turned = sum(1 for reading in readings.values() if reading.turned)
    qualities = [reading.score for reading in readings.values()]
    print(f"   quality (mean word confidence): min {min(qualities):.3f}, mean {sum(qualities) / len(qualities):.3f}; "
          f"read poorly (< {settings.poor_quality_below}): {sum(q < settings.poor_quality_below for q in qualities)};"
          f" read a second time, turned: {turned}")
    if with_ocrmypdf:
        kept = work / "ocrmypdf"
        theirs, _ = measure(ocrmypdf, big, numbers, settings, kept)
        images = sorted(kept.glob("*/*_ocr.png"))
        raw, _ = measure(tesseract_all, images, settings, [])
        row("OCRmyPDF (--pages, sidecar only)", theirs, scanned)
        row(f"raw tesseract on its {len(images)} images (400 dpi RGB)", raw, scanned)
        print(f"   OCRmyPDF ratio: {theirs[0] / raw[0]:.2f}x wall, {theirs[1] / raw[1]:.2f}x CPU")
    return raw_texts, [readings[number] for number in numbers]


def french_words(raw_texts: list[str], readings: list[ocr.PageText]) -> None:
    print(f"\n4. share of the OCR words (2 letters or more) found in {WORD_LIST}")
    words = french()
    if words is None:
        print(f"   skipped: {WORD_LIST} is absent (Debian package wfrench)")
        return
    before, after = share(raw_texts, words), share([reading.text for reading in readings], words)
    print(f"   raw tesseract (before): {before:.4f}   watchbot (after): {after:.4f}   "
          f"{'no drop' if after >= before else 'DROP'}")


def french() -> set[str] | None:
    if not WORD_LIST.exists():
        return None
    return {line.strip().casefold() for line in WORD_LIST.read_text(encoding="utf-8").splitlines()}


def share(texts: list[str], words: set[str]) -> float:
    found = [word.casefold() in words for text in texts for word in WORD.findall(text)]
    return sum(found) / len(found) if found else 0.0


def turned_pages(big: Path, numbers: list[int], settings: ExtractSettings, work: Path) -> None:
    """The sample as image-only PDFs at 200 dpi, upright and turned, each read by ocr_pages."""
    document = pdfium.PdfDocument(big)
    scans = [document[number - 1].render(scale=SCAN_DPI / 72, grayscale=True).to_pil() for number in numbers]
    document.close()
    words = french()
    pages = list(range(1, len(scans) + 1))
    print(f"\n5. {len(scans)} of those scanned pages as an image-only PDF at {SCAN_DPI} dpi, turned ({load()})")
    print(f"   {'turned by':10} {'wall s/page':>11} {'CPU s/page':>10} {'ratio wall':>10} {'ratio CPU':>9} "
          f"{'2nd read':>8} {'quality':>7} {'French':>7}")
    upright = None
    for degrees in (0, 90, 180, 270, -3):
        pdf = work / f"turned-{degrees}.pdf"
        images = [scan.rotate(degrees, Image.Resampling.BILINEAR, expand=True, fillcolor=255) for scan in scans]
        images[0].save(pdf, save_all=True, append_images=images[1:], resolution=SCAN_DPI)
        seconds, readings = measure(ocr.ocr_pages, pdf, pages, settings, work / "ocr")
        upright = upright or seconds
        turned = sum(1 for reading in readings.values() if reading.turned)
        quality = sum(reading.score for reading in readings.values()) / len(readings)
        french_share = f"{share([r.text for r in readings.values()], words):7.4f}" if words else "    n/a"
        print(f"   {degrees:>7} ° {seconds[0] / len(pages):11.2f} {seconds[1] / len(pages):10.2f} "
              f"{seconds[0] / upright[0]:9.2f}x {seconds[1] / upright[1]:8.2f}x {turned:>6}/{len(pages)} "
              f"{quality:7.3f} {french_share}")
    print("   target: turned pages cost at most 2x the upright ones (-3: skewed by 3 degrees clockwise)")


def add(first: tuple[float, float], second: tuple[float, float]) -> tuple[float, float]:
    return first[0] + second[0], first[1] + second[1]


def load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def row(label: str, seconds: tuple[float, float], pages: int) -> None:
    print(f"   {label:52} {seconds[0] / pages:6.2f} {seconds[1] / pages:6.2f}")


def save_renders(path: Path, numbers: list[int], folder: Path) -> list[Path]:
    """The page images watchbot hands to Tesseract, as files."""
    folder.mkdir()
    document = pdfium.PdfDocument(path)
    images = []
    for number in numbers:
        images.append(folder / f"{number}.pgm")
        ocr.render(document, number, images[-1])
    document.close()
    return images


def ocrmypdf(path: Path, numbers: list[int], settings: ExtractSettings, scratch: Path) -> None:
    """OCRmyPDF at its leanest for a text sidecar; --keep-temporary-files keeps the page images it OCRs."""
    scratch.mkdir(parents=True)
    command = [sys.executable, "-m", "ocrmypdf", "--quiet", "--mode", "force", "--pages", ",".join(map(str, numbers)),
               "--output-type", "none", "--sidecar", str(scratch / "sidecar.txt"), "--optimize", "0",
               "--rasterizer", "pypdfium", "--language", settings.ocr_language,
               "--jobs", str(ocr.jobs(settings, len(numbers))), "--keep-temporary-files", str(path), "-"]
    subprocess.run(command, env=dict(os.environ, TMPDIR=str(scratch), OMP_THREAD_LIMIT="1"), check=True,
                   capture_output=True)


def tesseract_all(images: list[Path], settings: ExtractSettings, options: list[str]) -> list[str]:
    """The text raw Tesseract reads on each image."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(image: Path) -> str:
        return subprocess.run(["tesseract", str(image), "stdout", "-l", settings.ocr_language, *options], env=env,
                              check=True, capture_output=True).stdout.decode("utf-8", "replace")

    with ThreadPoolExecutor(ocr.jobs(settings, len(images))) as pool:
        return list(pool.map(one, images))


def cpu_seconds() -> float:
    """CPU time of this process and of its children waited for (and theirs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(function, *args) -> tuple[tuple[float, float], Any]:
    """Wall and CPU seconds of function(*args), and its result."""
    started, used = time.perf_counter(), cpu_seconds()
    result = function(*args)
    return (time.perf_counter() - started, cpu_seconds() - used), result


def child(command: list[str]) -> tuple[tuple[float, float], int, str]:
    """Run command: its wall and CPU seconds, the highest sum of RSS over it and its descendants
    (sampled every 50 ms), and its output."""
    started, used = time.perf_counter(), cpu_seconds()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{command[:3]} failed")
    return (time.perf_counter() - started, cpu_seconds() - used), peak, output


def tree_rss(root: int) -> int:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree = {root}
    while True:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        if not children:
            break
        tree |= children
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def best(run) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if argument != "--ocrmypdf"]
    sys.exit(main(Path(arguments[0]) if arguments else DEFAULT_CORPUS, "--ocrmypdf" in sys.argv))
