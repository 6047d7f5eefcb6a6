"""Coroutine functions of one module and what a function does with a name.

Questions the async rules share: "does this call provably create a coroutine?" (an
``async def`` of the module, called by a name nothing else rebinds) and "is this local name ever
read?". Both answer conservatively: ``None``/``True`` when the module does not prove the case.
"""

from __future__ import annotations

import ast
import weakref
from collections.abc import Iterator

from fastapi_lint.facts import FunctionInfo, ModuleFacts

# Decorators that return the function itself (or a descriptor calling it unchanged).
_TRANSPARENT_METHOD_DECORATORS = {
    "builtins.staticmethod",
    "builtins.classmethod",
    "abc.abstractmethod",
}

# Computed once per module and per function: rules ask these questions for every call.
_MODULE_COROUTINES: weakref.WeakKeyDictionary[ModuleFacts, dict[str, FunctionInfo]] = (
    weakref.WeakKeyDictionary()
)
_ASYNC_NAMES: weakref.WeakKeyDictionary[ModuleFacts, frozenset[str]] = weakref.WeakKeyDictionary()
_READ_NAMES: weakref.WeakKeyDictionary[FunctionInfo, frozenset[str]] = weakref.WeakKeyDictionary()
_BOUND_NAMES: weakref.WeakKeyDictionary[FunctionInfo, frozenset[str]] = weakref.WeakKeyDictionary()


def called_coroutine_function(facts: ModuleFacts, call: ast.Call) -> FunctionInfo | None:
    """The ``async def`` of this module that ``call`` provably runs, so the call's value is a
    coroutine: ``fetch(...)`` for a module-level ``async def fetch`` that no other binding
    shadows, or ``self.fetch(...)`` inside a method of the class defining ``async def fetch``.
    Async generators (an ``async def`` that yields) are not coroutines and give None."""
    func = call.func
    # what it finds is an `async def` named as the callee: most calls name none
    if isinstance(func, ast.Name):
        found = None
        if func.id in _async_function_names(facts):
            found = _module_coroutine(facts, func.id, call)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        found = None
        if func.attr in _async_function_names(facts):
            found = _method_coroutine(facts, func.value.id, func.attr, call)
    else:
        found = None
    if found is None or not found.is_async or found.is_generator:
        return None
    return found


def may_call_coroutines(facts: ModuleFacts) -> bool:
    """False when ``called_coroutine_function`` finds nothing in the module: no ``async
    def``."""
    return bool(_async_function_names(facts))


def _async_function_names(facts: ModuleFacts) -> frozenset[str]:
    names = _ASYNC_NAMES.get(facts)
    if names is None:
        names = _ASYNC_NAMES[facts] = frozenset(f.name for f in facts.functions if f.is_async)
    return names


def is_name_read(func: FunctionInfo, name: str) -> bool:
    """True when ``name`` is read anywhere in the function, nested functions and lambdas
    included (a closure may use it), or when the name is declared ``global``/``nonlocal``
    (then another scope may read it)."""
    names = _READ_NAMES.get(func)
    if names is None:
        names = _READ_NAMES[func] = frozenset(_read_names(func))
    return name in names


def is_bound_in_function(func: FunctionInfo, name: str) -> bool:
    """True when the function's own scope binds ``name``: a parameter, an assignment, a loop
    or ``with`` target, an import, a nested ``def``/``class`` or a ``global`` declaration."""
    names = _BOUND_NAMES.get(func)
    if names is None:
        bound = {param.arg for param in func.parameters}
        bound.update(name for node in func.own_nodes for name in _bound_names(node))
        names = _BOUND_NAMES[func] = frozenset(bound)
    return name in names


def _read_names(func: FunctionInfo) -> Iterator[str]:
    for statement in func.node.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                yield node.id
            elif isinstance(node, ast.Global | ast.Nonlocal):
                yield from node.names


def _bound_names(node: ast.AST) -> Iterator[str]:
    """The names ``node`` binds in the scope it runs in."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        yield node.id
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.Import | ast.ImportFrom):
        yield from ((a.asname or a.name.split(".")[0]) for a in node.names)
    elif isinstance(node, ast.Global | ast.Nonlocal):
        yield from node.names
    elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
        yield node.name


def _module_coroutine(facts: ModuleFacts, name: str, at: ast.AST) -> FunctionInfo | None:
    func = _module_coroutines(facts).get(name)
    if func is None:
        return None
    enclosing = facts.function_of(at)
    while enclosing is not None:
        if is_bound_in_function(enclosing, name):
            return None
        enclosing = enclosing.parent_function
    return func


def _module_coroutines(facts: ModuleFacts) -> dict[str, FunctionInfo]:
    """Module-level names that are bound to an ``async def`` and nothing else: no sync
    ``def`` of the same name in another branch, no assignment such as
    ``fetch = retry(fetch)``, import, class or ``global`` rebinding, no decorator that may wrap
    the function."""
    cached = _MODULE_COROUTINES.get(facts)
    if cached is not None:
        return cached
    defs: dict[str, list[FunctionInfo]] = {}
    for func in facts.functions:
        if _is_module_level(func):
            defs.setdefault(func.name, []).append(func)
    rebound = {
        name
        for node in facts.module_nodes
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for name in _bound_names(node)
    }
    rebound.update(name for node in facts.nodes_of(ast.Global) for name in node.names)
    found = {}
    for name, functions in defs.items():
        last = functions[-1]
        if name in rebound or not all(f.is_async for f in functions):
            continue
        if _decorators_keep_function(facts, last):
            found[name] = last
    _MODULE_COROUTINES[facts] = found
    return found


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
