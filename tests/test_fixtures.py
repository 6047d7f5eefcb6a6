"""Every fixture: the rule fires exactly where `# error:` says, and its fixes are right."""

from __future__ import annotations

from collections import Counter

import pytest

from fastapi_lint.engine import applicable, check_text, fix_text, parse_module
from tests.fixture_support import Fixture, all_fixtures

FIXTURES = all_fixtures()


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.id)
def test_rule_fires_exactly_where_expected(fixture: Fixture) -> None:
    result = check_text(fixture.text, str(fixture.path), [fixture.rule], fixture.settings())
    assert not result.failures
    actual = Counter((d.start.line, d.code) for d in result.diagnostics)
    assert sorted(actual.elements()) == sorted(fixture.expected().elements())


FIXABLE = [f for f in FIXTURES if f.fixed_path.exists()]


@pytest.mark.parametrize("fixture", FIXABLE, ids=lambda f: f.id)
def test_fixes_produce_the_expected_text(fixture: Fixture) -> None:
    settings = fixture.settings()
    result = fix_text(fixture.text, str(fixture.path), [fixture.rule], settings, unsafe=True)
    assert result.text == fixture.fixed_path.read_text("utf-8")
    parse_module(result.text)
    # what is left of the rule has no fix the CLI could apply
    assert not [d for d in result.remaining.diagnostics if applicable(d.fix, unsafe=True)]
    # applying fixes again changes nothing
    again = fix_text(result.text, str(fixture.path), [fixture.rule], settings, unsafe=True)
    assert again.text == result.text
    assert not again.fixed


@pytest.mark.parametrize("fixture", FIXABLE, ids=lambda f: f.id)
def test_safe_fixes_alone_leave_valid_code(fixture: Fixture) -> None:
    result = fix_text(fixture.text, str(fixture.path), [fixture.rule], fixture.settings())
    parse_module(result.text)
    remaining = check_text(result.text, str(fixture.path), [fixture.rule], fixture.settings())
    assert not [d for d in remaining.diagnostics if applicable(d.fix, unsafe=False)]


WITH_ACTIONS = [f for f in FIXTURES if f.actions_path.exists()]


@pytest.mark.parametrize("fixture", WITH_ACTIONS, ids=lambda f: f.id)
def test_editor_actions_produce_the_expected_text(fixture: Fixture) -> None:
    settings = fixture.settings()
    result = fix_text(
        fixture.text, str(fixture.path), [fixture.rule], settings, unsafe=True, actions=True
    )
    assert result.text == fixture.actions_path.read_text("utf-8")
    parse_module(result.text)
    assert result.fixed[fixture.rule.code] > 0
