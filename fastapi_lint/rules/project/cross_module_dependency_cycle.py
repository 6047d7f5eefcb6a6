"""FAS409 dependency-cycle, across modules: a `Depends()` cycle whose functions live in two or
more modules of the project (the module rule finds cycles within one module), followed
through `Annotated` aliases imported from other modules too (`team: TeamDep`).

Reported once per cycle, at the `Depends(...)` of its first function (by file and line) that
starts the cycle; the related information points at every `Depends(...)` of the cycle.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.project.index import FunctionKey, ProjectIndex
from fastapi_lint.project.summary import Span
from fastapi_lint.rules import Options, ProjectFinding, project_extension
from fastapi_lint.rules.project._spans import end_of, related, start_of

CODE = "FAS409"
Hops = list[tuple[FunctionKey, FunctionKey, Span]]  # (from, to, the Depends() in `from`)


@project_extension(CODE)
def check(index: ProjectIndex, options: Options) -> Iterator[ProjectFinding]:
    graph = index.dependency_graph
    seen: set[frozenset[FunctionKey]] = set()
    for start in sorted(graph, key=lambda key: _place(index, key)):
        hops = _shortest_cycle(graph, start)
        if hops is None:
            continue
        members = frozenset(source for source, _, _ in hops)
        if members in seen or len({module for module, _ in members}) < 2:
            continue
        seen.add(members)
        yield _finding(index, hops)


def _place(index: ProjectIndex, key: FunctionKey) -> tuple[str, int]:
    summary = index.modules[key[0]]
    func = index.function_at(*key)
    return summary.path, func.span[0] if func is not None else 0


def _shortest_cycle(
    graph: dict[FunctionKey, list[tuple[FunctionKey, Span]]], start: FunctionKey
) -> Hops | None:
    """The hops of the shortest way from ``start`` back to itself (edges in source order)."""
    paths: list[Hops] = [[]]
    visited = {start}
    while paths:
        next_paths = []
        for path in paths:
            here = path[-1][1] if path else start
            for target, span in graph.get(here, []):
                if target == start:
                    return [*path, (here, target, span)]
                if target not in visited:
                    visited.add(target)
                    next_paths.append([*path, (here, target, span)])
        paths = next_paths
    return None


def _finding(index: ProjectIndex, hops: Hops) -> ProjectFinding:
    names = " → ".join([hops[0][0][1], *(target[1] for _, target, _ in hops)])
    first_module, _ = hops[0][0]
    path = index.modules[first_module].path
    span = hops[0][2]
    message = (
        f"dependency cycle `{names}` across modules: FastAPI recurses through it until it fails"
    )
    diagnostic = Diagnostic(
        CODE,
        message,
        start_of(span),
        end_of(span),
        related=tuple(
            related(f"`{source[1]}` depends on `{target[1]}`", hop, index.modules[source[0]].path)
            for source, target, hop in hops
        ),
    )
    return ProjectFinding(path, diagnostic)
