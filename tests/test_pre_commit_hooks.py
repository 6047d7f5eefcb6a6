"""The hooks that pre-commit users add by id run the real checker with valid flags."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.cli_support import APP, run

ROOT = Path(__file__).resolve().parents[1]
HOOK = re.compile(r"^- id: (?P<id>\S+)\n(?P<body>(?:  .*\n)+)", re.M)


def hooks() -> dict[str, dict[str, str]]:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text("utf-8")
    found = {}
    for match in HOOK.finditer(text):
        fields = dict(
            line.strip().split(": ", 1) for line in match["body"].splitlines() if ": " in line
        )
        found[match["id"]] = fields
    return found


def test_hooks_are_declared() -> None:
    assert set(hooks()) == {"fastapi-lint", "fastapi-lint-fix"}
    for fields in hooks().values():
        assert fields["language"] == "python"
        assert fields["entry"].startswith("fastapi-lint check")


@pytest.mark.parametrize("hook_id", ["fastapi-lint", "fastapi-lint-fix"])
def test_hook_entry_runs_on_the_files_pre_commit_passes(tmp_path: Path, hook_id: str) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.fastapi-lint]\nselect = ["FAS402"]\nextend-exclude = ["generated"]\n', "utf-8"
    )
    (tmp_path / "generated").mkdir()
    (tmp_path / "app.py").write_text(APP, "utf-8")
    (tmp_path / "generated" / "client.py").write_text(APP, "utf-8")
    arguments = shlex.split(hooks()[hook_id]["entry"])[1:]  # without the `fastapi-lint` program
    proc = run(tmp_path, *arguments, "app.py", "generated/client.py")
    # the excluded file is skipped even though pre-commit names it
    assert "generated" not in proc.stdout
    if hook_id == "fastapi-lint":
        assert proc.returncode == 1
        assert proc.stdout.startswith("app.py:11:18: FAS402")
    else:
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Depends(get_db)" in (tmp_path / "app.py").read_text("utf-8")
        assert "Depends(get_db())" in (tmp_path / "generated" / "client.py").read_text("utf-8")
