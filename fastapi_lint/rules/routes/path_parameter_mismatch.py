"""FAS304 path-parameter-mismatch

## What it does
Finds a `{name}` in a route path that neither the handler nor any of its dependencies takes
as a parameter, a path parameter the handler declares positional-only, and a handler
parameter declared with `Path()` whose name is not in the path.

## Why is this bad?
FastAPI binds path parameters by name. A `{item_id}` that no function takes is matched by
the router and then thrown away, which is nearly always a typo or a forgotten argument
(`{item_id}` and `itemid`); the handler then reads the wrong thing or a query parameter of
the same meaning. A `Path()` parameter missing from the path fails when the app starts, and a
positional-only one can never be passed. See
[Path Parameters](https://fastapi.tiangolo.com/tutorial/path-params/).

## Example
```python
@app.get("/items/{item_id}")
async def read_item(itemid: int): ...
```

## Use instead
```python
@app.get("/items/{item_id}")
async def read_item(item_id: int): ...
```

## Fix safety
When a handler parameter is a near miss of the path name (`itemid`, `item_ids`), the editor
offers to rename it, with every use in the handler's body; it is an action, because the
parameter may be meant as a query parameter after all. Otherwise the fix adds the parameter
(`item_id: int` for an `{item_id:int}` converter, `str` by default); it is unsafe: it changes
the handler's signature, and the body still has to use the value. Names that are Python
keywords cannot be added, and positional-only or `Path()` mismatches have no fix.

Dependencies and parameter types imported from another module (`user: CurrentUser` with
`CurrentUser = Annotated[User, Depends(get_user)]` in `deps.py`) may take the path
parameter: on its own the file is then not provable and the rule stays silent. A check of
the whole project follows them through the project index and reports a `{name}` that
neither the handler nor any dependency, in any module, takes (no fix there); a dependency
it cannot resolve keeps it silent.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, node_start
from fastapi_lint.facts import FunctionInfo, ModuleFacts, PathParam, Route
from fastapi_lint.facts.responses import routes_in_force
from fastapi_lint.facts.signatures import add_parameter
from fastapi_lint.fixes import ensure_module_import
from fastapi_lint.rules import Options, rule

CODE = "FAS304"

# What Starlette itself recognises as a parameter: `{name}` or `{name:converter}`, ASCII only,
# no spaces (`{ x }` is literal text for Starlette).
_CONVERTER_TYPES = {"int": "int", "float": "float", "str": "str", "path": "str"}
_PATH_FUNCTIONS = ("fastapi.Path",)
_MARKER_FUNCTIONS = (
    "fastapi.Query",
    "fastapi.Header",
    "fastapi.Cookie",
    "fastapi.Body",
    "fastapi.Form",
    "fastapi.File",
    "fastapi.Depends",
    "fastapi.Security",
)
_DEPENDS_FUNCTIONS = ("fastapi.Depends", "fastapi.Security")
_MODEL_BASES = {"pydantic.BaseModel", "sqlmodel.SQLModel"}
_NEAR_MISS_CUTOFF = 0.8
# Libraries whose names, used as a parameter's type, are never an `Annotated[..., Depends()]`
# alias: any other imported type may be one (`from app.deps import CurrentUser`).
_PLAIN_TYPE_LIBRARIES = frozenset(
    {
        *sys.stdlib_module_names,
        "fastapi", "starlette", "pydantic", "pydantic_settings", "sqlalchemy", "sqlmodel",
        "typing_extensions",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Bound:
    """The names a callable binds from the request; ``anything`` when that is not provable.
    ``calls`` (imported callables passed to ``Depends``) and ``annotations`` (imported types
    of parameters, which may be ``Annotated`` aliases) are defined in other modules: the module
    cannot tell what they bind, the project index can."""

    names: frozenset[str]
    anything: bool = False
    calls: frozenset[ast.expr] = field(default_factory=frozenset)
    annotations: frozenset[ast.expr] = field(default_factory=frozenset)

    def __or__(self, other: Bound) -> Bound:
        return Bound(
            self.names | other.names,
            self.anything or other.anything,
            self.calls | other.calls,
            self.annotations | other.annotations,
        )

    @property
    def provable(self) -> bool:
        """True when every name the callable binds is known within the module."""
        return not (self.anything or self.calls or self.annotations)


_ANYTHING = Bound(frozenset(), anything=True)
_NOTHING = Bound(frozenset())


@rule(code=CODE, name="path-parameter-mismatch", default=True, fix="action")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for route in routes_in_force(facts):
        if route.path is None or _wrapped_before_registration(facts, route):
            continue
        params = _starlette_params(route)
        yield from _unbound_path_params(facts, route, params)
        yield from _path_declarations_outside_path(facts, route, {p.name for p in params})


# --- path parameters nobody takes ---------------------------------------------------------


def _unbound_path_params(
    facts: ModuleFacts, route: Route, params: list[PathParam]
) -> Iterator[Diagnostic]:
    handler = route.handler
    bound = route_binding(facts, route)
    if not bound.provable:
        return  # the project index decides when only other modules' names are unknown
    positional_only = {p.arg for p in handler.node.args.posonlyargs}
    for param in params:
        if param.name in bound.names:
            continue
        start, end = _param_span(facts, route, param)
        if param.name in positional_only:
            message = (
                f"path parameter `{{{param.name}}}` is positional-only in `{handler.name}`: "
                "FastAPI passes it by keyword"
            )
            yield Diagnostic(CODE, message, start, end)
            continue
        message = (
            f"path parameter `{{{param.name}}}` is taken by neither `{handler.name}` "
            "nor its dependencies"
        )
        taken = {p.name for p in params}
        fix = _rename_fix(facts, handler, param, taken) or _add_fix(facts, handler, param)
        yield Diagnostic(CODE, message, start, end, fix=fix)


def _starlette_params(route: Route) -> list[PathParam]:
    assert route.path is not None
    return list(route.path.params)


def _param_span(facts: ModuleFacts, route: Route, param: PathParam) -> tuple[Position, Position]:
    """The `{name}` inside the path literal when the literal is plain, else the whole path."""
    path_node = _path_node(route)
    start, end = node_start(path_node), _node_end(path_node)
    if start.line != end.line:
        return start, end
    text = facts.source.segment(start, end)
    spelled = "{" + param.name + (":" + param.converter if param.converter else "") + "}"
    index = text.find(spelled)
    if index < 0:
        return start, end
    offset = len(text[:index].encode("utf-8", errors="surrogatepass"))
    length = len(spelled.encode("utf-8"))
    return Position(start.line, start.col + offset), Position(
        start.line, start.col + offset + length
    )


def _path_node(route: Route) -> ast.AST:
    call = route.registration
    return call.args[0] if call.args else route.keywords.get("path", call)


def _node_end(node: ast.AST) -> Position:
    return Position(getattr(node, "end_lineno", 1), getattr(node, "end_col_offset", 0))


# --- what a function and its dependencies bind ------------------------------------------------


def route_binding(facts: ModuleFacts, route: Route) -> Bound:
    """What a route's handler and dependencies (signature, decorator, app or router) bind."""
    return _bound_by_function(facts, route.handler, set()) | _bound_by_route_dependencies(
        facts, route
    )


def _bound_by_function(facts: ModuleFacts, func: FunctionInfo, seen: set[FunctionInfo]) -> Bound:
    if func in seen:
        return _NOTHING
    seen.add(func)
    args = func.node.args
    if args.kwarg is not None:
        return _ANYTHING
    parameters = [*args.args, *args.kwonlyargs]
    if func.is_method and args.args:
        parameters = parameters[1:]
    names: set[str] = set()
    opaque: set[ast.expr] = set()
    for param in parameters:
        names |= _bound_names(facts, func, param)
        annotation = imported_annotation(facts, func, param)
        if annotation is not None:
            opaque.add(annotation)
    bound = Bound(frozenset(names), annotations=frozenset(opaque))
    for use in facts.dependencies_of(func):
        bound = bound | _bound_by_callable(facts, use.callable_expr, seen)
    return bound


def imported_annotation(facts: ModuleFacts, func: FunctionInfo, param: ast.arg) -> ast.expr | None:
    """A parameter's type when it is a name imported from a module that may define it as
    ``Annotated[T, Depends(f)]`` (then ``f``'s parameters are bound too); nested
    ``Annotated`` flattens, so ``Annotated[CurrentUser, ...]`` counts as well. A parameter
    with a ``Depends()`` default is not one: FastAPI refuses two dependencies for it."""
    default = func.parameter_default(param)
    if default is not None and facts.is_call_to(default, *_DEPENDS_FUNCTIONS):
        return None
    annotation = param.annotation
    parts = facts.annotated_parts(annotation)
    if parts is not None:
        annotation = parts[0]
    if not isinstance(annotation, ast.Name | ast.Attribute):
        return None
    return annotation if _is_imported(facts, annotation, _PLAIN_TYPE_LIBRARIES) else None


def _is_imported(facts: ModuleFacts, expr: ast.expr, known: frozenset[str] = frozenset()) -> bool:
    """True when ``expr`` names something an import brings in, from a module not in
    ``known``."""
    qualified = facts.qualified_name(expr)
    if qualified is None or qualified.startswith("builtins."):
        return False
    root = expr
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name) or facts.is_local_name(root.id, root):
        return False
    return qualified.lstrip(".").split(".")[0] not in known or qualified.startswith(".")


def _bound_names(facts: ModuleFacts, func: FunctionInfo, param: ast.arg) -> set[str]:
    """The request names a parameter may read: its own and any literal `alias=` or
    `validation_alias=` of its `Path()`."""
    names = {param.arg}
    for marker in _markers(facts, func, param):
        if facts.is_call_to(marker, *_PATH_FUNCTIONS):
            for keyword_name in ("alias", "validation_alias"):
                alias = _keyword_string(marker, keyword_name)
                if alias is not None:
                    names.add(alias)
    return names


def _markers(facts: ModuleFacts, func: FunctionInfo, param: ast.arg) -> list[ast.expr]:
    """The `Path()`, `Query()`, `Depends()`... that declare a parameter (default or
    `Annotated` metadata)."""
    found: list[ast.expr] = []
    parts = facts.annotated_parts(param.annotation)
    if parts is not None:
        found.extend(parts[1])
    default = func.parameter_default(param)
    if default is not None:
        found.append(default)
    return found


def _keyword_string(call: ast.expr, name: str) -> str | None:
    if not isinstance(call, ast.Call):
        return None
    for kw in call.keywords:
        if (
            kw.arg == name
            and isinstance(kw.value, ast.Constant)
            and isinstance(kw.value.value, str)
        ):
            return kw.value.value
    return None


def _bound_by_callable(facts: ModuleFacts, expr: ast.expr | None, seen: set[FunctionInfo]) -> Bound:
    func = facts.resolve_function(expr)
    if func is not None:
        return _bound_by_function(facts, func, seen)
    if isinstance(expr, ast.Name) and facts.is_local_name(expr.id, expr):
        cls = _module_class(facts, expr.id)
        if cls is not None:
            return _bound_by_class(facts, cls, seen)
    if expr is not None and _is_imported(facts, expr):
        return Bound(frozenset(), calls=frozenset({expr}))
    return _ANYTHING  # built by a factory, or anything else we cannot read


def _module_class(facts: ModuleFacts, name: str) -> ast.ClassDef | None:
    found = None
    for node in facts.tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            found = node
    return found


def _bound_by_class(facts: ModuleFacts, cls: ast.ClassDef, seen: set[FunctionInfo]) -> Bound:
    if cls.decorator_list:
        return _ANYTHING  # dataclasses and the like build their own `__init__`
    for statement in cls.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == "__init__":
            return _bound_by_function(facts, facts.function_info(statement), seen)
    if cls.name in facts.pydantic_classes:
        return _pydantic_fields(facts, cls)
    if not cls.bases:
        return _NOTHING
    return _ANYTHING


def _pydantic_fields(facts: ModuleFacts, cls: ast.ClassDef) -> Bound:
    """The field names (and literal aliases) of a model whose bases are all in the module or
    `BaseModel` itself."""
    names: set[str] = set()
    for base in cls.bases:
        if facts.qualified_name(base) in _MODEL_BASES:
            continue
        base_cls = _module_class(facts, base.id) if isinstance(base, ast.Name) else None
        if base_cls is None or base_cls.name not in facts.pydantic_classes:
            return _ANYTHING
        inherited = _pydantic_fields(facts, base_cls)
        if inherited.anything:
            return _ANYTHING
        names |= inherited.names
    for statement in cls.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names.add(statement.target.id)
            alias = _keyword_string(statement.value, "alias") if statement.value else None
            if alias is not None:
                names.add(alias)
    return Bound(frozenset(names))


def _bound_by_route_dependencies(facts: ModuleFacts, route: Route) -> Bound:
    """Dependencies declared on the decorator and on the app or router constructor."""
    bound = _NOTHING
    lists = [route.keyword("dependencies")]
    owner_call = route.owner.call
    if owner_call is not None:
        lists.extend(kw.value for kw in owner_call.keywords if kw.arg == "dependencies")
    for value in lists:
        if value is None:
            continue
        if not isinstance(value, ast.List | ast.Tuple):
            return _ANYTHING
        for item in value.elts:
            if not isinstance(item, ast.Call) or not item.args:
                return _ANYTHING
            bound = bound | _bound_by_callable(facts, item.args[0], set())
    return bound


# --- for the project index: what other modules may ask of this one -----------------------


def open_routes(facts: ModuleFacts) -> Iterator[tuple[Route, Bound, list[PathParam]]]:
    """Routes the module check leaves to the project index: their path parameters that no
    name of the module binds, when only other modules' dependencies or types may bind them."""
    for route in routes_in_force(facts):
        if route.path is None or not route.path.params:
            continue
        if _wrapped_before_registration(facts, route):
            continue
        bound = route_binding(facts, route)
        if bound.anything or bound.provable:
            continue
        positional_only = {p.arg for p in route.handler.node.args.posonlyargs}
        unbound = [
            p
            for p in _starlette_params(route)
            if p.name not in bound.names and p.name not in positional_only
        ]
        if unbound:
            yield route, bound, unbound


def path_param_span(
    facts: ModuleFacts, route: Route, param: PathParam
) -> tuple[Position, Position]:
    return _param_span(facts, route, param)


def module_bindings(facts: ModuleFacts) -> Iterator[tuple[str, str, Bound]]:
    """(name, kind, what it binds) for the module-level functions and classes (``kind``
    "callable": used as ``Depends(name)``) and ``Annotated`` aliases (``kind`` "alias": used
    as a parameter's type) other modules may import."""
    for node in facts.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            func = facts.module_function(node.name)
            if func is not None and func.node is node:
                yield node.name, "callable", _bound_by_function(facts, func, set())
        elif isinstance(node, ast.ClassDef) and _module_class(facts, node.name) is node:
            yield node.name, "callable", _bound_by_class(facts, node, set())
    for name, alias in module_aliases(facts):
        yield name, "alias", _bound_by_alias(facts, alias)


def module_aliases(facts: ModuleFacts) -> Iterator[tuple[str, ast.Subscript]]:
    """The module's ``X = Annotated[...]`` aliases (see ``ModuleFacts.annotated_alias``)."""
    for node in facts.tree.body:
        target = _alias_target(node)
        alias = facts.annotated_alias(target) if target is not None else None
        if target is not None and alias is not None:
            yield target.id, alias


def _alias_target(node: ast.stmt) -> ast.Name | None:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target: object = node.targets[0]
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target = node.target
    else:
        target = getattr(node, "name", None)  # `type X = ...` (ast.TypeAlias, Python 3.12+)
    return target if isinstance(target, ast.Name) else None


def _bound_by_alias(facts: ModuleFacts, alias: ast.Subscript) -> Bound:
    """What a parameter typed with the alias binds besides its own name: its dependencies'
    parameters and a literal `Path(alias=...)`."""
    parts = facts.annotated_parts(alias)
    if parts is None:
        return _ANYTHING
    inner, metadata = parts
    bound = _NOTHING
    if isinstance(inner, ast.Name | ast.Attribute) and _is_imported(
        facts, inner, _PLAIN_TYPE_LIBRARIES
    ):
        bound = Bound(frozenset(), annotations=frozenset({inner}))
    for item in metadata:
        if not isinstance(item, ast.Call):
            continue
        if facts.is_call_to(item, *_DEPENDS_FUNCTIONS):
            target = item.args[0] if item.args else inner
            for kw in item.keywords:
                if kw.arg == "dependency":
                    target = kw.value
            bound = bound | _bound_by_callable(facts, target, set())
        elif facts.is_call_to(item, *_PATH_FUNCTIONS):
            for keyword_name in ("alias", "validation_alias"):
                name = _keyword_string(item, keyword_name)
                if name is not None:
                    bound = bound | Bound(frozenset({name}))
    return bound


def _wrapped_before_registration(facts: ModuleFacts, route: Route) -> bool:
    """True when a decorator that is not a route registration wraps the handler before FastAPI
    sees it (it may change the signature)."""
    decorators = route.handler.node.decorator_list
    registrations = {r.registration for r in facts.routes_of(route.handler)}
    if route.registration not in decorators:
        return bool(decorators)  # add_api_route: every decorator applies first
    below = decorators[decorators.index(route.registration) + 1 :]
    return any(d not in registrations for d in below)


# --- `Path()` parameters outside the path -----------------------------------------------------


def _path_declarations_outside_path(
    facts: ModuleFacts, route: Route, path_names: set[str]
) -> Iterator[Diagnostic]:
    if not _path_is_complete(facts, route):
        return
    handler = route.handler
    for param in [*handler.node.args.args, *handler.node.args.kwonlyargs]:
        if not any(facts.is_call_to(m, *_PATH_FUNCTIONS) for m in _markers(facts, handler, param)):
            continue
        names = _bound_names(facts, handler, param)
        if names & path_names:
            continue
        name = max(names - {param.arg}, default=param.arg)
        assert route.path is not None
        yield Diagnostic.at(
            param,
            CODE,
            f"`{param.arg}` is declared with `Path()` but `{{{name}}}` is not in the path "
            f"`{route.path.raw}`",
        )


def _path_is_complete(facts: ModuleFacts, route: Route) -> bool:
    """True when the registered path is the whole path: an app's route, or a router's whose
    own prefix has no parameter and that this module does not include under a parameter."""
    owner = route.owner
    if owner.kind == "app":
        return True
    if owner.call is None:
        return False
    for kw in owner.call.keywords:
        if kw.arg == "prefix" and not _literal_without_params(kw.value):
            return False
    for call in facts.calls_named("include_router"):
        if isinstance(call.func, ast.Attribute) and call.func.attr == "include_router":
            for kw in call.keywords:
                if kw.arg == "prefix" and not _literal_without_params(kw.value):
                    return False
    return not _included_elsewhere(facts, route)


def _included_elsewhere(facts: ModuleFacts, route: Route) -> bool:
    """A router built here but never included here may be included elsewhere under a prefix
    with parameters."""
    for call in facts.calls_named("include_router"):
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "include_router"
            and call.args
            and isinstance(call.args[0], ast.Name)
            and call.args[0].id == route.owner.name
        ):
            return False
    return True


def _literal_without_params(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and isinstance(expr.value, str) and "{" not in expr.value


# --- fixes --------------------------------------------------------------------------------


def _add_fix(facts: ModuleFacts, handler: FunctionInfo, param: PathParam) -> Fix | None:
    if keyword.iskeyword(param.name) or param.name == "__debug__":
        return None
    edits: list[Edit] = []
    if param.converter == "uuid":
        spelling, import_edit = ensure_module_import(facts, "uuid")
        annotation = f"{spelling}.UUID"
        if import_edit is not None:
            edits.append(import_edit)
    else:
        annotation = _CONVERTER_TYPES.get(param.converter or "str", "")
    declaration = f"{param.name}: {annotation}" if annotation else param.name
    edit = add_parameter(facts, handler, declaration)
    if edit is None:
        return None
    return Fix(f"Add `{declaration}` to `{handler.name}`", Applicability.UNSAFE, (edit, *edits))


def _rename_fix(
    facts: ModuleFacts, handler: FunctionInfo, param: PathParam, path_names: set[str]
) -> Fix | None:
    candidates = [
        p.arg
        for p in [*handler.node.args.args, *handler.node.args.kwonlyargs]
        if p.arg not in path_names and _is_plain_parameter(facts, handler, p)
    ]
    close = difflib.get_close_matches(param.name, candidates, n=1, cutoff=_NEAR_MISS_CUTOFF)
    if not close:
        return None
    old = close[0]
    edits = _rename_edits(handler, old, param.name)
    if edits is None:
        return None
    return Fix(f"Rename `{old}` to `{param.name}`", Applicability.ACTION, edits)


def _is_plain_parameter(facts: ModuleFacts, func: FunctionInfo, param: ast.arg) -> bool:
    """A parameter FastAPI reads from the query (no marker but `Query()`/`Path()`)."""
    if func.is_method and param is func.node.args.args[0]:
        return False
    return not any(
        isinstance(m, ast.Call) and facts.is_call_to(m, *_MARKER_FUNCTIONS)
        for m in _markers(facts, func, param)
    ) and not _is_model_or_injected(facts, param)


def _is_model_or_injected(facts: ModuleFacts, param: ast.arg) -> bool:
    annotation = param.annotation
    parts = facts.annotated_parts(annotation)
    if parts is not None:
        annotation = parts[0]
    if annotation is None:
        return False
    if facts.is_pydantic_class(annotation):
        return True
    qualified = facts.qualified_name(annotation) or ""
    return qualified.startswith(("fastapi.", "starlette.", "sqlalchemy."))


def _rename_edits(handler: FunctionInfo, old: str, new: str) -> tuple[Edit, ...] | None:
    """The parameter and every use of it in the body renamed; None when a nested scope
    rebinds either name or the new name is already used (renaming would change meaning)."""
    param = next(
        p for p in [*handler.node.args.args, *handler.node.args.kwonlyargs] if p.arg == old
    )
    edits = [
        Edit(node_start(param), Position(param.lineno, param.col_offset + len(old.encode())), new)
    ]
    for statement in handler.node.body:
        for node in ast.walk(statement):
            if _binds(node, old) or _uses(node, new):
                return None
            if isinstance(node, ast.Name) and node.id == old:
                edits.append(Edit.replace(node, new))
    return tuple(edits)


def _binds(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        args = node.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        return any(a is not None and a.arg == name for a in every)
    if isinstance(node, ast.Global | ast.Nonlocal):
        return name in node.names
    return isinstance(node, ast.comprehension) and any(
        isinstance(t, ast.Name) and t.id == name for t in ast.walk(node.target)
    )


def _uses(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name
