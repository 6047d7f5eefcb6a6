"""Findings and the text edits that fix them.

Positions are ``(line, column)`` pairs as the standard library's ``ast`` gives them: lines
1-based, columns 0-based UTF-8 byte offsets. Adapters convert them (to characters for the CLI
and flake8, to UTF-16 or UTF-8 code units for the language server) through ``SourceText``.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass, field


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Applicability(enum.Enum):
    """How sure a fix is, as Ruff spells it."""

    SAFE = "safe"  # keeps behaviour: applied by ``--fix``
    UNSAFE = "unsafe"  # may change behaviour: applied only with ``--unsafe-fixes``
    ACTION = "action"  # editor code action only: never applied by the CLI


@dataclass(frozen=True, order=True)
class Position:
    line: int  # 1-based
    col: int  # 0-based UTF-8 byte offset


@dataclass(frozen=True)
class Edit:
    start: Position
    end: Position
    new_text: str

    @classmethod
    def replace(cls, node: ast.AST, new_text: str) -> Edit:
        start, end = node_span(node)
        return cls(start, end, new_text)

    @classmethod
    def insert(cls, at: Position, text: str) -> Edit:
        return cls(at, at, text)

    @classmethod
    def delete(cls, start: Position, end: Position) -> Edit:
        return cls(start, end, "")


@dataclass(frozen=True)
class Fix:
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Related:
    """A second location that explains a finding (the first registration, a hop in a chain)."""

    message: str
    start: Position
    end: Position
    path: str | None = None  # None: the same file


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    start: Position
    end: Position
    severity: Severity = Severity.WARNING
    fix: Fix | None = None
    related: tuple[Related, ...] = field(default=())

    @classmethod
    def at(
        cls,
        node: ast.AST,
        code: str,
        message: str,
        *,
        fix: Fix | None = None,
        related: tuple[Related, ...] = (),
        severity: Severity = Severity.WARNING,
    ) -> Diagnostic:
        start, end = node_span(node)
        return cls(code, message, start, end, severity, fix, related)


def node_start(node: ast.AST) -> Position:
    return Position(getattr(node, "lineno", 1), getattr(node, "col_offset", 0))


def node_end(node: ast.AST) -> Position:
    start = node_start(node)
    end_line = getattr(node, "end_lineno", None)
    end_col = getattr(node, "end_col_offset", None)
    if end_line is None or end_col is None:
        return start
    return Position(end_line, end_col)


def node_span(node: ast.AST) -> tuple[Position, Position]:
    return node_start(node), node_end(node)
