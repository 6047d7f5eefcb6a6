"""The rule core stays free of the adapters (import-linter contracts in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    executable = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(
        [executable, "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def test_core_imports_neither_flake8_nor_pygls() -> None:
    code = (
        "import sys, fastapi_lint.cli, fastapi_lint.engine, fastapi_lint.rules;"
        "fastapi_lint.rules.all_rules();"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('flake8', 'pygls', 'lsprotocol', 'flake8_fastapi', 'fastapi_lsp')];"
        "print(bad); raise SystemExit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
