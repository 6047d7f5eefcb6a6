"""FAS304 path-parameter-mismatch, across modules: a `{name}` in a route's path that neither
the handler nor any of its dependencies takes, once the dependencies and `Annotated` aliases
imported from other modules of the project are read (`user: CurrentUser` with
`CurrentUser = Annotated[User, Depends(get_user)]` in `deps.py`).

The module rule stays silent on such a route, since it cannot see the other module; this
form follows every dependency, transitively and across modules, including those of the
`include_router(..., dependencies=[...])` calls and routers on the way to the app. It stays
silent when any of them cannot be resolved (a package outside the project, a factory call,
a star import it cannot see through).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.project.index import FOUND, InstanceKey, ProjectIndex
from fastapi_lint.project.summary import IncludeDef, OpenPathRoute, PathBinding
from fastapi_lint.rules import Options, ProjectFinding, project_extension
from fastapi_lint.rules.project._spans import end_of, start_of

CODE = "FAS304"


@project_extension(CODE)
def check(index: ProjectIndex, options: Options) -> Iterator[ProjectFinding]:
    reader = _Bindings(index)
    for summary in index.modules.values():
        for route in summary.open_path_routes:
            names = reader.route_names(route)
            if names is None:
                continue
            for name, span in route.params:
                if name in names:
                    continue
                message = (
                    f"path parameter `{{{name}}}` is taken by neither `{route.handler}` nor its "
                    "dependencies (followed into other modules)"
                )
                diagnostic = Diagnostic(CODE, message, start_of(span), end_of(span))
                yield ProjectFinding(summary.path, diagnostic)


@dataclass
class _Bindings:
    """What references bind, resolved through the index; None means not provable."""

    index: ProjectIndex
    _includes: dict[InstanceKey, list[IncludeDef]] | None = None
    _done: dict[tuple[str, str], frozenset[str] | None] = field(default_factory=dict)

    def route_names(self, route: OpenPathRoute) -> frozenset[str] | None:
        names = self.binding_names(route.binding, set())
        owner = self.index.instance(route.owner)
        if names is None or owner is None:
            return names  # includes unknown: as the module check, which reads none
        above = self._names_above(owner, set())
        return None if above is None else names | above

    def binding_names(self, binding: PathBinding, visiting: set[str]) -> frozenset[str] | None:
        if binding.anything:
            return None
        names = set(binding.names)
        for refs, kind in ((binding.calls, "callable"), (binding.annotations, "alias")):
            for ref in refs:
                found = self._reference(ref, kind, visiting)
                if found is None:
                    return None
                names |= found
        return frozenset(names)

    def _reference(self, ref: str, kind: str, visiting: set[str]) -> frozenset[str] | None:
        """What ``ref`` binds as a dependency (``kind`` "callable") or as a parameter's type
        (``kind`` "alias": a class there binds nothing, anything else but an alias is not
        provable)."""
        resolved = self.index.resolve(ref)
        if resolved.status != FOUND or not resolved.name:
            return None
        key = (f"{resolved.module}.{resolved.name}", kind)
        if key in self._done:
            return self._done[key]
        if key[0] + kind in visiting:
            return frozenset()  # a cycle adds nothing the first visit does not
        visiting.add(key[0] + kind)
        summary = self.index.modules[resolved.module]
        callable_binding = summary.callable_bindings.get(resolved.name)
        alias_binding = summary.alias_bindings.get(resolved.name)
        result: frozenset[str] | None = None
        if kind == "callable" and callable_binding is not None:
            result = self.binding_names(callable_binding, visiting)
        elif kind == "alias" and alias_binding is not None:
            result = self.binding_names(alias_binding, visiting)
        elif kind == "alias" and self._is_class(resolved.module, resolved.name):
            result = frozenset()
        visiting.discard(key[0] + kind)
        self._done[key] = result
        return result

    def _is_class(self, module: str, name: str) -> bool:
        """A module-level class: as a parameter's type it is a body or a plain value."""
        summary = self.index.modules[module]
        return name in summary.callable_bindings and self.index.function_at(module, name) is None

    def _names_above(self, key: InstanceKey, stack: set[InstanceKey]) -> frozenset[str] | None:
        """What the dependencies of the includes of an app or router, and of the routers
        including it, bind (the module check has read the router's own)."""
        if key in stack:
            return frozenset()
        stack = stack | {key}
        names: set[str] = set()
        for include in self._includes_of(key):
            for ref in include.dependencies:
                found = None if ref is None else self._reference(ref, "callable", set())
                if found is None:
                    return None
                names |= found
            owner = self.index.instance(include.owner)
            if owner is None:
                return None
            for ref in self.index.instance_def(owner).dependencies:
                found = None if ref is None else self._reference(ref, "callable", set())
                if found is None:
                    return None
                names |= found
            above = self._names_above(owner, stack)
            if above is None:
                return None
            names |= above
        return frozenset(names)

    def _includes_of(self, key: InstanceKey) -> list[IncludeDef]:
        if self._includes is None:
            table: dict[InstanceKey, list[IncludeDef]] = {}
            for summary in self.index.modules.values():
                for include in summary.includes:
                    target = self.index.instance(include.target)
                    if target is not None:
                        table.setdefault(target, []).append(include)
            self._includes = table
        return self._includes.get(key, [])
