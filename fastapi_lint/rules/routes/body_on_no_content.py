"""FAS307 body-on-no-content

## What it does
Finds 204/304 path operations that declare or return a body (a `response_model=`, a return
annotation other than `None`, a `return <value>`), and `JSONResponse(status_code=204)`
anywhere.

## Why is this bad?
A 204 or 304 response has no body by definition. FastAPI drops what such a route returns, so
the model and the returned value only mislead the reader (and the OpenAPI schema). A
`JSONResponse` built with status 204 is worse: it still renders a body (`null` at least), and
the server fails the response at runtime.
See [Response Status Code](https://fastapi.tiangolo.com/tutorial/response-status-code/).

## Example
```python
@app.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_item(item_id: int) -> Item:
    item = await repo.delete(item_id)
    return item
```

## Use instead
```python
@app.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_item(item_id: int) -> None:
    await repo.delete(item_id)
```

## Fix safety
The fix turns `return value` into a bare `return` when the value has no side effect (a name,
a constant, an attribute, a literal of those). It is unsafe: a client that read the body of
a 204 against the protocol gets nothing, as the server already sent. Models, annotations and
`JSONResponse(status_code=204)` are reported without a fix.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, node_end
from fastapi_lint.facts import ModuleFacts, Route
from fastapi_lint.facts.responses import (
    JSON_RESPONSE_CLASSES,
    NO_BODY_STATUS_CODES,
    is_response_class,
    is_response_value,
    response_model,
    return_statements,
    route_status_code,
    routes_in_force,
    status_code_value,
)
from fastapi_lint.rules import Options, rule

CODE = "FAS307"


@rule(code=CODE, name="body-on-no-content", default=True, fix="unsafe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    seen: set[ast.AST] = set()
    for route in routes_in_force(facts):
        status = route_status_code(facts, route)
        if status not in NO_BODY_STATUS_CODES or route.is_websocket:
            continue
        for diagnostic, node in _route_findings(facts, route, status):
            if node not in seen:
                seen.add(node)
                yield diagnostic
    yield from _json_responses_without_body(facts)


def _route_findings(
    facts: ModuleFacts, route: Route, status: int
) -> Iterator[tuple[Diagnostic, ast.AST]]:
    handler = route.handler
    model = response_model(route)
    if model is not None:
        message = (
            f"`response_model={ast.unparse(model)}` on a {status} route: FastAPI sends no body"
        )
        yield Diagnostic.at(model, CODE, message), model
    returns = handler.node.returns
    if returns is not None and not _is_none_annotation(facts, returns):
        message = (
            f"`{handler.name}` is annotated `-> {ast.unparse(returns)}` but answers {status}: "
            "FastAPI sends no body"
        )
        yield Diagnostic.at(returns, CODE, message), returns
    for statement in return_statements(handler):
        value = statement.value
        if value is None or _is_none(value) or is_response_value(facts, value):
            continue
        message = f"`{handler.name}` returns a value on a {status} route: FastAPI drops it"
        yield Diagnostic.at(value, CODE, message, fix=_bare_return_fix(statement, value)), value


def _is_none_annotation(facts: ModuleFacts, annotation: ast.expr) -> bool:
    if _is_none(annotation):
        return True
    if isinstance(annotation, ast.Constant) and annotation.value == "None":
        return True
    return is_response_class(facts, annotation)


def _bare_return_fix(statement: ast.Return, value: ast.expr) -> Fix | None:
    if not _is_pure(value):
        return None
    after_keyword = Position(statement.lineno, statement.col_offset + len("return"))
    return Fix(
        "Return nothing", Applicability.UNSAFE, (Edit.delete(after_keyword, node_end(statement)),)
    )


def _is_pure(value: ast.expr) -> bool:
    """Evaluating it has no side effect worth keeping."""
    if isinstance(value, ast.Name | ast.Constant):
        return True
    if isinstance(value, ast.Attribute):
        return _is_pure(value.value)
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        return all(_is_pure(e) for e in value.elts)
    if isinstance(value, ast.Dict):
        return all(k is None or _is_pure(k) for k in value.keys) and all(
            _is_pure(v) for v in value.values
        )
    return False


def _json_responses_without_body(facts: ModuleFacts) -> Iterator[Diagnostic]:
    for call in facts.calls_to(*JSON_RESPONSE_CLASSES):
        status = _response_status(facts, call)
        if status in NO_BODY_STATUS_CODES:
            name = ast.unparse(call.func)
            yield Diagnostic.at(
                call,
                CODE,
                f"`{name}` with status {status} still renders a body; the server rejects the "
                "response: use `Response(status_code=...)`",
            )


def _response_status(facts: ModuleFacts, call: ast.Call) -> int | None:
    for kw in call.keywords:
        if kw.arg == "status_code":
            return status_code_value(facts, kw.value)
    if len(call.args) > 1:
        return status_code_value(facts, call.args[1])
    return None


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None
