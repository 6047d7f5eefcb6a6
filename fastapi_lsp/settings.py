"""The settings of one document: ``[tool.fastapi-lint]`` of its project, overridden by the
client's settings (``initializationOptions``, ``workspace/didChangeConfiguration``).

Client settings use the keys of ``[tool.fastapi-lint]`` (``select``, ``ignore``, rule option
tables such as ``"fat-route": {"max-statements": 20}``) plus the server's own
``debounce-ms``, ``fix-on-save`` and ``docs-url`` (a template such as
``"https://example.org/rules/{code}.md"`` for each diagnostic's ``codeDescription``; without
it, diagnostics carry no link). A mistake anywhere is reported once and the rest keeps
working: a broken ``pyproject.toml`` keeps its last valid settings (the defaults if it never
had any), an invalid key of the client's settings its last valid value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi_lint.config import (
    ConfigError,
    Settings,
    find_config_file,
    load_settings,
    settings_from_table,
)
from fastapi_lint.rules import Rule

SECTION = "fastapi-lint"
DEFAULT_DEBOUNCE_MS = 150
SERVER_KEYS = ("debounce-ms", "fix-on-save", "docs-url")


@dataclass(frozen=True)
class ClientSettings:
    """The client's settings, validated."""

    overrides: Mapping[str, Any] = field(default_factory=dict)  # [tool.fastapi-lint] keys
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    fix_on_save: bool = False
    docs_url: str | None = None  # a template with {code} and/or {name}


def client_settings(
    raw: object, previous: ClientSettings | None = None
) -> tuple[ClientSettings, list[str]]:
    """Validate the client's settings. Every invalid key is named in the errors and keeps its
    value from ``previous`` (the last good settings; the defaults without them), the valid
    keys apply. Accepts the settings themselves or an object holding them under
    ``"fastapi-lint"``."""
    previous = previous or ClientSettings()
    if raw is None:
        return ClientSettings(), []
    if isinstance(raw, Mapping) and isinstance(raw.get(SECTION), Mapping):
        raw = raw[SECTION]
    if not isinstance(raw, Mapping):
        return previous, [f"settings must be an object, not {raw!r}"]
    errors: list[str] = []
    debounce_ms = raw.get("debounce-ms", DEFAULT_DEBOUNCE_MS)
    if isinstance(debounce_ms, bool) or not isinstance(debounce_ms, int) or debounce_ms < 0:
        errors.append(f"`debounce-ms` must be a non-negative integer, not {debounce_ms!r}")
        debounce_ms = previous.debounce_ms
    fix_on_save = raw.get("fix-on-save", False)
    if not isinstance(fix_on_save, bool):
        errors.append(f"`fix-on-save` must be true or false, not {fix_on_save!r}")
        fix_on_save = previous.fix_on_save
    docs_url = raw.get("docs-url")
    if docs_url is not None and (
        not isinstance(docs_url, str) or ("{code}" not in docs_url and "{name}" not in docs_url)
    ):
        errors.append(
            f"`docs-url` must be a string containing {{code}} or {{name}}, not {docs_url!r}"
        )
        docs_url = previous.docs_url
    overrides: dict[str, Any] = {}
    for key, value in raw.items():
        if key in SERVER_KEYS:
            continue
        try:  # one key at a time: each mistake is named, and only it falls back
            settings_from_table({str(key): value}, Path.cwd())
        except ConfigError as error:
            errors.append(str(error))
            if key in previous.overrides:
                overrides[str(key)] = previous.overrides[key]
            continue
        overrides[str(key)] = value
    return ClientSettings(overrides, debounce_ms, fix_on_save, docs_url), errors


def apply_overrides(settings: Settings, overrides: Mapping[str, Any]) -> Settings:
    """``settings`` with the client's ``[tool.fastapi-lint]``-style keys on top."""
    if not overrides:
        return settings
    ignore = [*_list(overrides.get("ignore")), *_list(overrides.get("extend-ignore"))]
    rule_options = {k: v for k, v in overrides.items() if isinstance(v, Mapping)}
    rule_options.pop("per-file-ignores", None)
    return settings.with_overrides(
        select=_list(overrides["select"]) if "select" in overrides else None,
        ignore=ignore,
        extend_select=_list(overrides.get("extend-select")),
        exclude=_list(overrides["exclude"]) if "exclude" in overrides else None,
        extend_exclude=_list(overrides.get("extend-exclude")),
        per_file_ignores=overrides.get("per-file-ignores"),
        rule_options=rule_options,
    )


def _list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


@dataclass(frozen=True)
class DocumentSettings:
    """What checking one document needs: its settings and the rules that apply to it."""

    settings: Settings
    rules: tuple[Rule, ...]
    excluded: bool


class SettingsResolver:
    """Settings per document path, cached per configuration file and its modification time."""

    def __init__(self, report: Callable[[str], None]) -> None:
        self._report = report  # shows a configuration error to the user
        self.client = ClientSettings()
        self.workspace_roots: list[Path] = []
        self._cache: dict[tuple[Path | None, Path, int], Settings] = {}
        # each configuration file's settings when it last loaded without a mistake
        self._last_good: dict[tuple[Path | None, Path], Settings] = {}

    def set_client(self, raw: object) -> None:
        self.client, errors = client_settings(raw, self.client)
        for error in errors:
            self._report(f"fastapi-lint: invalid client settings: {error}")
        self._cache.clear()

    def invalidate(self) -> None:
        """Forget every cached configuration (a ``pyproject.toml`` or a folder changed)."""
        self._cache.clear()

    def for_path(self, path: str | None) -> DocumentSettings:
        file_path = Path(path) if path else None
        root = self._root_for(file_path)
        config = find_config_file(file_path if file_path else root)
        settings = self._settings(config, root)
        if file_path is None:
            return DocumentSettings(settings, settings.enabled_rules, excluded=False)
        try:
            relative = file_path.resolve().relative_to(settings.root).as_posix()
        except ValueError:  # outside the project: every rule, nothing excluded
            return DocumentSettings(settings, settings.enabled_rules, excluded=False)
        return DocumentSettings(
            settings, settings.rules_for_path(relative), settings.is_excluded(relative)
        )

    def _root_for(self, path: Path | None) -> Path:
        if path is None:
            return self.workspace_roots[0] if self.workspace_roots else Path.cwd()
        resolved = path.resolve()
        for root in sorted(self.workspace_roots, key=lambda r: len(r.parts), reverse=True):
            if resolved.is_relative_to(root):
                return root
        return resolved.parent

    def _settings(self, config: Path | None, root: Path) -> Settings:
        try:
            mtime = config.stat().st_mtime_ns if config else 0
        except OSError:
            mtime = -1
        key = (config, root, mtime)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            base = load_settings(config, root)
            self._last_good[(config, root)] = base
        except ConfigError as error:
            last_good = self._last_good.get((config, root))
            if last_good is None:
                self._report(f"fastapi-lint: {error}; using the default settings")
                base = load_settings(None, config.parent if config else root)
            else:
                self._report(f"fastapi-lint: {error}; using its last valid settings")
                base = last_good
        try:
            settings = apply_overrides(base, self.client.overrides)
        except ConfigError as error:
            self._report(f"fastapi-lint: invalid client settings: {error}")
            settings = base
        self._cache[key] = settings
        return settings
