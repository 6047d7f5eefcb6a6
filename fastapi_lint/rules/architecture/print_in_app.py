"""FAS603 print-in-app

## What it does
Finds `print()` in code the application runs while serving: path operations, dependencies,
middleware (`@app.middleware("http")` functions and `dispatch` of `BaseHTTPMiddleware`
subclasses), exception handlers and lifespan functions.

## Why is this bad?
`print` writes to stdout with no level, logger name, timestamp or request context, cannot be
filtered or routed by the logging configuration, and is lost or interleaved when several
workers share a stream. Use the `logging` module, which uvicorn and every log collector are
set up for. See [Logging](https://docs.python.org/3/howto/logging.html) and FastAPI's
[Debugging](https://fastapi.tiangolo.com/tutorial/debugging/).

Prints under `if __name__ == "__main__":`, in test modules (files named `test_*.py`,
`*_test.py` or `conftest.py`, and modules that import `pytest`) and on a line whose `noqa`
comment names Ruff's `T201` (the author has said that print is meant) are not reported.

## Example
```python
@app.post("/items")
async def create_item(item: Item):
    print("creating", item.name)
    return await items.create(item)
```

## Use instead
```python
import logging

logger = logging.getLogger(__name__)


@app.post("/items")
async def create_item(item: Item):
    logger.info("creating %s", item.name)
    return await items.create(item)
```

## Fix safety
The fix is unsafe: the message goes to the `logging` configuration instead of stdout, and
with Python's default configuration `info` messages are not shown at all. The arguments
are kept as `print` would join them: `print(a, b)` becomes `logger.info("%s %s", a, b)`,
string literals among several arguments join the format string (their `%` doubled),
and a single string or f-string is passed as is (`logging` applies `%` only when arguments
follow). The module's `logging.getLogger(...)` logger is used when it has one; otherwise
`logger = logging.getLogger(__name__)` is added after the imports, with `import logging`.
There is no fix when `print` has keyword arguments (`file=`, `sep=`, `end=`, `flush=`),
`*args`, or a comment inside the call, nor when `logger` already names something else.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, node_span
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.facts.hooks import hook_kind
from fastapi_lint.fixes import ensure_module_import
from fastapi_lint.rules import Options, rule

CODE = "FAS603"
LOGGER_NAME = "logger"
T201_NOQA = re.compile(r"#\s*noqa:[^#]*\bT201\b", re.IGNORECASE)
TEST_FILE = re.compile(r"(^|[\\/])(test_[^\\/]*|[^\\/]*_test|conftest)\.py$")


@rule(code=CODE, name="print-in-app", default=True, fix="unsafe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    if _is_test_module(facts):
        return
    printing = {facts.function_of(call) for call in facts.calls_to("builtins.print")}
    for func in facts.functions:
        if func not in printing:
            continue  # no role to look for: most modules print nowhere
        role = _role(facts, func)
        if role is None:
            continue
        for node in func.own_nodes:
            if not isinstance(node, ast.Call) or not facts.is_call_to(node, "builtins.print"):
                continue
            if facts.in_main_guard(node):
                continue
            if T201_NOQA.search(facts.source.line_text(node.lineno)):
                continue  # the author told the narrower peer rule that this print is meant
            message = f"`print()` in {role} `{func.name}`; log with `logging` instead"
            yield Diagnostic.at(node, CODE, message, fix=_logging_fix(facts, node))


def _is_test_module(facts: ModuleFacts) -> bool:
    return bool(TEST_FILE.search(facts.path)) or any(
        _root_module(node) == "pytest" for node in facts.import_nodes
    )


def _root_module(node: ast.Import | ast.ImportFrom) -> str | None:
    if isinstance(node, ast.ImportFrom):
        return node.module.split(".")[0] if node.module and node.level == 0 else None
    roots = {alias.name.split(".")[0] for alias in node.names}
    return "pytest" if "pytest" in roots else next(iter(roots), None)


def _role(facts: ModuleFacts, func: FunctionInfo) -> str | None:
    if facts.is_path_operation(func):
        return "path operation"
    if facts.is_dependency(func):
        return "dependency"
    return hook_kind(facts, func)


# --- the fix ------------------------------------------------------------------------------


def _logging_fix(facts: ModuleFacts, call: ast.Call) -> Fix | None:
    arguments = _logging_arguments(facts, call)
    if arguments is None:
        return None
    logger = _module_logger(facts)
    edits: list[Edit] = []
    if logger is None:
        if facts.is_local_name(LOGGER_NAME, facts.tree) or _imports_name(facts, LOGGER_NAME):
            return None
        logger = LOGGER_NAME
        edits.extend(_logger_definition(facts))
    if facts.is_local_name(logger, call) and _shadowed_in_function(facts, logger, call):
        return None
    edits.insert(0, Edit.replace(call, f"{logger}.info({arguments})"))
    return Fix(f"Replace with `{logger}.info(...)`", Applicability.UNSAFE, tuple(edits))


def _logging_arguments(facts: ModuleFacts, call: ast.Call) -> str | None:
    """What goes between the parentheses of ``logger.info(...)``, or None when ``print``'s
    output cannot be reproduced that way."""
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    if _has_comment(facts, call):
        return None
    args = call.args
    if not args:
        return '""'
    if len(args) == 1 and _is_text(args[0]):
        return _source(facts, args[0])
    parts: list[str] = []
    values: list[str] = []
    for arg in args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            parts.append(arg.value.replace("%", "%%"))
        else:
            parts.append("%s")
            values.append(_source(facts, arg))
    return ", ".join([json.dumps(" ".join(parts), ensure_ascii=False), *values])


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _has_comment(facts: ModuleFacts, call: ast.Call) -> bool:
    start, end = node_span(call)
    if start.line == end.line:
        return False
    text = facts.source.segment(start, end)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return True
    return any(token.type == tokenize.COMMENT for token in tokens)


def _source(facts: ModuleFacts, node: ast.AST) -> str:
    return facts.source.segment(*node_span(node))


def _module_logger(facts: ModuleFacts) -> str | None:
    """A module-level name assigned ``logging.getLogger(...)``, ``logger`` preferred."""
    found: list[str] = []
    for node in facts.tree.body:
        if (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and node.value is not None
            and facts.is_call_to(node.value, "logging.getLogger")
        ):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found.extend(t.id for t in targets if isinstance(t, ast.Name))
    if LOGGER_NAME in found:
        return LOGGER_NAME
    return found[0] if found else None


def _imports_name(facts: ModuleFacts, name: str) -> bool:
    return any(
        (alias.asname or alias.name.split(".")[0]) == name
        for node in facts.import_nodes
        for alias in node.names
    )


def _shadowed_in_function(facts: ModuleFacts, name: str, call: ast.Call) -> bool:
    """True when the function around ``call`` binds ``name`` itself."""
    func = facts.function_of(call)
    if func is None:
        return False
    if any(p.arg == name for p in func.parameters):
        return True
    return any(
        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
        for n in func.own_nodes
    )


def _logger_definition(facts: ModuleFacts) -> list[Edit]:
    """``logger = logging.getLogger(__name__)`` before the first statement after the
    imports (with ``import logging`` when needed), as one insertion when both go to the same
    place so that their order is fixed."""
    logging_name, import_edit = ensure_module_import(facts, "logging")
    anchor = _first_statement_after_imports(facts)
    newline = facts.source.newline
    if anchor is None:
        line = len(facts.source.lines) + 1
        definition = Edit.insert(
            Position(line, 0),
            f"{newline}{LOGGER_NAME} = {logging_name}.getLogger(__name__){newline}",
        )
    else:
        blank = newline * max(1, _blank_lines_before(facts, anchor))
        definition = Edit.insert(
            Position(anchor, 0),
            f"{LOGGER_NAME} = {logging_name}.getLogger(__name__){newline}{blank}",
        )
    if import_edit is None:
        return [definition]
    if import_edit.start == definition.start:
        return [Edit.insert(definition.start, import_edit.new_text + newline + definition.new_text)]
    return [import_edit, definition]


def _first_statement_after_imports(facts: ModuleFacts) -> int | None:
    """The line where the first top-level statement after the last top-level import begins,
    its comment lines included."""
    body = facts.tree.body
    last_import = max(
        (i for i, node in enumerate(body) if isinstance(node, ast.Import | ast.ImportFrom)),
        default=-1,
    )
    if last_import == -1 and body and _is_docstring(body[0]):
        last_import = 0
    if last_import + 1 >= len(body):
        return None
    following = body[last_import + 1]
    line = min([following.lineno, *(d.lineno for d in _decorators(following))])
    previous_end = body[last_import].end_lineno or 0 if last_import >= 0 else 0
    while line - 1 > previous_end and facts.source.line_text(line - 1).lstrip().startswith("#"):
        line -= 1
    return line


def _decorators(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.decorator_list
    return []


def _blank_lines_before(facts: ModuleFacts, line: int) -> int:
    count = 0
    while line - 1 - count >= 1 and not facts.source.line_text(line - 1 - count).strip():
        count += 1
    return count


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )
