"""Extracting a named dependency (``DbDep = Annotated[Session, Depends(get_db)]``) adds no
finding: the rules read the alias as the annotation it replaced."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from fastapi_lint.engine import check_text
from fastapi_lint.refactors import FileEdit, NotOffered
from fastapi_lint.refactors._cst import applied
from fastapi_lint.refactors.named_dependency import (
    extract_named_dependency,
    extract_named_dependency_available,
)
from fastapi_lint.rules import all_rules

FIXTURES = Path(__file__).parent / "fixtures"
# fixtures whose path parameter, body and model checks read dependencies
DECLARING_DEPENDENCIES = [
    FIXTURES / "routes" / "FAS304_path_parameter_mismatch.py",
    FIXTURES / "routes" / "FAS309_put_for_partial_update.py",
    FIXTURES / "pydantic" / "FAS206_param_declaration_misplaced.py",
    FIXTURES / "di" / "FAS402_dependency_called.py",
]


def findings(text: str) -> Counter[str]:
    """Codes and messages, without line numbers: the inserted alias moves what follows."""
    result = check_text(text, "app.py", all_rules())
    return Counter(
        re.sub(r"\bline \d+", "line N", f"{d.code} {d.message}") for d in result.diagnostics
    )


def extractions(text: str) -> dict[int, str]:
    """Line → the module after extracting the dependency declared there, for every line the
    refactoring is offered on."""
    rewritten: dict[int, str] = {}
    for line in range(1, len(text.splitlines()) + 1):
        if not extract_named_dependency_available(text, line):
            continue
        try:
            refactoring = extract_named_dependency("app.py", text, line)
        except NotOffered:
            continue
        (change,) = refactoring.changes
        assert isinstance(change, FileEdit)
        rewritten[line] = applied(text, change.edits)
    return rewritten


@pytest.mark.parametrize("path", DECLARING_DEPENDENCIES, ids=lambda p: p.stem)
def test_named_dependency_adds_no_finding(path: Path) -> None:
    text = path.read_text("utf-8")
    before = findings(text)
    rewritten = extractions(text)
    assert rewritten, f"no dependency of {path.name} could be named"
    for line, after_text in rewritten.items():
        assert after_text != text
        # fewer is fine: an `x: T = Depends(f)` it rewrites is no longer FAS401
        assert not findings(after_text) - before, f"naming the dependency at line {line}"
