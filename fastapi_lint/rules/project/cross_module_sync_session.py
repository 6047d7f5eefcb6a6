"""FAS103 sync-session-in-async-route, across modules: an `async def` path operation whose
dependency chain reaches, through another module, a dependency that yields or returns a sync
database session (the module rule follows chains within one module).
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.project.index import FunctionKey, ProjectIndex
from fastapi_lint.project.summary import FunctionSummary
from fastapi_lint.rules import Options, ProjectFinding, project_extension
from fastapi_lint.rules.project._spans import end_of, start_of

CODE = "FAS103"
BLOCKING = "its queries block the event loop; use `AsyncSession` or a plain `def`"


@project_extension(CODE)
def check(index: ProjectIndex, options: Options) -> Iterator[ProjectFinding]:
    for summary in index.modules.values():
        handlers = {route.handler for route in summary.routes}
        for name in sorted(handlers):
            handler = index.function_at(summary.module, name)
            if handler is None or not handler.is_async:
                continue
            for ref, span in handler.dependencies:
                chain = _sync_session_chain(index, ref, set())
                if chain is None or all(module == summary.module for module, _ in chain):
                    continue  # within one module: the module rule reports it
                hops = " → ".join(f"`{qualname}`" for _, qualname in chain)
                message = f"`async def {name}` gets a sync `Session` through {hops}: {BLOCKING}"
                diagnostic = Diagnostic(CODE, message, start_of(span), end_of(span))
                yield ProjectFinding(summary.path, diagnostic)


def _sync_session_chain(
    index: ProjectIndex, ref: str | None, visited: set[FunctionKey]
) -> list[FunctionKey] | None:
    found = index.function(ref)
    if found is None:
        return None
    module, func = found
    key = (module.module, func.qualname)
    if key in visited:
        return None
    visited.add(key)
    if func.session == "sync":
        return [key]
    for (inner, _), hands_on in zip(func.dependencies, _hands_on(func), strict=True):
        chain = _sync_session_chain(index, inner, visited)
        if chain is not None and hands_on:
            return [key, *chain]
    return None


def _hands_on(func: FunctionSummary) -> tuple[bool, ...]:
    return (
        func.hands_on
        if len(func.hands_on) == len(func.dependencies)
        else (False,) * len(func.dependencies)
    )
