"""Running the project rules (FAS9xx) on an index and merging their findings into reports.

Project rules run when the CLI checks a directory: the index then covers the whole project
(the nearest ``pyproject.toml``/``.git`` above it), so a finding never rests on files the run
did not see. A run on named files only (pre-commit, an editor checking one file, the flake8
plugin) has no project index and runs no project rule.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi_lint.config import Settings
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.engine import RuleFailure
from fastapi_lint.files import discover_files, relative_to_root
from fastapi_lint.noqa import is_suppressed
from fastapi_lint.project.build import ProjectScope, check_and_index, project_files, scope_for
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.project.modules import project_root
from fastapi_lint.project.summary import ModuleSummary
from fastapi_lint.rules import Rule, project_checks
from fastapi_lint.rules._registry import ProjectCheck
from fastapi_lint.runner import FileReport, FixMode
from fastapi_lint.source import SourceText


def project_rules(rules: Iterable[Rule]) -> list[Rule]:
    """The rules with something to run on the project index."""
    return [r for r in rules if project_checks(r)]


def run_project_rules(
    index: ProjectIndex, rules: Iterable[Rule], settings: Settings | None = None
) -> tuple[dict[str, list[Diagnostic]], list[tuple[str, RuleFailure]]]:
    """Findings by absolute path; a crashing rule is recorded, never raised."""
    found: dict[str, list[Diagnostic]] = {}
    failures: list[tuple[str, RuleFailure]] = []
    for rule in project_rules(rules):
        _run_checks(index, rule, project_checks(rule), settings, found, failures)
    return found, failures


def _run_checks(
    index: ProjectIndex,
    rule: Rule,
    checks: Iterable[ProjectCheck],
    settings: Settings | None,
    found: dict[str, list[Diagnostic]],
    failures: list[tuple[str, RuleFailure]],
) -> None:
    options = settings.options_for(rule) if settings else rule.default_options()
    try:
        for check in checks:
            for finding in check(index, options):
                found.setdefault(finding.path, []).append(finding.diagnostic)
    except RecursionError:
        failures.append(("<project>", RuleFailure(rule.code, "nesting too deep to analyse")))
    except Exception as error:  # a rule bug must not take the whole run down
        failures.append(("<project>", RuleFailure(rule.code, f"{type(error).__name__}: {error}")))


# Project rules that report in the module they look at, from that module and what its imports
# reach (names resolved, call chains, dependency chains): after a change they need to look
# again only at the changed modules and those importing them, directly or not. FAS903 and
# FAS904 are the costly ones: they look at every call of the project.
MODULE_SCOPED_RULES = frozenset({"FAS103", "FAS903", "FAS904", "FAS905"})


class IncrementalProjectRules:
    """The project rules' findings, kept between runs on an index updated file by file.

    A run with a ``scope`` (the module names whose findings may have changed) runs the
    module-scoped rules only on those modules and keeps their findings elsewhere; every other
    project rule runs on the whole index (they are cheap, and what they report can change
    anywhere: a duplicate route, a router no longer included)."""

    def __init__(self, rules: Iterable[Rule], settings: Settings | None = None) -> None:
        self.rules = project_rules(rules)
        self.settings = settings
        # module-scoped rule code → path → findings, from the last run that looked at the path
        self._kept: dict[str, dict[str, list[Diagnostic]]] = {}
        self.failures: list[tuple[str, RuleFailure]] = []

    def run(
        self, index: ProjectIndex, scope: Collection[str] | None = None
    ) -> dict[str, list[Diagnostic]]:
        """Findings by absolute path after the index changed in ``scope`` (None: anywhere)."""
        found: dict[str, list[Diagnostic]] = {}
        failures: list[tuple[str, RuleFailure]] = []
        for rule in self.rules:
            checks = project_checks(rule)
            if rule.code not in MODULE_SCOPED_RULES:
                _run_checks(index, rule, checks, self.settings, found, failures)
                continue
            kept = self._kept.get(rule.code)
            fresh: dict[str, list[Diagnostic]] = {}
            if scope is None or kept is None:
                _run_checks(index, rule, checks, self.settings, fresh, failures)
                kept = fresh
            else:
                view: Any = _ScopedIndex(index, scope)
                _run_checks(view, rule, checks, self.settings, fresh, failures)
                looked_at = {s.path for m in scope if (s := index.modules.get(m)) is not None}
                kept = {
                    p: d for p, d in kept.items() if p not in looked_at and p in index.summaries
                }
                kept.update(fresh)
            self._kept[rule.code] = kept
            for path, diagnostics in kept.items():
                found.setdefault(path, []).extend(diagnostics)
        self.failures = failures
        return found


class _ScopedModules(Mapping[str, ModuleSummary]):
    """Every module for look-ups; only the scope's modules when iterated (what the module-scoped
    rules iterate to find what to report)."""

    def __init__(self, modules: Mapping[str, ModuleSummary], scope: Collection[str]) -> None:
        self._modules = modules
        self._scope = [m for m in sorted(scope) if m in modules]

    def __getitem__(self, key: str) -> ModuleSummary:
        return self._modules[key]

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __iter__(self) -> Iterator[str]:
        return iter(self._scope)

    def __len__(self) -> int:
        return len(self._scope)


class _ScopedIndex:
    """The index as a module-scoped rule sees it during a scoped run: everything of the real
    index (its caches included), but ``modules`` iterates the scope only."""

    def __init__(self, index: ProjectIndex, scope: Collection[str]) -> None:
        self._index = index
        self.modules = _ScopedModules(index.modules, scope)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)


def check_project(
    paths: Sequence[Path],
    settings: Settings,
    mode: FixMode | None,
    jobs: int | None = None,
    *,
    force_exclude: bool = False,
) -> list[FileReport]:
    """Check the files under ``paths`` with every enabled rule, project rules included."""
    checked = list(discover_files(paths, settings, force_exclude=force_exclude))
    directory = next(p for p in paths if p.is_dir())
    root = project_root(directory)
    every_file = project_files(root, settings)
    seen = {p.resolve() for p in checked}
    index_only = [p for p in every_file if p.resolve() not in seen]
    scope: ProjectScope = scope_for(root, [*checked, *index_only])
    reports, index = check_and_index(checked, index_only, settings, mode, scope, jobs)
    index.offer_actions = False  # editor-only fixes: the command line never applies them
    merge_project_findings(reports, index, settings)
    return reports


def merge_project_findings(
    reports: list[FileReport], index: ProjectIndex, settings: Settings
) -> None:
    """Add the project rules' findings to the reports of the checked files, with the same
    per-file selection and ``noqa`` comments as the module rules."""
    found, failures = run_project_rules(index, settings.enabled_rules, settings)
    by_path = {r.summary.path: r for r in reports if r.summary is not None}
    for path, diagnostics in found.items():
        report = by_path.get(path)
        if report is None or report.source is None:
            continue  # a file of the project this run does not check
        allowed = {
            r.code for r in settings.rules_for_path(relative_to_root(Path(path), settings.root))
        }
        kept = findings_for_file(diagnostics, allowed, report.source)
        report.diagnostics = sorted_unique([*report.diagnostics, *kept])
    if failures and reports:
        for _, failure in failures:
            reports[0].failures.append(failure)


def findings_for_file(
    diagnostics: Iterable[Diagnostic], allowed: Collection[str], source: SourceText
) -> list[Diagnostic]:
    """A file's project findings under its selection (``allowed`` codes, per-file ignores
    applied) and its ``noqa`` comments, as for its module findings."""
    return [d for d in diagnostics if d.code in allowed and not is_suppressed(d, source)]


def finding_key(diagnostic: Diagnostic) -> tuple[object, ...]:
    """What makes two findings the same: a module rule and its cross-module form may both
    report one place, which is shown once."""
    return (diagnostic.code, diagnostic.start, diagnostic.end, diagnostic.message)


def sorted_unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[object, ...]] = set()
    unique = []
    for d in sorted(diagnostics, key=lambda d: (d.start, d.code, d.end)):
        key = finding_key(d)
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique
