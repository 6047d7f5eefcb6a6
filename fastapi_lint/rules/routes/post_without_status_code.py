"""FAS306 post-without-status-code

## What it does
Finds `post` path operations registered without `status_code=`.

## Why is this bad?
A POST that creates something should answer `201 Created`; FastAPI answers `200 OK` unless
told otherwise, and documents that in the OpenAPI schema. Stating the status code makes the
contract explicit, including for POSTs that really are actions answering 200.
See [Response Status Code](https://fastapi.tiangolo.com/tutorial/response-status-code/).

## Example
```python
@app.post("/items")
async def create_item(item: Item) -> Item: ...
```

## Use instead
```python
@app.post("/items", status_code=status.HTTP_201_CREATED)
async def create_item(item: Item) -> Item: ...
```

## Fix safety
The fix adds `status_code=status.HTTP_201_CREATED` (importing `status` from `fastapi` when
needed). It is unsafe: clients checking for `200` see `201`, and a POST that does not create
anything should state `200` instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import (
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    Position,
    node_end,
    node_start,
)
from fastapi_lint.facts import ModuleFacts, Route
from fastapi_lint.facts.responses import (
    REDIRECT_RESPONSE_CLASSES,
    is_response_value,
    response_class,
    returned_values,
    routes_in_force,
)
from fastapi_lint.fixes import ensure_from_import
from fastapi_lint.rules import Options, rule

CODE = "FAS306"


@rule(code=CODE, name="post-without-status-code", default=False, fix="unsafe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for route in routes_in_force(facts):
        if route.methods != ("POST",) or "status_code" in route.keywords:
            continue
        declared_class = response_class(route)
        if declared_class is not None and (
            facts.qualified_name(declared_class) in REDIRECT_RESPONSE_CLASSES
        ):
            continue
        values = returned_values(route.handler)
        if values and all(is_response_value(facts, v) for v in values):
            continue  # the responses carry their own status codes
        yield Diagnostic.at(
            route.registration.func,
            CODE,
            f"POST path operation `{route.handler.name}` has no `status_code=`: it answers 200",
            fix=_status_fix(facts, route),
        )


def _status_fix(facts: ModuleFacts, route: Route) -> Fix | None:
    call = route.registration
    arguments: list[ast.AST] = [*call.args, *call.keywords]
    if not arguments:
        return None
    last = max(arguments, key=node_end)
    spelling, import_edit = ensure_from_import(facts, "fastapi", "status")
    argument = f"status_code={spelling}.HTTP_201_CREATED"
    end = node_end(last)
    after = facts.source.line_text(end.line).encode("utf-8", errors="surrogatepass")[end.col :]
    if end.line < node_end(call).line and after.strip() == b",":
        # one argument per line with a trailing comma: add a line in the same style
        indent = facts.source.indentation(node_start(last).line)
        insertion = Edit.insert(
            Position(end.line, end.col + len(after.rstrip(b"\r\n"))),
            f"{facts.source.newline}{indent}{argument},",
        )
    else:
        insertion = Edit.insert(end, f", {argument}")
    edits = [insertion]
    if import_edit is not None:
        edits.append(import_edit)
    return Fix("Add `status_code=201`", Applicability.UNSAFE, tuple(edits))
