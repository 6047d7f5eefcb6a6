"""FAS502 hardcoded-secret

## What it does
Finds string literals that give a secret its value: module constants and `BaseSettings` field
defaults named like a secret (`SECRET_KEY`, `db_password`, `api_key`, `access_token`, ...), and
literal fallbacks of `os.getenv(...)` / `os.environ.get(...)` for such names.

## Why is this bad?
A secret in the source is in every clone, fork, wheel and container image of the project, and
in its version history for good. A literal default is worse than none: when the environment
variable is missing in production the application starts anyway, signing tokens with a key
everyone can read. Read secrets from the environment and let a missing one fail at start-up.
See [Settings and Environment Variables](https://fastapi.tiangolo.com/advanced/settings/).

## Example
```python
class Settings(BaseSettings):
    secret_key: str = "3f8a0c1e9b7d"


DATABASE_PASSWORD = os.getenv("DATABASE_PASSWORD", "postgres")
```

## Use instead
```python
class Settings(BaseSettings):
    secret_key: SecretStr


DATABASE_PASSWORD = os.environ["DATABASE_PASSWORD"]
```

## Options
- `hardcoded-secret.extra-names` = `[]`: more name fragments that mark a secret
  (`"signing_key"`, `"dsn"`).
- `hardcoded-secret.ignore-paths` = `["tests/*", "test_*.py", "*_test.py", "conftest.py"]`:
  glob patterns of files where the rule stays silent, matched against the path and each of
  its tails.

## Fix safety
The editor action removes the default (the `= "..."` of an annotated settings field, the
fallback argument of `os.getenv`), so a missing value fails loudly instead. It is an action
only: the application then needs the variable set wherever it runs, tests included. Module
constants and `Field(default=...)` are reported without a fix.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, node_end
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, RuleOption, rule

CODE = "FAS502"
EXTRA_NAMES = "extra-names"
IGNORE_PATHS = "ignore-paths"

SECRET_FRAGMENTS = (
    "secret",
    "password",
    "passwd",
    "token",
    "api_key",
    "apikey",
    "private_key",
    "jwt_key",
)
# Words that may follow the fragment in a secret's name: `SECRET_KEY`, `JWT_SECRET_KEY`.
SECRET_SUFFIXES = frozenset({"key"})
# Fragments whose names are often labels (`TOKEN_KEY = "access_token"`): a value spelling the
# fragment itself is then a label, not a secret.
LABEL_PRONE = frozenset({"token", "api_key", "apikey"})
ENV_LOOKUPS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
FIELD_FUNCTIONS = frozenset({"pydantic.Field", "pydantic.fields.Field"})
DEFAULT_IGNORED = ("tests/*", "test_*.py", "*_test.py", "conftest.py")
MARKER_BRACKETS = frozenset({("<", ">"), ("[", "]"), ("(", ")")})
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


@dataclass(frozen=True)
class Finding:
    node: ast.AST  # where the literal is
    message: str
    fix: Fix | None = None


@rule(
    code=CODE,
    name="hardcoded-secret",
    default=True,
    fix="action",
    options=(
        RuleOption(EXTRA_NAMES, (), "more name fragments that mark a secret"),
        RuleOption(IGNORE_PATHS, DEFAULT_IGNORED, "globs of files where the rule is silent"),
    ),
)
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    if _is_ignored_path(facts.path, options[IGNORE_PATHS]):
        return
    fragments = _fragments(options[EXTRA_NAMES])
    findings = [
        *_module_constants(facts, fragments),
        *_settings_defaults(facts, fragments),
        *_environment_fallbacks(facts, fragments),
    ]
    for finding in findings:
        yield Diagnostic.at(finding.node, CODE, finding.message, fix=finding.fix)


def _is_ignored_path(path: str, patterns: Iterable[str]) -> bool:
    """Whether a glob matches the path or one of its tails (``tests/*`` matches
    ``/src/project/tests/api/test_auth.py``), so relative patterns work on absolute paths."""
    parts = path.replace("\\", "/").split("/")
    tails = ["/".join(parts[i:]) for i in range(len(parts))]
    return any(fnmatch.fnmatch(tail, pattern) for pattern in patterns for tail in tails)


def _fragments(extra: Iterable[str]) -> list[tuple[str, ...]]:
    names = [*SECRET_FRAGMENTS, *extra]
    return [tuple(_words(name)) for name in names if _words(name)]


def _words(name: str) -> list[str]:
    """``jwtSecretKey`` / ``JWT_SECRET_KEY`` → ``["jwt", "secret", "key"]``."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return [word for word in re.split(r"[^a-z0-9]+", snake) if word]


def _secret_fragment(name: str, fragments: list[tuple[str, ...]]) -> tuple[str, ...] | None:
    """The fragment that makes ``name`` a secret's name: it must end the name, possibly
    followed by ``key`` (``SECRET_KEY``); ``TOKEN_URL`` or ``PASSWORD_MIN_LENGTH`` are not."""
    words = _words(name)
    for fragment in fragments:
        size = len(fragment)
        for start in range(len(words) - size + 1):
            rest = words[start + size :]
            if tuple(words[start : start + size]) == fragment and set(rest) <= SECRET_SUFFIXES:
                return fragment
    return None


def _secret_literal(value: ast.expr | None, name: str, fragment: tuple[str, ...]) -> bool:
    """A non-empty string literal that is not a label, a marker, a path, a URL or a template."""
    if not isinstance(value, ast.Constant) or not isinstance(value.value, str):
        return False
    text = value.value.strip()
    if not text or "://" in text or text.startswith("/") or "{" in text:
        return False
    if ENV_NAME.match(text) or text.lower().startswith("x-"):
        return False  # an environment variable's or a header's name
    return not _is_label(text, name, fragment)


def _is_label(text: str, name: str, fragment: tuple[str, ...]) -> bool:
    """Text that names or marks something rather than being a secret: prose (``"My
    Password"``), markers (``"<end>"``, ``"__unset__"``), the fragment itself (``"Passwords"``),
    a value made of the name's own words that spells the fragment too
    (``REASON_MISSING_SECRET = "missing_secret"``), and for names that are often labels
    (tokens, API keys) any value made of the name's own words (``UNATTRIBUTED_API_KEY =
    "unattributed"``, ``TOKEN_KEY = "access_token"``). A value of other words of the name
    stays a secret: ``ROOT_PASSWORD = "root"`` is a weak password, not a label."""
    if any(character.isspace() for character in text):
        return True
    if (text[0], text[-1]) in MARKER_BRACKETS or (text.startswith("__") and text.endswith("__")):
        return True
    value_words = set(_words(text))
    if value_words <= _with_plurals(fragment):
        return True
    own_words = value_words <= _with_plurals(_words(name))
    if own_words and set(fragment) <= value_words:
        return True
    joined = "_".join(fragment)
    if joined not in LABEL_PRONE:
        return False
    return own_words or joined in "_".join(_words(text))


def _with_plurals(words: Iterable[str]) -> set[str]:
    return {form for word in words for form in (word, word + "s")}


# --- module constants -------------------------------------------------------------------------


def _module_constants(facts: ModuleFacts, fragments: list[tuple[str, ...]]) -> Iterator[Finding]:
    for node in facts.module_nodes:
        if type(node) is not ast.Assign and type(node) is not ast.AnnAssign:
            continue  # most module nodes: no generator made for them
        for name, value in _assigned_literals(node):
            fragment = _secret_fragment(name, fragments)
            if fragment is not None and _secret_literal(value, name, fragment):
                yield Finding(value, f"`{name}` is set to a hardcoded secret")


def _assigned_literals(node: ast.AST) -> Iterator[tuple[str, ast.expr]]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                yield target.id, node.value
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
        yield node.target.id, node.value


# --- BaseSettings fields --------------------------------------------------------------------


def _settings_defaults(facts: ModuleFacts, fragments: list[tuple[str, ...]]) -> Iterator[Finding]:
    for class_name, (node, kind) in facts.pydantic_classes.items():
        if kind != "settings":
            continue
        for statement in node.body:
            for name, value in _assigned_literals(statement):
                fragment = _secret_fragment(name, fragments)
                if fragment is None:
                    continue
                literal = _field_default(facts, value)
                if literal is None or not _secret_literal(literal, name, fragment):
                    continue
                message = f"settings field `{class_name}.{name}` defaults to a hardcoded secret"
                fix = _remove_field_default(facts, statement) if literal is value else None
                yield Finding(literal, message, fix)


def _field_default(facts: ModuleFacts, value: ast.expr) -> ast.expr | None:
    """A field's literal default: the value, or the one of ``Field("x")``/``Field(default="x")``."""
    if not isinstance(value, ast.Call):
        return value
    if not facts.is_call_to(value, *FIELD_FUNCTIONS):
        return None
    if value.args:
        return value.args[0]
    return next((kw.value for kw in value.keywords if kw.arg == "default"), None)


def _remove_field_default(facts: ModuleFacts, statement: ast.stmt) -> Fix | None:
    """``secret_key: str = "x"`` → ``secret_key: str``, when no comment sits in between."""
    if not isinstance(statement, ast.AnnAssign) or statement.value is None:
        return None
    edit = Edit.delete(node_end(statement.annotation), node_end(statement.value))
    if "#" in _text_between(facts, edit):
        return None
    return Fix("Remove the hardcoded default", Applicability.ACTION, (edit,))


# --- os.getenv fallbacks ----------------------------------------------------------------------


def _environment_fallbacks(
    facts: ModuleFacts, fragments: list[tuple[str, ...]]
) -> Iterator[Finding]:
    for call in facts.calls_to(*ENV_LOOKUPS):
        if not call.args:
            continue
        default = _lookup_default(call)
        key = call.args[0]
        names = [key.value] if isinstance(key, ast.Constant) and isinstance(key.value, str) else []
        target = _assigned_name(facts, call)
        if target is not None:
            names.append(target)
        for name in names:
            fragment = _secret_fragment(name, fragments)
            if fragment is not None and _secret_literal(default, name, fragment):
                lookup = ast.unparse(call.func)
                message = f"`{lookup}({ast.unparse(key)})` falls back to a hardcoded secret"
                yield Finding(call, message, _remove_fallback(facts, call))
                break


def _lookup_default(call: ast.Call) -> ast.expr | None:
    if len(call.args) >= 2:
        return call.args[1]
    return next((kw.value for kw in call.keywords if kw.arg in ("default", "value")), None)


def _assigned_name(facts: ModuleFacts, call: ast.Call) -> str | None:
    """``SECRET = os.getenv(...)`` or ``secret: str = os.getenv(...)`` → ``"SECRET"``."""
    parent = facts.parent(call)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        target: ast.expr = parent.targets[0]
    elif isinstance(parent, ast.AnnAssign):
        target = parent.target
    else:
        return None
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    return None


def _remove_fallback(facts: ModuleFacts, call: ast.Call) -> Fix | None:
    """``os.getenv("K", "x")`` → ``os.getenv("K")``; ``setdefault`` needs its value."""
    if facts.qualified_name(call.func) == "os.environ.setdefault":
        return None
    if len(call.args) != 2 or call.keywords:
        return None
    edit = Edit.delete(node_end(call.args[0]), node_end(call.args[1]))
    if "#" in _text_between(facts, edit):
        return None
    return Fix("Remove the hardcoded fallback", Applicability.ACTION, (edit,))


def _text_between(facts: ModuleFacts, edit: Edit) -> str:
    return facts.source.segment(edit.start, edit.end)
