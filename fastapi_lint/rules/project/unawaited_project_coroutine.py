"""FAS904 unawaited-project-coroutine

## What it does
Finds a call of an `async def` defined in another module of the project whose coroutine is
dropped: the call is an expression statement, or its result is assigned to a name that is
never read. (FAS104 finds the same mistake within one module.)

## Why is this bad?
Calling an `async def` only creates a coroutine object; its body runs when it is awaited.
`audit.record(event)` without `await` does nothing at all, and Python only warns
"coroutine was never awaited" when the object is garbage-collected, far from the call.
Across modules the mistake is easy: nothing at the call site says the helper is async. See
[Coroutines and Tasks](https://docs.python.org/3/library/asyncio-task.html#coroutines).

## Example
```python
# app/audit.py
async def record(event: str) -> None: ...

# app/routers/items.py
@router.post("/items")
async def create_item(item: Item):
    audit.record("item created")
```

## Use instead
```python
@router.post("/items")
async def create_item(item: Item):
    await audit.record("item created")
```

## Fix safety
Inside an `async def`, the editor offers to insert `await` (a code action; the CLI does not
apply project fixes). Results passed on, returned, stored in a collection or handed to
`asyncio.gather`/`create_task` are not reported; async generators and decorated functions
are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.project.summary import CallSite, ModuleSummary
from fastapi_lint.rules import Options, ProjectFinding, project_rule
from fastapi_lint.rules.project._spans import end_of, related, start_of

CODE = "FAS904"


@project_rule(code=CODE, name="unawaited-project-coroutine", default=True, fix="action")
def check(index: ProjectIndex, options: Options) -> Iterator[ProjectFinding]:
    for summary in index.modules.values():
        for call in summary.calls:
            finding = _dropped_coroutine(index, summary, call)
            if finding is not None:
                yield finding


def _dropped_coroutine(
    index: ProjectIndex, summary: ModuleSummary, call: CallSite
) -> ProjectFinding | None:
    if call.usage not in ("discard", "unused"):
        return None
    callee = index.function(call.target)
    if callee is None:
        return None
    callee_module, callee_function = callee
    if callee_module.module == summary.module:
        return None  # FAS104 reports calls within one module
    if not callee_function.is_async or callee_function.is_generator or not callee_function.plain:
        return None
    caller = index.function_at(summary.module, call.caller)
    name = callee_function.qualname.rsplit(".", 1)[-1]
    where = f"`{call.caller.replace('.<locals>', '')}`"
    if call.usage == "discard":
        message = f"coroutine `{name}()` is never awaited in {where}: its body never runs"
    else:
        message = (
            f"coroutine `{name}()` is assigned but never awaited in {where}: its body never runs"
        )
    fix = None
    if caller is not None and caller.is_async and call.usage == "discard":
        edit = Edit.insert(start_of(call.span), "await ")
        fix = Fix(f"Await `{name}()`", Applicability.ACTION, (edit,))
    diagnostic = Diagnostic(
        CODE,
        message,
        start_of(call.span),
        end_of(call.span),
        fix=fix,
        related=(related(f"`async def {name}`", callee_function.span, callee_module.path),),
    )
    return ProjectFinding(summary.path, diagnostic)
