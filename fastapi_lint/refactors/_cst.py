"""What the refactorings share: the module's facts (parsed once per text), the one edit that
turns a text into its rewrite, applying edits, and the rules whose fixes some refactorings
reuse.

libcst is slow on whole modules (DESIGN.md), so a refactoring parses only the fragment it
rewrites with :func:`parse_fragment`; everything else is read from ``ast`` facts.
"""

from __future__ import annotations

import ast
import difflib
import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.diagnostics import Diagnostic, Edit, Position, node_span
from fastapi_lint.engine import ParseError, parse_module, run_rules
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.refactors import FileEdit, NotOffered, Refactoring
from fastapi_lint.rules import get_rule
from fastapi_lint.source import SourceText

if TYPE_CHECKING:  # importing libcst takes about a second: only when a fragment is rewritten
    import libcst

REWRITE = "refactor.rewrite"
MAX_DIFF_LINES = 2000
WHOLE_PARSE_LINES = 3000  # above this, only the statements a refactoring changes are parsed
EXTRACT = "refactor.extract"


class NothingHere(NotOffered):
    """The place asked about holds nothing the refactoring is about (no call, no handler):
    an editor asks at every cursor move, so this is not worth a line in its log."""


def module_facts(path: str, text: str) -> ModuleFacts:
    """The facts of a module's text; the server asks several refactorings about one version,
    so the last few texts stay parsed (whoever asks first names the path, which the
    refactorings' rules do not read). Raises NotOffered when the text does not parse."""
    return _facts_of(text, path)


@functools.lru_cache(maxsize=8)
def _parsed(text: str) -> ModuleFacts | str:
    try:
        tree = parse_module(text)
    except ParseError as error:
        return str(error)
    return ModuleFacts(tree, SourceText(text))


def _facts_of(text: str, path: str) -> ModuleFacts:
    facts = _parsed(text)
    if isinstance(facts, str):
        raise NotOffered(f"the module does not parse: {facts}")
    if facts.path == "<unknown>":
        facts.path = path
    return facts


def rule_findings(facts: ModuleFacts, code: str) -> list[Diagnostic]:
    """One rule's findings, ``noqa`` comments disregarded: a user asking for a refactoring
    wants it whether or not the finding is silenced."""
    rule = get_rule(code)
    if rule is None:  # pragma: no cover - the catalog always has it
        raise NotOffered(f"rule {code} is not available")
    return run_rules(facts, [rule], honour_noqa=False).diagnostics


def rewrite_edits(old: str, new: str) -> list[Edit]:
    """Whole-line edits turning ``old`` into ``new``, one per changed run of lines (an editor
    keeps the cursor and the folds of the lines in between). Lines the two texts share at
    their start and end are skipped first; a long changed stretch becomes one edit (a line
    diff over thousands of lines costs seconds)."""
    before, after = SourceText(old).lines, SourceText(new).lines
    head = 0
    while head < min(len(before), len(after)) and before[head] == after[head]:
        head += 1
    tail = 0
    while (
        tail < min(len(before), len(after)) - head
        and before[len(before) - 1 - tail] == after[len(after) - 1 - tail]
    ):
        tail += 1
    old_lines, new_lines = before[head : len(before) - tail], after[head : len(after) - tail]
    if max(len(old_lines), len(new_lines)) > MAX_DIFF_LINES:
        return [
            Edit(Position(head + 1, 0), Position(head + len(old_lines) + 1, 0), "".join(new_lines))
        ]
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            text = "".join(new_lines[j1:j2])
            edits.append(Edit(Position(head + i1 + 1, 0), Position(head + i2 + 1, 0), text))
    return edits


def applied(text: str, edits: Iterable[Edit]) -> str:
    """The text with non-overlapping edits applied (identical edits once)."""
    source = SourceText(text)
    spans = {(source.offset(e.start), source.offset(e.end), e.new_text) for e in edits}
    for start, end, new_text in sorted(spans, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + new_text + text[end:]
    return text


def single_file(
    title: str, kind: str, path: str, facts: ModuleFacts, edits: Sequence[Edit]
) -> Refactoring:
    """A refactoring of one module, checked to parse once applied."""
    for text in _changed_statements(facts, edits):
        try:
            ast.parse(text)
        except (SyntaxError, ValueError) as error:  # a bug of ours must never reach the user
            raise NotOffered(f"the rewrite would not parse ({error})") from None
    return Refactoring(title, kind, (FileEdit(Path(path), tuple(edits)),))


def _changed_statements(facts: ModuleFacts, edits: Sequence[Edit]) -> list[str]:
    """What to parse to know the rewritten module parses: the whole new text of a small
    module; in a large one (where a parse takes a second) the module-level statements the
    edits touch, as they read afterwards (each one parses alone, at column 0)."""
    text = facts.source.text
    if len(facts.source.lines) <= WHOLE_PARSE_LINES:
        return [applied(text, edits)]
    spans = [_statement_lines(facts, e.start.line, e.end.line) for e in edits]
    windows: list[str] = []
    for first, last in _merged(spans):
        inside = [e for e in edits if first <= e.start.line and e.end.line <= last + 1]
        region = "".join(facts.source.lines[first - 1 : last])
        moved = [
            Edit(
                Position(e.start.line - first + 1, e.start.col),
                Position(e.end.line - first + 1, e.end.col),
                e.new_text,
            )
            for e in inside
        ]
        windows.append(applied(region, moved))
    return windows


def _statement_lines(facts: ModuleFacts, first: int, last: int) -> tuple[int, int]:
    """The lines of the module-level statements (decorators included) overlapping
    ``first``..``last``; the lines themselves between statements."""
    for statement in facts.tree.body:
        start = min(
            [statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", []))]
        )
        end = statement.end_lineno or statement.lineno
        if start <= last and first <= end:
            first, last = min(first, start), max(last, end)
    return first, last


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def rewritten_file(
    title: str, kind: str, path: str, facts: ModuleFacts, new_text: str
) -> Refactoring:
    return single_file(title, kind, path, facts, rewrite_edits(facts.source.text, new_text))


def text_of(facts: ModuleFacts, node: ast.AST) -> str:
    return facts.source.segment(*node_span(node))


def parse_fragment(text: str) -> libcst.BaseExpression:
    """An expression's text as a libcst tree (comments and layout kept)."""
    import libcst

    try:
        return libcst.parse_expression(text)
    except libcst.ParserSyntaxError as error:
        raise NotOffered(f"the expression cannot be rewritten: {error.message}") from None


def code_of(node: libcst.CSTNode) -> str:
    import libcst

    return libcst.Module(body=[]).code_for_node(node)


def function_at(facts: ModuleFacts, line: int) -> FunctionInfo | None:
    """The innermost function whose ``def`` (decorators included) spans ``line``."""
    found: FunctionInfo | None = None
    for func in facts.functions:
        node = func.node
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        spans = first <= line <= (node.end_lineno or node.lineno)
        if spans and (found is None or node.lineno >= found.node.lineno):
            found = func
    return found


def module_bound_names(facts: ModuleFacts) -> set[str]:
    """Every name bound anywhere in the module (any scope): a new module-level name must be
    none of these, or it would shadow or be shadowed."""
    names: set[str] = set()
    for node in ast.walk(facts.tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return names
