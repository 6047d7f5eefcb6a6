"""FAS407 global-state-mutation

## What it does
Finds a path operation or dependency that rebinds a module-level name through `global`, or
mutates a module-level list, dict or set (`append`, `cache[key] = ...`, `update`, `pop`,
`del cache[key]`, ...).

## Why is this bad?
Module state is shared by every concurrent request of a worker and is not shared between
workers: two requests interleave their updates, a threadpool (`def`) route races on it, and
each of the `--workers` processes sees a different copy that vanishes on restart. State that
must survive belongs in a database or cache, state of one request in the request.
See [Concurrency and async / await](https://fastapi.tiangolo.com/async/).

## Example
```python
items: list[Item] = []


@app.post("/items")
async def create_item(item: Item) -> Item:
    items.append(item)
    return item
```

## Use instead
```python
@app.post("/items")
async def create_item(item: Item, repo: Annotated[ItemRepository, Depends(get_repo)]) -> Item:
    await repo.add(item)
    return item
```

## Fix safety
There is no fix: where the state should live depends on the application.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.rules import Options, rule

CONTAINER_CONSTRUCTORS = {
    "builtins.list",
    "builtins.dict",
    "builtins.set",
    "collections.defaultdict",
    "collections.OrderedDict",
    "collections.Counter",
    "collections.deque",
}
CONTAINER_LITERALS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
MUTATING_METHODS = {
    "append",
    "appendleft",
    "extend",
    "extendleft",
    "insert",
    "remove",
    "pop",
    "popleft",
    "popitem",
    "clear",
    "update",
    "add",
    "discard",
    "setdefault",
    "sort",
    "reverse",
    "rotate",
    "subtract",
    "move_to_end",
    "difference_update",
    "intersection_update",
    "symmetric_difference_update",
}


@rule(code="FAS407", name="global-state-mutation", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    handlers = dict.fromkeys([*facts.path_operations, *facts.dependency_functions])
    if not handlers:
        return
    containers = _module_containers(facts)
    for func in handlers:
        if func not in facts.focused_functions:
            continue  # reported inside the function
        rebound: set[str] | None = None  # asked only for a `global` statement
        for node in func.own_nodes:
            if isinstance(node, ast.Global):
                if rebound is None:
                    rebound = _rebound_names(func)
                # `global x` that is only read changes nothing
                names = [n for n in node.names if n in rebound]
                if names:
                    listed = ", ".join(f"`{n}`" for n in names)
                    yield Diagnostic.at(
                        node,
                        "FAS407",
                        f"`{func.name}` rebinds module-level {listed} through `global`: module "
                        "state is shared by every request and differs between workers",
                    )
                continue
            found = _mutated_container(node) if containers else None
            if found is None:
                continue
            name, how = found
            if name.id in containers and not _is_local(func, name.id):
                yield Diagnostic.at(
                    node,
                    "FAS407",
                    f"`{func.name}` mutates module-level `{name.id}` with {how}: it is shared "
                    "by every request and differs between workers",
                )


def _module_containers(facts: ModuleFacts) -> set[str]:
    """Module names bound only to a mutable container (a literal, comprehension or
    constructor call) by module-level assignments, and bound no other way."""
    container_stores: dict[str, int] = {}
    stores: dict[str, int] = {}
    for node in facts.module_nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stores[node.name] = stores.get(node.name, 0) + 1
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                stores[local] = stores.get(local, 0) + 1
        if isinstance(node, ast.Assign | ast.AnnAssign) and _is_container(facts, node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    container_stores[target.id] = container_stores.get(target.id, 0) + 1
    return {name for name, count in container_stores.items() if stores.get(name) == count}


def _is_container(facts: ModuleFacts, value: ast.expr | None) -> bool:
    if isinstance(value, CONTAINER_LITERALS):
        return True
    return (
        isinstance(value, ast.Call) and facts.qualified_name(value.func) in CONTAINER_CONSTRUCTORS
    )


def _mutated_container(node: ast.AST) -> tuple[ast.Name, str] | None:
    """The name whose object ``node`` mutates in place, and how."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        root = _subscript_root(node.func.value)
        if root is not None and node.func.attr in MUTATING_METHODS:
            return root, f"`.{node.func.attr}()`"
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = node.targets
    for target in targets:
        if isinstance(target, ast.Subscript):
            root = _subscript_root(target.value)
            if root is not None:
                verb = "`del`" if isinstance(node, ast.Delete) else "an item assignment"
                return root, verb
    return None


def _subscript_root(expr: ast.expr) -> ast.Name | None:
    """``cache`` in ``cache``, ``cache[a]``, ``cache[a][b]``."""
    while isinstance(expr, ast.Subscript):
        expr = expr.value
    return expr if isinstance(expr, ast.Name) else None


def _rebound_names(func: FunctionInfo) -> set[str]:
    """Names the function assigns, augments or deletes."""
    return {
        n.id
        for n in func.own_nodes
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del)
    }


def _is_local(func: FunctionInfo, name: str) -> bool:
    """Bound by the function or an enclosing one: a parameter, assignment, loop target..."""
    current: FunctionInfo | None = func
    while current is not None:
        if any(isinstance(n, ast.Global) and name in n.names for n in current.own_nodes):
            return False
        nonlocal_here = any(
            isinstance(n, ast.Nonlocal) and name in n.names for n in current.own_nodes
        )
        if not nonlocal_here and _binds(current, name):
            return True
        current = current.parent_function
    return False


def _binds(func: FunctionInfo, name: str) -> bool:
    if any(p.arg == name for p in func.parameters):
        return True
    for node in func.own_nodes:
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Store | ast.Del)
            and node.id == name
        ):
            return True
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.name == name
        ):
            return True
        if isinstance(node, ast.Import | ast.ImportFrom) and any(
            (a.asname or a.name.split(".")[0]) == name for a in node.names
        ):
            return True
        if isinstance(node, ast.ExceptHandler) and node.name == name:
            return True
    return False
