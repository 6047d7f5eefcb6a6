"""Positions of the project index as diagnostics and related locations."""

from __future__ import annotations

from fastapi_lint.diagnostics import Position, Related
from fastapi_lint.project.summary import Span


def start_of(span: Span) -> Position:
    return Position(span[0], span[1])


def end_of(span: Span) -> Position:
    return Position(span[2], span[3])


def related(message: str, span: Span, path: str) -> Related:
    return Related(message, start_of(span), end_of(span), path)


def location(path: str, span: Span) -> str:
    """``name.py:12`` for messages: the file name and line, short enough to read inline."""
    return f"{path.rsplit('/', 1)[-1]}:{span[0]}"
