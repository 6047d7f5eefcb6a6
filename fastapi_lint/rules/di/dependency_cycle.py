"""FAS409 dependency-cycle

## What it does
Finds functions of a module that depend on each other in a cycle through `Depends()`.

## Why is this bad?
FastAPI resolves a dependency's own dependencies when the route is declared, recursively: a
cycle makes that recursion endless, so the application fails with a `RecursionError` at import
time, or, when the cycle is reached only through a rarely imported router, in production.
See [Sub-dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/sub-dependencies/).

## Example
```python
def get_user(token: Annotated[str, Depends(get_token)]) -> User: ...


def get_token(user: Annotated[User, Depends(get_user)]) -> str: ...
```

## Use instead
```python
def get_token(authorization: Annotated[str, Header()]) -> str: ...


def get_user(token: Annotated[str, Depends(get_token)]) -> User: ...
```

## Fix safety
There is no fix: which edge of the cycle is wrong is a design decision.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import DependencyUse, FunctionInfo, ModuleFacts
from fastapi_lint.rules import Options, rule

Graph = dict[FunctionInfo, list[tuple[FunctionInfo, DependencyUse]]]


@rule(code="FAS409", name="dependency-cycle", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    graph = _dependency_graph(facts)
    for component in _cycles(graph):
        first = min(component, key=lambda f: (f.node.lineno, f.node.col_offset))
        chain = _shortest_cycle(graph, first, component)
        if chain is None:
            continue
        names = " → ".join(f.name for f in [first, *(f for f, _ in chain)])
        yield Diagnostic.at(
            chain[0][1].call,
            "FAS409",
            f"dependency cycle `{names}`: FastAPI recurses through it until it fails",
        )


def _dependency_graph(facts: ModuleFacts) -> Graph:
    """Module functions → the module functions their signature ``Depends()`` on, in order."""
    graph: Graph = {}
    for use in facts.dependency_uses:
        owner = use.owner
        # in a nested def or a method, a name may be bound by the enclosing scope instead
        if owner is None or owner.parent_function is not None or owner.is_method:
            continue
        target = facts.resolve_function(use.callable_expr)
        if target is not None:
            graph.setdefault(owner, []).append((target, use))
    return graph


def _cycles(graph: Graph) -> list[set[FunctionInfo]]:
    """Strongly connected components that hold a cycle (Tarjan, iterative)."""
    index: dict[FunctionInfo, int] = {}
    low: dict[FunctionInfo, int] = {}
    on_stack: set[FunctionInfo] = set()
    stack: list[FunctionInfo] = []
    found: list[set[FunctionInfo]] = []
    for root in graph:
        if root in index:
            continue
        work: list[tuple[FunctionInfo, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            edges = graph.get(node, [])
            if position < len(edges):
                work.append((node, position + 1))
                target = edges[position][0]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[FunctionInfo] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member is node:
                        break
                if len(component) > 1 or any(t is node for t, _ in graph.get(node, [])):
                    found.append(component)
    return found


def _shortest_cycle(
    graph: Graph, start: FunctionInfo, component: set[FunctionInfo]
) -> list[tuple[FunctionInfo, DependencyUse]] | None:
    """The hops of the shortest way from ``start`` back to itself, each with the ``Depends``
    that takes it; edges are tried in source order so the answer is stable."""
    paths: list[list[tuple[FunctionInfo, DependencyUse]]] = [[]]
    visited: set[FunctionInfo] = set()
    while paths:
        next_paths = []
        for path in paths:
            here = path[-1][0] if path else start
            for target, use in graph.get(here, []):
                if target is start:
                    return [*path, (target, use)]
                if target in component and target not in visited:
                    visited.add(target)
                    next_paths.append([*path, (target, use)])
        paths = next_paths
    return None
