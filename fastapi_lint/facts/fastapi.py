"""FastAPI wiring: app and router instances, path operations and dependencies."""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

from fastapi_lint.facts.paths import PathTemplate, parse_path
from fastapi_lint.facts.scopes import FunctionInfo

APP_CLASSES = {"fastapi.FastAPI": "app", "fastapi.APIRouter": "router"}
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
DEPENDS_FUNCTIONS = {"fastapi.Depends": "Depends", "fastapi.Security": "Security"}
ANNOTATED = {"typing.Annotated"}

QualifiedName = Callable[[ast.AST], "str | None"]


@dataclass(frozen=True, eq=False)
class AppInstance:
    """A name bound to ``FastAPI(...)`` or ``APIRouter(...)`` (or annotated as one)."""

    name: str
    kind: str  # "app" or "router"
    node: ast.AST  # the assignment, annotated assignment or parameter
    call: ast.Call | None  # the constructor call when the instance is built here


@dataclass(frozen=True, eq=False)
class Route:
    """One path operation: a decorated handler or an ``add_api_route`` registration."""

    owner: AppInstance
    methods: tuple[str, ...]  # upper case; ("WEBSOCKET",) for websocket routes
    path: PathTemplate | None  # None when the path is not a string literal
    registration: ast.Call  # the decorator call or the add_api_route call
    handler: FunctionInfo
    keywords: dict[str, ast.expr]

    @property
    def is_async(self) -> bool:
        return self.handler.is_async

    @property
    def is_websocket(self) -> bool:
        return self.methods == ("WEBSOCKET",)

    def keyword(self, name: str) -> ast.expr | None:
        return self.keywords.get(name)


@dataclass(frozen=True, eq=False)
class DependencyUse:
    """One ``Depends(...)``/``Security(...)`` call in the module."""

    call: ast.Call
    kind: str  # "Depends" or "Security"
    target: ast.expr | None  # the dependency callable; None for ``Depends()``
    style: str  # "default" (param = Depends()), "annotated" (Annotated[T, Depends()]), "list"
    owner: FunctionInfo | None  # the function whose signature declares it
    parameter: ast.arg | None
    annotation: ast.expr | None  # the parameter's type (``T`` of ``Annotated[T, ...]``)

    @property
    def callable_expr(self) -> ast.expr | None:
        """What FastAPI calls: the argument, or the annotation for ``Depends()``."""
        return self.target if self.target is not None else self.annotation


def find_app_instances(
    functions: list[FunctionInfo],
    all_nodes: Iterator[ast.AST],
    qualified_name: QualifiedName,
    spellings: Collection[str] | None = None,
) -> dict[str, AppInstance]:
    """``spellings``, when given, are the last names an expression naming one of the classes
    can end in (``FastAPI``, an alias of it): other expressions are not resolved."""
    if spellings is not None:
        qualified_name = _resolving_only(spellings, qualified_name)
    instances: dict[str, AppInstance] = {}
    for node in all_nodes:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            kind = APP_CLASSES.get(qualified_name(node.value.func) or "")
            if kind:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        instances[target.id] = AppInstance(target.id, kind, node, node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            call = node.value if isinstance(node.value, ast.Call) else None
            kind = APP_CLASSES.get(qualified_name(call.func) or "") if call else None
            kind = kind or APP_CLASSES.get(qualified_name(node.annotation) or "")
            if kind:
                instances[node.target.id] = AppInstance(node.target.id, kind, node, call)
    for func in functions:
        for param in func.parameters:
            if param.annotation is not None:
                kind = APP_CLASSES.get(qualified_name(param.annotation) or "")
                if kind and param.arg not in instances:
                    instances[param.arg] = AppInstance(param.arg, kind, param, None)
    return instances


def _resolving_only(names: Collection[str], qualified_name: QualifiedName) -> QualifiedName:
    """``qualified_name`` for expressions ending in one of ``names``, None for the others."""

    def resolve(expr: ast.AST) -> str | None:
        if type(expr) is ast.Attribute:
            last: str | None = expr.attr
        elif type(expr) is ast.Name:
            last = expr.id
        else:
            return None
        return qualified_name(expr) if last in names else None

    return resolve


def find_routes(
    functions: list[FunctionInfo],
    module_calls: Iterator[ast.Call],
    instances: dict[str, AppInstance],
    module_function: Callable[[str], FunctionInfo | None],
) -> list[Route]:
    routes: list[Route] = []
    for func in functions:
        for decorator in func.node.decorator_list:
            route = _route_from_decorator(decorator, func, instances)
            if route is not None:
                routes.append(route)
    for call in module_calls:
        route = _route_from_add_api_route(call, instances, module_function)
        if route is not None:
            routes.append(route)
    routes.sort(key=lambda r: (r.registration.lineno, r.registration.col_offset))
    return routes


def _owner_and_method(
    func: ast.expr, instances: dict[str, AppInstance]
) -> tuple[AppInstance, str] | None:
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        owner = instances.get(func.value.id)
        if owner is not None:
            return owner, func.attr
    return None


def _route_from_decorator(
    decorator: ast.expr, func: FunctionInfo, instances: dict[str, AppInstance]
) -> Route | None:
    if not isinstance(decorator, ast.Call):
        return None
    found = _owner_and_method(decorator.func, instances)
    if found is None:
        return None
    owner, method = found
    keywords = {kw.arg: kw.value for kw in decorator.keywords if kw.arg}
    path_expr = decorator.args[0] if decorator.args else keywords.get("path")
    if method in HTTP_METHODS:
        methods: tuple[str, ...] = (method.upper(),)
    elif method == "api_route":
        methods = _literal_methods(keywords.get("methods")) or ("GET",)
    elif method in ("websocket", "websocket_route"):
        methods = ("WEBSOCKET",)
    else:
        return None
    return Route(owner, methods, _literal_path(path_expr), decorator, func, keywords)


def _route_from_add_api_route(
    call: ast.Call,
    instances: dict[str, AppInstance],
    module_function: Callable[[str], FunctionInfo | None],
) -> Route | None:
    found = _owner_and_method(call.func, instances)
    if found is None or found[1] not in ("add_api_route", "add_api_websocket_route"):
        return None
    owner, method = found
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    path_expr = call.args[0] if call.args else keywords.get("path")
    endpoint = call.args[1] if len(call.args) > 1 else keywords.get("endpoint")
    if not isinstance(endpoint, ast.Name):
        return None
    handler = module_function(endpoint.id)
    if handler is None:
        return None
    if method == "add_api_websocket_route":
        methods: tuple[str, ...] = ("WEBSOCKET",)
    else:
        methods = _literal_methods(keywords.get("methods")) or ("GET",)
    return Route(owner, methods, _literal_path(path_expr), call, handler, keywords)


def _literal_path(expr: ast.expr | None) -> PathTemplate | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return parse_path(expr.value)
    return None


def _literal_methods(expr: ast.expr | None) -> tuple[str, ...] | None:
    if isinstance(expr, ast.List | ast.Tuple | ast.Set):
        methods = [
            e.value.upper()
            for e in expr.elts
            if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
        return tuple(methods) if len(methods) == len(expr.elts) else None
    return None


def annotated_parts(
    annotation: ast.expr | None, qualified_name: QualifiedName
) -> tuple[ast.expr, list[ast.expr]] | None:
    """``Annotated[T, a, b]`` → ``(T, [a, b])``; None for any other annotation."""
    if not isinstance(annotation, ast.Subscript):
        return None
    if qualified_name(annotation.value) not in ANNOTATED:
        return None
    index = annotation.slice
    if isinstance(index, ast.Tuple) and index.elts:
        return index.elts[0], list(index.elts[1:])
    return None


AnnotatedParts = Callable[[ast.expr | None], "tuple[ast.expr, list[ast.expr]] | None"]


def find_dependencies(
    functions: list[FunctionInfo],
    all_calls: list[ast.Call],
    qualified_name: QualifiedName,
    parts_of: AnnotatedParts,
    alias_types: dict[ast.Call, ast.expr],
) -> list[DependencyUse]:
    """One use per parameter and ``Depends()`` it declares, then the ``Depends()`` calls no
    signature declares (``dependencies=[...]``, an ``Annotated`` alias no parameter uses).
    ``parts_of`` reads a parameter's ``Annotated`` metadata, through a module alias too: the
    call inside an alias is then the same node in the use of every parameter naming it.
    ``alias_types`` gives the calls inside aliases their type (``Depends()`` in
    ``Annotated[Service, Depends()]`` calls ``Service``), whether a parameter uses it or not."""
    uses: list[DependencyUse] = []
    in_signatures: set[ast.Call] = set()
    for func in functions:
        for param in func.parameters:
            parts = parts_of(param.annotation)
            if parts is not None:
                inner, metadata = parts
                for item in metadata:
                    use = _dependency_call(item, qualified_name, "annotated", func, param, inner)
                    if use is not None:
                        uses.append(use)
                        in_signatures.add(use.call)
            default = func.parameter_default(param)
            if default is not None:
                annotation = parts[0] if parts else param.annotation
                use = _dependency_call(default, qualified_name, "default", func, param, annotation)
                if use is not None:
                    uses.append(use)
                    in_signatures.add(use.call)
    for call in all_calls:
        if call not in in_signatures:
            annotation = alias_types.get(call)
            use = _dependency_call(call, qualified_name, "list", None, None, annotation)
            if use is not None:
                uses.append(use)
    return uses


def _dependency_call(
    expr: ast.expr,
    qualified_name: QualifiedName,
    style: str,
    owner: FunctionInfo | None,
    param: ast.arg | None,
    annotation: ast.expr | None,
) -> DependencyUse | None:
    if not isinstance(expr, ast.Call):
        return None
    kind = DEPENDS_FUNCTIONS.get(qualified_name(expr.func) or "")
    if kind is None:
        return None
    target = expr.args[0] if expr.args else None
    for kw in expr.keywords:
        if kw.arg == "dependency":
            target = kw.value
    return DependencyUse(expr, kind, target, style, owner, param, annotation)
