"""FAS314 shadowed-route

## What it does
Finds a route with a literal segment registered after a route on the same router whose path
parameter accepts that literal, such as `/items/latest` after `/items/{item_id}`.

## Why is this bad?
Starlette tries routes in registration order and takes the first whose path matches. The
request for `/items/latest` reaches `read_item` with `item_id="latest"` (and fails validation
when `item_id` is an `int`); the literal route is never called. FastAPI's documentation calls
this out: [Order matters](https://fastapi.tiangolo.com/tutorial/path-params/#order-matters).

## Example
```python
@router.get("/items/{item_id}")
async def read_item(item_id: str): ...


@router.get("/items/latest")
async def read_latest_item(): ...
```

## Use instead
```python
@router.get("/items/latest")
async def read_latest_item(): ...


@router.get("/items/{item_id}")
async def read_item(item_id: str): ...
```

## Fix safety
The editor action moves the shadowed function, with its decorators and the comments right
above it, before the route that shadows it. It is offered only when both are decorated
functions of the same block, nothing between them defines a name the moved function's
decorators or signature use or uses the moved function's name, and the move does not make
the moved route shadow another one. It is an action because it changes which handler serves
some URLs, which is the point, but the author should look at it.
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
    Related,
    node_span,
)
from fastapi_lint.facts import ModuleFacts, Route
from fastapi_lint.facts.path_matching import _erase_names, _param_converter, covers
from fastapi_lint.facts.route_order import enclosing_block, route_sequences
from fastapi_lint.rules import Options, rule

CODE = "FAS314"


@rule(code=CODE, name="shadowed-route", default=True, fix="action")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for routes in route_sequences(facts).values():
        earlier = _Candidates()
        for route in routes:
            shadow = next((c for c in earlier.for_route(route) if _shadows(c, route)), None)
            if shadow is not None:
                yield _shadowed(facts, routes, route, shadow)
            earlier.add(route)


class _Candidates:
    """The routes registered so far that could shadow a later one, indexed so that a router
    with thousands of routes is not checked pair by pair: only a route with a parameter can
    take a literal, and without a ``path`` converter it covers only paths of as many segments
    whose first segment it accepts."""

    def __init__(self) -> None:
        self._by_shape: dict[tuple[int, str | None], list[tuple[int, Route]]] = {}
        self._any_length: list[tuple[int, Route]] = []  # routes with a ``path`` converter
        self._count = 0

    def add(self, route: Route) -> None:
        self._count += 1
        if route.path is None or "{" not in route.path.raw:
            return
        segments = route.path.raw.split("/")
        entry = (self._count, route)
        if any(_param_converter(s) == "path" for s in segments):
            self._any_length.append(entry)
            return
        self._by_shape.setdefault(_shape(segments, accepts_any=True), []).append(entry)

    def for_route(self, route: Route) -> list[Route]:
        """The candidates in registration order."""
        if route.path is None:
            return []
        segments = route.path.raw.split("/")
        found = [
            *self._by_shape.get(_shape(segments, accepts_any=False), []),
            *self._by_shape.get((len(segments), None), []),
            *self._any_length,
        ]
        return [candidate for _, candidate in sorted(found, key=lambda entry: entry[0])]


def _shape(segments: list[str], *, accepts_any: bool) -> tuple[int, str | None]:
    """(number of segments, the first named segment with parameter names erased); None for a
    first segment that is a whole parameter of a route that may shadow others (it accepts
    any literal there)."""
    first = segments[1] if len(segments) > 1 else ""
    if accepts_any and _param_converter(first) is not None:
        return len(segments), None
    return len(segments), _erase_names(first)


def _shadows(general: Route, specific: Route) -> bool:
    """A parameter of ``general`` takes a literal segment of ``specific`` and ``general``
    matches every URL of ``specific`` for a method they share."""
    if general.handler is specific.handler or general.path is None or specific.path is None:
        return False
    if not set(general.methods) & set(specific.methods):
        return False
    matches, takes_literal = covers(general.path, specific.path)
    return matches and takes_literal


def _shadowed(facts: ModuleFacts, routes: list[Route], route: Route, shadow: Route) -> Diagnostic:
    assert route.path is not None and shadow.path is not None
    methods = [m for m in route.methods if m in shadow.methods]
    operation = f"{'/'.join(methods)} {route.path.raw}"
    start, end = node_span(shadow.registration)
    related = Related(f"`{shadow.path.raw}` registered here first", start, end)
    message = (
        f"`{operation}` is shadowed by `{shadow.path.raw}` registered at line {start.line}: "
        f"`{route.handler.name}` is never called for it"
    )
    fix = _move_above(facts, routes, route, shadow)
    return Diagnostic.at(route.registration, CODE, message, fix=fix, related=(related,))


# --- the move ------------------------------------------------------------------------------


def _move_above(facts: ModuleFacts, routes: list[Route], route: Route, shadow: Route) -> Fix | None:
    moved = route.handler.node
    target = shadow.handler.node
    if route.registration not in moved.decorator_list:
        return None
    if shadow.registration not in target.decorator_list:
        return None
    block = enclosing_block(facts, moved)
    if block is None or block != enclosing_block(facts, target):
        return None
    statements: list[ast.stmt] = getattr(block[0], block[1])
    first = _index_of(statements, target)
    last = _index_of(statements, moved)
    if first is None or last is None or first >= last:
        return None
    between = statements[first:last]
    if not _safe_to_reorder(moved, between) or _would_shadow(routes, route, shadow):
        return None
    moved_span = _line_span(facts, moved)
    target_span = _line_span(facts, target)
    if moved_span is None or target_span is None:
        return None
    return _move_edits(facts, moved_span, target_span[0], route.handler.name, target.name)


def _index_of(statements: list[ast.stmt], statement: ast.stmt) -> int | None:
    return next((i for i, s in enumerate(statements) if s is statement), None)


def _safe_to_reorder(
    moved: ast.FunctionDef | ast.AsyncFunctionDef, between: list[ast.stmt]
) -> bool:
    """Nothing between the two places binds a name the moved header reads, and nothing there
    binds or reads the moved function's name."""
    header_reads = {
        n.id
        for part in _header_parts(moved)
        for n in ast.walk(part)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    for statement in between:
        bound = _bound_names(statement)
        if moved.name in bound or bound & header_reads:
            return False
        if any(isinstance(n, ast.Name) and n.id == moved.name for n in ast.walk(statement)):
            return False
    return True


def _header_parts(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    parts: list[ast.AST] = [*func.decorator_list, func.args]
    if func.returns is not None:
        parts.append(func.returns)
    return parts


def _bound_names(statement: ast.stmt) -> set[str]:
    """Names a statement binds in its block's scope (not inside nested functions)."""
    names: set[str] = set()
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        names.add(statement.name)
        return names  # the body binds in its own scope
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


def _would_shadow(routes: list[Route], route: Route, shadow: Route) -> bool:
    """Moved before ``shadow``, the route must not take URLs of the routes it jumps over."""
    start = routes.index(shadow)
    end = routes.index(route)
    for other in routes[start:end]:
        if other.path is None or route.path is None:
            return True
        if not set(other.methods) & set(route.methods) or other.handler is route.handler:
            continue
        if covers(route.path, other.path)[0]:
            return True
    return False


def _line_span(
    facts: ModuleFacts, func: ast.FunctionDef | ast.AsyncFunctionDef
) -> tuple[int, int] | None:
    """First and last line of a decorated function with the comment lines right above it;
    None when another statement shares its first or last line."""
    source = facts.source
    first_line = func.decorator_list[0].lineno if func.decorator_list else func.lineno
    if not source.line_text(first_line).lstrip().startswith("@"):
        return None
    end_line = func.end_lineno or func.lineno
    end_text = source.line_text(end_line).encode("utf-8", errors="surrogatepass")
    rest = end_text[func.end_col_offset or 0 :].decode("utf-8", errors="surrogatepass").strip()
    if rest and not rest.startswith("#"):
        return None
    while first_line > 1 and source.line_text(first_line - 1).lstrip().startswith("#"):
        first_line -= 1
    return first_line, end_line


def _blank_lines_above(facts: ModuleFacts, line: int) -> int:
    count = 0
    while line - count > 1 and not facts.source.line_text(line - count - 1).strip():
        count += 1
    return count


def _move_edits(
    facts: ModuleFacts, moved: tuple[int, int], target_line: int, name: str, target: str
) -> Fix:
    source = facts.source
    first, last = moved
    text = "".join(source.line_text(n) for n in range(first, last + 1))
    if not text.endswith(("\n", "\r")):
        text += source.newline
    blanks = _blank_lines_above(facts, first)
    if last < len(source.lines):
        delete_end = Position(last + 1, 0)
    else:
        delete_end = Position(last, len(source.line_text(last).encode("utf-8", "surrogatepass")))
    edits = (
        Edit.insert(Position(target_line, 0), text + source.newline * blanks),
        Edit.delete(Position(first - blanks, 0), delete_end),
    )
    return Fix(f"Move `{name}` above `{target}`", Applicability.ACTION, edits)
