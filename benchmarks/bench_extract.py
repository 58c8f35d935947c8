"""Extraction and OCR speed, and peak memory, on real RAA PDFs.

Prints, in one run:
1. pages per second of our text-layer extraction (with the per-page OCR decision)
   and of poppler's `pdftotext`, on the same 8 real RAA PDFs (537 pages);
2. on a 500-page PDF made of those RAA concatenated with qpdf, read by
   `extract_pdf` in a child process: peak memory (RSS summed over the process
   tree), text layer only and with OCR, and the pages OCRed;
3. seconds per scanned page (wall and CPU) of our OCR in that run and of raw
   `tesseract` on the very page images we render, one single-threaded Tesseract
   per page (OMP_THREAD_LIMIT=1), as many at once as there are cores. With
   --ocrmypdf, also OCRmyPDF at its leanest on the same pages and raw `tesseract`
   on the images it renders: the measurement behind rendering pages ourselves
   (see watchbot/ocr.py).

    .venv/bin/python benchmarks/bench_extract.py [--ocrmypdf] [CORPUS_DIR]

CPU seconds are given beside wall seconds because they hardly move when other
work shares the machine. Everything is written to a temporary directory.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdfium2 as pdfium

from watchbot.read import extract
from watchbot.read import ocr
from watchbot.settings import ExtractSettings

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
CHILD = """
import json, sys
from pathlib import Path
from watchbot.settings import ExtractSettings
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
        text_only, with_ocr, numbers = memory(big, work)
        ocr_speed(big, numbers, (with_ocr[0] - text_only[0], with_ocr[1] - text_only[1]), settings, work,
                  with_ocrmypdf)
    return 0


def text_speed(pdfs: list[Path], work: Path) -> None:
    pages = sum(len(extract.read_layers(path, 10**6)) for path in pdfs)
    ours = best(lambda: [extract.read_layers(path, 10**6) for path in pdfs])
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


def ocr_speed(big: Path, numbers: list[int], ours: tuple[float, float], settings: ExtractSettings, work: Path,
              with_ocrmypdf: bool) -> None:
    scanned = len(numbers)
    images = save_renders(big, numbers, work / "renders")
    raw = measure(lambda: tesseract_all(images, settings, ["--dpi", str(ocr.DPI)]))
    print(f"\n3. OCR of its {scanned} scanned pages, {ocr.jobs(settings, scanned)} at once")
    print(f"   {'seconds per scanned page':52} {'wall':>6} {'CPU':>6}")
    row("watchbot (pypdfium2 300 dpi gray + tesseract)", ours, scanned)
    row(f"raw tesseract on the same {len(images)} images", raw, scanned)
    print(f"   ratio: {ours[0] / raw[0]:.2f}x wall, {ours[1] / raw[1]:.2f}x CPU (target <= 1.3)")
    if with_ocrmypdf:
        kept = work / "ocrmypdf"
        theirs = measure(lambda: ocrmypdf(big, numbers, settings, kept))
        images = sorted(kept.glob("*/*_ocr.png"))
        raw = measure(lambda: tesseract_all(images, settings, []))
        row("OCRmyPDF (--pages, sidecar only)", theirs, scanned)
        row(f"raw tesseract on its {len(images)} images (400 dpi RGB)", raw, scanned)
        print(f"   OCRmyPDF ratio: {theirs[0] / raw[0]:.2f}x wall, {theirs[1] / raw[1]:.2f}x CPU")


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


def tesseract_all(images: list[Path], settings: ExtractSettings, options: list[str]) -> None:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(image: Path) -> None:
        subprocess.run(["tesseract", str(image), "stdout", "-l", settings.ocr_language, *options], env=env,
                       check=True, capture_output=True)

    with ThreadPoolExecutor(ocr.jobs(settings, len(images))) as pool:
        list(pool.map(one, images))


def cpu_seconds() -> float:
    """CPU time of this process and of its children waited for (and theirs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(run) -> tuple[float, float]:
    """Wall and CPU seconds of run()."""
    started, used = time.perf_counter(), cpu_seconds()
    run()
    return time.perf_counter() - started, cpu_seconds() - used


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
