"""FAS501 cors-wildcard-with-credentials

## What it does
Finds `CORSMiddleware` configured with `allow_origins=["*"]` (or an `allow_origin_regex` that
matches everything) together with `allow_credentials=True`.

## Why is this bad?
Browsers refuse `Access-Control-Allow-Origin: *` on credentialed requests, so Starlette
answers such requests by echoing the caller's `Origin` instead. Any web site can then make
requests with the user's cookies and read the responses: the same-origin policy is switched
off for every logged-in user. See
[CORS (Cross-Origin Resource Sharing)](https://fastapi.tiangolo.com/tutorial/cors/).

## Example
```python
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
)
```

## Use instead
```python
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com"],
    allow_credentials=True,
)
```

## Fix safety
There is no fix: only the author knows which origins the application serves.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.middleware import MiddlewareUse, is_cors, middleware_uses
from fastapi_lint.rules import Options, rule

CODE = "FAS501"
MATCH_ALL_PATTERNS = frozenset({".*", "^.*$", "^.*", ".*$", ".+", "^.+$", "^.+", ".+$"})


@rule(code=CODE, name="cors-wildcard-with-credentials", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for use in middleware_uses(facts):
        if not is_cors(facts, use) or not _is_true(use.keyword("allow_credentials")):
            continue
        wildcard = _wildcard_setting(facts, use)
        if wildcard is not None:
            yield Diagnostic.at(
                use.call,
                CODE,
                f"`CORSMiddleware` allows every origin (`{wildcard}`) with "
                "`allow_credentials=True`: any site can read responses with the user's cookies",
            )


def _wildcard_setting(facts: ModuleFacts, use: MiddlewareUse) -> str | None:
    """How the middleware is told to accept every origin, as written; None when it is not."""
    origins = use.keyword("allow_origins")
    if origins is not None and _holds_star(facts, origins):
        return f"allow_origins={ast.unparse(origins)}"
    regex = use.keyword("allow_origin_regex")
    if isinstance(regex, ast.Constant) and regex.value in MATCH_ALL_PATTERNS:
        return f"allow_origin_regex={ast.unparse(regex)}"
    return None


def _holds_star(facts: ModuleFacts, expr: ast.expr) -> bool:
    """A list/tuple/set literal holding ``"*"``, directly or through a name assigned one."""
    if isinstance(expr, ast.Name):
        origin = facts.binding_origin(expr.id, expr)
        if origin is None or isinstance(origin, ast.Name):
            return False
        expr = origin
    if not isinstance(expr, ast.List | ast.Tuple | ast.Set):
        return False
    return any(isinstance(e, ast.Constant) and e.value == "*" for e in expr.elts)


def _is_true(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True
