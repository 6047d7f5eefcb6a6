"""Applying fixes: non-overlapping edits, identical edits (a shared import) applied once."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi_lint.diagnostics import Edit, Fix
from fastapi_lint.source import SourceText


def _offsets(source: SourceText, edit: Edit) -> tuple[int, int]:
    return source.offset(edit.start), source.offset(edit.end)


def select_fixes(source: SourceText, fixes: Iterable[Fix]) -> list[Fix]:
    """The fixes that can be applied together: in source order, skipping any fix with an edit
    that overlaps an edit already taken (identical edits are shared, not overlapping)."""
    taken: list[tuple[int, int, str]] = []
    chosen: list[Fix] = []
    ordered = sorted(
        fixes, key=lambda f: min((_offsets(source, e) for e in f.edits), default=(0, 0))
    )
    for fix in ordered:
        spans = [(*_offsets(source, e), e.new_text) for e in fix.edits]
        if any(_conflicts(span, other) for span in spans for other in taken):
            continue
        chosen.append(fix)
        taken.extend(s for s in spans if s not in taken)
    return chosen


def _conflicts(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    if a == b:
        return False
    a_start, a_end, _ = a
    b_start, b_end, _ = b
    if a_start == a_end or b_start == b_end:  # an insertion conflicts with anything at its point
        return a_start <= b_end and b_start <= a_end
    return a_start < b_end and b_start < a_end


def apply_fixes(source: SourceText, fixes: Iterable[Fix]) -> tuple[str, list[Fix]]:
    """The text with every compatible fix applied, and the fixes that were."""
    chosen = select_fixes(source, fixes)
    spans: dict[tuple[int, int, str], None] = {}
    for fix in chosen:
        for edit in fix.edits:
            start, end = _offsets(source, edit)
            spans[(start, end, edit.new_text)] = None
    text = source.text
    for start, end, new_text in sorted(spans, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + new_text + text[end:]
    return text, chosen
