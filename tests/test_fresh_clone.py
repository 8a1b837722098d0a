"""A fresh machine: a clone of the committed tree installs exactly the lock and checks a sample."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "huaian-2024.pdf"


def _locked() -> dict[str, str]:
    """The lock's pins for this interpreter: a package locked once per Python range (numpy) has a
    line per range, with its environment marker."""
    from packaging.markers import Marker

    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line[:1].isalnum() and "==" in line:
            spec, _, marker = line.split("\\")[0].partition(";")
            if marker.strip() and not Marker(marker.strip()).evaluate():
                continue
            name, version = spec.strip().split("==")
            pins[name.lower().replace("_", "-")] = version.strip()
    return pins


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_clone_installs_the_lock_and_checks_a_sample(tmp_path: Path) -> None:
    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("git and make are needed to clone and install")
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    if not SAMPLE.exists():
        pytest.skip(f"no sample at {SAMPLE}")
    clone = tmp_path / "nianbao"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    install = subprocess.run(
        ["make", "install", f"PY={sys.executable}"], cwd=clone, capture_output=True, text=True, timeout=840
    )
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]

    # Every installed distribution that the lock names has the locked version.
    freeze = subprocess.run(
        [str(clone / ".venv" / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        capture_output=True, text=True, check=True, timeout=120,
    )
    installed = {d["name"].lower().replace("_", "-"): d["version"] for d in json.loads(freeze.stdout)}
    wrong = {n: (v, installed.get(n)) for n, v in _locked().items() if n in installed and installed[n] != v}
    assert wrong == {}
    assert "pypdfium2" in installed and "nianbao" in installed

    run = subprocess.run(
        [str(clone / ".venv" / "bin" / "nianbao"), "check", "--json", str(SAMPLE)],
        capture_output=True, text=True, timeout=120,
    )
    out = json.loads(run.stdout.splitlines()[0])
    assert (run.returncode, out["agency"], out["year"], out["verdict"]) == (0, "淮安市人民政府", 2024, "pass")
    assert out["figures"]["s3.new.total"] == 3119
    assert "Traceback" not in run.stderr
