"""``# noqa`` comments, read the way flake8 reads them."""

from __future__ import annotations

import re

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.source import SourceText

# flake8's own pattern: `# noqa`, `# noqa: FAS101`, `# NOQA:FAS101,FAS102`
NOQA_PATTERN = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


def noqa_codes(line: str) -> tuple[str, ...] | None:
    """None: no noqa on the line; ``()``: a bare ``# noqa``; else the listed codes."""
    if "noqa" not in line.lower():
        return None
    match = NOQA_PATTERN.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return ()
    return tuple(c.upper() for c in _CODE.findall(codes))


def is_suppressed(diagnostic: Diagnostic, source: SourceText) -> bool:
    codes = noqa_codes(source.line_text(diagnostic.start.line))
    if codes is None:
        return False
    return not codes or any(diagnostic.code.startswith(c) for c in codes)
