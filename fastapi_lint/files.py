"""Finding the Python files to check: `exclude` globs and `.gitignore` files respected."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.config import Settings

if TYPE_CHECKING:  # imported when a .gitignore file is read: most runs read none
    import pathspec


def relative_to_root(path: Path, root: Path) -> str:
    try:
        return (path if path.is_absolute() else path.resolve()).relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def display_path(path: Path) -> str:
    """The path as the user should read it: relative to the working directory when below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def discover_files(
    paths: Sequence[Path], settings: Settings, *, force_exclude: bool = False
) -> Iterator[Path]:
    """Python files under ``paths``. Files named explicitly are checked unless
    ``force_exclude``; files found by walking directories skip excluded and git-ignored paths."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_file():
            resolved = path.resolve()
            if force_exclude and settings.is_excluded(relative_to_root(resolved, settings.root)):
                continue
            if resolved not in seen:
                seen.add(resolved)
                yield path
        elif path.is_dir():
            for found, resolved in _walk(path, settings):
                if resolved not in seen:
                    seen.add(resolved)
                    yield found


class _Exclusions:
    """``Settings.is_excluded`` for the entries of a walk, whose directories above were
    already tested: a pattern without a slash then only needs the entry's own name, one with
    a slash its whole path (the prefixes were the directories walked through)."""

    def __init__(self, settings: Settings) -> None:
        patterns = [p.rstrip("/") for p in (*settings.exclude, *settings.extend_exclude)]
        names = [p for p in patterns if "/" not in p]
        paths = [p[2:] if p.startswith("./") else p for p in patterns if "/" in p]
        self._name = _compiled(names)
        self._path = _compiled(paths)

    def excludes(self, name: str, relative: str) -> bool:
        return bool(
            (self._name is not None and self._name.match(name))
            or (self._path is not None and self._path.match(relative))
        )


def _compiled(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


def _walk(top: Path, settings: Settings) -> Iterator[tuple[Path, Path]]:
    """(path, resolved path) of the Python files under ``top``."""
    top = top.resolve()
    if settings.is_excluded(relative_to_root(top, settings.root)):
        return  # every path below it is excluded too
    ignores = _ancestor_gitignores(top, settings) if settings.respect_gitignore else []
    yield from _walk_dir(top, settings, _Exclusions(settings), ignores)


def _walk_dir(
    directory: Path,
    settings: Settings,
    exclusions: _Exclusions,
    ignores: list[tuple[Path, pathspec.GitIgnoreSpec]],
) -> Iterator[tuple[Path, Path]]:
    if settings.respect_gitignore:
        spec = _read_gitignore(directory)
        if spec is not None:
            ignores = [*ignores, (directory, spec)]
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.name.endswith(".py") and entry.is_file()
            is_link = is_file and entry.is_symlink()
        except OSError:
            continue
        if not (is_dir or is_file):
            continue
        path = Path(entry.path)
        if exclusions.excludes(entry.name, relative_to_root(path, settings.root)):
            continue
        if _git_ignored(path, is_dir, ignores):
            continue
        if is_dir:
            yield from _walk_dir(path, settings, exclusions, ignores)
        else:
            # directories are entered only when they are not links: only the file itself
            # can lead elsewhere
            yield path, path.resolve() if is_link else path


def _read_gitignore(directory: Path) -> pathspec.GitIgnoreSpec | None:
    gitignore = directory / ".gitignore"
    try:
        lines = gitignore.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ancestor_gitignores(
    top: Path, settings: Settings
) -> list[tuple[Path, pathspec.GitIgnoreSpec]]:
    """``.gitignore`` files above the walked directory, up to the repository or project root."""
    found: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
    root = settings.root.resolve()
    for directory in top.parents:
        spec = _read_gitignore(directory)
        if spec is not None:
            found.append((directory, spec))
        if directory == root or (directory / ".git").exists():
            break
    return list(reversed(found))


def _git_ignored(
    path: Path, is_dir: bool, ignores: list[tuple[Path, pathspec.GitIgnoreSpec]]
) -> bool:
    for base, spec in ignores:
        try:
            relative = path.relative_to(base).as_posix()
        except ValueError:
            continue
        if spec.match_file(relative + ("/" if is_dir else "")):
            return True
    return False


def module_name_for(path: Path) -> str | None:
    """``pkg/sub/mod.py`` → ``"pkg.sub.mod"`` following ``__init__.py`` files upwards, so that
    relative imports resolve; None for a file outside any package."""
    path = path.resolve()
    parts = [path.stem] if path.stem != "__init__" else []
    directory = path.parent
    while (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        if directory.parent == directory:
            break
        directory = directory.parent
    if not parts:
        return None
    if path.stem == "__init__":
        return ".".join(parts) + ".__init__"
    return ".".join(parts)
