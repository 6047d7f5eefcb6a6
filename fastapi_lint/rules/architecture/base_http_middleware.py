"""FAS604 base-http-middleware

## What it does
Finds classes deriving from Starlette's `BaseHTTPMiddleware`.

## Why is this bad?
`BaseHTTPMiddleware` runs the rest of the application in a separate task: context variables
set by the endpoint do not reach the middleware, `BackgroundTasks` and streaming responses go
through an extra memory stream, and every request pays for the wrapping. A pure ASGI
middleware (a class with `async def __call__(self, scope, receive, send)`) has none of these
costs. See [Starlette middleware](https://www.starlette.io/middleware/#limitations) and
FastAPI's [Advanced Middleware](https://fastapi.tiangolo.com/advanced/middleware/).

## Example
```python
from starlette.middleware.base import BaseHTTPMiddleware


class RequestIdMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        response = await call_next(request)
        response.headers["X-Request-Id"] = request.headers.get("X-Request-Id", "")
        return response
```

## Use instead
```python
class RequestIdMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request_id = dict(scope["headers"]).get(b"x-request-id", b"")

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id))
            await send(message)

        await self.app(scope, receive, send_with_id)
```

## Fix safety
There is no fix: a pure ASGI middleware handles raw messages instead of `Request` and
`Response` objects, so the `dispatch` method has to be rewritten by hand.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic, Position
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.hooks import base_http_middleware_classes
from fastapi_lint.rules import Options, rule

CODE = "FAS604"


@rule(code=CODE, name="base-http-middleware", default=False, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for cls in base_http_middleware_classes(facts):
        line = facts.source.line_text(cls.lineno)
        start = Position(cls.lineno, cls.col_offset)
        name_at = line.find(cls.name, facts.source.char_col(start))
        end = (
            Position(cls.lineno, facts.source.byte_col(cls.lineno, name_at + len(cls.name)))
            if name_at >= 0
            else start
        )
        message = (
            f"`{cls.name}` derives from `BaseHTTPMiddleware`, which breaks context variables "
            "and wraps every response; write a pure ASGI middleware"
        )
        yield Diagnostic(CODE, message, start, end)
