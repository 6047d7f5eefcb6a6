"""The rule registry. Every module below this package that defines a ``@rule`` is loaded."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from fastapi_lint.rules._registry import (
    Options,
    ProjectFinding,
    Rule,
    RuleOption,
    project_checks,
    project_extension,
    project_rule,
    registered_rules,
    rule,
)

__all__ = [
    "Options",
    "ProjectFinding",
    "Rule",
    "RuleOption",
    "all_rules",
    "get_rule",
    "project_checks",
    "project_extension",
    "project_rule",
    "rule",
    "rule_by_name",
]


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, sorted by code."""
    for info in pkgutil.walk_packages(__path__, prefix=__name__ + "."):
        if not info.name.rsplit(".", 1)[-1].startswith("_"):
            importlib.import_module(info.name)
    return tuple(sorted(registered_rules().values(), key=lambda r: r.code))


def get_rule(code: str) -> Rule | None:
    return {r.code: r for r in all_rules()}.get(code.upper())


def rule_by_name(name: str) -> Rule | None:
    return {r.name: r for r in all_rules()}.get(name)
