"""FAS103 sync-session-in-async-route, across modules: an `async def` path operation whose
dependency chain reaches, through another module, a dependency that yields or returns a sync
database session (the module rule follows chains within one module), or whose parameter is
typed with an `Annotated` alias imported from another module that declares one
(`SessionDep = Annotated[Session, Depends(get_db)]` in `db.py`). A parameter typed `Session`
itself is left to the module rule, which reports it by its type.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.project.index import FunctionKey, ProjectIndex
from fastapi_lint.project.summary import FunctionSummary, Span
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
            typed = _session_typed(handler)
            for (ref, span), reported in zip(handler.dependencies, typed, strict=True):
                chain = _sync_session_chain(index, ref, set())
                if reported or chain is None or all(m == summary.module for m, _ in chain):
                    continue  # the module rule reports it (by the type, or within one module)
                yield _finding(summary.path, name, [q for _, q in chain], span)
            for alias_ref, span in handler.alias_uses:
                alias_chain = _alias_chain(index, alias_ref)
                if alias_chain is not None:
                    yield _finding(summary.path, name, alias_chain, span)


def _finding(path: str, handler: str, chain: list[str], span: Span) -> ProjectFinding:
    hops = " → ".join(f"`{qualname}`" for qualname in chain)
    message = f"`async def {handler}` gets a sync `Session` through {hops}: {BLOCKING}"
    return ProjectFinding(path, Diagnostic(CODE, message, start_of(span), end_of(span)))


def _alias_chain(index: ProjectIndex, ref: str) -> list[str] | None:
    """``SessionDep = Annotated[Session, Depends(get_db)]`` imported from another module: the
    alias, then the dependencies leading to the session (the module rule cannot see it)."""
    alias = index.alias(ref)
    if alias is None:
        return None
    name = ref.rsplit(".", 1)[-1]
    for dependency in alias.dependencies:
        chain = _sync_session_chain(index, dependency, set())
        if chain is not None:
            return [name, *(q for _, q in chain)]
    return [name] if alias.sync_session else None


def _session_typed(func: FunctionSummary) -> tuple[bool, ...]:
    if len(func.session_typed) == len(func.dependencies):
        return func.session_typed
    return (False,) * len(func.dependencies)


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
