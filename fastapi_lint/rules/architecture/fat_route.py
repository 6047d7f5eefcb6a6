"""FAS601 fat-route

## What it does
Finds path operations whose body has more than `max-statements` statements (12 by default).

Statements are counted recursively: every statement in the function's body counts once,
at any depth, so a compound statement (`if`, `for`, `while`, `with`, `try`, `match`, a nested
`def` or `class`) counts once itself plus once for each statement in its blocks; an `elif`
counts as the nested `if` it is; `except`, `else`, `finally` and `case` clauses are not
statements themselves, only what they contain. The docstring does not count. Decorators,
parameters and expressions inside a statement (a long comprehension, a call spanning many
lines) never add to the count.

## Why is this bad?
A path operation that validates, queries, computes and formats is hard to test without
HTTP and hard to reuse from a background job or a second endpoint. Keeping handlers thin
(parse the request, call a service, shape the response) puts the logic where it can be
tested alone. See [Bigger Applications](https://fastapi.tiangolo.com/tutorial/bigger-applications/).

## Example
```python
@router.post("/orders")
async def create_order(order: OrderIn, db: DbSession):
    customer = await db.get(Customer, order.customer_id)
    if customer is None:
        raise HTTPException(404)
    total = 0
    for line in order.lines:
        product = await db.get(Product, line.product_id)
        if product.stock < line.quantity:
            raise HTTPException(409, f"{product.name} is out of stock")
        product.stock -= line.quantity
        total += product.price * line.quantity
    ...  # and more
```

## Use instead
```python
@router.post("/orders")
async def create_order(order: OrderIn, orders: OrderServiceDep):
    return await orders.place(order)
```

## Options
- `fat-route.max-statements` = `12`: the most statements a path operation may have.

## Fix safety
There is no automatic fix. The language server offers **Extract to service** on the finding
(a `refactor.extract` code action): the business logic moves into a method of a service class
(an existing one for the resource, or a new one with a `get_…_service` provider) and the route
keeps its HTTP concerns. The same refactoring runs from the command line with
`fastapi-lint refactor extract-service PATH:LINE [--diff]`. It is offered only when the move
provably keeps behaviour; otherwise the reason is logged.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic, Position
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.rules import Options, RuleOption, rule

CODE = "FAS601"
MAX_STATEMENTS = "max-statements"


@rule(
    code=CODE,
    name="fat-route",
    default=True,
    fix="none",
    options=(RuleOption(MAX_STATEMENTS, 12, "the most statements a path operation may have"),),
)
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    limit = int(options[MAX_STATEMENTS])
    for handler in facts.path_operations:
        count = statement_count(handler)
        if count > limit:
            start, end = def_line_span(facts, handler)
            message = (
                f"path operation `{handler.name}` has {count} statements (more than {limit}); "
                "move its logic into a service"
            )
            yield Diagnostic(CODE, message, start, end)


def statement_count(func: FunctionInfo) -> int:
    """Every ``ast.stmt`` in the body at any depth, the docstring excepted."""
    body = list(func.node.body)
    if func.docstring_node is not None:
        body.remove(func.docstring_node)
    count = 0
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.stmt):
            count += 1
        pending.extend(_blocks_of(node))
    return count


def _blocks_of(node: ast.AST) -> Iterator[ast.AST]:
    """The statements and clauses directly inside a node's blocks (not its expressions)."""
    for name in ("body", "orelse", "finalbody", "handlers", "cases"):
        value = getattr(node, name, None)
        if isinstance(value, list):
            yield from value


def def_line_span(facts: ModuleFacts, func: FunctionInfo) -> tuple[Position, Position]:
    """From ``def``/``async def`` to the end of the function's name."""
    node = func.node
    line = facts.source.line_text(node.lineno)
    start_char = facts.source.char_col(Position(node.lineno, node.col_offset))
    name_at = line.find(node.name, start_char)
    if name_at < 0:
        return Position(node.lineno, node.col_offset), Position(node.lineno, node.col_offset)
    end = facts.source.byte_col(node.lineno, name_at + len(node.name))
    return Position(node.lineno, node.col_offset), Position(node.lineno, end)
