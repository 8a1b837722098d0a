"""A page image made ready for OCR: straightened, its table rulings found, and the rulings wiped.

All with OpenCV on a grayscale image (numpy uint8, white paper):

- skew: the angle (within ±3°) at which the rows of ink line up best (the variance of the row sums
  of the ink is largest), searched coarse then fine on a reduced copy; the page is turned back by it;
- rulings: morphological opening of the ink with long thin kernels keeps only straight lines longer
  than any stroke of a character; each connected piece is a segment (page points, y down);
- cleaning: the ruling pixels are painted white, so that a cell's crop holds only its text (a ruling
  at a crop's edge reads as "1" or "|").
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_SKEW = 3.0  # degrees searched either way
MIN_H_RULING = 25.0  # points: a horizontal ruling is longer than any dash written in a cell ("——")
MIN_V_RULING = 12.0  # points: a vertical ruling is taller than a character


@dataclass
class Prepared:
    gray: np.ndarray  # straightened page
    clean: np.ndarray  # the same with the rulings wiped
    angle: float  # degrees the page was turned back by
    horizontal: list[tuple[float, float, float]]  # (y, x0, x1) in pixels
    vertical: list[tuple[float, float, float]]  # (x, y0, y1) in pixels


def ink(gray: np.ndarray) -> np.ndarray:
    """Dark marks as 255 on 0: a threshold local to each neighbourhood, so shading and uneven light
    in a photo do not turn into ink."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)


def skew_angle(gray: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise positive as cv2 rotates) that straightens the page."""
    h, w = gray.shape
    f = min(1.0, 1000.0 / max(h, w))
    small = cv2.resize(gray, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    mask = ink(small)
    if cv2.countNonZero(mask) < 50:
        return 0.0
    centre = (small.shape[1] / 2, small.shape[0] / 2)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(mask, m, (small.shape[1], small.shape[0]), flags=cv2.INTER_NEAREST)
        rows = turned.sum(axis=1, dtype=np.float64)
        return float(np.var(rows))

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25), key=score)
    fine = max(np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05), key=score)
    return float(round(fine, 2))


def straighten(gray: np.ndarray, angle: float) -> np.ndarray:
    if abs(angle) < 0.15:  # a tenth of a degree moves a ruling by under 3 px across a page
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def _segments(mask: np.ndarray, horizontal: bool, min_len: float, max_thick: float) -> list[tuple[float, float, float]]:
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out: list[tuple[float, float, float]] = []
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        length, thick = (w, h) if horizontal else (h, w)
        if length < min_len or thick > max_thick:
            continue
        if horizontal:
            out.append((y + h / 2, float(x), float(x + w)))
        else:
            out.append((x + w / 2, float(y), float(y + h)))
    return out


def _wipe(out: np.ndarray, mask: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
    """Copy the mask's pixels in the box into out (the ruling pieces that were kept)."""
    y0, x0 = max(0, y0), max(0, x0)
    out[y0:y1 + 1, x0:x1 + 1] |= mask[y0:y1 + 1, x0:x1 + 1]


def prepare(gray: np.ndarray, px_per_pt: float) -> Prepared:
    """Straighten the page, find its rulings and wipe them. px_per_pt: the image's scale (2.78 at
    200 dpi), which sets how long a line must be to count as a ruling."""
    angle = skew_angle(gray)
    gray = straighten(gray, angle)
    mask = ink(gray)
    lh = max(15, int(MIN_H_RULING * px_per_pt))
    lv = max(10, int(MIN_V_RULING * px_per_pt))
    # Bridge the one-pixel breaks a thin ruling gets from blur or JPEG before opening.
    hmask = cv2.morphologyEx(cv2.dilate(mask, np.ones((1, 3), np.uint8)), cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (lh, 1)))
    vmask = cv2.morphologyEx(cv2.dilate(mask, np.ones((3, 1), np.uint8)), cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (1, lv)))
    thick = max(4.0, 3.0 * px_per_pt)  # a ruling is thin: a filled bar is no ruling
    horizontal = _segments(hmask, True, lh, thick)
    vertical = _segments(vmask, False, lv, thick)
    # A table's lines meet: a vertical that meets no horizontal is a stroke of large print (a
    # title's 丨), and a horizontal that meets no vertical is underlining or a rule across the page.
    tol = 4.0 * px_per_pt
    vertical = [v for v in vertical if any(h[1] - tol <= v[0] <= h[2] + tol and v[1] - tol <= h[0] <= v[2] + tol
                                           for h in horizontal)]
    horizontal = [h for h in horizontal if any(h[1] - tol <= v[0] <= h[2] + tol and v[1] - tol <= h[0] <= v[2] + tol
                                               for v in vertical)]
    wipe = np.zeros_like(mask)
    for y, x0, x1 in horizontal:
        _wipe(wipe, hmask, int(x0), int(y - thick), int(x1), int(y + thick))
    for x, y0, y1 in vertical:
        _wipe(wipe, vmask, int(x - thick), int(y0), int(x + thick), int(y1))
    wipe = cv2.dilate(wipe, np.ones((5, 5), np.uint8))
    clean = gray.copy()
    clean[wipe > 0] = 255
    return Prepared(gray, clean, angle, horizontal, vertical)
