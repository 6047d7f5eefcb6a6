"""Which routes of a module are provably registered on one router object, and in what order.

Two registrations only compete when they run on the same object in the same pass: they sit in
the same block of statements (not in the two branches of an ``if``), and the router's name is
bound exactly once in the scope that owns it (two factories that each build an ``app`` hold
two objects; a name rebound half-way holds two as well).
"""

from __future__ import annotations

import ast
import weakref
from collections import Counter
from collections.abc import Iterator

from fastapi_lint.facts import AppInstance, FunctionInfo, ModuleFacts, Route

_BLOCK_FIELDS = ("body", "orelse", "finalbody")

# (the node holding the block, its field, the owner) — equal keys: one object, one pass
SequenceKey = tuple[ast.AST, str, AppInstance]

_BINDING_COUNTS: weakref.WeakKeyDictionary[ModuleFacts, dict[FunctionInfo | None, Counter[str]]] = (
    weakref.WeakKeyDictionary()
)

# the facts hold the tree, so the ids of its nodes stay unique as long as the entry lives
_BLOCK_MEMBERS: weakref.WeakKeyDictionary[ModuleFacts, dict[tuple[int, str], frozenset[int]]] = (
    weakref.WeakKeyDictionary()
)

_SEQUENCES: weakref.WeakKeyDictionary[ModuleFacts, dict[SequenceKey, list[Route]]] = (
    weakref.WeakKeyDictionary()
)


def registration_statement(facts: ModuleFacts, route: Route) -> ast.stmt | None:
    """The statement whose execution registers the route: the decorated ``def`` or the
    statement holding the ``add_api_route`` call."""
    if route.registration in route.handler.node.decorator_list:
        return route.handler.node
    for ancestor in facts.ancestors(route.registration):
        if isinstance(ancestor, ast.stmt):
            return ancestor
    return None


def enclosing_block(facts: ModuleFacts, statement: ast.stmt) -> tuple[ast.AST, str] | None:
    """The node and field (``body``, ``orelse``, ``finalbody``) whose list holds the statement."""
    parent = facts.parent(statement)
    if parent is None:
        return None
    for name in _BLOCK_FIELDS:
        if id(statement) in _block_members(facts, parent, name):
            return parent, name
    return None


def _block_members(facts: ModuleFacts, parent: ast.AST, name: str) -> frozenset[int]:
    """The ids of the statements in one block, collected once per block (scanning the block
    per route made a module of thousands of routes quadratic)."""
    per_block = _BLOCK_MEMBERS.setdefault(facts, {})
    key = (id(parent), name)
    members = per_block.get(key)
    if members is None:
        block = getattr(parent, name, None)
        members = frozenset(map(id, block)) if isinstance(block, list) else frozenset()
        per_block[key] = members
    return members


def sequence_key(facts: ModuleFacts, route: Route) -> SequenceKey | None:
    """Routes with equal keys are registered on one object, in source order, whenever the
    block runs; None when that cannot be proved."""
    statement = registration_statement(facts, route)
    if statement is None:
        return None
    block = enclosing_block(facts, statement)
    if block is None or not owner_bound_once(facts, route.owner, statement):
        return None
    return block[0], block[1], route.owner


def route_sequences(facts: ModuleFacts) -> dict[SequenceKey, list[Route]]:
    """Routes grouped by ``sequence_key``, each group in registration order."""
    cached = _SEQUENCES.get(facts)
    if cached is None:
        cached = {}
        for route in facts.routes:
            key = sequence_key(facts, route)
            if key is not None:
                cached.setdefault(key, []).append(route)
        _SEQUENCES[facts] = cached
    return cached


def owner_bound_once(facts: ModuleFacts, owner: AppInstance, at: ast.stmt) -> bool:
    """The owner's name is bound exactly once in the scope it has at ``at``: the name there
    always denotes the instance the facts found."""
    func = facts.function_of(at)
    if func is not None and _count_bindings(facts, owner.name, func) > 0:
        return _count_bindings(facts, owner.name, func) == 1
    if func is None and facts.parent(at) is not facts.tree and _in_class_body(facts, at):
        return False  # a class body: its names are not module names
    return _count_bindings(facts, owner.name, None) == 1


def _in_class_body(facts: ModuleFacts, node: ast.AST) -> bool:
    for ancestor in facts.ancestors(node):
        if isinstance(ancestor, ast.ClassDef):
            return True
        if isinstance(ancestor, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return False
    return False


def _count_bindings(facts: ModuleFacts, name: str, func: FunctionInfo | None) -> int:
    """How many times ``name`` is bound in a function's own body (with its parameters), or at
    module level when ``func`` is None."""
    return _binding_counts(facts, func)[name]


def _binding_counts(facts: ModuleFacts, func: FunctionInfo | None) -> Counter[str]:
    """Every name's binding count in one scope, counted once per scope (asking per route and
    rescanning the module made large modules quadratic)."""
    per_scope = _BINDING_COUNTS.setdefault(facts, {})
    counts = per_scope.get(func)
    if counts is None:
        nodes = facts.module_nodes if func is None else func.own_nodes
        counts = Counter(name for node in nodes for name in _names_bound_by(node))
        if func is not None:
            counts.update(param.arg for param in func.parameters)
        per_scope[func] = counts
    return counts


def _names_bound_by(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
        yield node.id
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.Import | ast.ImportFrom):
        for alias in node.names:
            yield alias.asname or alias.name.split(".")[0]
    elif isinstance(node, ast.Global | ast.Nonlocal):
        yield from node.names  # another scope's name: counted as a second binding
