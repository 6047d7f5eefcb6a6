"""Project rules on their fixture projects: each rule fires exactly where `# error:` says.

A project fixture is a folder `tests/fixtures/project/<CODE>_<name>[_<variant>]/` holding a
small project; any line of any file in it may carry `# error: FASxxx`. Only what runs on the
project index for the folder's code runs: a FAS9xx rule, or the cross-module form of a module
rule (`FAS409_dependency_cycle_across_modules/`). A sibling folder `<folder>.actions/` holds,
for the files it lists, the text expected after applying every fix, editor actions included.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fastapi_lint.engine import check_text, parse_module
from fastapi_lint.fixes.apply import apply_fixes
from fastapi_lint.project.build import build_index
from fastapi_lint.rules import ProjectFinding, Rule, get_rule, project_checks
from fastapi_lint.source import SourceText
from tests.fixture_support import ERROR, FIXTURES

PROJECT_FIXTURES = FIXTURES / "project"


def project_fixtures() -> list[Path]:
    return sorted(p for p in PROJECT_FIXTURES.iterdir() if p.is_dir() and "." not in p.name)


def fixture_rule(folder: Path) -> Rule:
    rule = get_rule(folder.name[:6])
    assert rule is not None and project_checks(rule), folder
    return rule


def expected_findings(folder: Path, code: str) -> Counter[tuple[str, int]]:
    found: Counter[tuple[str, int]] = Counter()
    for path in sorted(folder.rglob("*.py")):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            match = ERROR.search(line)
            if match and code in [c.strip() for c in match.group(1).split(",")]:
                found[(path.relative_to(folder).as_posix(), number)] += 1
    return found


def findings(folder: Path) -> list[ProjectFinding]:
    rule = fixture_rule(folder)
    index = build_index(folder, jobs=1)
    options = rule.default_options()
    return [finding for check in project_checks(rule) for finding in check(index, options)]


@pytest.mark.parametrize("folder", project_fixtures(), ids=lambda p: p.name)
def test_project_rule_fires_exactly_where_expected(folder: Path) -> None:
    rule = fixture_rule(folder)
    root = folder.resolve()
    actual = Counter(
        (Path(f.path).relative_to(root).as_posix(), f.diagnostic.start.line)
        for f in findings(folder)
    )
    assert all(f.diagnostic.code == rule.code for f in findings(folder))
    assert sorted(actual.elements()) == sorted(expected_findings(folder, rule.code).elements())


@pytest.mark.parametrize("folder", project_fixtures(), ids=lambda p: p.name)
def test_related_locations_name_real_files(folder: Path) -> None:
    for finding in findings(folder):
        for related in finding.diagnostic.related:
            assert related.path is not None and Path(related.path).is_file()
            lines = Path(related.path).read_text("utf-8").splitlines()
            assert 1 <= related.start.line <= len(lines)


WITH_ACTIONS = [f for f in project_fixtures() if f.with_name(f.name + ".actions").is_dir()]


@pytest.mark.parametrize("folder", WITH_ACTIONS, ids=lambda p: p.name)
def test_project_actions_produce_the_expected_text(folder: Path) -> None:
    expected_root = folder.with_name(folder.name + ".actions")
    by_file: dict[str, list[ProjectFinding]] = {}
    for finding in findings(folder):
        by_file.setdefault(finding.path, []).append(finding)
    expected_files = sorted(expected_root.rglob("*.py"))
    assert expected_files
    for expected in expected_files:
        relative = expected.relative_to(expected_root)
        original = (folder / relative).resolve()
        source = SourceText(original.read_text("utf-8"))
        fixes = [f.diagnostic.fix for f in by_file.get(original.as_posix(), []) if f.diagnostic.fix]
        assert fixes, f"no fix offered in {relative}"
        text, applied = apply_fixes(source, fixes)
        assert applied
        assert text == expected.read_text("utf-8")
        parse_module(text)


CROSS_MODULE = [f for f in project_fixtures() if not f.name.startswith("FAS9")]


@pytest.mark.parametrize("folder", CROSS_MODULE, ids=lambda p: p.name)
def test_cross_module_form_and_module_rule_never_report_one_place(folder: Path) -> None:
    """A cross-module form reports what its module rule cannot see, never the same finding."""
    rule = fixture_rule(folder)
    root = folder.resolve()
    project = {
        (Path(f.path).relative_to(root).as_posix(), f.diagnostic.start) for f in findings(folder)
    }
    assert project
    for path in sorted(folder.rglob("*.py")):
        result = check_text(path.read_text("utf-8"), str(path), [rule])
        module = {(path.relative_to(folder).as_posix(), d.start) for d in result.diagnostics}
        assert not module & project, path
