"""What the project index keeps of one module: small, picklable facts, no syntax tree.

A summary is built in the worker process that parsed the file (from the same ``ModuleFacts``
the module rules used) and sent back to the parent; the index is assembled from summaries
only. Names are kept as dotted references (``app.routers.users.router``) that the index
resolves across modules; a reference that is not a plain dotted name is None.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from functools import cached_property

from fastapi_lint.diagnostics import Applicability, Edit, Fix, Position
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.facts.fastapi import (
    APP_CLASSES,
    AppInstance,
    DependencyUse,
    Route,
    find_dependencies,
    find_routes,
)
from fastapi_lint.facts.sessions import SYNC_SESSION_CLASSES, provided_session_kind
from fastapi_lint.fixes.imports import ensure_from_import
from fastapi_lint.project.modules import absolute_import
from fastapi_lint.rules.async_._blocking import (
    BLOCKING_CALLS,
    blocking_call_in,
    runs_in_worker_thread,
)
from fastapi_lint.rules.async_.sync_session_in_async_route import (
    _hands_session_on as hands_session_on,
)
from fastapi_lint.rules.di.dependency_called import (
    _is_provably_dependency as is_provably_dependency,
)
from fastapi_lint.rules.routes.path_parameter_mismatch import (
    Bound,
    imported_annotation,
    module_aliases,
    module_bindings,
    open_routes,
    path_param_span,
)

Span = tuple[int, int, int, int]  # line, column, end line, end column (ast conventions)

# Decorators that leave the function's own behaviour in place: a call still runs its body.
# (`functools.cache` is not one: a cached helper blocks once per process, not per request.)
TRANSPARENT_DECORATORS = frozenset(
    {"builtins.staticmethod", "builtins.classmethod", "abc.abstractmethod"}
)
# The last part of every blocking-call table key: a method call with another name cannot match.
_BLOCKING_NAMES = frozenset(key.rsplit(".", 1)[-1] for key in BLOCKING_CALLS)
_CONDITIONAL: tuple[type[ast.AST], ...] = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.Match,
    *((ast.TryStar,) if hasattr(ast, "TryStar") else ()),  # Python 3.11+
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class InstanceDef:
    """A ``FastAPI()``/``APIRouter()`` bound to a name (or a parameter annotated as one)."""

    key: str  # "router", or "create_app.<locals>.app" inside a function
    kind: str  # "app" or "router"
    span: Span
    prefix: str | None  # APIRouter(prefix=...): "" when absent, None when not a literal
    dependencies: tuple[str | None, ...]
    constructed: bool  # False for a parameter annotated FastAPI/APIRouter


@dataclass(frozen=True, slots=True)
class RouteDef:
    owner: str | None  # reference to the app or router the route is registered on
    methods: tuple[str, ...]
    path: str | None  # None when not a string literal
    span: Span  # the decorator call (or add_api_route call)
    handler: str  # qualified name of the handler in its module
    handler_span: Span  # the handler's name in its def
    response_model: str | None  # source of response_model=, else of the return annotation
    dependencies: tuple[str | None, ...]  # dependencies=[Depends(...)] of the decorator
    conditional: bool  # registered under if/for/while/try: may not happen at run time


@dataclass(frozen=True, slots=True)
class IncludeDef:
    kind: str  # "include" (include_router) or "mount"
    owner: str | None  # reference to the receiver
    target: str | None  # reference to the router or app included; None: not provable
    prefix: str | None  # "" when absent; None when not a string literal
    span: Span
    dependencies: tuple[str | None, ...]
    conditional: bool


@dataclass(frozen=True, slots=True)
class CallSite:
    """A call in a function's own body whose callee may be a function of the project."""

    caller: str  # qualified name of the calling function
    target: str  # dotted reference of the callee
    span: Span
    usage: str  # "await", "discard" (expression statement), "unused" (never-read name), "other"
    offloaded: bool  # an argument of asyncio.to_thread(...) and the like
    # the caller's parameters that must not be None for the call to run (``if p is None:
    # raise`` before it, or ``if p is not None:`` around it)
    requires: frozenset[str] = frozenset()
    # what each argument is: ARG_NONE (a literal None), a caller's parameter's name, or
    # ARG_VALUE; positional ones in order, then keyword ones; None when ``*``/``**`` spread
    positional: tuple[str, ...] | None = ()
    keywords: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class FunctionSummary:
    qualname: str
    span: Span  # the ``def`` line up to the end of the name
    is_async: bool
    is_generator: bool
    plain: bool  # no decorator that could change what calling it does
    blocking: tuple[tuple[str, Span], ...]  # known blocking calls of its own body
    dependencies: tuple[tuple[str | None, Span], ...]  # Depends() targets in its signature
    # for each of those: whether the function hands what it receives on to the event loop
    # (FAS103: an async def uses it there; a def returns or yields something built from it)
    hands_on: tuple[bool, ...] = ()
    # module-level functions only:
    dependency_shape: bool = False  # yields, or takes only injectable parameters (FAS402)
    session: str | None = None  # "sync"/"async": the DB session it returns or yields (FAS103)
    # loads a value once and keeps it (``global _cache``; ``if _cache is not None: return``):
    # what it calls runs once per process, not per call (FAS903)
    memoized: bool = False
    # for each of ``blocking``: the parameters that must not be None for it to run
    blocking_requires: tuple[frozenset[str], ...] = ()
    # parameters a caller may pass (``self``/``cls`` left out), and those defaulting to None
    params: tuple[str, ...] = ()
    none_defaults: frozenset[str] = frozenset()
    # for each of ``dependencies``: whether the parameter is typed as a sync session (FAS103
    # reports that in the module)
    session_typed: tuple[bool, ...] = ()
    # parameters typed with a name imported from another module, which may be an
    # ``Annotated[T, Depends(f)]`` alias: its reference and the parameter's span
    alias_uses: tuple[tuple[str, Span], ...] = ()


@dataclass(frozen=True, slots=True)
class CalledDependency:
    """``Depends(f())``: the dependency called where it is declared (FAS402)."""

    kind: str  # "Depends" or "Security"
    target: str  # dotted reference of ``f``
    name: str  # ``f`` as written
    span: Span  # the call ``f()``


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A name used as a route's response model (``response_model=`` or return annotation)."""

    text: str
    target: str | None  # dotted reference; None when the module binds the name nowhere
    span: Span
    create_fix: Fix | None = None  # for a name bound nowhere: define the model above its use


@dataclass(frozen=True, slots=True)
class PathBinding:
    """The request names a dependency binds, or a parameter typed with an ``Annotated``
    alias binds besides its own name (FAS304): what the module proves, and the references
    to other modules' dependencies (``calls``) and possible aliases (``annotations``) that
    the index follows."""

    names: frozenset[str]
    calls: tuple[str, ...] = ()
    annotations: tuple[str, ...] = ()
    anything: bool = False  # e.g. ``**kwargs``, or a dependency built by a factory call


@dataclass(frozen=True, slots=True)
class OpenPathRoute:
    """A route whose path parameters the module check leaves to the index (FAS304): the
    module binds none of ``params``, its other modules' names may."""

    handler: str  # qualified name of the handler in its module
    owner: str | None  # reference to the app or router the route is registered on
    params: tuple[tuple[str, Span], ...]  # each ``{name}`` with its place in the path
    binding: PathBinding


@dataclass(frozen=True, slots=True)
class AliasDependencies:
    """A module-level ``X = Annotated[T, Depends(f)]``: the dependencies a parameter typed
    ``X`` declares, and whether ``T`` is a sync database session (FAS103)."""

    dependencies: tuple[str | None, ...]
    sync_session: bool


@dataclass(frozen=True, slots=True)
class ModuleSummary:
    path: str  # absolute, POSIX
    module: str
    is_package: bool
    digest: str  # hash of the text the summary was built from
    imports: dict[str, str]  # module-level local name → absolute dotted target
    import_lines: dict[str, int]  # module-level local name → line of its import
    star_imports: tuple[str, ...]
    defined: frozenset[str]  # module-level names bound other than by import
    exported: tuple[str, ...] | None  # literal __all__
    instances: tuple[InstanceDef, ...]
    routes: tuple[RouteDef, ...]
    includes: tuple[IncludeDef, ...]
    functions: tuple[FunctionSummary, ...]
    calls: tuple[CallSite, ...]
    model_refs: tuple[ModelRef, ...]
    called_dependencies: tuple[CalledDependency, ...] = ()
    # module-level name → what it binds used as ``Depends(name)`` ("callable") or as a
    # parameter's type ("alias"), for FAS304 across modules
    callable_bindings: dict[str, PathBinding] = field(default_factory=dict)
    alias_bindings: dict[str, PathBinding] = field(default_factory=dict)
    open_path_routes: tuple[OpenPathRoute, ...] = ()
    alias_dependencies: dict[str, AliasDependencies] = field(default_factory=dict)

    @property
    def root_package(self) -> str:
        return self.module.split(".")[0]


def content_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def span_of(node: ast.AST) -> Span:
    line = getattr(node, "lineno", 1)
    col = getattr(node, "col_offset", 0)
    return (
        line,
        col,
        getattr(node, "end_lineno", None) or line,
        getattr(node, "end_col_offset", None) or col,
    )


def summarise(
    facts: ModuleFacts,
    path: str,
    module: str,
    is_package: bool,
    digest: str,
    project_roots: frozenset[str] | None = None,
) -> ModuleSummary:
    """The summary of one parsed module. ``project_roots`` (top-level package names of the
    project) limits the call sites kept to those that may reach project code."""
    builder = _Builder(facts, module, is_package, project_roots)
    imports, stars, lines = builder.imports()
    functions, calls = builder.functions_and_calls()
    callables, aliases = builder.path_bindings()
    return ModuleSummary(
        path=path,
        module=module,
        is_package=is_package,
        digest=digest,
        imports=imports,
        import_lines=lines,
        star_imports=stars,
        defined=builder.defined(),
        exported=builder.exported(),
        instances=builder.instances(),
        routes=builder.routes(),
        includes=builder.includes(),
        functions=functions,
        calls=calls,
        model_refs=builder.model_refs(),
        called_dependencies=builder.called_dependencies(),
        callable_bindings=callables,
        alias_bindings=aliases,
        open_path_routes=builder.open_path_routes(),
        alias_dependencies=builder.alias_dependencies(),
    )


def function_parts(
    facts: ModuleFacts,
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    module: str,
    is_package: bool,
    project_roots: frozenset[str] | None = None,
) -> tuple[tuple[FunctionSummary, ...], tuple[CallSite, ...]]:
    """What ``summarise`` makes of one function of the facts and the functions nested in it:
    their summaries and call sites, in the order of the module's."""
    first = facts.function_info(node)
    functions = facts.functions
    start = functions.index(first)
    nested = first.qualname + ".<locals>."
    end = start + 1
    while end < len(functions) and functions[end].qualname.startswith(nested):
        end += 1
    builder = _Builder(facts, module, is_package, project_roots)
    return builder.functions_and_calls(functions[start:end])


def without_positions(value: object) -> object:
    """A summary or part of one apart from positions (lines and columns are its only
    integers): what other modules read of it."""
    if isinstance(value, bool | str | float | Enum) or value is None:
        return value
    if isinstance(value, int):
        return None
    if is_dataclass(value) and not isinstance(value, type):
        return tuple(without_positions(getattr(value, f.name)) for f in fields(value))
    if isinstance(value, dict):
        return tuple((k, without_positions(v)) for k, v in sorted(value.items()))
    if isinstance(value, frozenset | set):
        return tuple(sorted(map(repr, value)))
    if isinstance(value, tuple | list):
        return tuple(without_positions(v) for v in value)
    return repr(value)


class _Builder:
    def __init__(
        self,
        facts: ModuleFacts,
        module: str,
        is_package: bool,
        project_roots: frozenset[str] | None,
    ) -> None:
        self.facts = facts
        self.module = module
        self.is_package = is_package
        roots = set(project_roots) if project_roots is not None else None
        if roots is not None:
            roots.add(module.split(".")[0])
        self.roots = roots
        self._qualified: dict[ast.AST, str | None] = {}

    # --- names ----------------------------------------------------------------------------

    def imports(self) -> tuple[dict[str, str], tuple[str, ...], dict[str, int]]:
        table: dict[str, str] = {}
        lines: dict[str, int] = {}
        stars: list[str] = []
        for node in self.facts.import_nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    table[local] = alias.name if alias.asname else local
                    lines.setdefault(local, node.lineno)
                continue
            base = absolute_import(self.module, self.is_package, node.level, node.module)
            if base is None:
                continue
            for alias in node.names:
                if alias.name == "*":
                    stars.append(base)
                else:
                    table[alias.asname or alias.name] = f"{base}.{alias.name}"
                    lines.setdefault(alias.asname or alias.name, node.lineno)
        return table, tuple(stars), lines

    def defined(self) -> frozenset[str]:
        names: set[str] = set()
        for node in self.facts.module_nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                names.add(node.id)
        return frozenset(names)

    def exported(self) -> tuple[str, ...] | None:
        for node in self.facts.module_nodes:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
                and isinstance(node.value, ast.List | ast.Tuple)
            ):
                return tuple(
                    e.value
                    for e in node.value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )
        return None

    def local_key(self, name: str, at: ast.AST) -> str:
        """``name`` as bound where ``at`` reads it: in the innermost function that binds it
        (``create_app.<locals>.app``), else at module level."""
        scope = self.facts._names.binding_scope(name, at)
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            return f"{self.facts.function_info(scope).qualname}.<locals>.{name}"
        return name

    def ref(self, expr: ast.AST | None) -> str | None:
        """A dotted reference to what ``expr`` names, for the index to resolve."""
        if expr is None:
            return None
        qualified = self.qualified(expr)
        if qualified is not None:
            return None if qualified.startswith("builtins.") else self._absolute(qualified)
        parts: list[str] = []
        node = expr
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or not self.facts.is_local_name(node.id, node):
            return None
        key = self.local_key(node.id, node)
        if parts and "<locals>" in key:
            return None  # an attribute of a local variable: its value is not known here
        return ".".join([self.module, key, *reversed(parts)])

    def _absolute(self, qualified: str) -> str:
        """The resolver leaves relative imports of files outside packages dotted; the
        project's own module names make them absolute."""
        if not qualified.startswith("."):
            return qualified
        level = len(qualified) - len(qualified.lstrip("."))
        rest = qualified[level:]
        return absolute_import(self.module, self.is_package, level, rest or None) or qualified

    # --- FastAPI wiring -------------------------------------------------------------------

    def instances(self) -> tuple[InstanceDef, ...]:
        found: list[InstanceDef] = []
        if not self.facts.apps:  # the module rules' table, by name: empty means none at all
            return ()
        for node in self.facts.all_nodes:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                kind = APP_CLASSES.get(self.facts.qualified_name(node.value.func) or "")
                if kind:
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            found.append(self._instance(target.id, kind, target, node.value))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                call = node.value if isinstance(node.value, ast.Call) else None
                kind = APP_CLASSES.get(self.facts.qualified_name(call.func) or "") if call else None
                if kind:
                    found.append(self._instance(node.target.id, kind, node.target, call))
        for func in self.facts.functions:
            for param in func.parameters:
                kind = (
                    APP_CLASSES.get(self.facts.qualified_name(param.annotation) or "")
                    if param.annotation
                    else None
                )
                if kind:
                    key = f"{func.qualname}.<locals>.{param.arg}"
                    found.append(InstanceDef(key, kind, span_of(param), "", (), False))
        return tuple(found)

    def _instance(self, name: str, kind: str, node: ast.AST, call: ast.Call | None) -> InstanceDef:
        keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg} if call else {}
        return InstanceDef(
            key=self.local_key(name, node),
            kind=kind,
            span=span_of(node),
            prefix=_literal_prefix(keywords.get("prefix")),
            dependencies=self._dependency_list(keywords.get("dependencies")),
            constructed=call is not None,
        )

    def _dependency_list(self, expr: ast.expr | None) -> tuple[str | None, ...]:
        if not isinstance(expr, ast.List | ast.Tuple):
            return ()
        refs: list[str | None] = []
        for element in expr.elts:
            if isinstance(element, ast.Call) and element.args:
                refs.append(self.ref(element.args[0]))
            else:
                refs.append(None)
        return tuple(refs)

    @cached_property
    def _routes(self) -> list[Route]:
        """Path operations on local instances (as the module rules see them) and on imported
        names too (``from app.main import app`` then ``@app.get(...)``): the index keeps those
        whose receiver resolves to an app or router of the project."""
        instances = dict(self.facts.apps)
        for node in self.facts.import_nodes:
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    local = alias.asname or alias.name
                    instances.setdefault(local, AppInstance(local, "imported", node, None))
        if not instances:
            return []
        return find_routes(
            self.facts.functions, iter(self.facts.calls), instances, self.facts.module_function
        )

    def routes(self) -> tuple[RouteDef, ...]:
        found = []
        for route in self._routes:
            owner_expr = route.registration.func
            owner = self.ref(owner_expr.value) if isinstance(owner_expr, ast.Attribute) else None
            response = route.keyword("response_model")
            if response is None:
                response = route.handler.node.returns
            found.append(
                RouteDef(
                    owner=owner,
                    methods=route.methods,
                    path=route.path.raw if route.path is not None else None,
                    span=span_of(route.registration),
                    handler=route.handler.qualname,
                    handler_span=_name_span(route.handler.node),
                    response_model=ast.unparse(response) if response is not None else None,
                    dependencies=self._dependency_list(route.keyword("dependencies")),
                    conditional=self._conditional(route.registration),
                )
            )
        return tuple(found)

    def includes(self) -> tuple[IncludeDef, ...]:
        found = []
        for call in self.facts.calls:
            func = call.func
            if not isinstance(func, ast.Attribute) or func.attr not in ("include_router", "mount"):
                continue
            keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
            if func.attr == "include_router":
                target_expr = call.args[0] if call.args else keywords.get("router")
                prefix = _literal_prefix(keywords.get("prefix"))
                kind = "include"
            else:
                target_expr = call.args[1] if len(call.args) > 1 else keywords.get("app")
                path_expr = call.args[0] if call.args else keywords.get("path")
                prefix = _literal_prefix(path_expr) if path_expr is not None else None
                kind = "mount"
            target = (
                self.ref(target_expr) if isinstance(target_expr, ast.Name | ast.Attribute) else None
            )
            found.append(
                IncludeDef(
                    kind=kind,
                    owner=self.ref(func.value),
                    target=target,
                    prefix=prefix,
                    span=span_of(call),
                    dependencies=self._dependency_list(keywords.get("dependencies")),
                    conditional=self._conditional(call),
                )
            )
        return tuple(found)

    def _conditional(self, node: ast.AST) -> bool:
        """True when the statement holding ``node`` runs under if/for/while/try in its scope
        (decorators belong to the scope around the function they decorate)."""
        child = node
        for ancestor in self.facts.ancestors(node):
            if isinstance(ancestor, _CONDITIONAL):
                return True
            if isinstance(ancestor, ast.FunctionDef | ast.AsyncFunctionDef):
                if child not in ancestor.decorator_list:
                    return False
            elif isinstance(ancestor, ast.Lambda | ast.ClassDef):
                return False
            child = ancestor
        return False

    # --- functions and calls --------------------------------------------------------------

    def functions_and_calls(
        self, functions: list[FunctionInfo] | None = None
    ) -> tuple[tuple[FunctionSummary, ...], tuple[CallSite, ...]]:
        """Every function (or those given) and the calls of its own body that may reach
        project code."""
        found = []
        sites: list[CallSite] = []
        uses: dict[FunctionInfo, list[DependencyUse]] = {}
        if functions is None:
            declared = self.facts.dependency_uses
        else:  # those of the signatures of the functions given, as the module's list has them
            facts = self.facts
            declared = find_dependencies(
                functions, [], facts.qualified_name, facts.annotated_parts, {}
            )
        for use in declared:
            if use.owner is not None:
                uses.setdefault(use.owner, []).append(use)
        for func in self.facts.functions if functions is None else functions:
            own_calls = func.calls
            sites.extend(self._call_sites(func, own_calls))
            blocking = []
            blocking_requires = []
            for call in own_calls:
                if not self._may_block(call):
                    continue
                hit = blocking_call_in(self.facts, call, func, filesystem_queries=False)
                if hit is not None:
                    blocking.append((hit.name, span_of(call)))
                    blocking_requires.append(self._guards.requires(func, call))
            params, none_defaults = _callable_parameters(func)
            own_uses = uses.get(func, [])
            dependencies = tuple(
                (self.ref(use.callable_expr), span_of(use.call)) for use in own_uses
            )
            module_level = func.parent_function is None and func.class_name is None
            found.append(
                FunctionSummary(
                    qualname=func.qualname,
                    span=_name_span(func.node),
                    is_async=func.is_async,
                    is_generator=func.is_generator,
                    plain=self._plain(func),
                    blocking=tuple(blocking),
                    dependencies=dependencies,
                    hands_on=tuple(hands_session_on(func, use) for use in own_uses),
                    dependency_shape=module_level
                    and is_provably_dependency(self.facts, func, set()),
                    session=provided_session_kind(self.facts, func) if module_level else None,
                    memoized=bool(blocking or self._has_call_sites(func)) and _memoized(func),
                    blocking_requires=tuple(blocking_requires),
                    params=params,
                    none_defaults=none_defaults,
                    session_typed=tuple(
                        self.qualified(use.annotation) in SYNC_SESSION_CLASSES
                        if use.annotation is not None
                        else False
                        for use in own_uses
                    ),
                    alias_uses=self._alias_uses(func),
                )
            )
        return tuple(found), tuple(sites)

    def _may_block(self, call: ast.Call) -> bool:
        """A cheap test before FAS101's: only table entries can match."""
        callee = call.func
        if isinstance(callee, ast.Attribute):
            return callee.attr in _BLOCKING_NAMES  # no entry of the table ends otherwise
        return self.qualified(callee) in BLOCKING_CALLS

    def qualified(self, expr: ast.AST) -> str | None:
        """``facts.qualified_name``, asked once per node (the call graph and the blocking
        calls both ask it of every callee)."""
        if expr not in self._qualified:
            self._qualified[expr] = self.facts.qualified_name(expr)
        return self._qualified[expr]

    def _plain(self, func: FunctionInfo) -> bool:
        for decorator in func.node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if self.facts.qualified_name(target) not in TRANSPARENT_DECORATORS:
                return False
        return True

    def _call_sites(self, func: FunctionInfo, calls: list[ast.Call]) -> Iterator[CallSite]:
        params = {p.arg for p in func.parameters}
        for call in calls:
            target = self._call_target(call, func)
            if target is not None:
                positional, keywords = _arguments(call, params)
                self._callers.add(func)
                yield CallSite(
                    caller=func.qualname,
                    target=target,
                    span=span_of(call),
                    usage=self._usage(call, func),
                    offloaded=runs_in_worker_thread(self.facts, call, func),
                    requires=self._guards.requires(func, call),
                    positional=positional,
                    keywords=keywords,
                )

    def _has_call_sites(self, func: FunctionInfo) -> bool:
        return func in self._callers

    @cached_property
    def _callers(self) -> set[FunctionInfo]:
        return set()

    @cached_property
    def _guards(self) -> _NoneGuards:
        return _NoneGuards(self.facts)

    def _call_target(self, call: ast.Call, func: FunctionInfo) -> str | None:
        callee = call.func
        if (
            isinstance(callee, ast.Attribute)
            and isinstance(callee.value, ast.Name)
            and func.is_method
            and func.parameters
            and callee.value.id == func.parameters[0].arg
            and not _is_static(func)
        ):
            class_path = func.qualname.rsplit(".", 1)[0]
            target: str | None = f"{self.module}.{class_path}.{callee.attr}"
        else:
            target = self.ref(callee)
        if target is None and isinstance(callee, ast.Attribute):
            target = self._method_of_typed_receiver(callee)
        if target is None or (self.roots is not None and target.split(".")[0] not in self.roots):
            return None
        return target

    def _method_of_typed_receiver(self, callee: ast.Attribute) -> str | None:
        """``Service().load`` or ``service.load`` with ``service: Service`` → the method of
        ``Service``, when the module proves the receiver's class."""
        value = callee.value
        if not (
            isinstance(value, ast.Name)
            or (isinstance(value, ast.Call) and isinstance(value.func, ast.Name | ast.Attribute))
        ):
            return None  # chains such as self.client.get(): their type is not provable here
        receiver = self.facts.type_of(value)
        if receiver is None or receiver.endswith("()") or receiver.startswith("builtins."):
            return None
        return f"{self._absolute(receiver)}.{callee.attr}"

    def _usage(self, call: ast.Call, func: FunctionInfo) -> str:
        parent = self.facts.parent(call)
        if isinstance(parent, ast.Await):
            return "await"
        if isinstance(parent, ast.Expr):
            return "discard"
        if isinstance(parent, ast.Assign) and parent.value is call:
            names = [t.id for t in parent.targets if isinstance(t, ast.Name)]
            if len(names) == len(parent.targets) and not any(
                n == "_" or self._mentioned_again(func, n) for n in names
            ):
                return "unused"
        return "other"

    def _mentioned_again(self, func: FunctionInfo, name: str) -> bool:
        """True when ``name`` occurs in the function's text more than once (the assignment):
        a read, or a comment or string naming it, which keeps the finding away. Reading the
        text is much cheaper than walking every function that assigns a call's result."""
        node = func.node
        lines = self.facts.source.lines[node.lineno - 1 : node.end_lineno or node.lineno]
        pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
        return len(pattern.findall("".join(lines))) > 1

    def called_dependencies(self) -> tuple[CalledDependency, ...]:
        """``Depends(f())`` with ``f`` from another module (the module rule sees its own)."""
        found = []
        for use in self.facts.dependency_calls:
            called = use.target
            if not isinstance(called, ast.Call) or called.args or called.keywords:
                continue
            if self.facts.resolve_function(called.func) is not None:
                continue
            target = self.ref(called.func)
            if target is None or (
                self.roots is not None and target.split(".")[0] not in self.roots
            ):
                continue
            found.append(
                CalledDependency(use.kind, target, ast.unparse(called.func), span_of(called))
            )
        return tuple(found)

    # --- Annotated aliases across modules (FAS103, FAS409) ---------------------------------

    def _alias_uses(self, func: FunctionInfo) -> tuple[tuple[str, Span], ...]:
        found = []
        for param in func.parameters:
            annotation = imported_annotation(self.facts, func, param)
            ref = self.ref(annotation) if annotation is not None else None
            if ref is not None:
                found.append((ref, span_of(param)))
        return tuple(found)

    def alias_dependencies(self) -> dict[str, AliasDependencies]:
        table = {}
        for name, alias in module_aliases(self.facts):
            parts = self.facts.annotated_parts(alias)
            if parts is None:
                continue
            inner, metadata = parts
            refs = []
            for use in self.facts.dependency_calls:
                if use.call in metadata:
                    refs.append(self.ref(use.target if use.target is not None else inner))
            if refs:
                sync = self.qualified(inner) in SYNC_SESSION_CLASSES
                table[name] = AliasDependencies(tuple(refs), sync)
        return table

    # --- path parameters (FAS304 across modules) -------------------------------------------

    def path_bindings(self) -> tuple[dict[str, PathBinding], dict[str, PathBinding]]:
        callables: dict[str, PathBinding] = {}
        aliases: dict[str, PathBinding] = {}
        for name, kind, bound in module_bindings(self.facts):
            (aliases if kind == "alias" else callables)[name] = self._path_binding(bound)
        return callables, aliases

    def _path_binding(self, bound: Bound) -> PathBinding:
        if bound.anything:
            return _BINDS_ANYTHING
        if not bound.names and not bound.calls and not bound.annotations:
            return _BINDS_NOTHING
        calls = {self.ref(e) for e in bound.calls}
        annotations = {self.ref(e) for e in bound.annotations}
        if None in calls or None in annotations:
            return _BINDS_ANYTHING
        return PathBinding(
            names=bound.names,
            calls=tuple(sorted(r for r in calls if r is not None)),
            annotations=tuple(sorted(r for r in annotations if r is not None)),
        )

    def open_path_routes(self) -> tuple[OpenPathRoute, ...]:
        found = []
        for route, bound, params in open_routes(self.facts):
            owner_expr = route.registration.func
            owner = self.ref(owner_expr.value) if isinstance(owner_expr, ast.Attribute) else None
            spans = []
            for param in params:
                start, end = path_param_span(self.facts, route, param)
                spans.append((param.name, (start.line, start.col, end.line, end.col)))
            found.append(
                OpenPathRoute(
                    route.handler.qualname, owner, tuple(spans), self._path_binding(bound)
                )
            )
        return tuple(found)

    # --- response models ------------------------------------------------------------------

    def model_refs(self) -> tuple[ModelRef, ...]:
        found = []
        for route in self._routes:
            for expr in (route.keyword("response_model"), route.handler.node.returns):
                if expr is None:
                    continue
                for leaf in _type_leaves(expr):
                    found.append(self._model_ref(leaf))
        return tuple(found)

    def _model_ref(self, leaf: ast.Name | ast.Attribute) -> ModelRef:
        root: ast.expr = leaf
        while isinstance(root, ast.Attribute):
            root = root.value
        target: str | None = "?"  # bound, though not to a name the index can follow
        if isinstance(root, ast.Name):
            qualified = self.facts.qualified_name(root)
            if qualified is None and not self.facts.is_local_name(root.id, root):
                fix = self._create_model_fix(root) if root is leaf else None
                return ModelRef(ast.unparse(leaf), None, span_of(leaf), fix)
            elif qualified is None or not qualified.startswith("builtins."):
                target = self.ref(leaf) or "?"
        return ModelRef(ast.unparse(leaf), target, span_of(leaf))

    def _create_model_fix(self, name: ast.Name) -> Fix | None:
        """Define ``class Name(BaseModel)`` right above the module-level statement using it
        (a decorator argument runs when the module is imported, so it must come first)."""
        statement: ast.AST = name
        for ancestor in self.facts.ancestors(name):
            if ancestor is self.facts.tree:
                break
            statement = ancestor
        if not isinstance(statement, ast.stmt) or statement not in self.facts.tree.body:
            return None
        decorators = getattr(statement, "decorator_list", [])
        line = min([statement.lineno, *(d.lineno for d in decorators)])
        base, import_edit = ensure_from_import(self.facts, "pydantic", "BaseModel")
        definition = f"class {name.id}({base}):\n    pass\n\n\n"
        edits = [Edit.insert(Position(line, 0), definition)]
        if import_edit is not None:
            edits.append(import_edit)
        return Fix(f"Create model `{name.id}`", Applicability.ACTION, tuple(edits))


ARG_NONE = "<None>"  # an argument that is the literal None
ARG_VALUE = "<value>"  # an argument whose value is not followed


def _callable_parameters(func: FunctionInfo) -> tuple[tuple[str, ...], frozenset[str]]:
    """The parameters a caller passes (``self``/``cls`` of a method left out), positional
    ones first in order, and those whose default is None."""
    args = func.node.args
    positional = [*args.posonlyargs, *args.args]
    if func.is_method and positional and not _is_static(func):
        positional = positional[1:]
    names = tuple(a.arg for a in [*positional, *args.kwonlyargs])
    defaults = [
        *zip(reversed([*args.posonlyargs, *args.args]), reversed(args.defaults), strict=False),
        *((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d),
    ]
    none = frozenset(a.arg for a, d in defaults if isinstance(d, ast.Constant) and d.value is None)
    return names, none


def _arguments(
    call: ast.Call, params: set[str]
) -> tuple[tuple[str, ...] | None, tuple[tuple[str, str], ...]]:
    """What each argument of ``call`` is (see ``CallSite.positional``)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        kw.arg is None for kw in call.keywords
    ):
        return None, ()
    positional = tuple(_argument(a, params) for a in call.args)
    keywords = tuple((kw.arg, _argument(kw.value, params)) for kw in call.keywords if kw.arg)
    return positional, keywords


def _argument(expr: ast.expr, params: set[str]) -> str:
    if isinstance(expr, ast.Constant) and expr.value is None:
        return ARG_NONE
    if isinstance(expr, ast.Name) and expr.id in params:
        return expr.id
    return ARG_VALUE


def _memoized(func: FunctionInfo) -> bool:
    """True for a loader that keeps what it loads: its first statement (after the docstring
    and ``global``) is an ``if`` reading a ``global``/``nonlocal`` name or a ``self.``
    attribute that the function also assigns (``if _cache is not None: return _cache``, or
    ``if _cache is None: _cache = load()``)."""
    declared: set[str] = set()
    first: ast.stmt | None = None
    for statement in func.node.body:
        if isinstance(statement, ast.Global | ast.Nonlocal):
            declared.update(statement.names)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue
        else:
            first = statement
            break
    if not isinstance(first, ast.If):
        return False
    read = {
        key
        for node in ast.walk(first.test)
        if (key := _memo_key(node)) is not None and (key.startswith("self.") or key in declared)
    }
    return bool(read) and any(
        isinstance(node, ast.Name | ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and _memo_key(node) in read
        for node in func.own_nodes
    )


def _memo_key(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in ("self", "cls")
    ):
        return f"self.{node.attr}"
    return None


class _NoneGuards:
    """The parameters a statement needs to be non-None to run: ``if p is not None:`` (or
    ``if p:``) around it, the ``else`` of ``if p is None:``, or an earlier ``if p is None:``
    in the same block whose body always leaves (``raise``, ``return``)."""

    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        # statement → names proved not None by the statements before it in its block
        self._before: dict[ast.stmt, frozenset[str]] = {}
        self._fixed: dict[FunctionInfo, frozenset[str]] = {}

    def requires(self, func: FunctionInfo, node: ast.AST) -> frozenset[str]:
        params = self._fixed_parameters(func)
        if not params:
            return frozenset()
        found: set[str] = set()
        child = node
        for ancestor in self.facts.ancestors(node):
            if isinstance(ancestor, ast.If):
                if child in ancestor.body:
                    found |= _not_none_when(ancestor.test, True)
                elif child in ancestor.orelse:
                    found |= _not_none_when(ancestor.test, False)
            if isinstance(child, ast.stmt):
                found |= self._proved_before(ancestor, child)
            if ancestor is func.node:
                break
            child = ancestor
        return frozenset(found & params)

    def _fixed_parameters(self, func: FunctionInfo) -> frozenset[str]:
        """Parameters the function never assigns: a guard on one tests what the caller
        passed (``path = path or DEFAULT`` before ``if path is None`` tests something else)."""
        if func not in self._fixed:
            assigned = {
                node.id
                for node in func.own_nodes
                if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)
            }
            self._fixed[func] = frozenset(p.arg for p in func.parameters) - assigned
        return self._fixed[func]

    def _proved_before(self, parent: ast.AST, statement: ast.stmt) -> frozenset[str]:
        if statement not in self._before:
            for block in _blocks(parent):
                self._index_block(block)
        return self._before.get(statement, frozenset())

    def _index_block(self, block: list[ast.stmt]) -> None:
        proved: frozenset[str] = frozenset()
        for statement in block:
            self._before[statement] = proved
            if (
                isinstance(statement, ast.If)
                and not statement.orelse
                and isinstance(statement.body[-1], ast.Raise | ast.Return)
            ):
                proved = proved | _not_none_when(statement.test, False)
            elif isinstance(statement, ast.Assert):
                proved = proved | _not_none_when(statement.test, True)


def _blocks(node: ast.AST) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        block = getattr(node, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block


def _not_none_when(test: ast.expr, outcome: bool) -> set[str]:
    """Names ``test`` proves not None when it evaluates to ``outcome``."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _not_none_when(test.operand, not outcome)
    if isinstance(test, ast.BoolOp):
        if isinstance(test.op, ast.And) and outcome:
            return {n for value in test.values for n in _not_none_when(value, True)}
        if isinstance(test.op, ast.Or) and not outcome:
            return {n for value in test.values for n in _not_none_when(value, False)}
        return set()
    if isinstance(test, ast.Name):
        return {test.id} if outcome else set()
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.left, ast.Name)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        op = test.ops[0]
        if (isinstance(op, ast.IsNot) and outcome) or (isinstance(op, ast.Is) and not outcome):
            return {test.left.id}
    return set()


_BINDS_ANYTHING = PathBinding(frozenset(), anything=True)
_BINDS_NOTHING = PathBinding(frozenset())


def _type_leaves(expr: ast.expr) -> list[ast.Name | ast.Attribute]:
    """The names a type expression is built from: ``list[schemas.User] | None`` →
    ``list``, ``schemas.User``. String annotations are left alone."""
    if isinstance(expr, ast.Name | ast.Attribute):
        return [expr]
    if isinstance(expr, ast.Subscript):
        return [*_type_leaves(expr.value), *_type_leaves(expr.slice)]
    if isinstance(expr, ast.Tuple):
        return [leaf for element in expr.elts for leaf in _type_leaves(element)]
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        return [*_type_leaves(expr.left), *_type_leaves(expr.right)]
    return []


def _literal_prefix(expr: ast.expr | None) -> str | None:
    if expr is None:
        return ""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return None


def _name_span(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Span:
    """From ``def``/``async def`` to the end of the function's name, on the def line."""
    keyword = "async def " if isinstance(node, ast.AsyncFunctionDef) else "def "
    end = node.col_offset + len(keyword) + len(node.name.encode("utf-8"))
    return (node.lineno, node.col_offset, node.lineno, end)


def _is_static(func: FunctionInfo) -> bool:
    return any(
        isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")
        for d in func.node.decorator_list
    )
