"""FAS509 debug-enabled

## What it does
Finds `FastAPI(debug=True)` (or `Starlette(debug=True)`) written as a literal, and
`uvicorn.run(..., reload=True)` outside an `if __name__ == "__main__":` block. A literal
under a run-time condition (`if settings.debug: app = FastAPI(debug=True)`) is settings-driven
and stays silent.

## Why is this bad?
In debug mode an unhandled error answers with the full traceback, local source lines
included, to whoever made the request. `reload=True` starts a file watcher that restarts the
server on every change: a development convenience that costs CPU and drops in-flight requests
in production. Written as literals, both ship to production as they are. See
[Debugging](https://fastapi.tiangolo.com/tutorial/debugging/).

## Example
```python
app = FastAPI(debug=True)

uvicorn.run("main:app", host="0.0.0.0", reload=True)
```

## Use instead
```python
app = FastAPI(debug=settings.debug)

if __name__ == "__main__":
    uvicorn.run("main:app", reload=True)
```

## Fix safety
There is no fix: whether the value should come from settings or be dropped is the author's
choice.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS509"
APP_CLASSES = frozenset({"fastapi.FastAPI", "starlette.Starlette"})


@rule(code=CODE, name="debug-enabled", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for call in facts.calls_to(*APP_CLASSES, "uvicorn.run"):
        qualified = facts.qualified_name(call.func)
        if qualified in APP_CLASSES:
            debug = _true_keyword(call, "debug")
            if debug is not None and not _under_runtime_condition(facts, call):
                name = ast.unparse(call.func)
                yield Diagnostic.at(
                    debug, CODE, f"`{name}(debug=True)` sends tracebacks to clients"
                )
        elif qualified == "uvicorn.run" and not facts.in_main_guard(call):
            reload = _true_keyword(call, "reload")
            if reload is not None:
                yield Diagnostic.at(
                    reload,
                    CODE,
                    '`uvicorn.run(reload=True)` outside `if __name__ == "__main__":` '
                    "runs the reloader wherever this code runs",
                )


def _under_runtime_condition(facts: ModuleFacts, call: ast.Call) -> bool:
    """``if in_debug_mode(): app = FastAPI(debug=True)``: the value is chosen at run time
    (settings, environment), which is how debug mode should be switched on."""
    return any(
        isinstance(ancestor, ast.If | ast.IfExp) and not isinstance(ancestor.test, ast.Constant)
        for ancestor in facts.ancestors(call)
    )


def _true_keyword(call: ast.Call, name: str) -> ast.keyword | None:
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg == name and isinstance(value, ast.Constant) and value.value is True:
            return keyword
    return None
