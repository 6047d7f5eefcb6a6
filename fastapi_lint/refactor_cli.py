"""``fastapi-lint refactor``: the refactorings for scripting.

``fastapi-lint refactor extract-service PATH:LINE [--diff]`` writes the change (the user asked
for it by name) or, with ``--diff``, prints it as a unified diff and writes nothing.
Exit codes: 0 done, 1 not offered (the reason goes to stderr), 2 usage or file error.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from fastapi_lint.refactors import FileEdit, NewFile, NotOffered, Refactoring
from fastapi_lint.source import SourceText, decode_source

EXIT_DONE = 0
EXIT_NOT_OFFERED = 1
EXIT_ERROR = 2

DESCRIPTION = (
    "Apply a refactoring. Exit codes: 0 applied (or diff printed), 1 not offered here "
    "(the reason is printed on stderr), 2 usage or file error."
)


class RefactorError(Exception):
    """A file cannot be read or written; ``str(self)`` is the message."""


def register(commands: Any) -> None:
    """Add the ``refactor`` command to the CLI's subcommands."""
    refactor = commands.add_parser(
        "refactor", help="apply a refactoring (extract-service)", description=DESCRIPTION
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


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    if args.refactoring != "extract-service":
        err.write("fastapi-lint refactor: choose a refactoring: extract-service\n")
        return EXIT_ERROR
    try:
        path, line = _location(args.location)
        source = _read(path)
        if source is None:
            raise RefactorError(f"{path}: no such file")
        from fastapi_lint.refactors.extract_service import extract_service

        refactoring = extract_service(path, source, line, project_root=Path.cwd(), read_file=_read)
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
