"""Coroutine functions of one module and what a function does with a name.

Questions the async rules share: "does this call provably create a coroutine?" (an
``async def`` of the module, called by a name nothing else rebinds) and "is this local name ever
read?". Both answer conservatively: ``None``/``True`` when the module does not prove the case.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.facts import FunctionInfo, ModuleFacts

# Decorators that return the function itself (or a descriptor calling it unchanged).
_TRANSPARENT_METHOD_DECORATORS = {
    "builtins.staticmethod",
    "builtins.classmethod",
    "abc.abstractmethod",
}


def called_coroutine_function(facts: ModuleFacts, call: ast.Call) -> FunctionInfo | None:
    """The ``async def`` of this module that ``call`` provably runs, so the call's value is a
    coroutine: ``fetch(...)`` for a module-level ``async def fetch`` that no other binding
    shadows, or ``self.fetch(...)`` inside a method of the class defining ``async def fetch``.
    Async generators (an ``async def`` that yields) are not coroutines and give None."""
    func = call.func
    if isinstance(func, ast.Name):
        found = _module_coroutine(facts, func.id, call)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        found = _method_coroutine(facts, func.value.id, func.attr, call)
    else:
        found = None
    if found is None or not found.is_async or found.is_generator:
        return None
    return found


def is_name_read(func: FunctionInfo, name: str) -> bool:
    """True when ``name`` is read anywhere in the function, nested functions and lambdas
    included (a closure may use it), or when the name is declared ``global``/``nonlocal``
    (then another scope may read it)."""
    for node in _walk_body(func.node):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.Global | ast.Nonlocal) and name in node.names:
            return True
    return False


def is_bound_in_function(func: FunctionInfo, name: str) -> bool:
    """True when the function's own scope binds ``name``: a parameter, an assignment, a loop
    or ``with`` target, an import, a nested ``def``/``class`` or a ``global`` declaration."""
    if any(param.arg == name for param in func.parameters):
        return True
    return any(_binds(node, name) for node in func.own_nodes)


def _binds(node: ast.AST, name: str) -> bool:
    """True when ``node`` binds ``name`` in the scope it runs in."""
    if isinstance(node, ast.Name):
        return node.id == name and not isinstance(node.ctx, ast.Load)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name == name
    if isinstance(node, ast.Import | ast.ImportFrom):
        return any((a.asname or a.name.split(".")[0]) == name for a in node.names)
    if isinstance(node, ast.Global | ast.Nonlocal):
        return name in node.names
    if isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar):
        return node.name == name
    return False


def _walk_body(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    for statement in node.body:
        yield from ast.walk(statement)


def _module_coroutine(facts: ModuleFacts, name: str, at: ast.AST) -> FunctionInfo | None:
    enclosing = facts.function_of(at)
    while enclosing is not None:
        if is_bound_in_function(enclosing, name):
            return None
        enclosing = enclosing.parent_function
    if not _bound_only_by_defs(facts, name):
        return None
    defs = [f for f in facts.functions if _is_module_level(f) and f.name == name]
    # `if ...: async def f` / `else: def f`: which one runs is not provable
    if not defs or not all(f.is_async for f in defs):
        return None
    func = facts.module_function(name)
    if func is None or not _decorators_keep_function(facts, func):
        return None
    return func


def _bound_only_by_defs(facts: ModuleFacts, name: str) -> bool:
    """The module binds ``name`` with ``def`` statements only: no assignment such as
    ``fetch = retry(fetch)``, import, class or ``global`` rebinding elsewhere."""
    for node in facts.module_nodes:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _binds(node, name):
            return False
    return not any(isinstance(node, ast.Global) and name in node.names for node in facts.all_nodes)


def _is_module_level(func: FunctionInfo) -> bool:
    return func.parent_function is None and func.class_name is None


def _decorators_keep_function(facts: ModuleFacts, func: FunctionInfo) -> bool:
    """Path operation decorators return the function unchanged; any other decorator may
    wrap it into something that is not a coroutine function."""
    registrations = {route.registration for route in facts.routes_of(func)}
    return all(decorator in registrations for decorator in func.node.decorator_list)


def _method_coroutine(
    facts: ModuleFacts, receiver: str, attr: str, at: ast.AST
) -> FunctionInfo | None:
    method = facts.function_of(at)
    if method is None or not _is_instance_method(facts, method, receiver):
        return None
    if _rebinds(method, receiver):
        return None
    class_node = facts.parent(method.node)
    if not isinstance(class_node, ast.ClassDef):
        return None
    target = _last_class_binding(class_node, attr)
    if not isinstance(target, ast.AsyncFunctionDef):
        return None
    if not all(
        facts.qualified_name(d) in _TRANSPARENT_METHOD_DECORATORS for d in target.decorator_list
    ):
        return None
    return facts.function_info(target)


def _is_instance_method(facts: ModuleFacts, method: FunctionInfo, receiver: str) -> bool:
    if not method.is_method or method.parent_function is not None:
        return False
    if any(
        facts.qualified_name(d) in ("builtins.staticmethod", "builtins.classmethod")
        for d in method.node.decorator_list
    ):
        return False
    args = method.node.args
    positional = [*args.posonlyargs, *args.args]
    return bool(positional) and positional[0].arg == receiver


def _rebinds(func: FunctionInfo, name: str) -> bool:
    return any(
        isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load)
        for node in func.own_nodes
    )


def _last_class_binding(class_node: ast.ClassDef, name: str) -> ast.stmt | None:
    """The statement of the class body that binds ``name`` last, as Python evaluates it."""
    found: ast.stmt | None = None
    for statement in class_node.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if statement.name == name:
                found = statement
        elif isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t)):
                found = statement
    return found
