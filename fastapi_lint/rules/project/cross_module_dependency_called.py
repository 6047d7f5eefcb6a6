"""FAS402 dependency-called, across modules: `Depends(f())` where `f` comes from another module
of the project and is provably a dependency there (it yields, takes only injectable
parameters, or some `Depends(f)` of the project passes it uncalled).

The fix (`Depends(f)`) is the module rule's, offered here as an editor action: the command line
applies no fix of the project pass.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.rules import Options, ProjectFinding, project_extension
from fastapi_lint.rules.project._spans import end_of, related, start_of

CODE = "FAS402"


@project_extension(CODE)
def check(index: ProjectIndex, options: Options) -> Iterator[ProjectFinding]:
    for summary in index.modules.values():
        for called in summary.called_dependencies:
            target = index.function(called.target)
            if target is None:
                continue
            module, func = target
            key = (module.module, func.qualname)
            if not (func.dependency_shape or key in index.bare_dependencies):
                continue
            start, end = start_of(called.span), end_of(called.span)
            edit = Edit(start, end, called.name)
            fix = Fix(f"Pass `{called.name}` without calling it", Applicability.ACTION, (edit,))
            message = (
                f"`{called.kind}({called.name}())` calls the dependency at import time; "
                f"pass `{called.name}` itself"
            )
            where = related(f"`{func.qualname}` is a dependency", func.span, module.path)
            diagnostic = Diagnostic(CODE, message, start, end, fix=fix, related=(where,))
            yield ProjectFinding(summary.path, diagnostic)
