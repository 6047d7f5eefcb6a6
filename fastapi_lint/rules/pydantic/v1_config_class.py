"""FAS202 v1-config-class

## What it does
Finds a `class Config:` inside a Pydantic model or settings class.

## Why is this bad?
Pydantic v2 configures a model with `model_config = ConfigDict(...)`. The nested `Config`
class is deprecated, will be removed in Pydantic v3, and several of its keys were renamed:
a v1 key such as `orm_mode` is only translated with a warning, and a misspelt one is silently
ignored. See [Pydantic: changes to config](https://docs.pydantic.dev/latest/migration/#changes-to-config).

## Example
```python
class UserOut(BaseModel):
    id: int
    name: str

    class Config:
        orm_mode = True
        allow_population_by_field_name = True
```

## Use instead
```python
class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    name: str
```

## Fix safety
The fix replaces the `Config` class with `model_config = ConfigDict(...)` (`SettingsConfigDict`
for settings classes), renaming v1 keys (`orm_mode` → `from_attributes`,
`allow_population_by_field_name` → `populate_by_name`, `schema_extra` → `json_schema_extra`,
`allow_mutation = False` → `frozen=True`, ...) and adds the import. It is safe: v2 reads the old
keys under their new names. There is no fix when a key has no v2 equivalent (`json_encoders`,
`fields`, `copy_on_model_validation`, ...) or is unknown, when the `Config` class has bases,
methods or comments, or when the class already has a `model_config`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, node_end
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.pydantic_types import pydantic_spelling, v2_model_classes
from fastapi_lint.fixes import ensure_from_import
from fastapi_lint.rules import Options, rule

CODE = "FAS202"
MAX_LINE = 100

# The one table of v1 keys renamed in v2.
RENAMED_KEYS = {
    "orm_mode": "from_attributes",
    "allow_population_by_field_name": "populate_by_name",
    "anystr_strip_whitespace": "str_strip_whitespace",
    "anystr_lower": "str_to_lower",
    "anystr_upper": "str_to_upper",
    "schema_extra": "json_schema_extra",
    "max_anystr_length": "str_max_length",
    "min_anystr_length": "str_min_length",
    "validate_all": "validate_default",
    "keep_untouched": "ignored_types",
}
# v1 keys with no v2 equivalent: no fix.
REMOVED_KEYS = {
    "json_encoders",
    "fields",
    "copy_on_model_validation",
    "error_msg_templates",
    "getter_dict",
    "smart_union",
    "underscore_attrs_are_private",
    "json_loads",
    "json_dumps",
    "post_init_call",
}
# Keys spelt the same in v1 and v2, and v2 keys already written in the v1 style.
SAME_KEYS = {
    "title", "extra", "frozen", "use_enum_values", "validate_assignment",
    "arbitrary_types_allowed", "alias_generator", "protected_namespaces", "strict",
    "ser_json_timedelta", "ser_json_bytes", "revalidate_instances", "use_attribute_docstrings",
    "coerce_numbers_to_str", "regex_engine", "hide_input_in_errors", "defer_build",
    *RENAMED_KEYS.values(),
}  # fmt: skip
SETTINGS_KEYS = {
    "env_prefix", "env_file", "env_file_encoding", "env_nested_delimiter", "case_sensitive",
    "secrets_dir", "env_ignore_empty", "env_parse_none_str",
}  # fmt: skip
_EXTRA_VALUES = {"allow", "forbid", "ignore"}
_HEADER = re.compile(r"class\s+Config\s*(?:\(\s*\))?\s*:")


@rule(code=CODE, name="v1-config-class", default=True, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for name, model in v2_model_classes(facts).items():
        for statement in model.body:
            if isinstance(statement, ast.ClassDef) and statement.name == "Config":
                yield _diagnostic(facts, name, model, statement)


def _diagnostic(
    facts: ModuleFacts, name: str, model: ast.ClassDef, config: ast.ClassDef
) -> Diagnostic:
    is_settings = facts.pydantic_classes[name][1] == "settings"
    factory = "SettingsConfigDict" if is_settings else "ConfigDict"
    message = (
        f"`class Config` in `{name}` is the Pydantic v1 spelling; "
        f"use `model_config = {factory}(...)`"
    )
    removed = [key for key, _ in _assignments(config) if key in REMOVED_KEYS]
    if removed:
        message += f" (`{removed[0]}` has no v2 equivalent)"
        return Diagnostic.at(config, CODE, message)
    arguments = _arguments(facts, model, config, is_settings)
    if arguments is None:
        return Diagnostic.at(config, CODE, message)
    if is_settings:
        spelling, import_edit = ensure_from_import(facts, "pydantic_settings", factory)
    else:
        found = pydantic_spelling(facts, factory)
        spelling, import_edit = (
            (found, None) if found else ensure_from_import(facts, "pydantic", factory)
        )
    edits = _replacement(facts, config, spelling, arguments)
    if import_edit is not None:
        edits.append(import_edit)
    fix = Fix(f"Replace with `model_config = {factory}(...)`", Applicability.SAFE, tuple(edits))
    return Diagnostic.at(config, CODE, message, fix=fix)


def _assignments(config: ast.ClassDef) -> list[tuple[str, ast.expr]]:
    found = []
    for statement in config.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                found.append((target.id, statement.value))
    return found


def _arguments(
    facts: ModuleFacts, model: ast.ClassDef, config: ast.ClassDef, is_settings: bool
) -> list[tuple[str, str]] | None:
    """The ``ConfigDict`` keywords as (key, value text), or None when the class cannot be
    translated exactly."""
    if config.bases or config.keywords or config.decorator_list or _defines_model_config(model):
        return None
    if _header(facts, config) is None or "#" in _body_text(facts, config):
        return None  # a comment in the body would be lost
    body = [s for s in config.body if not _is_docstring_or_pass(s)]
    assignments = _assignments(config)
    if len(assignments) != len(body):
        return None  # methods, annotated or multi-target assignments
    known = SAME_KEYS | (SETTINGS_KEYS if is_settings else set())
    arguments = []
    for key, value in assignments:
        if key == "allow_mutation":
            if not isinstance(value, ast.Constant) or not isinstance(value.value, bool):
                return None
            if value.value is False:
                arguments.append(("frozen", "True"))
            continue
        new_key = RENAMED_KEYS.get(key, key)
        if new_key not in known:
            return None
        text = _extra_value(facts, value) if key == "extra" else _segment(facts, value)
        if text is None:
            return None
        arguments.append((new_key, text))
    return arguments


def _defines_model_config(model: ast.ClassDef) -> bool:
    for statement in model.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        if any(isinstance(t, ast.Name) and t.id == "model_config" for t in targets):
            return True
    return False


def _is_docstring_or_pass(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _extra_value(facts: ModuleFacts, value: ast.expr) -> str | None:
    """``Extra.forbid`` → ``"forbid"``; a string literal stays as written."""
    if isinstance(value, ast.Constant) and value.value in _EXTRA_VALUES:
        return _segment(facts, value)
    qualified = facts.qualified_name(value) or ""
    module, _, member = qualified.rpartition(".")
    if module in ("pydantic.Extra", "pydantic.config.Extra") and member in _EXTRA_VALUES:
        return f'"{member}"'
    return None


def _header(facts: ModuleFacts, config: ast.ClassDef) -> tuple[Position, Position] | None:
    """The span of ``class Config:`` on its line, when the body starts on a later line."""
    line = facts.source.line_text(config.lineno)
    prefix = line.encode("utf-8", errors="surrogatepass")[: config.col_offset].decode(
        "utf-8", errors="surrogatepass"
    )
    match = _HEADER.match(line, len(prefix))
    if match is None or config.body[0].lineno == config.lineno:
        return None
    end_col = len(line[: match.end()].encode("utf-8", errors="surrogatepass"))
    return Position(config.lineno, config.col_offset), Position(config.lineno, end_col)


def _line_end(facts: ModuleFacts, line_number: int) -> Position:
    line = facts.source.line_text(line_number).rstrip("\r\n")
    return Position(line_number, len(line.encode("utf-8", errors="surrogatepass")))


def _body_text(facts: ModuleFacts, config: ast.ClassDef) -> str:
    start = facts.source.offset(_line_end(facts, config.lineno))
    return facts.source.text[start : facts.source.offset(node_end(config))]


def _replacement(
    facts: ModuleFacts, config: ast.ClassDef, factory: str, arguments: list[tuple[str, str]]
) -> list[Edit]:
    """The header becomes the assignment's first line (a comment after it stays there) and the
    body its remaining lines, or nothing when the assignment fits on one line."""
    header = _header(facts, config)
    assert header is not None
    indent = " " * config.col_offset
    pairs = [f"{key}={value}" for key, value in arguments]
    one_line = f"model_config = {factory}({', '.join(pairs)})"
    body = (_line_end(facts, config.lineno), node_end(config))
    if len(indent) + len(one_line) <= MAX_LINE and not any("\n" in p for p in pairs):
        return [Edit(*header, one_line), Edit(*body, "")]
    newline = facts.source.newline
    # the keywords sit one level deeper than `model_config`, where the Config body was
    inner = "".join(f"{newline}{indent}    {p}," for p in pairs)
    return [Edit(*header, f"model_config = {factory}("), Edit(*body, f"{inner}{newline}{indent})")]


def _segment(facts: ModuleFacts, node: ast.AST) -> str:
    return ast.get_source_segment(facts.source.text, node) or ast.unparse(node)
