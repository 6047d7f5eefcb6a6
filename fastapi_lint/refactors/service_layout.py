"""Extract to service, step two: where the service goes and how modules import each other.

The project's layout decides the target module:
- a vertical slice (``users/router.py``) gets ``users/service.py`` (or an existing
  ``users/services.py``);
- a layered tree (``app/api/routes/users.py``) gets ``app/services/user_service.py``, or an
  existing ``services/users.py``-like module for the same resource;
- a flat module next to an existing ``service.py``/``services.py`` uses that module;
- anything else (a single-file app) keeps the service in the route's own module.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi_lint.facts import ModuleFacts, Route

ROUTER_STEMS = frozenset(
    {"router", "routers", "routes", "route", "views", "endpoints", "controller", "controllers"}
)
ROUTE_DIRS = frozenset(
    {"routes", "routers", "endpoints", "api", "views", "controllers", "handlers", "v1", "v2", "v3"}
)
SINGLE_MODULE_STEMS = frozenset({"main", "app", "server", "application", "asgi", "api", "__init__"})
SERVICE_MODULE_NAMES = ("service.py", "services.py")
_LAYER_WORDS = ROUTER_STEMS | {"api", "router", "routes", "endpoint", "view"}
_NOT_RESOURCES = frozenset({"api", "v1", "v2", "v3", "internal", "admin", "public"})

MAX_IMPORT_LINE = 88

ReadFile = Callable[[Path], "str | None"]


@dataclass(frozen=True)
class Target:
    path: Path  # the module that holds (or will hold) the service
    resource: str  # singular, snake case: "user", "order_item"
    same_file: bool

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.resource.split("_")) + "Service"

    @property
    def provider_name(self) -> str:
        return f"get_{self.resource}_service"


def choose_target(path: Path, facts: ModuleFacts, routes: list[Route], read: ReadFile) -> Target:
    directory, stem = path.parent, path.stem
    if stem in ROUTER_STEMS:
        resource = singular(directory.name)
        existing = [directory / name for name in SERVICE_MODULE_NAMES]
        found = next((p for p in existing if read(p) is not None), existing[0])
        return Target(found, resource, False)
    resource = (
        _resource_from_routes(facts, routes)
        if stem in SINGLE_MODULE_STEMS
        else singular(_without_layer_words(_identifier(stem)))
    ) or "app"
    base = _layered_base(directory)
    if base is not None and stem not in SINGLE_MODULE_STEMS:
        services = base / "services"
        plural = _identifier(stem)
        candidates = [
            services / f"{resource}_service.py",
            services / f"{resource}.py",
            services / f"{plural}.py",
            services / f"{plural}_service.py",
        ]
        found = next((p for p in candidates if read(p) is not None), candidates[0])
        return Target(found, resource, False)
    for name in SERVICE_MODULE_NAMES:
        sibling = directory / name
        if read(sibling) is not None and sibling != path:
            return Target(sibling, resource, False)
    return Target(path, resource, True)


def _layered_base(directory: Path) -> Path | None:
    """The directory above a run of route directories (``app`` for ``app/api/routes``)."""
    if directory.name not in ROUTE_DIRS:
        return None
    base = directory
    while base.name in ROUTE_DIRS and base.parent != base:
        base = base.parent
    return base


def _resource_from_routes(facts: ModuleFacts, routes: list[Route]) -> str | None:
    """The first literal path segment of the route (after its router's prefix)."""
    for route in routes:
        prefix = ""
        call = route.owner.call
        if call is not None:
            for keyword in call.keywords:
                if (
                    keyword.arg == "prefix"
                    and isinstance(keyword.value, ast.Constant)
                    and isinstance(keyword.value.value, str)
                ):
                    prefix = keyword.value.value
        path = route.path.raw if route.path is not None else ""
        for segment in (prefix + "/" + path).split("/"):
            word = _identifier(segment)
            if word and "{" not in segment and word not in _NOT_RESOURCES:
                return singular(word)
    return None


def _without_layer_words(stem: str) -> str:
    """``api_agents`` → ``agents``, ``users_router`` → ``users``."""
    parts = stem.split("_")
    while len(parts) > 1 and parts[0] in _LAYER_WORDS:
        parts.pop(0)
    while len(parts) > 1 and parts[-1] in _LAYER_WORDS:
        parts.pop()
    return "_".join(parts)


def _identifier(text: str) -> str:
    word = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return word if word and not word[0].isdigit() else ""


def singular(word: str) -> str:
    """``users`` → ``user``, ``categories`` → ``category``, ``addresses`` → ``address``."""
    head, _, last = word.rpartition("_")
    if last.endswith("ies") and len(last) > 3:
        last = last[:-3] + "y"
    elif last.endswith(("sses", "xes", "ches", "shes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith(("ss", "us", "is")) and len(last) > 1:
        last = last[:-1]
    return f"{head}_{last}" if head else last


# --- how one module imports another ---------------------------------------------------------


def module_reference(
    source_path: Path, tree: ast.Module, target_path: Path, read: ReadFile
) -> str | None:
    """How the module at ``source_path`` spells an import of ``target_path``: absolute when
    it imports its own project absolutely (``app.services.user_service``), else relative
    (``.service``, ``..services.user_service``); None when it cannot be told."""
    root = import_root(source_path, tree, read)
    if root is not None and _is_under(target_path, root):
        parts = target_path.with_suffix("").relative_to(root).parts
        return ".".join(p for p in parts if p != "__init__")
    directory = source_path.parent
    uses_relative = any(isinstance(n, ast.ImportFrom) and n.level > 0 for n in ast.walk(tree))
    if uses_relative or read(directory / "__init__.py") is not None:
        return relative_module(directory, target_path, known_packages(source_path, tree), read)
    if target_path.parent == directory:
        return target_path.stem
    return None


def import_root(source_path: Path, tree: ast.Module, read: ReadFile) -> Path | None:
    """The directory the project's absolute imports start from: the nearest ancestor of the
    module holding a package or module that the module imports absolutely."""
    firsts: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            firsts.append(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            firsts.extend(alias.name.split(".")[0] for alias in node.names)
    for ancestor in source_path.parents:
        for first in firsts:
            if (ancestor / first).is_dir() or read(ancestor / f"{first}.py") is not None:
                if (ancestor / first).is_dir() and not _is_under(source_path, ancestor / first):
                    continue  # a same-named directory elsewhere, not the project's package
                return ancestor
    return None


def _is_under(path: Path, directory: Path) -> bool:
    try:
        path.relative_to(directory)
    except ValueError:
        return False
    return True


def known_packages(source_path: Path, tree: ast.Module) -> set[Path]:
    """Directories that must be packages for the module's own relative imports to work."""
    deepest = max(
        (n.level for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0),
        default=1,
    )
    known = set()
    directory = source_path.parent
    for _ in range(deepest):
        known.add(directory)
        directory = directory.parent
    return known


def relative_module(
    from_dir: Path, target: Path, known_packages: set[Path], read: ReadFile
) -> str | None:
    """``from_dir`` importing ``target`` (a ``.py`` file or a package directory) relatively;
    None when the common ancestor is not known to be a package."""
    target_parts = target.with_suffix("").parts if target.suffix == ".py" else target.parts
    if target_parts[-1] == "__init__":
        target_parts = target_parts[:-1]
    common = 0
    for a, b in zip(from_dir.parts, target_parts, strict=False):
        if a != b:
            break
        common += 1
    ancestor = Path(*from_dir.parts[:common]) if common else None
    if ancestor is None:
        return None
    if ancestor not in known_packages and read(ancestor / "__init__.py") is None:
        return None
    level = len(from_dir.parts) - common + 1
    return "." * level + ".".join(target_parts[common:])


@dataclass(frozen=True)
class ImportNeed:
    """One name the service module must import: ``from module import name as asname`` or,
    when ``module`` is None, ``import name as asname``."""

    module: str | None
    name: str
    asname: str | None

    @property
    def bound(self) -> str:
        if self.asname:
            return self.asname
        return self.name if self.module is not None else self.name.split(".")[0]

    @property
    def module_tail(self) -> str:
        return (self.module or self.name).rstrip(".").split(".")[-1]


def import_need(
    name: str,
    tree: ast.Module,
    source_path: Path,
    target_dir: Path,
    read: ReadFile,
) -> ImportNeed | None:
    """How the service module imports a name the route module binds by a top-level import
    (relative imports re-based on the service's directory); None when the route module binds
    it otherwise (a def, an assignment, a conditional import) or not at all."""
    found: ImportNeed | None = None
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if (alias.asname or alias.name.split(".")[0]) == name:
                    found = ImportNeed(None, alias.name, alias.asname)
        elif isinstance(statement, ast.ImportFrom):
            for alias in statement.names:
                if (alias.asname or alias.name) == name:
                    module = _rebased(statement, source_path, target_dir, tree, read)
                    found = ImportNeed(module, alias.name, alias.asname) if module else None
        elif _binds(statement, name):
            found = None
    return found


def _binds(statement: ast.stmt, name: str) -> bool:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return statement.name == name
    return any(
        isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)
        for n in ast.walk(statement)
    ) or any(
        isinstance(n, ast.alias) and (n.asname or n.name.split(".")[0]) == name
        for n in ast.walk(statement)
        if not isinstance(statement, ast.Import | ast.ImportFrom)
    )


def _rebased(
    statement: ast.ImportFrom, source_path: Path, target_dir: Path, tree: ast.Module, read: ReadFile
) -> str | None:
    if statement.level == 0:
        return statement.module
    if target_dir == source_path.parent:
        return "." * statement.level + (statement.module or "")
    base = source_path.parent
    for _ in range(statement.level - 1):
        base = base.parent
    location = base.joinpath(*(statement.module or "").split(".")) if statement.module else base
    known = known_packages(source_path, tree)
    return relative_module(target_dir, location.with_suffix(".py"), known, read)


def import_lines(needs: list[ImportNeed], newline: str = "\n") -> list[str]:
    """Import statements for the needs, one ``from`` statement per module, in a stable order:
    ``import`` statements, absolute ``from`` imports, then relative ones."""
    plain = sorted(
        {
            f"import {n.name}" + (f" as {n.asname}" if n.asname else "")
            for n in needs
            if not n.module
        }
    )
    by_module: dict[str, list[str]] = {}
    for need in needs:
        if need.module is not None:
            spelled = need.name + (f" as {need.asname}" if need.asname else "")
            names = by_module.setdefault(need.module, [])
            if spelled not in names:
                names.append(spelled)
    ordered = sorted(by_module, key=lambda m: (m.startswith("."), m))
    return plain + [_from_import(module, by_module[module], newline) for module in ordered]


def _from_import(module: str, names: list[str], newline: str) -> str:
    """``from module import a, b``, one name per line when that is too long."""
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= MAX_IMPORT_LINE:
        return line
    listed = "".join(f"    {name},{newline}" for name in names)
    return f"from {module} import ({newline}{listed})"


def imported_class(name: str, tree: ast.Module, source_path: Path, read: ReadFile) -> bool:
    """Whether ``name`` is imported from a project module that defines it as a class (a call
    of it then returns an instance, never None)."""
    for statement in tree.body:
        if not isinstance(statement, ast.ImportFrom):
            continue
        for alias in statement.names:
            if (alias.asname or alias.name) != name:
                continue
            if statement.level:
                base = source_path.parent
                for _ in range(statement.level - 1):
                    base = base.parent
            else:
                root = import_root(source_path, tree, read)
                if root is None:
                    return False
                base = root
            module = (
                base.joinpath(*(statement.module or "").split(".")) if statement.module else base
            )
            for candidate in (Path(f"{module}.py"), module / "__init__.py"):
                text = read(candidate)
                if text is not None:
                    return _defines_class(text, alias.name)
    return False


def _defines_class(text: str, name: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(isinstance(s, ast.ClassDef) and s.name == name for s in tree.body)
