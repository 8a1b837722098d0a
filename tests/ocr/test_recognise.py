"""The recogniser on lines of prose drawn in the fixtures' font: every digit of a line read, repeated
digits too, at the sizes a scan's text has (small print at 150 dpi to a heading at 200 dpi, blurred),
although such a line is read narrowed (ocr_model.SQUEEZE)."""

from __future__ import annotations

import random

import pytest

from tests.ocr.conftest import needs_ocr


def _lines() -> list[str]:
    rnd = random.Random(5)
    out = []
    for _ in range(40):
        a = rnd.choice([100, 1001, 2000, 1100, 3119, 88, 11, 700, 1177, 5566, 30003])
        c = rnd.choice(["00", "11", "100", "1000", "2200", "77"])
        out.append(f"全年共受理政府信息公开申请{a}件，答复{rnd.randint(0, 9999)}件，其中{c}件为上年结转，"
                   f"行政复议{rnd.randint(0, 99)}件")
    return out


@needs_ocr
@pytest.mark.parametrize(("px", "blur"), [(20, 0.6), (25, 0.8), (44, 0.8)])
def test_every_digit_of_a_line_of_prose_is_read(px: int, blur: float) -> None:
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont
    from pylopdf_fonts_zh_cn import sans_path

    from reports.readers.ocr_model import WIDE, Models

    font = ImageFont.truetype(str(sans_path()), px)
    lines = _lines()
    crops = []
    for text in lines:
        img = Image.new("L", (int(font.getlength(text)) + px, int(px * 1.5)), 255)
        ImageDraw.Draw(img).text((px // 2, px // 4), text, font=font, fill=0)
        crops.append(np.array(img.filter(ImageFilter.GaussianBlur(blur))))
    assert all(c.shape[1] > WIDE * c.shape[0] for c in crops)  # read narrowed
    readings = Models.get().recognise(crops)
    digits = [[ch for ch in t if ch.isdigit()] for t in lines]
    assert [[ch for ch in r.text if ch.isdigit()] for r in readings] == digits
