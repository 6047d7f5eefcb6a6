"""FAS701 httpx-app-shortcut

## What it does
Finds `httpx.AsyncClient(app=...)` and `httpx.Client(app=...)`, the shortcut httpx 0.27
deprecated and 0.28 removed.

## Why is this bad?
With httpx 0.28 the `app` argument is gone: the client raises `TypeError` when it is built, so
every test that talks to the application in-process fails. The application is passed through
a transport instead: `ASGITransport` for an `AsyncClient`, `WSGITransport` for a `Client`.
See [Async Tests](https://fastapi.tiangolo.com/advanced/async-tests/) and
[httpx transports](https://www.python-httpx.org/advanced/transports/).

## Example
```python
from httpx import AsyncClient


async def test_read_main():
    async with AsyncClient(app=app, base_url="http://test") as client:
        response = await client.get("/")
```

## Use instead
```python
from httpx import ASGITransport, AsyncClient


async def test_read_main():
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/")
```

## Fix safety
The fix is safe: it spells out the transport httpx built for the shortcut, so requests take
the same path. For `AsyncClient` that is `ASGITransport(app=...)`; for the sync `Client` it
was `WSGITransport(app=...)`. `ASGITransport` only serves async clients, so a sync `Client`
given a FastAPI application (which speaks ASGI, not WSGI) has no fix: it never worked, and
`fastapi.testclient.TestClient(app)` is the sync client for it. There is no fix either when
the call already passes `transport=` or `**kwargs`. The transport is imported as the module
imports httpx (`httpx.ASGITransport` after `import httpx`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, node_span
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.fixes import ensure_from_import
from fastapi_lint.rules import Options, rule

CODE = "FAS701"
# the client class → the transport httpx used for `app=` before 0.28
TRANSPORTS = {"httpx.AsyncClient": "ASGITransport", "httpx.Client": "WSGITransport"}
ASGI_APPLICATIONS = frozenset({"fastapi.FastAPI", "starlette.Starlette"})


@rule(code=CODE, name="httpx-app-shortcut", default=True, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for call in facts.calls_to(*TRANSPORTS):
        client = facts.qualified_name(call.func)
        transport = TRANSPORTS.get(client or "")
        app = next((kw for kw in call.keywords if kw.arg == "app"), None)
        if transport is None or app is None:
            continue
        name = ast.unparse(call.func)
        if transport == "WSGITransport" and _is_asgi_application(facts, app.value):
            message = (
                f"`{name}(app=...)` was removed in httpx 0.28, and a sync client cannot serve an "
                "ASGI app; use `fastapi.testclient.TestClient(app)`"
            )
            yield Diagnostic.at(app, CODE, message)
            continue
        message = (
            f"`{name}(app=...)` was removed in httpx 0.28; pass `transport={transport}(app=...)`"
        )
        yield Diagnostic.at(app, CODE, message, fix=_transport_fix(facts, call, app, transport))


def _is_asgi_application(facts: ModuleFacts, value: ast.expr) -> bool:
    if isinstance(value, ast.Name):
        instance = facts.apps.get(value.id)
        if instance is not None and instance.kind == "app":
            return True
    return facts.type_of(value) in ASGI_APPLICATIONS


def _transport_fix(
    facts: ModuleFacts, call: ast.Call, app: ast.keyword, transport: str
) -> Fix | None:
    if any(kw.arg in ("transport", None) for kw in call.keywords):
        return None
    spelling, import_edit = ensure_from_import(facts, "httpx", transport)
    value = facts.source.segment(*node_span(app.value))
    edits = [Edit.replace(app, f"transport={spelling}(app={value})")]
    if import_edit is not None:
        edits.append(import_edit)
    return Fix(f"Pass the app through `{spelling}`", Applicability.SAFE, tuple(edits))
