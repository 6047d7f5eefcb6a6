"""Extract to service: an existing service class for the same resource is extended.

The new method can use ``self.<attribute>`` for a resource only when the class provably holds
the very object the route was given: the class's provider function declares the same
dependency (FastAPI resolves a dependency once per request, so both get one object), passes
it to the constructor, and the constructor stores it as that attribute. A resource that
cannot be matched this way is passed to the method as an argument instead.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.refactors import NotOffered
from fastapi_lint.refactors.service_analysis import Parameter

DependencyKey = tuple[str, str]  # (the callable's name, where it comes from)


@dataclass
class ExistingService:
    name: str
    methods: set[str]
    body_indent: str
    end_line: int
    provider: str
    # the dependency each stored attribute holds
    attributes: dict[DependencyKey, str] = field(default_factory=dict)
    # what FastAPI resolves for the provider, in order (None: not a shareable dependency)
    provider_keys: list[DependencyKey | None] = field(default_factory=list)

    same_module: bool = False  # the class lives in the route's own module

    def attribute_for(
        self, facts: ModuleFacts, handler: FunctionInfo, resource: Parameter
    ) -> str | None:
        """The attribute of ``self`` holding the object the route's ``resource`` receives."""
        for use in facts.dependencies_of(handler):
            if use.parameter is resource.node and use.kind == "Depends":
                if _uses_cache_off(use.call):
                    return None
                key = _key(facts.tree, use.callable_expr, self.same_module)
                return self.attributes.get(key) if key is not None else None
        return None


def find_existing_service(
    facts: ModuleFacts, class_name: str, path: Path, same_module: bool
) -> ExistingService | None:
    node = next(
        (
            statement
            for statement in facts.tree.body
            if isinstance(statement, ast.ClassDef) and statement.name == class_name
        ),
        None,
    )
    if node is None:
        return None
    provider, call = _provider(facts, class_name)
    if provider is None:
        raise NotOffered(
            f"`{class_name}` in {path.name} has no provider function returning it; "
            f"add one (e.g. `get_..._service`) first"
        )
    methods = {s.name for s in node.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
    first = node.body[0]
    service = ExistingService(
        name=class_name,
        methods=methods,
        body_indent=facts.source.indentation(first.lineno),
        end_line=node.end_lineno or node.lineno,
        provider=provider.name,
        same_module=same_module,
    )
    if call is not None:
        service.attributes = _held_dependencies(facts, node, provider, call, same_module)
    service.provider_keys = _provider_keys(facts, provider, same_module)
    return service


def _provider_keys(
    facts: ModuleFacts, provider: ast.FunctionDef | ast.AsyncFunctionDef, same_module: bool
) -> list[DependencyKey | None]:
    """The provider's parameters as dependencies; a parameter FastAPI would read from the
    request (or a dependency that is not cached per request) is None."""
    info = facts.function_info(provider)
    uses = {
        use.parameter.arg: use
        for use in facts.dependencies_of(info)
        if use.parameter is not None and use.kind == "Depends"
    }
    keys: list[DependencyKey | None] = []
    for param in [*provider.args.args, *provider.args.kwonlyargs]:
        use = uses.get(param.arg)
        if use is None or _uses_cache_off(use.call):
            keys.append(None)
        else:
            keys.append(_key(facts.tree, use.callable_expr, same_module))
    return keys


def _key(tree: ast.Module, expr: ast.expr | None, same_module: bool) -> DependencyKey | None:
    if same_module:
        return route_dependency_key(tree, expr, "")
    return dependency_key(tree, expr)


def _provider(
    facts: ModuleFacts, class_name: str
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | None, ast.Call | None]:
    """A module function returning ``ClassName(...)`` (or annotated to return the class)."""
    for statement in facts.tree.body:
        if not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        calls = [
            n.value
            for n in ast.walk(statement)
            if isinstance(n, ast.Return)
            and isinstance(n.value, ast.Call)
            and isinstance(n.value.func, ast.Name)
            and n.value.func.id == class_name
        ]
        if len(calls) == 1:
            return statement, calls[0]
        returns = statement.returns
        if isinstance(returns, ast.Name) and returns.id == class_name:
            return statement, None
    return None, None


def _held_dependencies(
    facts: ModuleFacts,
    node: ast.ClassDef,
    provider: ast.FunctionDef | ast.AsyncFunctionDef,
    call: ast.Call,
    same_module: bool,
) -> dict[DependencyKey, str]:
    init = next(
        (s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None
    )
    if init is None:
        return {}
    init_params = [a.arg for a in [*init.args.args, *init.args.kwonlyargs]][1:]
    stored = _stored_attributes(init)
    provider_info = facts.function_info(provider)
    keys: dict[str, DependencyKey] = {}
    for use in facts.dependencies_of(provider_info):
        if use.parameter is not None and use.kind == "Depends" and not _uses_cache_off(use.call):
            key = _key(facts.tree, use.callable_expr, same_module)
            if key is not None:
                keys[use.parameter.arg] = key
    held: dict[DependencyKey, str] = {}
    passed: list[tuple[str, ast.expr]] = [
        (init_params[i], arg) for i, arg in enumerate(call.args) if i < len(init_params)
    ]
    passed += [(k.arg, k.value) for k in call.keywords if k.arg is not None]
    for init_param, value in passed:
        if isinstance(value, ast.Name) and value.id in keys and init_param in stored:
            held[keys[value.id]] = stored[init_param]
    return held


def _stored_attributes(init: ast.FunctionDef) -> dict[str, str]:
    """``self.attribute = parameter`` statements of the constructor's own body."""
    stored: dict[str, str] = {}
    for statement in init.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign) and isinstance(
            statement.value, ast.Name
        ):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    stored[statement.value.id] = target.attr
    return stored


def _uses_cache_off(call: ast.Call) -> bool:
    return any(
        k.arg == "use_cache" and not (isinstance(k.value, ast.Constant) and k.value.value is True)
        for k in call.keywords
    )


def route_dependency_key(tree: ast.Module, expr: ast.expr | None, parameter: str) -> DependencyKey:
    """A key for a dependency of the route's own module: the shared key when it is imported,
    else its text there (the same text means the same function within one module)."""
    key = dependency_key(tree, expr)
    if key is not None:
        return key
    return (ast.unparse(expr), "<this module>") if expr is not None else (parameter, "<unknown>")


def dependency_key(tree: ast.Module, expr: ast.expr | None) -> DependencyKey | None:
    """Which function a dependency names: (its name, the last part of the module it is
    imported from), or (its name, "") when the module defines it."""
    if not isinstance(expr, ast.Name):
        return None
    key: DependencyKey | None = None
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom):
            for alias in statement.names:
                if (alias.asname or alias.name) == expr.id:
                    module = statement.module or ""
                    key = (alias.name, module.split(".")[-1] if module else "")
        elif (
            isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and statement.name == expr.id
        ):
            key = None  # a local function: the other module cannot share it
    return key
