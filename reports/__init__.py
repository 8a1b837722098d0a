"""Nianbao's domain core: read a report file, parse it into the canonical model, check it.

Pure Python: nothing here imports aiogram, sqlmodel or the other top-level packages.
Heavy modules (pdfplumber, python-docx) are imported only by the reader that needs them.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing's; importing typing would cost each `nianbao check` process 2 ms
if TYPE_CHECKING:
    from reports.model import Report

__all__ = ["check"]


def check(data: bytes, filename: str = "", *, max_bytes: int | None = None, timeout: float | None = None,
          sha256: str | None = None, kind: str | None = None) -> Report:
    """Read, parse and check one report file. Never raises for bad input: a file that cannot be
    read gives a report whose findings say why (verdict fail). `sha256` and `kind` (the sniffed
    type) spare hashing and sniffing the file again when the caller did."""
    from reports.engine import check as _check

    return _check(data, filename, max_bytes=max_bytes, timeout=timeout, sha256=sha256, kind=kind)
