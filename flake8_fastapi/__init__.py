"""flake8 plugin: reports fastapi-lint findings as ``FAS…`` codes.

flake8 handles selection, ``noqa`` and ``per-file-ignores``; opt-in rules are added to flake8's
default ignore list, so they run only when selected (``--extend-select FAS105``). Rule options
are flake8 options (``--fat-route-max-statements=20`` or ``fat-route-max-statements = 20`` in
the flake8 configuration), on top of ``[tool.fastapi-lint]`` in ``pyproject.toml``.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from fastapi_lint import __version__
from fastapi_lint.config import ConfigError, Settings, find_config_file, load_settings
from fastapi_lint.engine import run_rules
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, Rule, all_rules
from fastapi_lint.source import SourceText

__all__ = ["Plugin"]


def _flag(rule: Rule, option_name: str) -> str:
    return f"{rule.options_key}-{option_name}"


def _parse_bool(value: str) -> bool:
    lowered = str(value).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {value!r}")


def _selected(code: str, options: argparse.Namespace) -> bool:
    """Whether an explicit ``--select``/``--extend-select`` (or their configuration keys)
    names the code or a prefix of it, which overrides flake8's default ignore list."""
    chosen = [
        *(getattr(options, "select", None) or ()),
        *(getattr(options, "extend_select", None) or ()),
    ]
    return any(code.startswith(prefix) for prefix in chosen)


class Plugin:
    name = "fastapi-lint"
    version = __version__

    _options: ClassVar[dict[str, Options]] = {}
    # opt-in rules flake8 would discard unselected (they are in its default ignore list) are
    # not run at all
    _rules: ClassVar[tuple[Rule, ...] | None] = None

    def __init__(self, tree: ast.Module, lines: list[str], filename: str) -> None:
        self._tree = tree
        self._lines = lines
        self._filename = filename

    @classmethod
    def add_options(cls, manager: Any) -> None:
        seen: set[str] = set()
        for rule in all_rules():
            for option in rule.options:
                flag = _flag(rule, option.name)
                if flag in seen:
                    continue
                seen.add(flag)
                kwargs: dict[str, Any] = {
                    "parse_from_config": True,
                    "help": f"{rule.code}: {option.help}",
                }
                if isinstance(option.default, bool):
                    kwargs.update(type=_parse_bool, metavar="true|false")
                elif isinstance(option.default, int):
                    kwargs.update(type=int, metavar="N")
                elif isinstance(option.default, tuple | list):
                    kwargs.update(comma_separated_list=True, metavar="A,B")
                manager.add_option(f"--{flag}", default=None, **kwargs)
        manager.extend_default_ignore([r.code for r in all_rules() if not r.default])

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        settings = cls._project_settings()
        chosen: dict[str, Options] = {}
        for rule in all_rules():
            values = dict(settings.options_for(rule))
            for option in rule.options:
                given = getattr(options, _flag(rule, option.name).replace("-", "_"), None)
                if given is not None:
                    values[option.name] = tuple(given) if isinstance(given, list) else given
            chosen[rule.code] = Options(values)
        cls._options = chosen
        cls._rules = tuple(r for r in all_rules() if r.default or _selected(r.code, options))

    @staticmethod
    def _project_settings() -> Settings:
        try:
            return load_settings(find_config_file(Path.cwd()))
        except ConfigError as error:
            raise SystemExit(f"fastapi-lint: error: {error}") from None

    def run(self) -> Iterator[tuple[int, int, str, type[Plugin]]]:
        source = SourceText("".join(self._lines))
        facts = ModuleFacts(self._tree, source, self._filename)
        rules = self._rules if self._rules is not None else all_rules()
        result = run_rules(facts, rules, self._options or None, honour_noqa=False)
        for d in result.diagnostics:
            yield d.start.line, source.char_col(d.start), f"{d.code} {d.message}", type(self)
        for failure in result.failures:
            yield 1, 0, f"{failure.code} internal error: {failure.error}", type(self)
