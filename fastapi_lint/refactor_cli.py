"""``fastapi-lint refactor``: the refactorings for scripting.

``fastapi-lint refactor extract-service PATH:LINE [--diff]`` writes the change (the user asked
for it by name) or, with ``--diff``, prints it as a unified diff and writes nothing; so do
``annotated PATH[:LINE]``, ``named-dependency PATH:LINE``, ``lifespan PATH[:LINE]``,
``to-thread PATH:LINE[:COLUMN]`` and ``gather PATH:LINE[:END]`` (``MODULE_REFACTORINGS``).
Exit codes: 0 done, 1 not offered (the reason goes to stderr), 2 usage or file error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from fastapi_lint.source import SourceText, decode_source

if TYPE_CHECKING:  # imported when a refactoring runs: `check` never needs them
    from fastapi_lint.refactors import FileEdit, Refactoring

EXIT_DONE = 0
EXIT_NOT_OFFERED = 1
EXIT_ERROR = 2

DESCRIPTION = (
    "Apply a refactoring. Exit codes: 0 applied (or diff printed), 1 not offered here "
    "(the reason is printed on stderr), 2 usage or file error."
)


class RefactorError(Exception):
    """A file cannot be read or written; ``str(self)`` is the message."""


@dataclass(frozen=True)
class ModuleRefactoring:
    """A refactoring of one module, asked for at ``PATH`` and up to two numbers after it."""

    help: str
    location: str  # how the location is written, e.g. ``PATH:LINE[:COLUMN]``
    numbers: tuple[int, int]  # how many numbers follow PATH: at least, at most
    function: str  # ``module:function`` taking (path, text, *numbers); imported when run

    def call(self, path: str, text: str, numbers: list[int]) -> Refactoring:
        module, _, name = self.function.partition(":")
        refactor: Callable[..., Refactoring] = getattr(importlib.import_module(module), name)
        return refactor(path, text, *numbers)


def to_thread_at_column(path: str, text: str, line: int, column: int = 0) -> Refactoring:
    """``to-thread`` with a 1-based character column, as editors show it (0: none)."""
    from fastapi_lint.refactors.to_thread import wrap_in_to_thread

    byte_column = SourceText(text).byte_col(line, column - 1) if column else None
    return wrap_in_to_thread(path, text, line, byte_column)


MODULE_REFACTORINGS = {
    "annotated": ModuleRefactoring(
        "declare the parameters of the function at LINE (without LINE: of every function) "
        "with Annotated instead of a Depends()/Query()/... default",
        "PATH[:LINE]",
        (0, 1),
        "fastapi_lint.refactors.annotated:convert_to_annotated",
    ),
    "named-dependency": ModuleRefactoring(
        "define the dependency declared by the parameter at LINE once, as a module-level "
        "Annotated alias, and use it for every identical declaration of the module",
        "PATH:LINE",
        (1, 1),
        "fastapi_lint.refactors.named_dependency:extract_named_dependency",
    ),
    "lifespan": ModuleRefactoring(
        "convert the app's on_event startup/shutdown handlers into a lifespan context manager "
        "(LINE chooses the app when the module has several)",
        "PATH[:LINE]",
        (0, 1),
        "fastapi_lint.refactors.lifespan:convert_to_lifespan",
    ),
    "to-thread": ModuleRefactoring(
        "run the blocking call at LINE (at COLUMN when the line has several) in a worker "
        "thread with await asyncio.to_thread(...)",
        "PATH:LINE[:COLUMN]",
        (1, 2),
        "fastapi_lint.refactor_cli:to_thread_at_column",
    ),
    "gather": ModuleRefactoring(
        "run the independent awaits around LINE (or from LINE to END) concurrently with "
        "asyncio.gather",
        "PATH:LINE[:END]",
        (1, 2),
        "fastapi_lint.refactors.gather:rewrite_as_gather",
    ),
}


def register(commands: Any) -> None:
    """Add the ``refactor`` command to the CLI's subcommands."""
    refactor = commands.add_parser(
        "refactor",
        help=f"apply a refactoring ({', '.join(['extract-service', *MODULE_REFACTORINGS])})",
        description=DESCRIPTION,
    )
    kinds = refactor.add_subparsers(dest="refactoring", metavar="<refactoring>")
    extract = kinds.add_parser(
        "extract-service",
        help="move a path operation's business logic into a service class",
        description="Move the business logic of the path operation at PATH:LINE into a "
        "service method (a new or existing service class, placed by the project's layout) "
        "and leave a thin route that injects the service. " + DESCRIPTION,
    )
    extract.add_argument(
        "location", metavar="PATH:LINE", help="a file and a 1-based line inside a path operation"
    )
    extract.add_argument(
        "--diff", action="store_true", help="print the change as a unified diff; write nothing"
    )
    for name, spec in MODULE_REFACTORINGS.items():
        parser = kinds.add_parser(name, help=spec.help, description=f"{spec.help}. {DESCRIPTION}")
        parser.add_argument("location", metavar=spec.location, help="a file and 1-based numbers")
        parser.add_argument(
            "--diff", action="store_true", help="print the change as a unified diff; write nothing"
        )


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    from fastapi_lint.refactors import NotOffered

    out = out or sys.stdout
    err = err or sys.stderr
    names = ["extract-service", *MODULE_REFACTORINGS]
    if args.refactoring not in names:
        err.write(f"fastapi-lint refactor: choose a refactoring: {', '.join(names)}\n")
        return EXIT_ERROR
    try:
        refactoring = _refactoring(args.refactoring, args.location)
        results = applied(refactoring, _read)
        if args.diff:
            out.write("".join(_diff(result) for result in results))
        else:
            write_results(results)
            for result in results:
                verb = "created" if result.before is None else "changed"
                err.write(f"{verb} {_display(result.path)}\n")
    except NotOffered as reason:
        err.write(f"fastapi-lint: {args.refactoring} not offered: {reason}\n")
        return EXIT_NOT_OFFERED
    except RefactorError as error:
        err.write(f"fastapi-lint: error: {error}\n")
        return EXIT_ERROR
    return EXIT_DONE


def _refactoring(name: str, location: str) -> Refactoring:
    spec = MODULE_REFACTORINGS.get(name)
    if spec is not None:
        path, numbers = _numbered_location(location, spec)
        return spec.call(str(path), _existing(path), numbers)
    path, line = _location(location)
    source = _existing(path)
    from fastapi_lint.refactors.extract_service import extract_service

    return extract_service(path, source, line, project_root=_project_root(path), read_file=_read)


def _project_root(path: Path) -> Path | None:
    """The directory of the nearest ``pyproject.toml`` or ``.git`` above the file (None, no
    bound, when there is neither): the service may go anywhere in the project, also above
    the current directory."""
    for directory in path.resolve().parents:
        if (directory / "pyproject.toml").is_file() or (directory / ".git").exists():
            return directory
    return None


def _existing(path: Path) -> str:
    source = _read(path)
    if source is None:
        raise RefactorError(f"{path}: no such file")
    return source


def _numbered_location(text: str, spec: ModuleRefactoring) -> tuple[Path, list[int]]:
    """``PATH`` followed by up to ``spec.numbers[1]`` ``:N`` parts, each from 1."""
    path, numbers = text, list[int]()
    while len(numbers) < spec.numbers[1]:
        head, separator, tail = path.rpartition(":")
        if not separator or not head or not tail.isdigit():
            break
        path, numbers = head, [int(tail), *numbers]
    if len(numbers) < spec.numbers[0] or any(n < 1 for n in numbers) or not path:
        raise RefactorError(f"expected {spec.location} with numbers from 1, got {text!r}")
    return Path(path), numbers


def _location(text: str) -> tuple[Path, int]:
    path, separator, line = text.rpartition(":")
    if not separator or not path or not line.isdigit() or int(line) < 1:
        raise RefactorError(f"expected PATH:LINE with a line number from 1, got {text!r}")
    return Path(path), int(line)


def _read(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise RefactorError(f"{path}: cannot read: {error.strerror}") from None
    decoded = decode_source(data)
    if not decoded.exact:
        raise RefactorError(f"{path}: {decoded.error}")
    return decoded.text


@dataclass(frozen=True)
class FileResult:
    path: Path
    before: str | None  # None: the file is new
    after: str


def applied(refactoring: Refactoring, read: Any) -> list[FileResult]:
    """Every file's text before and after the refactoring."""
    from fastapi_lint.refactors import FileEdit, NewFile

    results: list[FileResult] = []
    for change in refactoring.changes:
        if isinstance(change, NewFile):
            if read(change.path) is not None:
                raise RefactorError(f"{change.path}: already exists")
            results.append(FileResult(change.path, None, change.text))
        elif isinstance(change, FileEdit):
            before = read(change.path)
            if before is None:
                raise RefactorError(f"{change.path}: no such file")
            results.append(FileResult(change.path, before, apply_edits(before, change)))
    return results


def apply_edits(text: str, change: FileEdit) -> str:
    """The text with the change's edits applied (they never overlap)."""
    source = SourceText(text)
    spans = sorted(
        ((source.offset(e.start), source.offset(e.end), e.new_text) for e in change.edits),
        key=lambda span: (span[0], span[1]),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def _display(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _diff(result: FileResult) -> str:
    name = _display(result.path)
    before = result.before.splitlines(keepends=True) if result.before is not None else []
    after = result.after.splitlines(keepends=True)
    import difflib

    lines = difflib.unified_diff(
        before,
        after,
        fromfile="/dev/null" if result.before is None else f"a/{name}",
        tofile=f"b/{name}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def write_results(results: list[FileResult]) -> None:
    for result in results:
        try:
            result.path.parent.mkdir(parents=True, exist_ok=True)
            encoding = "utf-8"
            if result.before is not None:
                encoding = decode_source(result.path.read_bytes()).encoding
            result.path.write_bytes(result.after.encode(encoding))
        except OSError as error:
            raise RefactorError(f"{result.path}: cannot write: {error.strerror}") from None
