"""FAS404 http-client-per-request

## What it does
Finds `httpx.AsyncClient()`, `httpx.Client()` and `aiohttp.ClientSession()` constructed inside
a path operation, including `async with httpx.AsyncClient() as client:`.

## Why is this bad?
An HTTP client owns a connection pool. A client built per request opens new TCP and TLS
connections to the upstream service every time, so keep-alive never helps, latency grows by a
handshake per call, and under load the process runs out of sockets. Create one client for the
application in its `lifespan` and reach it through `request.app.state` or a dependency. See
[Lifespan events](https://fastapi.tiangolo.com/advanced/events/) and the
[HTTPX client docs](https://www.python-httpx.org/advanced/clients/#why-use-a-client).

## Example
```python
@app.get("/weather")
async def weather(city: str):
    async with httpx.AsyncClient() as client:
        response = await client.get(WEATHER_URL, params={"q": city})
    return response.json()
```

## Use instead
```python
@asynccontextmanager
async def lifespan(app: FastAPI):
    async with httpx.AsyncClient() as client:
        app.state.http = client
        yield


@app.get("/weather")
async def weather(city: str, request: Request):
    response = await request.app.state.http.get(WEATHER_URL, params={"q": city})
    return response.json()
```

## Fix safety
There is no fix: moving the client to the lifespan changes where its configuration (base URL,
timeouts, authentication) lives and how routes reach it.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS404"
# qualified constructor → how the message names it
HTTP_CLIENTS = {
    "httpx.AsyncClient": "httpx.AsyncClient",
    "httpx.Client": "httpx.Client",
    "aiohttp.ClientSession": "aiohttp.ClientSession",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession",
}


@rule(code=CODE, name="http-client-per-request", default=False, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for func in facts.path_operations:
        for call in func.calls:
            name = HTTP_CLIENTS.get(facts.qualified_name(call.func) or "")
            if name is not None:
                yield Diagnostic.at(
                    call,
                    CODE,
                    f"`{name}()` in path operation `{func.name}` opens a new connection pool on "
                    "every request; create one client in the lifespan and share it",
                )
