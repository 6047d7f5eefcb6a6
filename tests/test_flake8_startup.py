"""The flake8 plugin imports the rules once, in flake8's main process, before it forks its
workers: a worker (or a file) importing them again would pay the start-up again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli_support import APP

# Runs flake8 and writes, per process, the rule modules it imported: "pid main|worker name".
DRIVER = """\
import importlib, os, sys
main_pid = os.getpid()
record = sys.argv[1]
original = importlib.import_module
def recording(name, package=None):
    if name.startswith("fastapi_lint.rules.") and name not in sys.modules:
        with open(record, "a", encoding="utf-8") as out:
            role = "main" if os.getpid() == main_pid else "worker"
            out.write(f"{os.getpid()} {role} {name}\\n")
    return original(name, package)
importlib.import_module = recording
from flake8.main.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_the_rules_are_imported_once_before_flake8_forks(tmp_path: Path) -> None:
    for index in range(4):
        (tmp_path / f"app{index}.py").write_text(APP, "utf-8")
    record = tmp_path.parent / f"{tmp_path.name}-imports.txt"
    files = [f"app{index}.py" for index in range(4)]
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(record), "--isolated", "--jobs", "2", *files],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr  # FAS402 in every file
    assert result.stdout.count("FAS402") == 4
    imports = [line.split() for line in record.read_text("utf-8").splitlines()]
    assert imports  # the rule modules were imported, and seen
    assert {role for _, role, _ in imports} == {"main"}
    names = [name for _, _, name in imports]
    assert len(names) == len(set(names))
