"""The floor a PDF check is measured against, and the PDF reader beside it.

For one PDF, the median seconds over N runs of:
  plumber_text  pdfplumber opening the file and running extract_text() on every page (the floor);
  pdfium_text   pypdfium2 opening the file and reading the raw text of every page;
  read_pdf      reports.readers.pdf.read_pdf, the whole reader.
All runs are in one process after a warm-up run, so imports are not counted.

    python -m bench.pdf_floor [PDF] [-n RUNS]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

# The samples live in ../shared beside the checkout.
DEFAULT_PDF = Path(__file__).resolve().parents[2] / "shared" / "samples" / "huaian-2024.pdf"


def _plumber_text(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()


def _pdfium_text(data: bytes) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        for i in range(len(pdf)):
            pdf[i].get_textpage().get_text_bounded()
    finally:
        pdf.close()


def _read_pdf(data: bytes) -> None:
    from reports.readers.pdf import read_pdf

    read_pdf(data)


def median_time(fn: Callable[[bytes], None], data: bytes, runs: int) -> float:
    """Median wall-clock seconds of fn(data) over `runs` runs, after one warm-up run."""
    fn(data)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def floor_times(path: str | Path, runs: int = 7) -> dict[str, float]:
    """Median seconds of the floor (plumber_text), pdfium_text and read_pdf on one PDF, and the
    ratio of read_pdf to the floor."""
    data = Path(path).read_bytes()
    out = {
        "plumber_text": median_time(_plumber_text, data, runs),
        "pdfium_text": median_time(_pdfium_text, data, runs),
        "read_pdf": median_time(_read_pdf, data, runs),
    }
    out["read_pdf_ratio"] = out["read_pdf"] / out["plumber_text"]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", nargs="?", default=str(DEFAULT_PDF))
    parser.add_argument("-n", "--runs", type=int, default=7)
    args = parser.parse_args(argv)
    times = floor_times(args.pdf, args.runs)
    print(f"{Path(args.pdf).name}: median of {args.runs} runs")
    for name in ("plumber_text", "pdfium_text", "read_pdf"):
        print(f"  {name:<13} {times[name] * 1000:8.1f} ms")
    print(f"  read_pdf / plumber_text = {times['read_pdf_ratio']:.3f}")


if __name__ == "__main__":
    main()
