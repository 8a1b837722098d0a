"""Scans made by the tests: generated PDF reports rasterised as a scanner or a phone would give them.

pdfium renders a page; the fixtures' CJK font (STSong-Light, not embedded) has no glyphs on this
machine, so every character pdfium drew nothing for is drawn over the rendering, at its box from the
text layer, in Noto Sans SC (the pylopdf-fonts-zh-cn package, a project dependency). Then the page
may be degraded: turned by a small angle, blurred, speckled, saved as a lossy JPEG.
"""

from __future__ import annotations

import ctypes
import io
import random
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont


@dataclass(frozen=True)
class Damage:
    skew: float = 0.0  # degrees
    blur: float = 0.0  # Gaussian radius in pixels
    jpeg: int = 0  # JPEG quality (0: none)
    speckle: float = 0.0  # share of pixels flipped to dark or light

    @property
    def name(self) -> str:
        parts = [f"skew{self.skew:+g}" if self.skew else "", f"blur{self.blur:g}" if self.blur else "",
                 f"jpeg{self.jpeg}" if self.jpeg else "", f"speckle{self.speckle:g}" if self.speckle else ""]
        return "-".join(p for p in parts if p) or "clean"


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    from pylopdf_fonts_zh_cn import sans_path

    return ImageFont.truetype(str(sans_path()), size)


def rasterise(data: bytes, dpi: int) -> list[Image.Image]:
    """Every page of a PDF as a grayscale image at dpi, CJK text in fonts that are not embedded
    drawn over (pdfium draws none of it here)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(data)
    scale = dpi / 72
    out = []
    try:
        for page in pdf:
            img = page.render(scale=scale, grayscale=True).to_pil().convert("L")
            height = page.get_height()
            tp = page.get_textpage()
            draw = ImageDraw.Draw(img)
            left, bottom = ctypes.c_double(), ctypes.c_double()
            for i in range(tp.count_chars()):
                code = raw.FPDFText_GetUnicode(tp, i)
                if code < 0x2E80:
                    continue
                font = raw.FPDFTextObj_GetFont(raw.FPDFText_GetTextObject(tp, i))
                if font and raw.FPDFFont_GetIsEmbedded(font):
                    continue  # pdfium drew it
                raw.FPDFText_GetCharOrigin(tp, i, left, bottom)  # the pen position on the baseline
                size = raw.FPDFText_GetFontSize(tp, i)
                px = max(6, round(size * scale))
                draw.text((left.value * scale, (height - bottom.value) * scale), chr(code), fill=0,
                          font=_font(px), anchor="ls")
            out.append(img)
    finally:
        pdf.close()
    return out


def damage(img: Image.Image, d: Damage, seed: int) -> Image.Image:
    rng = random.Random(seed)
    if d.skew:
        img = img.rotate(d.skew, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
    if d.blur:
        img = img.filter(ImageFilter.GaussianBlur(d.blur))
    if d.speckle:
        px = img.load()
        w, h = img.size
        for _ in range(int(w * h * d.speckle)):
            x, y = rng.randrange(w), rng.randrange(h)
            px[x, y] = 0 if rng.random() < 0.5 else 255
    if d.jpeg:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=d.jpeg)
        img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return img


def image_pdf(images: list[Image.Image], dpi: int) -> bytes:
    """The pages bound back into a PDF made of images only (no text layer)."""
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:])
    return buf.getvalue()


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def jpeg(img: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()
