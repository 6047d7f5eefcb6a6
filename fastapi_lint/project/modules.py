"""Where a project starts and what each of its files is called when imported.

The root is the nearest directory above a path holding ``pyproject.toml`` or ``.git``. A file's
module name follows its ``__init__.py`` files upwards (``src/pkg/sub/mod.py`` → ``pkg.sub.mod``
in the src layout, ``app/routers/users.py`` → ``app.routers.users`` in the flat one); a file
in a directory without ``__init__.py`` (a namespace package, or a script folder) is named from
the source root that holds it: ``<root>/src`` when it exists, else the root; so is a package
below such a directory when a regular package holds that directory
(``pkg/routers/audio/__init__.py`` with no ``pkg/routers/__init__.py`` is
``pkg.routers.audio``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

ROOT_MARKERS = ("pyproject.toml", ".git")


def project_root(path: Path) -> Path:
    """The nearest directory at or above ``path`` with a ``pyproject.toml`` or ``.git``; the
    directory itself (or the file's directory) when there is none."""
    start = path.resolve()
    directory = start if start.is_dir() else start.parent
    for candidate in (directory, *directory.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return directory


@lru_cache(maxsize=4096)
def _is_package_dir(directory: Path) -> bool:
    return (directory / "__init__.py").is_file()


def module_name(path: Path, root: Path) -> str:
    """The dotted name the file is imported as (``pkg`` for ``pkg/__init__.py``)."""
    path = path.resolve()
    parts = [] if path.stem == "__init__" else [path.stem]
    directory = path.parent
    while _is_package_dir(directory) and directory != directory.parent:
        parts.insert(0, directory.name)
        directory = directory.parent
    source_root = _source_root(directory, root)
    if source_root is None or directory == source_root:
        return ".".join(parts) or path.parent.name
    if directory == path.parent and path.stem != "__init__":
        # not in a package: name it from the source root (namespace packages, flat scripts)
        parts = [*directory.relative_to(source_root).parts, path.stem]
    elif _within_package(directory, source_root):
        # a package in a folder without __init__.py inside a regular package (a namespace
        # portion: `open_webui/routers/audio/__init__.py` is `open_webui.routers.audio`)
        parts = [*directory.relative_to(source_root).parts, *parts]
    return ".".join(parts) or path.parent.name


def _within_package(directory: Path, source_root: Path) -> bool:
    """True when a folder between ``directory`` and the source root is a regular package."""
    for above in directory.parents:
        if above == source_root:
            return False
        if _is_package_dir(above):
            return True
    return False


def _source_root(directory: Path, root: Path) -> Path | None:
    for candidate in (root / "src", root):
        try:
            directory.relative_to(candidate)
        except ValueError:
            continue
        return candidate
    return None


def is_package_file(path: Path) -> bool:
    return path.name == "__init__.py"


def absolute_import(module: str, is_package: bool, level: int, target: str | None) -> str | None:
    """The absolute module named by ``from <level dots><target> import ...`` written in
    ``module``; None when the dots climb above the top-level package."""
    if not level:
        return target or None
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(package):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, target] if target else base) or None
