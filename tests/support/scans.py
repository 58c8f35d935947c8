"""Image-only PDFs made of the demo's real scanned CCTV authorisation (RAA n°D77-30-10-2025, pages 3-5):
pages turned or skewed as a scanner or a landscape annex leaves them, or scanned at too low a resolution."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from tests.support.prefecture import DEMO_FILES

CCTV_RAA = DEMO_FILES / "1002" / "2002" / "file" / "RAA n°D77-30-10-2025.pdf"
CCTV_REF = "D77-2025-10-29-00004"
DPI = 200


def scans(numbers: list[int]) -> list[Image.Image]:
    """The pages rendered in grayscale at 200 dpi, as a scanner gives them."""
    document = pdfium.PdfDocument(CCTV_RAA)
    try:
        return [document[number - 1].render(scale=DPI / 72, grayscale=True).to_pil() for number in numbers]
    finally:
        document.close()


def turned(image: Image.Image, degrees: float) -> Image.Image:
    """The page turned counter-clockwise, on white."""
    return image.rotate(degrees, Image.Resampling.BILINEAR, expand=True, fillcolor=255)


def blurred(image: Image.Image) -> Image.Image:
    """The page as a 50 dpi scan: OCR still reads most words, with little confidence."""
    return image.reduce(DPI // 50).resize(image.size)


def image_pdf(path: Path, images: list[Image.Image]) -> Path:
    images[0].save(path, save_all=True, append_images=images[1:], resolution=DPI)
    return path
