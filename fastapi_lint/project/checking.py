"""Running the project rules (FAS9xx) on an index and merging their findings into reports.

Project rules run when the CLI checks a directory: the index then covers the whole project
(the nearest ``pyproject.toml``/``.git`` above it), so a finding never rests on files the run
did not see. A run on named files only (pre-commit, an editor checking one file, the flake8
plugin) has no project index and runs no project rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from fastapi_lint.config import Settings
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.engine import RuleFailure
from fastapi_lint.files import discover_files, relative_to_root
from fastapi_lint.noqa import is_suppressed
from fastapi_lint.project.build import ProjectScope, check_and_index, project_files, scope_for
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.project.modules import project_root
from fastapi_lint.rules import Rule, project_checks
from fastapi_lint.runner import FileReport, FixMode


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
        options = settings.options_for(rule) if settings else rule.default_options()
        try:
            for check in project_checks(rule):
                for finding in check(index, options):
                    found.setdefault(finding.path, []).append(finding.diagnostic)
        except RecursionError:
            failures.append(("<project>", RuleFailure(rule.code, "nesting too deep to analyse")))
        except Exception as error:  # a rule bug must not take the whole run down
            failures.append(
                ("<project>", RuleFailure(rule.code, f"{type(error).__name__}: {error}"))
            )
    return found, failures


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
        kept = [d for d in diagnostics if d.code in allowed and not is_suppressed(d, report.source)]
        report.diagnostics = _sorted_unique([*report.diagnostics, *kept])
    if failures and reports:
        for _, failure in failures:
            reports[0].failures.append(failure)


def _sorted_unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[object, ...]] = set()
    unique = []
    for d in sorted(diagnostics, key=lambda d: (d.start, d.code, d.end)):
        key = (d.code, d.start, d.end, d.message)
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique
