"""FAS903 transitive-blocking-call

## What it does
Finds calls, inside an `async def`, of a sync function of the project that blocks the event
loop at some depth: it makes a known blocking call (the FAS101 list: `time.sleep`,
`requests.*`, sync file and database I/O, ...) itself or through the project functions it
calls, in any module.

## Why is this bad?
FastAPI runs `async def` handlers on the event loop. A helper that calls `requests.get` two
modules away blocks the loop exactly like a direct call: every other request waits until it
returns. FAS101 sees only the direct call; the message here shows the whole chain
(`profile_name → fetch_profile → requests.get`) and the related information points at each
hop. See [Concurrency and async / await](https://fastapi.tiangolo.com/async/).

## Example
```python
# app/services.py
def fetch_profile(user_id: int) -> dict:
    return requests.get(f"{API}/profiles/{user_id}").json()

# app/routers/users.py
@router.get("/users/{user_id}")
async def read_user(user_id: int):
    return fetch_profile(user_id)
```

## Use instead
```python
@router.get("/users/{user_id}")
async def read_user(user_id: int):
    return await asyncio.to_thread(fetch_profile, user_id)
```
or make the chain async (`httpx.AsyncClient`), or declare the handler with `def` so that
FastAPI runs it in its thread pool.

## Fix safety
The editor offers to wrap the call in `await asyncio.to_thread(...)` as a code action only:
the helper then runs in another thread, which changes behaviour when it touches state that
is not thread-safe. Calls already in `asyncio.to_thread(...)` and similar offloaders, awaited
calls, generators and functions with decorators that could change what a call does are left
alone (`functools.cache` among them: a cached helper blocks once per process, not per
request); a chain through a cycle of calls proves nothing and is not reported. Neither are
loaders that keep what they load (`global _cache` and `if _cache is not None: return
_cache` first), polling waits (`os.waitpid(pid, os.WNOHANG)`), and chains that the call
cannot reach: when a helper runs the blocking call only once a parameter is not None
(`if path is None: raise ...` before it) and the call leaves that parameter None.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace

from fastapi_lint.diagnostics import Applicability, Diagnostic, Fix, Related
from fastapi_lint.project.index import Hop, ProjectIndex, chain_requirements
from fastapi_lint.project.sources import call_at
from fastapi_lint.project.summary import CallSite, ModuleSummary
from fastapi_lint.rules import Options, ProjectFinding, project_rule
from fastapi_lint.rules.async_._blocking import BlockingCall
from fastapi_lint.rules.async_.blocking_call_in_async import _fix as to_thread_fix
from fastapi_lint.rules.project._spans import end_of, related, start_of

CODE = "FAS903"


@project_rule(code=CODE, name="transitive-blocking-call", default=True, fix="action")
def check(index: ProjectIndex, options: Options) -> Iterator[ProjectFinding]:
    for summary in index.modules.values():
        for call in summary.calls:
            finding = _blocking_call(index, summary, call)
            if finding is not None:
                yield finding


def _blocking_call(
    index: ProjectIndex, summary: ModuleSummary, call: CallSite
) -> ProjectFinding | None:
    if call.usage == "await" or call.offloaded:
        return None
    caller = index.function_at(summary.module, call.caller)
    if caller is None or not caller.is_async:
        return None
    callee = index.function(call.target)
    if callee is None or not callee[1].plain:
        return None
    callee_module, callee_function = callee
    found = index.blocking_chain_from(callee_module.module, callee_function.qualname)
    if found is None or chain_requirements(call, callee_function, found.requires) is None:
        return None  # no chain, or this call passes None where the chain needs a value
    chain = found.hops
    name = _short(callee_function.qualname)
    hops = " → ".join([name, *(hop.name for hop in chain)])
    message = f"`{name}()` blocks the event loop in `async def {_short(call.caller)}`: {hops}"
    first = Hop(name, callee_module.path, callee_function.span)
    diagnostic = Diagnostic(
        CODE,
        message,
        start_of(call.span),
        end_of(call.span),
        fix=_thread_action(index, summary, call),
        related=tuple(_hop_related(hop) for hop in (first, *chain)),
    )
    return ProjectFinding(summary.path, diagnostic)


def _thread_action(index: ProjectIndex, summary: ModuleSummary, call: CallSite) -> Fix | None:
    """FAS101's ``await asyncio.to_thread(f, ...)`` rewrite, offered as an editor action."""
    facts = index.facts_for(summary)
    node = call_at(facts, call.span) if facts is not None else None
    func = facts.function_of(node) if facts is not None and node is not None else None
    if facts is None or node is None or func is None:
        return None
    name = ast.unparse(node.func)
    fix = to_thread_fix(facts, BlockingCall(node, func, name, name, ""))
    return replace(fix, applicability=Applicability.ACTION) if fix is not None else None


def _hop_related(hop: Hop) -> Related:
    return related(f"`{hop.name}`", hop.span, hop.path)


def _short(qualname: str) -> str:
    return qualname.replace(".<locals>", "")
