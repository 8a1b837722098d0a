"""How fast `nianbao check` is, against what merely reading a PDF costs.

For each sample: the median seconds to check it in-process, beside the median seconds pdfplumber
needs to open the file and extract_text() every page, and pypdfium2's raw text (the floor). Then the
same comparison for whole processes on huaian-2024.pdf, and the time of `import reports`.

    python -m bench.check [-n RUNS]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.pdf_floor import _pdfium_text, _plumber_text, median_time

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
HUAIAN = SAMPLES / "huaian-2024.pdf"


def _check(name: str):
    import reports

    def run(data: bytes) -> None:
        reports.check(data, name)

    return run


def _process_median(cmd: list[str], runs: int, cpu: list[float] | None = None,
                    env: dict[str, str] | None = None) -> float:
    """Median wall seconds of the process; its median CPU seconds (user + system) are appended to
    `cpu` (steadier than wall time on a machine shared with other work)."""
    times, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return statistics.median(times)


def compile_sources() -> None:
    """Whole processes run as an installed program does: with its bytecode (pip compiles it at
    install; an editable checkout writes it on the first run unless PYTHONDONTWRITEBYTECODE is set,
    and compiling the sources anew in every process would be measured instead)."""
    import compileall

    root = Path(__file__).resolve().parents[1]
    for package in ("bot", "reports", "storage", "handlers"):
        compileall.compile_dir(root / package, quiet=1)


def check_against_pdfplumber(runs: int, cpu: list[float]) -> tuple[float, float]:
    """Median wall seconds of `nianbao check --json` on huaian-2024.pdf and of pdfplumber's bare
    extract_text on it, each in a fresh process (their CPU seconds are appended to `cpu`). The two
    alternate, run by run, so that a machine shared with other work weighs on both alike."""
    py = sys.executable
    cli = [py, "-m", "bot.commands", "check", "--json", str(HUAIAN)]
    plumb = [py, "-c", "import pdfplumber,sys\nwith pdfplumber.open(sys.argv[1]) as p:\n for pg in p.pages: pg.extract_text()",
             str(HUAIAN)]
    walls: tuple[list[float], list[float]] = ([], [])
    cpus: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for i, cmd in enumerate((cli, plumb)):
            c: list[float] = []
            walls[i].append(_process_median(cmd, 1, c))
            cpus[i].append(c[0])
    cpu.extend(statistics.median(c) for c in cpus)
    return statistics.median(walls[0]), statistics.median(walls[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--runs", type=int, default=7)
    args = ap.parse_args(argv)
    if not SAMPLES.exists():
        print("bench.check: ../shared/samples is not beside the checkout")
        return 1
    print(f"check — median of {args.runs} runs, seconds (in-process, imports warm)")
    print(f"{'sample':<22}{'check':>10}{'pdfplumber text':>18}{'pdfium text':>14}{'ratio':>8}")
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix not in (".pdf", ".txt", ".docx", ".html"):
            continue
        data = path.read_bytes()
        t_check = median_time(_check(path.name), data, args.runs)
        if path.suffix == ".pdf":
            t_plumb = median_time(_plumber_text, data, args.runs)
            t_pdfium = median_time(_pdfium_text, data, args.runs)
            print(f"{path.name:<22}{t_check:>10.4f}{t_plumb:>18.4f}{t_pdfium:>14.4f}{t_check / t_plumb:>8.2f}")
        else:
            print(f"{path.name:<22}{t_check:>10.4f}{'—':>18}{'—':>14}{'—':>8}")
    runs = max(3, args.runs // 2)
    py = sys.executable
    compile_sources()
    cpu: list[float] = []
    t_cli, t_plumb_proc = check_against_pdfplumber(runs, cpu)
    t_import = _process_median([py, "-c", "import reports"], runs)
    t_python = _process_median([py, "-c", "pass"], runs)
    print(f"\nwhole processes on {HUAIAN.name} — median of {runs} runs, seconds")
    print(f"  nianbao check --json          {t_cli:.3f}")
    print(f"  python -c pdfplumber text     {t_plumb_proc:.3f}")
    print(f"  ratio                         {t_cli / t_plumb_proc:.2f}")
    print(f"  ratio of CPU seconds          {cpu[0] / cpu[1]:.2f}  ({cpu[0]:.3f} / {cpu[1]:.3f})")
    print(f"  import reports (process)      {t_import:.3f}  (bare python: {t_python:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
