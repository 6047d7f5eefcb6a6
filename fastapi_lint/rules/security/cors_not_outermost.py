"""FAS508 cors-not-outermost

## What it does
Finds `app.add_middleware(CORSMiddleware, ...)` followed by another `add_middleware` (or an
`@app.middleware("http")` function) on the same application. `GZipMiddleware` (or a subclass
of it in the module) never answers by itself, so it may come after CORS.

## Why is this bad?
Each `add_middleware` wraps the application built so far, so the middleware added last is the
outermost one and sees the request first. A middleware added after CORS runs outside it: when
it answers by itself (an authentication error, a rate limit, an unhandled exception turned into
a 500) the response never passes through `CORSMiddleware`, has no CORS headers, and the
browser reports a CORS error instead of the real status. Preflight requests may also be
rejected before CORS can answer them. See
[Advanced Middleware](https://fastapi.tiangolo.com/advanced/middleware/).

## Example
```python
app.add_middleware(CORSMiddleware, allow_origins=ORIGINS)
app.add_middleware(AuthenticationMiddleware, backend=TokenBackend())
```

## Use instead
```python
app.add_middleware(AuthenticationMiddleware, backend=TokenBackend())
app.add_middleware(CORSMiddleware, allow_origins=ORIGINS)
```

## Fix safety
The editor action moves the `add_middleware(CORSMiddleware, ...)` statement below the last
middleware registration of the same block. It is an action only: middleware order is
behaviour, and a middleware that relied on running inside CORS (reading headers CORS adds, or
answering preflight requests itself) would change. Comments above the statement stay where
they are. No action is offered when the registrations are in different blocks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.facts.middleware import MiddlewareUse, is_application, is_cors, middleware_uses
from fastapi_lint.rules import Options, rule

CODE = "FAS508"


PASS_THROUGH_MIDDLEWARE = {
    "starlette.middleware.gzip.GZipMiddleware",
    "fastapi.middleware.gzip.GZipMiddleware",
}


@rule(code=CODE, name="cors-not-outermost", default=True, fix="action")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for group in _registrations_by_app(facts).values():
        cors_uses = [use for use in group if is_cors(facts, use)]
        for use in cors_uses:
            later = [
                other
                for other in group[group.index(use) + 1 :]
                if not is_cors(facts, other) and not _only_passes_responses_on(facts, other)
            ]
            if not later:
                continue
            app = ast.unparse(use.receiver) if use.receiver else "app"
            fix = _move_after(facts, use, later[-1]) if len(cors_uses) == 1 else None
            yield Diagnostic.at(
                use.call,
                CODE,
                f"`CORSMiddleware` is not the outermost middleware of `{app}`: "
                f"{_describe(later[0])} added after it answers without CORS headers",
                fix=fix,
            )


def _only_passes_responses_on(facts: ModuleFacts, use: MiddlewareUse) -> bool:
    """GZip compresses what the inner app answers and never answers itself, so the CORS
    headers survive it (also for a subclass defined in this module)."""
    middleware = use.middleware
    for _ in range(10):  # a chain of local subclasses, bounded
        if middleware is None:
            return False
        if facts.qualified_name(middleware) in PASS_THROUGH_MIDDLEWARE:
            return True
        if not isinstance(middleware, ast.Name) or middleware.id not in _local_classes(facts):
            return False
        bases = _local_classes(facts)[middleware.id].bases
        if len(bases) != 1:
            return False
        middleware = bases[0]
    return False


def _local_classes(facts: ModuleFacts) -> dict[str, ast.ClassDef]:
    return {cls.name: cls for cls in facts.classes if facts.function_of(cls) is None}


def _registrations_by_app(
    facts: ModuleFacts,
) -> dict[tuple[str, FunctionInfo | None], list[MiddlewareUse]]:
    """``add_middleware`` and ``@app.middleware`` registrations of each application, per scope
    (module level, or one function), in source order."""
    groups: dict[tuple[str, FunctionInfo | None], list[MiddlewareUse]] = {}
    for use in middleware_uses(facts):
        if use.kind not in ("add_middleware", "decorator"):
            continue
        receiver = use.receiver
        if not isinstance(receiver, ast.Name) or not is_application(facts, receiver):
            continue
        groups.setdefault((receiver.id, facts.function_of(use.call)), []).append(use)
    return groups


def _describe(use: MiddlewareUse) -> str:
    if use.middleware is None:
        return "the `@middleware` function"
    return f"`{ast.unparse(use.middleware)}`"


def _move_after(facts: ModuleFacts, cors: MiddlewareUse, last: MiddlewareUse) -> Fix | None:
    """Move the CORS statement to just after the statement holding the last registration,
    when both are statements of the same block and the CORS one fills its own lines."""
    statement = facts.parent(cors.call)
    if not isinstance(statement, ast.Expr):
        return None
    siblings = _statement_list(facts, statement)
    if siblings is None:
        return None
    anchor = next((a for a in _self_and_ancestors(facts, last.call) if a in siblings), None)
    if anchor is None or not isinstance(anchor, ast.stmt) or anchor is statement:
        return None
    if not _fills_its_lines(facts, statement):
        return None
    first, end = statement.lineno, statement.end_lineno or statement.lineno
    moved = "".join(facts.source.line_text(n) for n in range(first, end + 1))
    anchor_end = anchor.end_lineno or anchor.lineno
    last_line = facts.source.line_text(anchor_end)
    if anchor_end < len(facts.source.lines) and last_line.endswith(("\n", "\r")):
        insert = Edit.insert(Position(anchor_end + 1, 0), moved)
    else:
        end_col = len(last_line.encode("utf-8", errors="surrogatepass"))
        newline = facts.source.newline
        insert = Edit.insert(Position(anchor_end, end_col), newline + moved.rstrip("\r\n"))
    delete = Edit.delete(Position(first, 0), Position(end + 1, 0))
    title = "Move the `CORSMiddleware` registration after the last middleware"
    return Fix(title, Applicability.ACTION, (delete, insert))


def _statement_list(facts: ModuleFacts, statement: ast.stmt) -> list[ast.stmt] | None:
    parent = facts.parent(statement)
    if parent is None:
        return None
    for _, value in ast.iter_fields(parent):
        if isinstance(value, list) and any(item is statement for item in value):
            return value
    return None


def _self_and_ancestors(facts: ModuleFacts, node: ast.AST) -> Iterator[ast.AST]:
    yield node
    yield from facts.ancestors(node)


def _fills_its_lines(facts: ModuleFacts, statement: ast.stmt) -> bool:
    """Nothing but indentation before it and nothing but a comment after it."""
    end_line = statement.end_lineno or statement.lineno
    first = facts.source.line_text(statement.lineno).encode("utf-8", errors="surrogatepass")
    last = facts.source.line_text(end_line).encode("utf-8", errors="surrogatepass")
    before = first[: statement.col_offset].strip()
    after = last[statement.end_col_offset or 0 :].strip()
    return not before and (not after or after.startswith(b"#"))
