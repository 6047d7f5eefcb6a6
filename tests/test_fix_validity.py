"""Fix validity (``benchmarks/fix_validity.py``) on every fixture, every example and the
smallest pinned corpus release: every safe, then every unsafe fix, all together and one rule
at a time, gives code that parses, leaves no fixable finding, reveals no undocumented finding
and is stable under a second pass.

The corpus release is downloaded from the package index into ``benchmarks/.cache`` (about
40 kB, once); set ``FASTAPI_LINT_OFFLINE=1`` to skip that one test without a network."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, Rule, all_rules, get_rule

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402
import fix_validity  # noqa: E402

SMALL_CORPUS = "fastapi-users"
FILES = sorted((ROOT / "tests" / "fixtures").rglob("*.py")) + sorted(
    (ROOT / "examples").rglob("*.py")
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_fixes_are_valid_on_fixtures_and_examples(path: Path) -> None:
    report = fix_validity.validate_module(path.read_text("utf-8"), path.name)
    assert not report.unparsable
    assert [f.line() for f in report.failures] == []


def test_fixes_are_valid_on_a_real_release() -> None:
    if os.environ.get("FASTAPI_LINT_OFFLINE"):
        pytest.skip("FASTAPI_LINT_OFFLINE is set: no download of the corpus release")
    (entry,) = corpus.select_entries([SMALL_CORPUS])
    prepared = corpus.prepare(entry, corpus.DEFAULT_CACHE)
    paths = [prepared.root / name for name in prepared.files]
    report = fix_validity.validate_files(paths, prepared.root)
    assert report.modules == len(prepared.files) > 10
    assert [f.line() for f in report.failures] == []
    # the release has findings with fixes of several rules (38 fixes of FAS303, FAS306 and
    # FAS401 when this was written): the validation had work to do
    assert report.fixes_validated >= 30
    assert len(report.rules) >= 3


def fix_safety(rule: Rule) -> str:
    match = re.search(r"## Fix safety\s*\n(.*?)(?:\n## |\Z)", rule.doc, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize("pair", sorted(fix_validity.DOCUMENTED_NEW), ids=" reveals ".join)
def test_revealed_findings_are_documented(pair: tuple[str, str]) -> None:
    """A finding a fix may reveal is allowed only when the fixing rule's documentation says
    so, in its "Fix safety" section."""
    fixing, revealed = pair
    rule = get_rule(fixing)
    assert rule is not None and get_rule(revealed) is not None
    assert revealed in fix_safety(rule)


# -- the validation fails when a fix is broken -----------------------------------------------

MODULE = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
SLEEP = Position(5, 4)  # `time.sleep(1)`, 1-based line, UTF-8 column
SLEEP_END = Position(5, 17)


def broken_rule(code: str, new_text: str, applicability: Applicability) -> Rule:
    """A rule that flags ``time.sleep`` in ``MODULE`` with a fix replacing it by ``new_text``."""

    def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
        line = facts.source.line_text(SLEEP.line)
        if "time.sleep(1)" in line:
            edit = Edit(SLEEP, SLEEP_END, new_text)
            fix = Fix("Replace", applicability, (edit,))
            yield Diagnostic(code, "a finding", SLEEP, SLEEP_END, fix=fix)

    return Rule(code, "broken", True, applicability.value, "", check, "")


def failures_with(rule: Rule) -> list[str]:
    rules = (*[r for r in all_rules() if r.code == "FAS101"], rule)
    report = fix_validity.validate_module(MODULE, "app.py", rules)
    return [f.line() for f in report.failures]


def test_a_fix_that_breaks_the_syntax_fails() -> None:
    failures = failures_with(broken_rule("FAS998", "time.sleep(", Applicability.SAFE))
    assert any("FAS998" in f and "fixable finding is left" in f for f in failures), failures


def test_a_fix_that_does_not_remove_its_finding_fails() -> None:
    failures = failures_with(broken_rule("FAS998", "time.sleep(1) ", Applicability.UNSAFE))
    assert "app.py: rule FAS998: a fixable finding is left: FAS998 a finding" in failures
    assert any("FAS998: a second pass changes the module again" in f for f in failures)


def test_a_fix_that_reveals_another_finding_fails() -> None:
    # the blocking call moves into a new statement that FAS101 reports again
    fix = "time.sleep(1)\n    time.sleep(2)"
    failures = failures_with(broken_rule("FAS998", fix, Applicability.SAFE))
    assert any("new FAS101 finding" in f for f in failures), failures
