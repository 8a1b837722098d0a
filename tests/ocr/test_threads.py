"""The OCR models' thread count: one setting (NIANBAO_OCR_THREADS, by default the cores divided among
the parser workers) carried by the worker's job to the models, which read the same with 2 threads."""

from __future__ import annotations

import pytest

from bot.settings.model import Settings
from reports.readers import ocr
from reports.readers.ocr_model import Models
from reports.runner import Checker, run_check
from tests.ocr.conftest import needs_ocr
from tests.ocr.matrix import DAMAGES, report_pdf, score
from tests.ocr.raster import damage, png, rasterise


@pytest.mark.parametrize(("cores", "workers", "threads", "want"), [
    (2, 2, None, 1), (2, 1, None, 2), (8, 3, None, 2), (1, 2, None, 1), (2, 2, 2, 2),
])
def test_the_thread_count_shares_the_cores_among_the_workers(monkeypatch: pytest.MonkeyPatch, cores: int,
                                                             workers: int, threads: int | None, want: int) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: cores)
    s = Settings(_env_file=None, parse_workers=workers, ocr_threads=threads)  # type: ignore[call-arg]
    checker = Checker(s.parse_workers, s.parse_timeout, ocr_threads=s.ocr_threads)  # as bot.factory makes it
    assert checker.ocr_threads == want


@needs_ocr
def test_a_worker_job_runs_the_models_on_its_threads() -> None:
    pdf, truth, zero = report_pdf(11)
    photo = png(damage(rasterise(pdf, 150)[1], DAMAGES[0], seed=2))  # page 2: table 3
    try:
        r = run_check(photo, "photo.png", 300, ocr_threads=2)
        models = Models.get(2)
        assert models.threads == 2
        assert models._rec.get_session_options().intra_op_num_threads == 2
    finally:
        ocr.configure()
    s3 = {k: v for k, v in truth.items() if k.startswith("s3.") and k in r.cells}
    assert len(s3) >= 120
    s = score(s3, r, zero)
    assert s.wrong == []
    assert s.same >= 0.95 * s.total
