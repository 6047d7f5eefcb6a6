"""The project index: every module's summary, and the graphs between them.

- names: a dotted reference resolves through imports and ``__init__.py`` re-exports to the
  module and name that define it (``resolve``);
- the include graph: apps and routers, ``include_router(prefix=...)``, ``APIRouter(prefix=...)``,
  nested routers and ``app.mount``, flattened into a route table (``routes``);
- the dependency graph: ``Depends()`` targets of handlers, dependencies, routers and includes
  (``dependencies_of``);
- the call graph: project functions calling project functions, and which sync ones block at
  some depth (``blocking_chain``).

Everything is derived from summaries, lazily, and dropped when a summary changes
(``update``), so the language server can replace one file and ask again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from fastapi_lint.facts import ModuleFacts
from fastapi_lint.project.sources import facts_for
from fastapi_lint.project.summary import (
    ARG_NONE,
    ARG_VALUE,
    AliasDependencies,
    CallSite,
    FunctionSummary,
    IncludeDef,
    InstanceDef,
    ModuleSummary,
    RouteDef,
    Span,
)

MAX_RESOLVE_DEPTH = 32

FOUND = "found"
MISSING = "missing"  # a project module that binds no such name
EXTERNAL = "external"  # not a module of the project
UNKNOWN = "unknown"  # cannot tell: star imports, module __getattr__, cycles, ambiguous modules


@dataclass(frozen=True)
class Resolved:
    status: str
    module: str = ""
    name: str = ""  # qualified name in the module; "" for the module itself


@dataclass(frozen=True)
class Hop:
    """One step of a call chain: the name called, and where (file and span of the call)."""

    name: str
    path: str
    span: Span


@dataclass(frozen=True)
class RouteEntry:
    """A path operation as the app serves it."""

    app: str  # "module:key" of the root app
    methods: tuple[str, ...]
    path: str | None  # full path; None when a piece of it is not a literal
    route: RouteDef
    module: ModuleSummary  # where the route is registered
    chain: tuple[str, ...]  # "module:key" of each app/router from the app down to the owner
    dependencies: tuple[str, ...]  # outermost first: includes, routers, decorator, signature
    conditional: bool  # some registration or include on the way runs under if/for/try


@dataclass(frozen=True)
class BlockingChain:
    hops: tuple[Hop, ...]
    requires: frozenset[str]  # parameters of the chain's first function that must not be None


def chain_requirements(
    call: CallSite, callee: FunctionSummary, needed: frozenset[str]
) -> frozenset[str] | None:
    """What ``call`` must receive for the callee's ``needed`` parameters not to be None: the
    caller's own parameters it passes on; None when it passes a literal None, or leaves out
    a parameter whose default is None (the chain cannot run from this call)."""
    if not needed or call.positional is None:
        return frozenset()
    passed = dict(zip(callee.params, call.positional, strict=False))
    passed.update(call.keywords)
    requires: set[str] = set()
    for name in needed:
        argument = passed.get(name)
        if argument is None:
            if name in callee.none_defaults:
                return None
        elif argument == ARG_NONE:
            return None
        elif argument != ARG_VALUE:
            requires.add(argument)
    return frozenset(requires)


InstanceKey = tuple[str, str]  # (module, key)
FunctionKey = tuple[str, str]  # (module, qualname)


@dataclass
class _Registration:
    # when it runs, as (0, line, column) in the owner's module: its own registrations at their
    # place, another module's at the line that imports that module (unknown: after them all)
    order: tuple[int, ...]
    module: ModuleSummary
    route: RouteDef | None = None
    include: IncludeDef | None = None


@dataclass
class ProjectIndex:
    summaries: dict[str, ModuleSummary] = field(default_factory=dict)  # by path
    # texts of files the language server holds open, which may differ from the disk
    texts: dict[str, str] = field(default_factory=dict)
    # whether rules build editor-only fixes, which parse the reported file again; the command
    # line, which never applies them, turns this off
    offer_actions: bool = True

    @classmethod
    def from_summaries(cls, summaries: Iterable[ModuleSummary]) -> ProjectIndex:
        return cls({s.path: s for s in summaries})

    # --- updates ----------------------------------------------------------------------------

    def update(self, summary: ModuleSummary) -> set[str]:
        """Replace (or add) one file's summary; the paths whose findings may change: the file
        and the modules that import it."""
        old = self.summaries.get(summary.path)
        self.summaries[summary.path] = summary
        importers = self.__dict__.get("_importers")
        if importers is not None:
            if old is not None:
                _unlist_imports(importers, old)
            _list_imports(importers, summary)
        functions = self.__dict__.get("_functions")
        calls = self.__dict__.get("_calls_by_caller")
        same_module = old is not None and old.module == summary.module
        # names resolve through modules, imports and the names each module binds: when
        # none of those changed (a function body edited), what was resolved still holds
        kept = (
            {k: self.__dict__[k] for k in _NAME_TABLES if k in self.__dict__}
            if old is not None and _same_names(old, summary)
            else {}
        )
        self._invalidate()
        if kept:
            modules = kept.get("modules")
            if modules is not None and modules.get(summary.module) is old:
                modules[summary.module] = summary
            self.__dict__.update(kept)
        if same_module and summary.module not in self.ambiguous:
            # the function and call tables are the largest to rebuild: patch the one module
            assert old is not None
            if functions is not None:
                for func in old.functions:
                    functions.pop((old.module, func.qualname), None)
                for func in summary.functions:
                    functions[(summary.module, func.qualname)] = (summary, func)
                self.__dict__["_functions"] = functions
            if calls is not None:
                for call in old.calls:
                    calls.pop((old.module, call.caller), None)
                for call in summary.calls:
                    calls.setdefault((summary.module, call.caller), []).append(call)
                self.__dict__["_calls_by_caller"] = calls
        return {summary.path, *self.dependents(summary.module)}

    def remove(self, path: str) -> set[str]:
        old = self.summaries.pop(path, None)
        importers = self.__dict__.get("_importers")
        if importers is not None and old is not None:
            _unlist_imports(importers, old)
        self._invalidate()
        return set() if old is None else {path, *self.dependents(old.module)}

    def _invalidate(self) -> None:
        for name in ("modules", "ambiguous", "roots", "_instances",
                     "_registrations", "_functions", "_calls_by_caller", "_resolved",
                     "routes", "_chains", "unresolved_includes", "dependency_graph",
                     "bare_dependencies", "_parsed", "_star_tables"):  # fmt: skip
            self.__dict__.pop(name, None)

    def dependents(self, module: str) -> set[str]:
        """Paths of the modules importing ``module`` (or a name from it, or a module below
        it), from a reverse table kept up to date by ``update`` and ``remove``."""
        return set(self._importers.get(module, ()))

    @cached_property
    def _importers(self) -> dict[str, set[str]]:
        """Dotted prefix of an import target (``a``, ``a.b``, ``a.b.c`` for ``a.b.c``) →
        paths of the modules importing it (kept across ``_invalidate``)."""
        table: dict[str, set[str]] = {}
        for summary in self.summaries.values():
            _list_imports(table, summary)
        return table

    def facts_for(self, summary: ModuleSummary) -> ModuleFacts | None:
        """The file's facts, parsed again (for fixes) once per version; None when it changed
        since it was summarised."""
        if not self.offer_actions:
            return None
        key = (summary.path, summary.digest)
        if key not in self._parsed:
            self._parsed[key] = facts_for(summary, self.texts.get(summary.path))
        return self._parsed[key]

    @cached_property
    def _parsed(self) -> dict[tuple[str, str], ModuleFacts | None]:
        return {}

    # --- modules and names ----------------------------------------------------------------

    @cached_property
    def modules(self) -> dict[str, ModuleSummary]:
        table: dict[str, ModuleSummary] = {}
        for summary in sorted(self.summaries.values(), key=lambda s: s.path):
            table.setdefault(summary.module, summary)
        return table

    @cached_property
    def ambiguous(self) -> frozenset[str]:
        """Module names two files claim: references to them are not provable."""
        seen: set[str] = set()
        twice: set[str] = set()
        for summary in self.summaries.values():
            (twice if summary.module in seen else seen).add(summary.module)
        return frozenset(twice)

    @cached_property
    def roots(self) -> frozenset[str]:
        return frozenset(s.root_package for s in self.summaries.values())

    @cached_property
    def _resolved(self) -> dict[str, Resolved]:
        return {}

    def resolve(self, ref: str | None) -> Resolved:
        """What a dotted reference names, following imports and re-exports."""
        if ref is None:
            return Resolved(UNKNOWN)
        return self._resolve(ref, set())

    def _resolve(self, ref: str, visiting: set[str]) -> Resolved:
        """Each reference is resolved once (star imports that import each other would
        otherwise multiply the work at every level); a reference met again while it is being
        resolved is an import cycle, which proves nothing."""
        cached = self._resolved.get(ref)
        if cached is not None:
            return cached
        if ref in visiting or len(visiting) > MAX_RESOLVE_DEPTH or ref.startswith("."):
            return Resolved(UNKNOWN)
        visiting.add(ref)
        try:
            found = self._resolve_step(ref, visiting)
        finally:
            visiting.discard(ref)
        self._resolved[ref] = found
        return found

    def _resolve_step(self, ref: str, visiting: set[str]) -> Resolved:
        parts = ref.split(".")
        for i in range(len(parts), 0, -1):
            module = ".".join(parts[:i])
            if module in self.modules:
                break
        else:
            # a package of the project whose files are not all indexed proves nothing
            return Resolved(UNKNOWN if parts[0] in self.roots else EXTERNAL)
        if module in self.ambiguous:
            return Resolved(UNKNOWN)
        summary = self.modules[module]
        rest = parts[i:]
        if not rest:
            return Resolved(FOUND, module, "")
        head, tail = rest[0], rest[1:]
        if head in summary.imports and head not in summary.defined:
            return self._resolve(".".join([summary.imports[head], *tail]), visiting)
        if head in summary.defined:
            return Resolved(FOUND, module, ".".join(rest))
        if head in summary.imports:
            return self._resolve(".".join([summary.imports[head], *tail]), visiting)
        if summary.star_imports:
            names, complete = self._star_names(module, set())
            if head in names:
                return self._resolve(".".join([names[head], *rest]), visiting)
            if not complete:
                return Resolved(UNKNOWN)
        if "__getattr__" in summary.defined:
            return Resolved(UNKNOWN)
        if summary.is_package and _has_submodule(summary.path, head):
            return Resolved(UNKNOWN)  # a module of the package the index does not hold
        return Resolved(MISSING, module, head)

    @cached_property
    def _star_tables(self) -> dict[str, tuple[dict[str, str], bool]]:
        return {}

    def _star_names(self, module: str, visiting: set[str]) -> tuple[dict[str, str], bool]:
        """The names ``from <star> import *`` lines bring into ``module``: name → the module
        binding it, and whether the table is complete (every starred module indexed, no cycle
        cut short). Computed once per module: resolving through star imports name by name
        would try every starred module for every name."""
        if module in self._star_tables:
            return self._star_tables[module]
        names: dict[str, str] = {}
        complete = True
        visiting.add(module)
        for star in self.modules[module].star_imports:
            if star not in self.modules or star in self.ambiguous or star in visiting:
                complete = False
                continue
            exported, star_complete = self._public_names(star, visiting)
            complete = complete and star_complete
            for name, source in exported.items():
                names.setdefault(name, source)
        visiting.discard(module)
        # a table cut short by a cycle is kept too: it may lack names (which then resolve
        # to unknown), never hold a wrong one, and computing it again per caller would cost
        # exponential time in modules that star-import each other
        self._star_tables[module] = (names, complete)
        return names, complete

    def _public_names(self, module: str, visiting: set[str]) -> tuple[dict[str, str], bool]:
        """What ``from module import *`` binds: ``__all__``, else its public names."""
        summary = self.modules[module]
        own = {n: module for n in (*summary.defined, *summary.imports) if not n.startswith("_")}
        starred, complete = (
            self._star_names(module, visiting) if summary.star_imports else ({}, True)
        )
        public = {**{n: s for n, s in starred.items() if not n.startswith("_")}, **own}
        if summary.exported is not None:
            return {n: public.get(n, module) for n in summary.exported}, True
        return public, complete

    # --- functions ------------------------------------------------------------------------

    @cached_property
    def _functions(self) -> dict[FunctionKey, tuple[ModuleSummary, FunctionSummary]]:
        return {(s.module, f.qualname): (s, f) for s in self.modules.values() for f in s.functions}

    def function(self, ref: str | None) -> tuple[ModuleSummary, FunctionSummary] | None:
        found = self.resolve(ref)
        if found.status != FOUND:
            return None
        return self._functions.get((found.module, found.name))

    @cached_property
    def dependency_graph(self) -> dict[FunctionKey, list[tuple[FunctionKey, Span]]]:
        """Module-level functions → the module-level functions their signature ``Depends()``
        on (in any module), with the span of each ``Depends(...)``, in source order."""
        graph: dict[FunctionKey, list[tuple[FunctionKey, Span]]] = {}
        for summary in self.modules.values():
            for func in summary.functions:
                if "." in func.qualname:
                    continue  # a method or nested def: its names may be bound around it
                through_aliases = [
                    (ref, span)
                    for alias, span in func.alias_uses
                    for ref in self.alias_dependencies(alias)
                ]
                for ref, span in [*func.dependencies, *through_aliases]:
                    target = self.function(ref)
                    if target is not None and "." not in target[1].qualname:
                        key = (summary.module, func.qualname)
                        graph.setdefault(key, []).append(
                            ((target[0].module, target[1].qualname), span)
                        )
        return graph

    def alias(self, ref: str | None) -> AliasDependencies | None:
        """The ``Annotated[T, Depends(f)]`` alias a reference names, in any module."""
        found = self.resolve(ref)
        if found.status != FOUND:
            return None
        return self.modules[found.module].alias_dependencies.get(found.name)

    def alias_dependencies(self, ref: str | None) -> tuple[str | None, ...]:
        alias = self.alias(ref)
        return alias.dependencies if alias is not None else ()

    @cached_property
    def bare_dependencies(self) -> frozenset[FunctionKey]:
        """Functions some ``Depends(f)`` of the project passes uncalled: dependencies."""
        refs: list[str | None] = []
        for summary in self.modules.values():
            refs.extend(ref for func in summary.functions for ref, _ in func.dependencies)
            refs.extend(ref for route in summary.routes for ref in route.dependencies)
            refs.extend(ref for inst in summary.instances for ref in inst.dependencies)
            refs.extend(ref for include in summary.includes for ref in include.dependencies)
        found = set()
        for ref in refs:
            target = self.function(ref)
            if target is not None:
                found.add((target[0].module, target[1].qualname))
        return frozenset(found)

    @cached_property
    def _calls_by_caller(self) -> dict[FunctionKey, list[CallSite]]:
        table: dict[FunctionKey, list[CallSite]] = {}
        for summary in self.modules.values():
            for call in summary.calls:
                table.setdefault((summary.module, call.caller), []).append(call)
        return table

    @cached_property
    def _chains(self) -> dict[FunctionKey, BlockingChain | None]:
        return {}

    def blocking_chain(self, module: str, qualname: str) -> tuple[Hop, ...] | None:
        """For a sync project function that blocks when called: the calls from it down to the
        blocking one (``fetch_profile → requests.get``); None when it provably does not, or
        when that is not provable (async functions, generators, decorated functions)."""
        found = self.blocking_chain_from(module, qualname)
        return found.hops if found is not None else None

    def blocking_chain_from(self, module: str, qualname: str) -> BlockingChain | None:
        """``blocking_chain`` with the parameters of the function that must not be None for
        the chain to run (a chain needing none is preferred)."""
        key = (module, qualname)
        if key in self._chains:
            return self._chains[key]
        self._chains[key] = None  # a cycle reached again proves nothing
        found = self._functions.get(key)
        result: BlockingChain | None = None
        if found is not None:
            summary, func = found
            if not (func.is_async or func.is_generator or func.memoized):
                result = self._blocking_from(summary, func)
        self._chains[key] = result
        return result

    def _blocking_from(self, summary: ModuleSummary, func: FunctionSummary) -> BlockingChain | None:
        best: BlockingChain | None = None
        for i, (name, span) in enumerate(func.blocking):
            requires = func.blocking_requires[i] if i < len(func.blocking_requires) else frozenset()
            option = BlockingChain((Hop(name, summary.path, span),), requires)
            if not requires:
                return option
            best = best or option
        for call in self._calls_by_caller.get((summary.module, func.qualname), ()):
            if call.offloaded:
                continue
            callee = self.function(call.target)
            if callee is None or not callee[1].plain:
                continue
            below = self.blocking_chain_from(callee[0].module, callee[1].qualname)
            if below is None:
                continue
            passed_on = chain_requirements(call, callee[1], below.requires)
            if passed_on is None:
                continue  # the call leaves None where the chain needs a value
            hop = Hop(_short(callee[1].qualname), summary.path, call.span)
            option = BlockingChain((hop, *below.hops), passed_on | call.requires)
            if not option.requires:
                return option
            best = best or option
        return best

    # --- apps, routers and the include graph ------------------------------------------------

    @cached_property
    def _instances(self) -> dict[InstanceKey, tuple[ModuleSummary, InstanceDef]]:
        table: dict[InstanceKey, tuple[ModuleSummary, InstanceDef]] = {}
        for summary in self.modules.values():
            for instance in summary.instances:
                table[(summary.module, instance.key)] = (summary, instance)
        return table

    def instance(self, ref: str | None) -> InstanceKey | None:
        found = self.resolve(ref)
        if found.status != FOUND:
            return None
        key = (found.module, found.name)
        return key if key in self._instances else None

    def instance_def(self, key: InstanceKey) -> InstanceDef:
        return self._instances[key][1]

    def function_at(self, module: str, qualname: str) -> FunctionSummary | None:
        found = self._functions.get((module, qualname))
        return found[1] if found else None

    def routes_on(self, key: InstanceKey) -> list[tuple[ModuleSummary, RouteDef]]:
        """Path operations registered directly on an app or router."""
        return [
            (reg.module, reg.route)
            for reg in self._registrations.get(key, ())
            if reg.route is not None
        ]

    def instances(self) -> Iterator[tuple[InstanceKey, ModuleSummary, InstanceDef]]:
        for key, (summary, instance) in self._instances.items():
            yield key, summary, instance

    @cached_property
    def _registrations(self) -> dict[InstanceKey, list[_Registration]]:
        table: dict[InstanceKey, list[_Registration]] = {}
        for summary in self.modules.values():
            for route in summary.routes:
                owner = self.instance(route.owner)
                if owner is not None:
                    order = self._order(owner, summary, route.span)
                    table.setdefault(owner, []).append(_Registration(order, summary, route=route))
            for include in summary.includes:
                owner = self.instance(include.owner)
                if owner is not None:
                    order = self._order(owner, summary, include.span)
                    table.setdefault(owner, []).append(
                        _Registration(order, summary, include=include)
                    )
        for registrations in table.values():
            registrations.sort(key=lambda r: (r.order, r.module.path))
        return table

    def _order(self, owner: InstanceKey, summary: ModuleSummary, span: Span) -> tuple[int, ...]:
        if owner[0] == summary.module:
            return (0, span[0], span[1])
        home = self.modules[owner[0]]
        lines = [
            home.import_lines.get(local, 0)
            for local, target in home.imports.items()
            if target == summary.module or target.startswith(summary.module + ".")
        ]
        if lines:
            return (0, min(lines), -1, span[0], span[1])
        return (1, span[0], span[1])

    @cached_property
    def unresolved_includes(self) -> list[tuple[ModuleSummary, IncludeDef]]:
        """``include_router(x)`` calls whose ``x`` is not a router the index knows."""
        found = []
        for summary in self.modules.values():
            for include in summary.includes:
                if include.kind == "include" and self.instance(include.target) is None:
                    found.append((summary, include))
        return found

    def included_instances(self) -> set[InstanceKey]:
        """Routers and apps some ``include_router``/``mount`` anywhere names."""
        found = set()
        for summary in self.modules.values():
            for include in summary.includes:
                target = self.instance(include.target)
                if target is not None:
                    found.add(target)
        return found

    def root_apps(self) -> list[InstanceKey]:
        """``FastAPI()`` instances no other app mounts, in path order."""
        included = self.included_instances()
        return sorted(
            key
            for key, (_, instance) in self._instances.items()
            if instance.kind == "app" and instance.constructed and key not in included
        )

    @cached_property
    def routes(self) -> list[RouteEntry]:
        """The route table of every root app, in the order the app registers its routes."""
        table: list[RouteEntry] = []
        for app in self.root_apps():
            table.extend(self._expand_app(app))
        return table

    def _expand_app(self, app: InstanceKey) -> Iterator[RouteEntry]:
        label = f"{app[0]}:{app[1]}"
        for path, reg, chain, dependencies, conditional in self._expand(app, ()):
            route = reg.route
            assert route is not None
            handler = self._functions.get((reg.module.module, route.handler))
            signature = (
                tuple(_display(self.resolve(ref), ref) for ref, _ in handler[1].dependencies)
                if handler
                else ()
            )
            decorator = tuple(_display(self.resolve(ref), ref) for ref in route.dependencies)
            yield RouteEntry(
                app=label,
                methods=route.methods,
                path=path,
                route=route,
                module=reg.module,
                chain=chain,
                dependencies=(*dependencies, *decorator, *signature),
                conditional=conditional or route.conditional,
            )

    def _expand(
        self, key: InstanceKey, stack: tuple[InstanceKey, ...]
    ) -> Iterator[tuple[str | None, _Registration, tuple[str, ...], tuple[str, ...], bool]]:
        """Routes of an app or router with their paths as that instance holds them: its own
        prefix, then each include's prefix and the included router's paths."""
        instance = self._instances[key][1]
        label = f"{key[0]}:{key[1]}"
        own_prefix = instance.prefix if instance.kind == "router" else ""
        own_deps = tuple(_display(self.resolve(ref), ref) for ref in instance.dependencies)
        for reg in self._registrations.get(key, ()):
            if reg.route is not None:
                yield (
                    _join(own_prefix, reg.route.path),
                    reg,
                    (label,),
                    own_deps,
                    False,
                )
                continue
            include = reg.include
            assert include is not None
            target = self.instance(include.target)
            if target is None or target in stack or target == key:
                continue
            include_deps = tuple(_display(self.resolve(ref), ref) for ref in include.dependencies)
            for path, inner, chain, deps, conditional in self._expand(target, (*stack, key)):
                yield (
                    _join(own_prefix, _join(include.prefix, path)),
                    inner,
                    (label, *chain),
                    (*own_deps, *include_deps, *deps),
                    conditional or include.conditional,
                )


# what name resolution reads of the index (``resolve``)
_NAME_TABLES = ("modules", "ambiguous", "roots", "_resolved", "_star_tables")


def _same_names(old: ModuleSummary, new: ModuleSummary) -> bool:
    """Whether a module's new summary binds and imports the same names as the old one."""
    return (
        old.path == new.path
        and old.module == new.module
        and old.is_package == new.is_package
        and old.imports == new.imports
        and old.star_imports == new.star_imports
        and old.defined == new.defined
        and old.exported == new.exported
    )


def import_prefixes(summary: ModuleSummary) -> set[str]:
    """Every dotted prefix of the module's import targets (``a``, ``a.b`` for ``a.b``)."""
    found: set[str] = set()
    for target in (*summary.imports.values(), *summary.star_imports):
        parts = target.split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return found


def _list_imports(table: dict[str, set[str]], summary: ModuleSummary) -> None:
    for prefix in import_prefixes(summary):
        table.setdefault(prefix, set()).add(summary.path)


def _unlist_imports(table: dict[str, set[str]], summary: ModuleSummary) -> None:
    for prefix in import_prefixes(summary):
        paths = table.get(prefix)
        if paths is not None:
            paths.discard(summary.path)
            if not paths:
                del table[prefix]


def _has_submodule(init_path: str, name: str) -> bool:
    package = Path(init_path).parent
    return (package / f"{name}.py").exists() or (package / name).is_dir()


def _join(prefix: str | None, path: str | None) -> str | None:
    if prefix is None or path is None:
        return None
    return prefix + path


def _short(qualname: str) -> str:
    return qualname.replace(".<locals>", "")


def _display(resolved: Resolved, ref: str | None) -> str:
    """How a dependency is shown: ``module.name`` when resolved, else as written."""
    if resolved.status == FOUND and resolved.name:
        return f"{resolved.module}.{_short(resolved.name)}"
    return ref or "?"
