"""Settings: ``[tool.fastapi-lint]`` in the nearest ``pyproject.toml``, overridden by flags.

Every key is validated; an unknown key, code or a value of the wrong type is a
``ConfigError`` whose message is one line naming the key.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi_lint.rules import Options, Rule, all_rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
    "__pypackages__",
    "node_modules",
    "build",
    "dist",
    "site-packages",
    ".eggs",
)

TOP_LEVEL_KEYS = (
    "select",
    "ignore",
    "extend-select",
    "extend-ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "respect-gitignore",
    "cache-dir",
)


class ConfigError(Exception):
    """A configuration mistake; ``str(error)`` is the one line shown to the user."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    rule_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    root: Path = field(default_factory=Path.cwd)
    config_file: Path | None = None
    # where unchanged files' results are kept between runs; None: no cache (the default)
    cache_dir: Path | None = None

    @cached_property
    def enabled_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in all_rules() if self._is_enabled(r.code, r.default))

    def _is_enabled(self, code: str, default: bool) -> bool:
        implicit = 0 if default else -1
        selected = implicit if self.select is None else _best_match(code, self.select)
        selected = max(selected, _best_match(code, self.extend_select))
        ignored = _best_match(code, self.ignore)
        return selected >= 0 and selected > ignored

    def options_for(self, rule: Rule) -> Options:
        values = {opt.name: opt.default for opt in rule.options}
        values.update(dict(self._options_by_rule.get(rule.options_key, ())))
        return Options(values)

    @cached_property
    def _options_by_rule(self) -> dict[str, tuple[tuple[str, Any], ...]]:
        return dict(self.rule_options)

    def ignored_codes_for(self, relative_path: str) -> tuple[str, ...]:
        """Codes and prefixes that ``per-file-ignores`` turns off for a file."""
        posix = PurePosixPath(relative_path.replace("\\", "/"))
        ignored: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if _path_matches(posix, pattern):
                ignored.extend(codes)
        return tuple(ignored)

    def rules_for_path(self, relative_path: str) -> tuple[Rule, ...]:
        ignored = self.ignored_codes_for(relative_path)
        if not ignored:
            return self.enabled_rules
        return tuple(r for r in self.enabled_rules if _best_match(r.code, ignored) < 0)

    def is_excluded(self, relative_path: str) -> bool:
        posix = PurePosixPath(relative_path.replace("\\", "/"))
        return any(_path_matches(posix, p) for p in (*self.exclude, *self.extend_exclude))

    def with_overrides(
        self,
        *,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] = (),
        extend_select: Iterable[str] = (),
        exclude: Iterable[str] | None = None,
        extend_exclude: Iterable[str] = (),
        per_file_ignores: Mapping[str, Iterable[str]] | None = None,
        rule_options: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Settings:
        """Settings with command-line flags applied on top (each value validated)."""
        changes: dict[str, Any] = {}
        base_ignore, base_extend_select = self.ignore, self.extend_select
        if select is not None:
            # as in Ruff, a selection on the command line replaces the configured one, its
            # `ignore` and `extend-select` included (`per-file-ignores` still apply)
            changes["select"] = _codes("--select", list(select))
            changes["ignore"] = changes["extend_select"] = ()
            base_ignore = base_extend_select = ()
        if ignore:
            changes["ignore"] = base_ignore + _codes("--ignore", list(ignore))
        if extend_select:
            changes["extend_select"] = base_extend_select + _codes(
                "--extend-select", list(extend_select)
            )
        if exclude is not None:
            changes["exclude"] = tuple(exclude)
        if extend_exclude:
            changes["extend_exclude"] = self.extend_exclude + tuple(extend_exclude)
        if per_file_ignores is not None:
            changes["per_file_ignores"] = self.per_file_ignores + _per_file_ignores(
                "per-file-ignores", dict(per_file_ignores)
            )
        if rule_options:
            merged = {k: dict(v) for k, v in self.rule_options}
            for name, values in _rule_options(dict(rule_options)):
                merged.setdefault(name, {}).update(dict(values))
            changes["rule_options"] = tuple((k, tuple(v.items())) for k, v in merged.items())
        return replace(self, **changes) if changes else self


def _best_match(code: str, selectors: Iterable[str]) -> int:
    """Length of the most specific selector matching ``code``; -1 when none does."""
    best = -1
    for selector in selectors:
        if selector == "ALL" and best < 0:
            best = 0
        elif code.startswith(selector):
            best = max(best, len(selector))
    return best


def _path_matches(path: PurePosixPath, pattern: str) -> bool:
    """Gitignore-like matching: a pattern without a slash matches any path component or the
    file name; one with a slash matches from the project root (``**`` allowed)."""
    pattern = pattern.rstrip("/")
    text = str(path)
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in path.parts)
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if fnmatch.fnmatchcase(text, pattern):
        return True
    # a directory pattern also covers everything below it
    return any(
        fnmatch.fnmatchcase("/".join(path.parts[:i]), pattern) for i in range(1, len(path.parts))
    )


def find_config_file(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` above ``start`` that has a ``[tool.fastapi-lint]`` table
    (or, failing that, the nearest ``pyproject.toml`` at all)."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    nearest: Path | None = None
    for candidate_dir in (directory, *directory.parents):
        candidate = candidate_dir / "pyproject.toml"
        if candidate.is_file():
            nearest = nearest or candidate
            try:
                if "fastapi-lint" in tomllib.loads(candidate.read_text("utf-8")).get("tool", {}):
                    return candidate
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                return candidate  # report its error when loading, not silently skip it
    return nearest


def load_settings(config_file: Path | None, root: Path | None = None) -> Settings:
    """Read and validate ``[tool.fastapi-lint]``; no file means the defaults."""
    if config_file is None:
        return Settings(root=(root or Path.cwd()).resolve())
    try:
        data = tomllib.loads(config_file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{config_file}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config_file}: invalid TOML: {error}") from None
    table = data.get("tool", {}).get("fastapi-lint", {})
    try:
        return settings_from_table(table, config_file.parent.resolve(), config_file)
    except ConfigError as error:
        raise ConfigError(f"{config_file}: {error}") from None


def settings_from_table(
    table: Mapping[str, Any], root: Path, config_file: Path | None = None
) -> Settings:
    if not isinstance(table, Mapping):
        raise ConfigError("[tool.fastapi-lint] must be a table")
    rule_names = {r.options_key for r in all_rules()} | {r.name for r in all_rules()}
    values: dict[str, Any] = {"root": root, "config_file": config_file}
    options: dict[str, Any] = {}
    for key, value in table.items():
        if key in rule_names:
            options[key] = value
            continue
        if key not in TOP_LEVEL_KEYS:
            hint = _close_key(key, [*TOP_LEVEL_KEYS, *rule_names])
            raise ConfigError(f"unknown key `{key}`{hint}")
        if key == "select":
            values["select"] = _codes(key, value)
        elif key in ("ignore", "extend-ignore"):
            values["ignore"] = values.get("ignore", ()) + _codes(key, value)
        elif key == "extend-select":
            values["extend_select"] = _codes(key, value)
        elif key == "per-file-ignores":
            values["per_file_ignores"] = _per_file_ignores(key, value)
        elif key in ("exclude", "extend-exclude"):
            values[key.replace("-", "_")] = _strings(key, value)
        elif key == "respect-gitignore":
            if not isinstance(value, bool):
                raise ConfigError(f"`{key}` must be true or false, not {value!r}")
            values["respect_gitignore"] = value
        elif key == "cache-dir":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"`{key}` must be a directory path, not {value!r}")
            values["cache_dir"] = root / value  # relative to the configuration file
    values["rule_options"] = _rule_options(options)
    return Settings(**values)


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of strings, not {value!r}")
    return tuple(value)


def _codes(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.split(",")]
    codes = tuple(c.strip().upper() for c in _strings(key, value) if c.strip())
    known = [r.code for r in all_rules()]
    for code in codes:
        if code != "ALL" and not any(k.startswith(code) for k in known):
            raise ConfigError(f"`{key}`: unknown rule code or prefix `{code}`")
    return codes


def _per_file_ignores(key: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"`{key}` must be a table of glob = [codes], not {value!r}")
    return tuple(
        (str(pattern), _codes(f"{key}.{pattern}", codes)) for pattern, codes in value.items()
    )


def _rule_options(
    options: Mapping[str, Any],
) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    by_name = {r.name: r for r in all_rules()}
    by_name.update({r.options_key: r for r in all_rules()})
    result = []
    for given_name, table in options.items():
        rule = by_name.get(given_name)
        if rule is None:
            raise ConfigError(f"unknown rule `{given_name}`")
        rule_name = rule.options_key
        if not isinstance(table, Mapping):
            raise ConfigError(f"`{rule_name}` must be a table of options, not {table!r}")
        known = {o.name: o for o in rule.options}
        checked = []
        for option_name, value in table.items():
            key = f"{rule_name}.{option_name}"
            option = known.get(option_name)
            if option is None:
                key = f"{given_name}.{option_name}"
                names = ", ".join(sorted(known)) or "none"
                raise ConfigError(f"unknown option `{key}` ({rule.code} options: {names})")
            checked.append((option_name, _typed(key, value, option.default)))
        result.append((rule_name, tuple(checked)))
    return tuple(result)


def _typed(key: str, value: Any, default: Any) -> Any:
    expected = type(default)
    if expected is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"`{key}` must be true or false, not {value!r}")
    if expected is int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise ConfigError(f"`{key}` must be a non-negative integer, not {value!r}")
    if expected in (tuple, list):
        return _strings(key, value)
    if isinstance(value, expected):
        return value
    raise ConfigError(f"`{key}` must be a {expected.__name__}, not {value!r}")


def _close_key(key: str, candidates: Iterable[str]) -> str:
    import difflib

    matches = difflib.get_close_matches(key, list(candidates), n=1)
    return f" (did you mean `{matches[0]}`?)" if matches else ""


def parse_option_assignment(text: str) -> tuple[str, str, Any]:
    """``fat-route.max-statements=20`` → (rule name, option, value) for ``--option``."""
    key, sep, raw = text.partition("=")
    rule_name, dot, option = key.strip().partition(".")
    if not sep or not dot:
        raise ConfigError(f"`--option {text}` must look like rule-name.option=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return rule_name, option, value
