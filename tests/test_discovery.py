"""File discovery: the walk's exclusion shortcut keeps ``Settings.is_excluded``'s answers."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from fastapi_lint.config import Settings
from fastapi_lint.files import discover_files, relative_to_root

TREE = [
    "app/main.py",
    "app/build/gen.py",
    "app/api/v1/users.py",
    "app/api/v1/build_helpers.py",
    "build/out.py",
    "docs/conf.py",
    "tests/test_api.py",
    "tests/fixtures/data.py",
    "scripts/tool.py",
    "notes.txt",
]

PATTERNS = [
    (),
    ("build",),
    ("build*",),
    ("app/api",),
    ("./app/api/v1",),
    ("app/*/v1",),
    ("tests/",),
    ("*.py",),
    ("test_*.py", "docs"),
    ("app/**/users.py",),
    ("scripts/tool.py", "fixtures"),
]


def _brute_force(root: Path, top: Path, settings: Settings) -> list[str]:
    """Every Python file under ``top`` whose path, and no directory above it, is excluded."""
    kept = []
    for path in sorted(top.rglob("*.py")):
        chain = [path, *[p for p in path.parents if p.is_relative_to(top)]]
        if not any(settings.is_excluded(relative_to_root(p, root)) for p in chain):
            kept.append(path.relative_to(root).as_posix())
    return kept


@pytest.mark.parametrize(("patterns", "top"), itertools.product(PATTERNS, [".", "app", "app/api"]))
def test_walk_excludes_what_is_excluded(
    tmp_path: Path, patterns: tuple[str, ...], top: str
) -> None:
    for name in TREE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n", "utf-8")
    settings = Settings(exclude=patterns, respect_gitignore=False, root=tmp_path)
    walked = discover_files([tmp_path / top], settings)
    found = sorted(p.relative_to(tmp_path).as_posix() for p in walked)
    assert found == _brute_force(tmp_path, tmp_path / top, settings)


def test_a_linked_file_is_checked_once(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "real.py").write_text("x = 1\n", "utf-8")
    (tmp_path / "pkg" / "alias.py").symlink_to(tmp_path / "pkg" / "real.py")
    settings = Settings(respect_gitignore=False, root=tmp_path)
    assert [p.name for p in discover_files([tmp_path], settings)] == ["alias.py"]
