"""Extract to service: ``raise HTTPException(404, detail=...)`` becomes a domain exception in
the service, but only when the project already answers that exception exactly as FastAPI
answers the ``HTTPException``.

That is proven when the project's only ``FastAPI`` app registers a handler for a project
exception class whose whole body is ``return JSONResponse(status_code=<same status>,
content={"detail": str(exc)})``, and the class keeps ``Exception``'s own constructor and
``__str__`` (so ``str(NotFoundError(detail)) == detail``). The ``HTTPException`` must carry a
string ``detail`` and no ``headers``.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ReadFile = Callable[[Path], "str | None"]

JSON_RESPONSES = frozenset({"fastapi.responses.JSONResponse", "starlette.responses.JSONResponse"})
_STATUS_NAME = re.compile(r"HTTP_(\d{3})_[A-Z_]+")
_STATUS_MODULES = ("fastapi.status", "starlette.status")
_SKIPPED_DIRS = frozenset(
    {"node_modules", "__pycache__", "site-packages", "venv", "env", "build", "dist", "tests"}
)
MAX_FILES = 2000
_REGISTRATION = re.compile(r"\.(?:add_)?exception_handler\(")


@dataclass(frozen=True)
class DomainError:
    """A project exception the app answers with ``{"detail": str(exc)}`` and ``status``."""

    name: str
    path: Path  # the module defining the class
    status: int


def status_of(
    qualified_name: Callable[[ast.expr], str | None], expr: ast.expr | None
) -> int | None:
    """``404`` for ``404`` or ``status.HTTP_404_NOT_FOUND``."""
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    qualified = qualified_name(expr) if expr is not None else None
    if qualified is None:
        return None
    module, _, name = qualified.rpartition(".")
    match = _STATUS_NAME.fullmatch(name)
    if module in _STATUS_MODULES and match:
        return int(match.group(1))
    return None


def http_exception_parts(call: ast.Call) -> tuple[ast.expr | None, ast.expr | None, bool]:
    """(status, detail, has other arguments) of ``HTTPException(...)``."""
    status = call.args[0] if call.args else None
    detail = call.args[1] if len(call.args) > 1 else None
    other = len(call.args) > 2 or any(isinstance(a, ast.Starred) for a in call.args)
    for keyword in call.keywords:
        if keyword.arg == "status_code":
            status = keyword.value
        elif keyword.arg == "detail":
            detail = keyword.value
        else:
            other = True
    return status, detail, other


def is_text(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.JoinedStr) or (
        isinstance(expr, ast.Constant) and isinstance(expr.value, str)
    )


def project_domain_errors(root: Path, read: ReadFile) -> dict[int, DomainError]:
    """Status → the domain exception answered with it, for the project under ``root``;
    empty unless the project has exactly one ``FastAPI`` app."""
    apps = 0
    found: dict[int, DomainError] = {}
    for path in _python_files(root):
        text = read(path)
        if text is None:
            continue
        # only the few modules that build an app or register a handler are parsed
        apps += text.count("FastAPI(")
        if "exception_handler" not in text or not _REGISTRATION.search(text):
            continue
        try:
            module = _Module(ast.parse(text, str(path)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for name, handler in module.registered_handlers():
            status = _answered_status(module, handler)
            error = _exception_class(module.tree, path, name, read) if status else None
            if status is not None and error is not None:
                found.setdefault(status, DomainError(error[0], error[1], status))
    return found if apps == 1 else {}


def _python_files(root: Path) -> Iterator[Path]:
    count = 0
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(
            d for d in subdirectories if not d.startswith(".") and d not in _SKIPPED_DIRS
        )
        for file in sorted(files):
            if file.endswith(".py"):
                count += 1
                if count > MAX_FILES:
                    return
                yield Path(directory) / file


class _Module:
    """A module read with ``ast`` alone (the app module can be huge): its top-level imports
    and ``FastAPI()`` instances, enough to find exception handlers."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.imports: dict[str, str] = {}
        for statement in tree.body:
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.imports[local] = alias.name if alias.asname else local
            elif isinstance(statement, ast.ImportFrom) and statement.level == 0:
                for alias in statement.names:
                    local = alias.asname or alias.name
                    self.imports[local] = f"{statement.module}.{alias.name}"
        self.apps = {
            target.id
            for statement in tree.body
            if isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and self.qualified_name(statement.value.func) in ("fastapi.FastAPI",)
            for target in statement.targets
            if isinstance(target, ast.Name)
        }

    def qualified_name(self, expr: ast.expr | None) -> str | None:
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name) or expr.id not in self.imports:
            return None
        qualified = ".".join([self.imports[expr.id], *reversed(parts)])
        return {"fastapi.applications.FastAPI": "fastapi.FastAPI"}.get(qualified, qualified)

    def registered_handlers(
        self,
    ) -> Iterator[tuple[ast.expr, ast.FunctionDef | ast.AsyncFunctionDef]]:
        """(exception class expression, handler function) of the module's app handlers."""
        functions = {
            s.name: s
            for s in self.tree.body
            if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for statement in self.tree.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in statement.decorator_list:
                    if (
                        isinstance(decorator, ast.Call)
                        and self._is_app_method(decorator.func, "exception_handler")
                        and len(decorator.args) == 1
                    ):
                        yield decorator.args[0], statement
            elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                call = statement.value
                if self._is_app_method(call.func, "add_exception_handler") and len(call.args) == 2:
                    handler = call.args[1]
                    if isinstance(handler, ast.Name) and handler.id in functions:
                        yield call.args[0], functions[handler.id]

    def _is_app_method(self, func: ast.expr, method: str) -> bool:
        return (
            isinstance(func, ast.Attribute)
            and func.attr == method
            and isinstance(func.value, ast.Name)
            and func.value.id in self.apps
        )


def _answered_status(
    module: _Module, handler: ast.FunctionDef | ast.AsyncFunctionDef
) -> int | None:
    """The status of a handler whose body is only
    ``return JSONResponse(status_code=S, content={"detail": str(exc)})``."""
    params = [*handler.args.posonlyargs, *handler.args.args]
    body = [
        s
        for s in handler.body
        if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    if len(params) != 2 or len(body) != 1 or not isinstance(body[0], ast.Return):
        return None
    call = body[0].value
    if not isinstance(call, ast.Call) or module.qualified_name(call.func) not in JSON_RESPONSES:
        return None
    content = call.args[0] if call.args else None
    status = None
    for keyword in call.keywords:
        if keyword.arg == "content":
            content = keyword.value
        elif keyword.arg == "status_code":
            status = keyword.value
        else:
            return None
    if len(call.args) > 1 or not _is_detail_of(content, params[1].arg):
        return None
    code = status_of(module.qualified_name, status)
    return code if code is not None and code >= 400 else None


def _is_detail_of(content: ast.expr | None, exc: str) -> bool:
    """``{"detail": str(exc)}``."""
    if not isinstance(content, ast.Dict) or len(content.keys) != 1:
        return False
    key, value = content.keys[0], content.values[0]
    return (
        isinstance(key, ast.Constant)
        and key.value == "detail"
        and isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "str"
        and len(value.args) == 1
        and not value.keywords
        and isinstance(value.args[0], ast.Name)
        and value.args[0].id == exc
    )


def _exception_class(
    tree: ast.Module, path: Path, expr: ast.expr, read: ReadFile
) -> tuple[str, Path] | None:
    """The project class an exception handler is registered for: (name, defining module),
    when it keeps ``Exception``'s constructor and ``__str__``."""
    if not isinstance(expr, ast.Name):
        return None
    located = _locate(tree, path, expr.id, read)
    if located is None:
        return None
    name, where, tree = located
    return (name, where) if _plain_exception(tree, name) else None


def _locate(
    tree: ast.Module, path: Path, name: str, read: ReadFile
) -> tuple[str, Path, ast.Module] | None:
    for statement in tree.body:
        if isinstance(statement, ast.ClassDef) and statement.name == name:
            return name, path, tree
        if isinstance(statement, ast.ImportFrom) and statement.level > 0:
            for alias in statement.names:
                if (alias.asname or alias.name) == name:
                    base = path.parent
                    for _ in range(statement.level - 1):
                        base = base.parent
                    module = base.joinpath(*(statement.module or "").split("."))
                    return _class_in(Path(f"{module}.py"), alias.name, read)
        if isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
            for alias in statement.names:
                if (alias.asname or alias.name) == name:
                    return _absolute_class(path, statement.module, alias.name, read)
    return None


def _absolute_class(
    path: Path, module: str, name: str, read: ReadFile
) -> tuple[str, Path, ast.Module] | None:
    parts = module.split(".")
    for ancestor in path.parents:
        candidate = ancestor.joinpath(*parts)
        if (ancestor / parts[0]).is_dir() or read(Path(f"{candidate}.py")) is not None:
            return _class_in(Path(f"{candidate}.py"), name, read)
    return None


def _class_in(path: Path, name: str, read: ReadFile) -> tuple[str, Path, ast.Module] | None:
    text = read(path)
    if text is None:
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if any(isinstance(s, ast.ClassDef) and s.name == name for s in tree.body):
        return name, path, tree
    return None


def _plain_exception(tree: ast.Module, name: str, depth: int = 0) -> bool:
    """``class Name(Exception)`` (or of such a class of the same module) that defines no
    ``__init__``, ``__new__``, ``__str__`` or ``__repr__``."""
    node = next((s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == name), None)
    if node is None or depth > 10 or node.keywords or len(node.bases) != 1:
        return False
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name in (
            "__init__",
            "__new__",
            "__str__",
            "__repr__",
        ):
            return False
    base = node.bases[0]
    if not isinstance(base, ast.Name):
        return False
    if base.id == "Exception":
        return not any(
            isinstance(s, ast.ClassDef | ast.FunctionDef) and s.name == "Exception"
            for s in tree.body
        )
    return _plain_exception(tree, base.id, depth + 1)
