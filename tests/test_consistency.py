"""The catalog, the registry, the rule docs, the README and the fixtures name the same rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from fastapi_lint.docs import TABLE_START, stale_files
from fastapi_lint.rules import Rule, all_rules
from tests.fixture_support import ERROR, FIXTURES

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT.parent / "shared" / "RULES.md"
# Families whose every single-module rule must be implemented (grows with each family).
REQUIRED_FAMILIES = ("FAS1", "FAS2", "FAS3", "FAS4", "FAS5", "FAS6", "FAS7", "FAS9")
# Project rules (FAS9xx) are tested on fixture projects: folders `<CODE>_<name>[_variant]/`
# here, with `# error:` markers in any of their files (tests/test_project_fixtures.py).
PROJECT_FIXTURES = FIXTURES / "project"
# Rules whose catalog fix is the "Extract to service" refactoring, which the language server's
# refactoring actions provide; until they exist, these rules offer no fix of their own.
FIX_FROM_REFACTORING = {"FAS601", "FAS602"}
SECTIONS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix safety",
)
ROW = re.compile(r"^\|\s*(FAS\d{3})\s*\|\s*([a-z0-9-]+)\s*\|\s*(on|opt)\s*\|(.*)\|\s*$")


@dataclass(frozen=True)
class CatalogEntry:
    code: str
    name: str
    default: bool
    fix: str  # the catalog's fix column


def catalog() -> dict[str, CatalogEntry]:
    assert CATALOG.exists(), f"the rule catalog is expected at {CATALOG}"
    entries = {}
    for line in CATALOG.read_text("utf-8").splitlines():
        match = ROW.match(line)
        if match:
            code, name, default, rest = match.groups()
            cells = [c.strip() for c in rest.split("|")]
            fix = cells[-2] if len(cells) >= 2 else ""
            entries[code] = CatalogEntry(code, name, default == "on", fix)
    return entries


RULES = all_rules()


def test_catalog_is_readable() -> None:
    assert len(catalog()) >= 50


def test_required_families_are_complete() -> None:
    wanted = {c for c in catalog() if c.startswith(REQUIRED_FAMILIES)}
    assert wanted - {r.code for r in RULES} == set()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_matches_catalog(rule: Rule) -> None:
    entry = catalog().get(rule.code)
    assert entry is not None, f"{rule.code} is not in the catalog"
    assert rule.name == entry.name
    assert rule.default == entry.default
    fix_column = entry.fix.lower()
    if rule.code in FIX_FROM_REFACTORING:
        assert rule.fix == "none" and "extract to service" in fix_column
    elif fix_column.startswith("none"):
        assert rule.fix == "none"
    else:
        assert rule.fix in fix_column or rule.fix == "action", (rule.fix, entry.fix)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_docstring_has_every_section(rule: Rule) -> None:
    positions = [rule.doc.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions), f"{rule.code} docstring misses a section"
    assert positions == sorted(positions), f"{rule.code} docstring sections are out of order"
    assert rule.summary, f"{rule.code} has no one-line summary"


def _project_fixture_files(rule: Rule) -> tuple[list[Path], list[Path]]:
    """A project rule's fixture folders and the Python files in them."""
    folders = [
        p for p in PROJECT_FIXTURES.glob(f"{rule.code}_*") if p.is_dir() and "." not in p.name
    ]
    return folders, [f for folder in folders for f in folder.rglob("*.py")]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_a_firing_fixture(rule: Rule) -> None:
    if rule.project_check is not None:
        folders, files = _project_fixture_files(rule)
        assert any(f.name == f"{rule.code}_{rule.name.replace('-', '_')}" for f in folders)
        assert any(
            (m := ERROR.search(line)) and rule.code in m.group(1)
            for path in files
            for line in path.read_text("utf-8").splitlines()
        ), f"{rule.code} fixture projects have no firing case"
        return
    fixtures = [
        p
        for p in FIXTURES.rglob(f"{rule.code}_*.py")
        if not p.name.endswith((".fixed.py", ".actions.py"))
    ]
    assert fixtures, f"{rule.code} has no fixture"
    marked = [
        line
        for path in fixtures
        for line in path.read_text("utf-8").splitlines()
        if (m := ERROR.search(line)) and rule.code in m.group(1)
    ]
    assert marked, f"{rule.code} fixtures have no firing case"
    assert any(f.name == f"{rule.code}_{rule.name.replace('-', '_')}.py" for f in fixtures)


@pytest.mark.parametrize(
    "rule", [r for r in RULES if r.fix in ("safe", "unsafe")], ids=lambda r: r.code
)
def test_fixable_rule_has_expected_fix_output(rule: Rule) -> None:
    assert list(FIXTURES.rglob(f"{rule.code}_*.fixed.py")), f"{rule.code} fix is untested"


def test_rule_module_is_named_after_the_rule() -> None:
    for rule in RULES:
        assert rule.module.rsplit(".", 1)[-1] == rule.name.replace("-", "_"), rule.code


def test_generated_docs_are_up_to_date() -> None:
    stale = stale_files(ROOT)
    assert not stale, f"run `python -m fastapi_lint.docs`: stale {[str(p) for p in stale]}"


def test_readme_has_the_rule_table() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert TABLE_START in readme
    for rule in RULES:
        assert f"[{rule.code}](docs/rules/{rule.code}.md)" in readme


def test_every_fixture_names_a_registered_rule() -> None:
    codes = {r.code for r in RULES}
    for path in FIXTURES.rglob("FAS*.py"):
        assert path.name[:6] in codes, path


@pytest.mark.parametrize("rule", [r for r in RULES if r.fix == "action"], ids=lambda r: r.code)
def test_rule_with_editor_action_has_expected_action_output(rule: Rule) -> None:
    if rule.project_check is not None:
        expected = [p for p in PROJECT_FIXTURES.glob(f"{rule.code}_*.actions") if p.is_dir()]
        assert expected, f"{rule.code} action is untested"
        return
    assert list(FIXTURES.rglob(f"{rule.code}_*.actions.py")), f"{rule.code} action is untested"


@pytest.mark.parametrize("rule", [r for r in RULES if r.options], ids=lambda r: r.code)
def test_rule_options_are_documented(rule: Rule) -> None:
    assert "## Options" in rule.doc
    for option in rule.options:
        assert f"`{rule.options_key}.{option.name}`" in rule.doc, option.name
