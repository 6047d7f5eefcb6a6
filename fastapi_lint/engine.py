"""Checking and fixing one module: the single entry point every front end uses."""

from __future__ import annotations

import ast
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fastapi_lint.config import Settings
from fastapi_lint.diagnostics import Applicability, Diagnostic, Fix
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.fixes.apply import apply_fixes
from fastapi_lint.noqa import is_suppressed
from fastapi_lint.rules import Options, Rule
from fastapi_lint.source import SourceText

MAX_FIX_ROUNDS = 10


class ParseError(Exception):
    """The module does not parse; ``str(error)`` is the reason shown to the user."""


@dataclass(frozen=True)
class RuleFailure:
    """A rule raised on this module: reported as an internal error, the other rules still run."""

    code: str
    error: str


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic]
    failures: list[RuleFailure] = field(default_factory=list)
    # the facts the rules asked, for the project index to summarise without parsing again
    facts: ModuleFacts | None = field(default=None, repr=False, compare=False)


def parse_module(text: str, path: str = "<unknown>") -> ast.Module:
    """``ast.parse`` that turns every way of failing into ``ParseError``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            return ast.parse(text, filename=path)
    except SyntaxError as error:
        line = f" (line {error.lineno})" if error.lineno else ""
        raise ParseError(f"{error.msg}{line}") from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as error:
        raise ParseError(str(error) or type(error).__name__) from None


def run_rules(
    facts: ModuleFacts,
    rules: Iterable[Rule],
    options: dict[str, Options] | None = None,
    *,
    honour_noqa: bool = True,
) -> CheckResult:
    """Run rules over parsed facts; a crashing rule is recorded, never raised."""
    diagnostics: list[Diagnostic] = []
    failures: list[RuleFailure] = []
    for rule in rules:
        rule_options = (options or {}).get(rule.code) or rule.default_options()
        try:
            found = list(rule.check(facts, rule_options))
        except RecursionError:
            failures.append(RuleFailure(rule.code, "nesting too deep to analyse"))
            continue
        except Exception as error:  # a rule bug must not take the whole run down
            failures.append(RuleFailure(rule.code, f"{type(error).__name__}: {error}"))
            continue
        diagnostics.extend(found)
    if honour_noqa:
        diagnostics = [d for d in diagnostics if not is_suppressed(d, facts.source)]
    diagnostics.sort(key=lambda d: (d.start, d.code, d.end))
    return CheckResult(_unique(diagnostics), failures, facts)


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[object, ...]] = set()
    unique = []
    for d in diagnostics:
        key = (d.code, d.start, d.end, d.message)
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


def check_text(
    text: str,
    path: str,
    rules: Sequence[Rule],
    settings: Settings | None = None,
    *,
    module_name: str | None = None,
    honour_noqa: bool = True,
) -> CheckResult:
    """Parse and check one module's text. Raises ``ParseError`` when it does not parse."""
    tree = parse_module(text, path)
    facts = ModuleFacts(tree, SourceText(text), path, module_name)
    options = {r.code: settings.options_for(r) for r in rules} if settings else None
    return run_rules(facts, rules, options, honour_noqa=honour_noqa)


def applicable(fix: Fix | None, unsafe: bool, actions: bool = False) -> bool:
    """Whether a fix is applied: safe ones always, unsafe ones with ``unsafe``, editor
    actions only when ``actions`` (the editor applying every action, and the tests)."""
    if fix is None or not fix.edits:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    if fix.applicability is Applicability.UNSAFE:
        return unsafe
    return actions


@dataclass
class FixResult:
    text: str
    fixed: Counter[str]  # code → number of findings fixed
    remaining: CheckResult


def fix_text(
    text: str,
    path: str,
    rules: Sequence[Rule],
    settings: Settings | None = None,
    *,
    unsafe: bool = False,
    actions: bool = False,
    module_name: str | None = None,
) -> FixResult:
    """Apply fixes until nothing changes (at most ``MAX_FIX_ROUNDS`` rounds). A round whose
    result would not parse is discarded. Raises ``ParseError`` when the input does not parse."""
    fixed: Counter[str] = Counter()
    result = check_text(text, path, rules, settings, module_name=module_name)
    for _ in range(MAX_FIX_ROUNDS):
        candidates = [d for d in result.diagnostics if applicable(d.fix, unsafe, actions)]
        if not candidates:
            break
        by_fix = {id(d.fix): d for d in candidates}
        new_text, applied = apply_fixes(SourceText(text), [d.fix for d in candidates if d.fix])
        if new_text == text:
            break
        try:
            new_result = check_text(new_text, path, rules, settings, module_name=module_name)
        except ParseError:
            break
        fixed.update(by_fix[id(f)].code for f in applied)
        text, result = new_text, new_result
    return FixResult(text, fixed, result)
