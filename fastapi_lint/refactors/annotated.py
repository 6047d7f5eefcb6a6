"""Convert to ``Annotated``: every parameter of one signature (or of the whole module) that
declares ``Depends()``, ``Security()``, ``Query()``, ``Path()``, ``Header()``, ``Cookie()``,
``Body()``, ``Form()`` or ``File()`` as its default is rewritten as
``name: Annotated[T, Depends(f)]``.

This is FAS401's fix applied as one refactoring: its edits, unsafe ones included (the user
asks for the conversion), round after round until the scope has no such parameter left. The
unsafe parts of that fix keep what FastAPI does with a request: a parameter without a type
becomes ``Annotated[Any, ...]`` (FastAPI reads a missing annotation as ``Any``), and
parameters that lose their default move before those keeping one (FastAPI passes every
argument by name; only the order of the OpenAPI parameter list and of validation errors
follows the new signature).
"""

from __future__ import annotations

import re

from fastapi_lint.diagnostics import Diagnostic, Fix
from fastapi_lint.engine import MAX_FIX_ROUNDS
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.fixes.apply import apply_fixes
from fastapi_lint.refactors import NotOffered, Refactoring
from fastapi_lint.refactors._cst import (
    REWRITE,
    NothingHere,
    function_at,
    module_facts,
    rewritten_file,
    rule_findings,
    single_file,
)

CODE = "FAS401"
MARKERS = (
    "Depends(",
    "Security(",
    "Query(",
    "Path(",
    "Header(",
    "Cookie(",
    "Body(",
    "Form(",
    "File(",
)


def convert_to_annotated_available(source: str, line: int | None = None) -> bool:
    """A cheap look at the text: could the function at ``line`` (or the module) have a
    parameter to convert? The refactoring itself decides."""
    text = source if line is None else _enclosing_signature(source.splitlines(), line)
    return any(marker in text for marker in MARKERS)


_DEF = re.compile(r"\s*(async\s+)?def\s")
MAX_SIGNATURE_LINES = 80


def _enclosing_signature(lines: list[str], line: int) -> str:
    """The text of the nearest ``def`` at or above ``line`` up to its colon (by bracket
    count: an estimate, good enough to skip modules with nothing to convert)."""
    start = line - 1
    while start >= 0 and not _DEF.match(lines[start] if start < len(lines) else ""):
        if line - start > MAX_SIGNATURE_LINES * 10:
            return ""
        start -= 1
    if start < 0:
        return ""
    depth, taken = 0, []
    for text in lines[start : start + MAX_SIGNATURE_LINES]:
        taken.append(text)
        depth += text.count("(") + text.count("[") - text.count(")") - text.count("]")
        if depth <= 0 and text.split("#")[0].rstrip().endswith(":"):
            break
    return "\n".join(taken)


def convert_to_annotated(path: str, source: str, line: int | None = None) -> Refactoring:
    """Convert the signature of the function at ``line`` (1-based), or every signature of the
    module when ``line`` is None."""
    facts = module_facts(path, source)
    target = _target_index(facts, line)
    text = source
    rounds: list[list[Fix]] = []
    for _ in range(MAX_FIX_ROUNDS):
        current = facts if text == source else module_facts(path, text)
        findings = _findings_in_scope(current, target)
        fixable = [d.fix for d in findings if d.fix is not None and d.fix.edits]
        if not fixable:
            if text == source and not findings:
                where = "in the module" if line is None else f"in the function at line {line}"
                raise NothingHere(f"no parameter {where} declares `Depends()`, … as its default")
            if text == source:
                raise NotOffered(_not_convertible(findings, line))
            break
        # a fix moving parameters holds every conversion of its signature: taken first, it
        # spares a round (a round parses the whole module again)
        fixable.sort(key=lambda fix: -len(fix.edits))
        new_text, done = apply_fixes(current.source, fixable)
        if new_text == text:
            break
        text = new_text
        rounds.append(done)
        if len(done) == len(fixable):
            break
    scope = "the module" if target is None else f"`{facts.functions[target].name}`"
    title = f"Convert {scope} to `Annotated`"
    if len(rounds) == 1:  # the fixes' own edits, exact and cheap
        edits = dict.fromkeys(edit for fix in rounds[0] for edit in fix.edits)
        return single_file(title, REWRITE, path, facts, list(edits))
    return rewritten_file(title, REWRITE, path, facts, text)


def _target_index(facts: ModuleFacts, line: int | None) -> int | None:
    """The function's position among the module's functions (the fix keeps every function,
    so it finds the same one in each round's text); None for the whole module."""
    if line is None:
        return None
    func = function_at(facts, line)
    if func is None:
        raise NothingHere(f"line {line} is not in a function")
    return facts.functions.index(func)


def _findings_in_scope(facts: ModuleFacts, target: int | None) -> list[Diagnostic]:
    findings = rule_findings(facts, CODE)
    if target is None:
        return findings
    func = facts.functions[target]
    return [d for d in findings if _in_signature(func, d)]


def _in_signature(func: FunctionInfo, diagnostic: Diagnostic) -> bool:
    """The finding is on a parameter of this very function (not of a nested one)."""
    return any(
        (param.lineno, param.col_offset) == (diagnostic.start.line, diagnostic.start.col)
        for param in func.parameters
    )


def _not_convertible(findings: list[Diagnostic], line: int | None) -> str:
    where = "in the module" if line is None else f"in the function at line {line}"
    names = ", ".join(d.message.split("`")[1] for d in findings)
    return (
        f"the parameters {where} ({names}) cannot be rewritten exactly: unpacked arguments, "
        "two defaults, or a reordering across `/` or `*args`"
    )
