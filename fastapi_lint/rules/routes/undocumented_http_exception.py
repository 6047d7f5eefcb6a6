"""FAS310 undocumented-http-exception

## What it does
Finds `raise HTTPException(status_code=N)` in the body of a path operation when `N` is not a
key of the decorator's `responses=` (nor of its router's).

## Why is this bad?
FastAPI documents the success response and the validation error, nothing else. A client
generated from the OpenAPI schema does not know the endpoint answers 404 or 409, and readers
of the docs learn it by trial. See
[Additional Responses in OpenAPI](https://fastapi.tiangolo.com/advanced/additional-responses/).

## Example
```python
@router.get("/items/{item_id}")
async def read_item(item_id: int):
    if item_id not in items:
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
```

## Use instead
```python
@router.get("/items/{item_id}", responses={404: {"description": "Item not found"}})
async def read_item(item_id: int):
    if item_id not in items:
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
```

## Fix safety
The fix adds `N: {"description": ...}` to `responses=` (or adds `responses=`), described by
the exception's literal `detail` or else the status phrase. It is unsafe because it changes
the published OpenAPI schema, and a `detail` written for users may not be the description
the author wants. Only exceptions raised in the handler itself are considered: a
`responses=` that is not a literal dict, or that unpacks another mapping, silences the rule.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from http import HTTPStatus

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix
from fastapi_lint.facts import ModuleFacts, Route
from fastapi_lint.facts.responses import status_code_value
from fastapi_lint.facts.status_codes import http_exception_status
from fastapi_lint.rules import Options, rule
from fastapi_lint.rules.routes._trailing_item import append_item

CODE = "FAS310"
# builtin exceptions an HTTPException is not an instance of
_UNRELATED_EXCEPTIONS = frozenset(
    f"builtins.{name}"
    for name in (
        "ValueError",
        "KeyError",
        "IndexError",
        "TypeError",
        "AttributeError",
        "LookupError",
        "OSError",
        "RuntimeError",
        "ImportError",
        "ModuleNotFoundError",
        "NotImplementedError",
        "ZeroDivisionError",
        "ArithmeticError",
        "UnicodeError",
        "UnicodeDecodeError",
        "UnicodeEncodeError",
        "FileNotFoundError",
        "PermissionError",
        "TimeoutError",
        "ConnectionError",
        "StopIteration",
        "StopAsyncIteration",
        "AssertionError",
    )
) | {"json.JSONDecodeError"}


@rule(code=CODE, name="undocumented-http-exception", default=False, fix="unsafe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for handler in facts.path_operations:
        routes = [r for r in facts.routes_of(handler) if not r.is_websocket]
        raised = _raised_statuses(facts, handler.own_nodes)
        descriptions: dict[int, str] = {}
        for call, code in raised:
            descriptions.setdefault(code, _description(call, code))
        documented = [(r, _documents(facts, r)) for r in routes]
        for call, code in raised:
            lacking = [
                r for r, codes in documented if codes is not None and not _covered(code, codes)
            ]
            if not lacking:
                continue
            fix = _fix(facts, lacking, code, descriptions[code])
            message = (
                f"`{handler.name}` raises HTTPException {code}, which its `responses=` does "
                f"not document"
            )
            yield Diagnostic.at(call, CODE, message, fix=fix)


def _raised_statuses(facts: ModuleFacts, nodes: list[ast.AST]) -> list[tuple[ast.Call, int]]:
    found = []
    for node in nodes:
        if (
            isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and not _caught_in_handler(facts, node)
        ):
            code = status_code_value(facts, http_exception_status(facts, node.exc))
            if code is not None:
                found.append((node.exc, code))
    found.sort(key=lambda pair: (pair[0].lineno, pair[0].col_offset))
    return found


def _caught_in_handler(facts: ModuleFacts, node: ast.Raise) -> bool:
    """True inside a ``try`` of the handler whose ``except`` may catch the HTTPException (bare,
    ``Exception``, ``BaseException``, ``HTTPException`` or a name not resolved): what the
    client gets is then decided there."""
    child: ast.AST = node
    for ancestor in facts.ancestors(node):
        if isinstance(ancestor, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return False
        if (
            isinstance(ancestor, ast.Try)
            and any(s is child for s in ancestor.body)
            and any(_may_catch(facts, h.type) for h in ancestor.handlers)
        ):
            return True
        child = ancestor
    return False


def _may_catch(facts: ModuleFacts, caught: ast.expr | None) -> bool:
    if caught is None:
        return True
    types = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(facts.qualified_name(t) not in _UNRELATED_EXCEPTIONS for t in types)


def _documents(facts: ModuleFacts, route: Route) -> set[int | str] | None:
    """The codes (and ``"4XX"`` ranges) the route and its router document; None when a
    ``responses=`` cannot be read."""
    documented: set[int | str] = set()
    sources = [route.keyword("responses")]
    if route.owner.call is not None:
        sources.extend(k.value for k in route.owner.call.keywords if k.arg == "responses")
    for value in sources:
        if value is None:
            continue
        keys = _literal_keys(facts, value)
        if keys is None:
            return None
        documented |= keys
    return documented


def _literal_keys(facts: ModuleFacts, value: ast.expr) -> set[int | str] | None:
    if not isinstance(value, ast.Dict):
        return None
    keys: set[int | str] = set()
    for key in value.keys:
        if key is None:
            return None  # ``**common_responses``
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            text = key.value.upper()
            keys.add(int(text) if text.isdigit() else text)
            continue
        code = status_code_value(facts, key)
        if code is None:
            return None
        keys.add(code)
    return keys


def _covered(code: int, documented: set[int | str]) -> bool:
    """``"4XX"`` documents every code of its class."""
    return code in documented or f"{code // 100}XX" in documented


def _description(call: ast.Call, code: int) -> str:
    detail = call.args[1] if len(call.args) > 1 else None
    for keyword in call.keywords:
        if keyword.arg == "detail":
            detail = keyword.value
    if isinstance(detail, ast.Constant) and isinstance(detail.value, str) and detail.value:
        return detail.value
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return f"Error {code}"


def _fix(facts: ModuleFacts, routes: list[Route], code: int, description: str) -> Fix | None:
    text = json.dumps(description, ensure_ascii=False)
    entry = f'{code}: {{"description": {text}}}'
    edits: list[Edit] = []
    for route in routes:
        responses = route.keyword("responses")
        if isinstance(responses, ast.Dict):
            edit = append_item(facts, responses, entry)
        elif responses is None:
            edit = append_item(facts, route.registration, f"responses={{{entry}}}")
        else:
            edit = None
        if edit is None:
            return None
        edits.append(edit)
    return Fix(f"Document {code} in `responses=`", Applicability.UNSAFE, tuple(edits))
