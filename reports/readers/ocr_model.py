"""The OCR models: PP-OCRv6 text detection and recognition, shipped inside the rapidocr wheel and run
by onnxruntime on the CPU. Nothing is downloaded: the model files are opened from the package.

Detection is rapidocr's own (its DB post-processing). Recognition runs the model directly: rapidocr
pads every crop to at least 320 pixels wide, which makes a one-digit cell cost as much as a line of
text; here a batch is padded only to its widest crop. The CTC output is decoded here too, so that
each character keeps its probability, its position in the crop and the model's second choice (the
table arithmetic may need it).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

REC_HEIGHT = 48
REC_BATCH = 8  # crops of alike width per run: little padding
# A line of text (a crop more than WIDE times wider than high) is read narrowed by SQUEEZE: the cost
# goes with the width, and the model (trained on lines squeezed into 320 px) reads it as well: on the
# bench only punctuation and spaces change. Narrower, digits of prose start to merge ("1100" as
# "110" at 0.65 for blurred text; tests/ocr/test_recognise.py). A cell's figure, a few digits, is
# read at its own width.
WIDE = 6.0
SQUEEZE = 0.8
DET_SIDE = 1280  # detection sees the page at most this large (text stays > 10 px high on A4)
# Not less: at 1024 px the words of a table header whose rulings a 150 dpi JPEG lost merge into one
# box, and a table-4 figure of the next page shifts (tests/ocr/test_ocr_matrix.py, speckle case).


def installed() -> bool:
    """Whether the optional OCR packages are installed (without importing them)."""
    from importlib.util import find_spec

    return all(find_spec(m) is not None for m in ("rapidocr", "onnxruntime", "cv2"))


def available() -> str | None:
    """None when OCR can run here, else why not (the optional extra is not installed)."""
    try:
        import cv2  # noqa: F401
        import onnxruntime  # noqa: F401
        import rapidocr
    except ImportError as exc:
        return f"OCR is not installed ({exc.name}): pip install 'nianbao[ocr]'"
    if not (Path(rapidocr.__file__).parent / "models" / _REC_MODEL).is_file():
        return "the rapidocr package ships no recognition model"
    return None


def _ratio(ratio: float) -> float:
    """The width (in heights) a crop of this width/height ratio is read at."""
    return max(WIDE, ratio * SQUEEZE) if ratio > WIDE else ratio


_REC_MODEL = "PP-OCRv6_rec_small.onnx"
_DET_MODEL = "PP-OCRv6_det_small.onnx"


@dataclass
class Glyph:
    """One recognised character: where it sits in its crop (pixels from the crop's left edge), how
    sure the model is, and its second choice."""

    ch: str
    x: float
    prob: float
    alt: str | None = None
    space_before: bool = False


@dataclass
class Reading:
    glyphs: list[Glyph] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join((" " if g.space_before else "") + g.ch for g in self.glyphs)


class Models:
    """Both models, loaded once per process (a worker keeps them for every page it reads)."""

    _lock = threading.Lock()
    _instance: Models | None = None

    def __init__(self, threads: int) -> None:
        self.threads = threads
        import numpy as np
        import onnxruntime as ort
        import rapidocr

        models = Path(rapidocr.__file__).parent / "models"
        params = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.max_side_len": 100_000,  # no resizing before detection but the detector's own
            "Global.model_root_dir": str(models),
            "Det.model_path": str(models / _DET_MODEL),
            "Det.limit_type": "max",
            "Det.limit_side_len": DET_SIDE,
            "Rec.model_path": str(models / _REC_MODEL),
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": False,
        }
        self._det = rapidocr.RapidOCR(params=params)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        # Memory as used, not kept in arenas or planned per input shape: a worker's address space is
        # bounded (handlers.services), and crops come in every width.
        opts.enable_cpu_mem_arena = False
        opts.enable_mem_pattern = False
        # No busy waiting between operators: the two cores are shared with the other checks.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._rec = ort.InferenceSession(str(models / _REC_MODEL), opts, providers=["CPUExecutionProvider"])
        meta = self._rec.get_modelmeta().custom_metadata_map
        self._chars = ["", *meta["character"].splitlines(), " "]  # CTC blank first, space last
        self._input = self._rec.get_inputs()[0].name
        self._digits = np.array([i for i, c in enumerate(self._chars) if c in "0123456789"])

    @classmethod
    def get(cls, threads: int = 1) -> Models:
        """The models with `threads` onnxruntime threads each (loaded again if the count changed)."""
        with cls._lock:
            if cls._instance is None or cls._instance.threads != threads:
                cls._instance = None  # the old sessions go before the new ones are made
                cls._instance = cls(threads)
            return cls._instance

    def detect(self, bgr: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Text boxes (x0, y0, x1, y1) in pixels, axis-aligned."""
        out = self._det(bgr, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(out, "boxes", None)
        if boxes is None:
            return []
        result = []
        for poly in boxes:
            xs, ys = poly[:, 0], poly[:, 1]
            result.append((int(xs.min()), int(ys.min()), int(math.ceil(xs.max())), int(math.ceil(ys.max()))))
        return result

    def recognise(self, crops: list[np.ndarray]) -> list[Reading]:
        """Read crops of one text line each (grayscale)."""
        import cv2
        import numpy as np

        ratios = [_ratio(c.shape[1] / max(1, c.shape[0])) for c in crops]
        order = sorted(range(len(crops)), key=lambda i: ratios[i])
        out: list[Reading] = [Reading() for _ in crops]
        for start in range(0, len(order), REC_BATCH):
            batch = order[start:start + REC_BATCH]
            widths = [max(8, int(math.ceil(REC_HEIGHT * ratios[i]))) for i in batch]
            # At least twice as wide as high: a lone digit with too few time steps is read unsure.
            pad = max(2 * REC_HEIGHT, int(math.ceil(max(widths) / 8.0)) * 8)
            x = np.zeros((len(batch), 3, REC_HEIGHT, pad), dtype=np.float32)
            for k, i in enumerate(batch):
                img = cv2.resize(crops[i], (widths[k], REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
                norm = img.astype(np.float32) / 127.5 - 1.0
                x[k, :, :, : widths[k]] = norm[None, :, :]
            preds = self._rec.run(None, {self._input: x})[0]
            for k, i in enumerate(batch):
                scale = crops[i].shape[1] / widths[k]  # resized pixels -> crop pixels
                out[i] = self._decode(preds[k], pad / preds.shape[1] * scale)
        return out

    def _decode(self, pred: np.ndarray, step: float) -> Reading:
        """Greedy CTC decoding; a character's probability is the best over the time steps of its run."""
        import numpy as np

        idx = pred.argmax(axis=1)
        reading = Reading()
        space = False
        t = 0
        n = len(idx)
        while t < n:
            k = int(idx[t])
            end = t + 1
            while end < n and idx[end] == k:
                end += 1
            if k != 0:
                ch = self._chars[k] if k < len(self._chars) else ""
                if ch == " ":
                    space = True
                elif ch:
                    best = t + int(pred[t:end, k].argmax())
                    row = pred[best]
                    alt = None
                    if ch.isdigit():
                        digits = row[self._digits]
                        order = np.argsort(digits)[::-1]
                        second = self._chars[int(self._digits[order[1]])] if len(order) > 1 else None
                        if second is not None and second != ch:
                            alt = second
                    reading.glyphs.append(Glyph(ch, (best + 0.5) * step, float(row[k]), alt, space))
                    space = False
            t = end
        return reading
