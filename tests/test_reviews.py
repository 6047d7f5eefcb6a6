"""The committed real-code reviews parse, so the precision figures stay reproducible."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_precision_script_reads_every_review() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "precision.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| **total** |" in result.stdout
