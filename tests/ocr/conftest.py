"""Tests that run the OCR models skip, saying why, where the optional extra is not installed."""

from __future__ import annotations

import pytest

from reports.readers.ocr_model import available

REASON = available()
needs_ocr = pytest.mark.skipif(REASON is not None, reason=f"OCR unavailable: {REASON}")
