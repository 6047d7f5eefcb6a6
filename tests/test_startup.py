"""Start-up: a command imports only what it uses.

Every ``fastapi-lint check`` starts a fresh interpreter, so what it imports is paid on every
run (pre-commit runs it on a few files at a time). Each test runs the command line in a
subprocess and reads the names in ``sys.modules`` once it has finished.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

APP = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/items")
async def items() -> list[int]:
    return []
"""

# What ``check`` of a few files never needs: the version (package metadata), the
# refactorings, the project index's build and checks, the result cache, worker processes,
# .gitignore matching, the language server and libcst.
NOT_FOR_A_FILE_CHECK = (
    "importlib.metadata",
    "fastapi_lint.refactors",
    "fastapi_lint.project.build",
    "fastapi_lint.project.checking",
    "fastapi_lint.cache",
    "pickle",
    "tempfile",
    "concurrent.futures",
    "multiprocessing",
    "pathspec",
    "fastapi_lsp",
    "pygls",
    "lsprotocol",
    "libcst",
)

# Runs ``fastapi-lint`` as the console script does, then writes the imported modules' names.
DRIVER = """\
import sys
from fastapi_lint.cli import main
status = main(sys.argv[2:])
with open(sys.argv[1], "w", encoding="utf-8") as out:
    out.write("\\n".join(sorted(sys.modules)))
sys.exit(status)
"""


def imported_by(arguments: list[str], cwd: Path) -> set[str]:
    """The modules imported by ``fastapi-lint ARGUMENTS`` run in ``cwd``."""
    listing = cwd.parent / f"{cwd.name}-modules.txt"
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(listing), *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr
    return set(listing.read_text("utf-8").splitlines())


def loaded(modules: set[str], name: str) -> bool:
    return name in modules or any(m.startswith(name + ".") for m in modules)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("", "utf-8")
    (root / "app" / "main.py").write_text(APP, "utf-8")
    (root / ".gitignore").write_text("build/\n", "utf-8")
    return root


@pytest.mark.parametrize(
    "arguments",
    [
        ["check", "app/main.py"],
        ["check", "--isolated", "--output-format", "json", "--", "app/main.py"],
    ],
    ids=["check", "isolated-json"],
)
def test_a_file_check_imports_only_what_it_uses(project: Path, arguments: list[str]) -> None:
    modules = imported_by(arguments, project)
    assert "fastapi_lint.rules" in modules  # the run did check the file
    unneeded = [name for name in NOT_FOR_A_FILE_CHECK if loaded(modules, name)]
    assert unneeded == []


def test_the_result_cache_is_imported_when_asked_for(project: Path) -> None:
    modules = imported_by(["check", "--cache-dir", ".results", "app/main.py"], project)
    assert "fastapi_lint.cache" in modules
    assert not loaded(modules, "importlib.metadata")


def test_gitignore_matching_is_imported_only_to_read_a_gitignore(project: Path) -> None:
    walked = imported_by(["check", "."], project)
    assert loaded(walked, "pathspec")  # the project has a .gitignore
    unread = imported_by(["check", "--no-respect-gitignore", "."], project)
    assert not loaded(unread, "pathspec")
    for modules in (walked, unread):
        assert "fastapi_lint.project.checking" in modules  # a directory run: project rules
        assert not loaded(modules, "fastapi_lint.refactors")
        assert not loaded(modules, "importlib.metadata")


def test_the_version_is_read_when_asked_for(project: Path) -> None:
    modules = imported_by(
        ["check", "--isolated", "--output-format", "sarif", "app/main.py"], project
    )
    assert "importlib.metadata" in modules  # SARIF names the tool's version


# Records, when the runner is about to start worker processes, whether the rules are imported
# and the heap frozen: forked workers then share them instead of importing them each.
FORK_DRIVER = """\
import gc, sys
from fastapi_lint import runner
from fastapi_lint.cli import main
original = runner.parallel_map
def recording(*args, **kwargs):
    rules = [m for m in sys.modules if m.startswith("fastapi_lint.rules.routes.")]
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        out.write(f"{len(rules)} {gc.get_freeze_count()}")
    return original(*args, **kwargs)
runner.parallel_map = recording
sys.exit(main(sys.argv[2:]))
"""


def test_workers_are_forked_after_the_rules_are_imported(project: Path) -> None:
    record = project.parent / "fork.txt"
    result = subprocess.run(
        [sys.executable, "-c", FORK_DRIVER, str(record), "check", "--isolated", "app/main.py"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr
    imported, frozen = (int(n) for n in record.read_text("utf-8").split())
    assert imported > 0
    assert frozen > 0
