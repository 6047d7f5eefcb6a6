"""The rule API: a rule declares itself with ``@rule(...)`` and yields ``Diagnostic``s."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.facts import ModuleFacts

if TYPE_CHECKING:
    from fastapi_lint.project.index import ProjectIndex

CODE_PATTERN = re.compile(r"^FAS\d{3}$")


@dataclass(frozen=True)
class RuleOption:
    """A setting of one rule, spelled ``<rule-name>.<name>`` in configuration."""

    name: str
    default: Any
    help: str

    @property
    def type(self) -> type:
        return type(self.default)


class Options(Mapping[str, Any]):
    """A rule's option values: defaults overridden by configuration."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


CheckFunction = Callable[[ModuleFacts, Options], Iterator[Diagnostic]]


@dataclass(frozen=True)
class ProjectFinding:
    path: str  # the file the diagnostic is in, as the index knows it (absolute)
    diagnostic: Diagnostic


ProjectCheck = Callable[["ProjectIndex", Options], Iterator[ProjectFinding]]


def _no_module_check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    """A project rule looks at the project index, which one module alone does not have."""
    return iter(())


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    default: bool  # on without configuration; False = opt-in
    fix: str  # "safe", "unsafe", "action", "none" (the best applicability the rule offers)
    summary: str  # the catalog's one-line description
    check: CheckFunction
    doc: str  # Markdown: What it does / Why is this bad? / Example / Use instead / Fix safety
    severity: Severity = Severity.WARNING
    options: tuple[RuleOption, ...] = field(default=())
    module: str = ""
    options_table: str = ""  # the configuration table of its options; the rule name if empty
    project_check: ProjectCheck | None = None  # FAS9xx: runs once on the project index

    @property
    def options_key(self) -> str:
        return self.options_table or self.name

    def default_options(self) -> Options:
        return Options({opt.name: opt.default for opt in self.options})

    @property
    def family(self) -> str:
        return self.code[:4] + "xx"


_RULES: dict[str, Rule] = {}

FIX_KINDS = ("safe", "unsafe", "action", "none")


def rule(
    *,
    code: str,
    name: str,
    default: bool,
    fix: str = "none",
    severity: Severity = Severity.WARNING,
    options: tuple[RuleOption, ...] = (),
    options_table: str = "",
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function as a rule. Its module docstring is the rule's documentation;
    its first line is ``CODE name`` and the "What it does" section gives the summary."""
    _validate(code, fix)

    def register(check: CheckFunction) -> CheckFunction:
        if code in _RULES and _RULES[code].check is not check:
            raise ValueError(f"rule code {code} registered twice")
        _store(
            check,
            code=code,
            name=name,
            default=default,
            fix=fix,
            check=check,
            severity=severity,
            options=options,
            options_table=options_table,
        )
        return check

    return register


def project_rule(
    *,
    code: str,
    name: str,
    default: bool,
    fix: str = "none",
    severity: Severity = Severity.WARNING,
) -> Callable[[ProjectCheck], ProjectCheck]:
    """Register a project rule: its check runs once on the project index (directory runs of
    the CLI, the language server) and yields findings for any file."""
    _validate(code, fix)

    def register(check: ProjectCheck) -> ProjectCheck:
        if code in _RULES and _RULES[code].project_check is not check:
            raise ValueError(f"rule code {code} registered twice")
        _store(
            check,
            code=code,
            name=name,
            default=default,
            fix=fix,
            check=_no_module_check,
            severity=severity,
            project_check=check,
        )
        return check

    return register


_PROJECT_EXTENSIONS: dict[str, list[ProjectCheck]] = {}


def project_extension(code: str) -> Callable[[ProjectCheck], ProjectCheck]:
    """Register the cross-module form of a module rule (FAS409 across files): it runs on the
    project index with the rule, under the rule's code, selection and options."""

    def register(check: ProjectCheck) -> ProjectCheck:
        checks = _PROJECT_EXTENSIONS.setdefault(code, [])
        if check not in checks:
            checks.append(check)
        return check

    return register


def project_checks(rule: Rule) -> list[ProjectCheck]:
    """What runs on the project index for a rule: its own project check (FAS9xx) and the
    cross-module forms registered for its code."""
    own = [rule.project_check] if rule.project_check is not None else []
    return [*own, *_PROJECT_EXTENSIONS.get(rule.code, [])]


def _store(defined_by: Callable[..., Any], **fields: Any) -> None:
    """Register a Rule documented by the docstring of the module defining ``defined_by``."""
    module = inspect.getmodule(defined_by)
    doc = inspect.cleandoc(module.__doc__ or "") if module else ""
    _RULES[fields["code"]] = Rule(
        summary=_summary(doc),
        doc=_body(doc),
        module=module.__name__ if module else "",
        **fields,
    )


def _validate(code: str, fix: str) -> None:
    if not CODE_PATTERN.match(code):
        raise ValueError(f"invalid rule code {code!r}")
    if fix not in FIX_KINDS:
        raise ValueError(f"invalid fix kind {fix!r} for {code}")


def _summary(doc: str) -> str:
    match = re.search(r"## What it does\s*\n(.+?)(?:\n\s*\n|\n##|$)", doc, re.S)
    return " ".join(match.group(1).split()) if match else ""


def _body(doc: str) -> str:
    """The docstring without its ``CODE name`` title line."""
    lines = doc.splitlines()
    if lines and CODE_PATTERN.match(lines[0].split(" ")[0]):
        lines = lines[1:]
    return "\n".join(lines).strip()


def registered_rules() -> dict[str, Rule]:
    return _RULES
