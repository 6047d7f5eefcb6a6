"""One walk over the module: parents, the function table and each function's own nodes."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
NodeT = TypeVar("NodeT", bound=ast.AST)
ScopeNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef | ast.Module

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(eq=False)
class FunctionInfo:
    """A ``def``/``async def`` of the module, with what its own body (not nested defs) holds."""

    node: FunctionNode
    qualname: str
    class_name: str | None  # the enclosing class for methods
    parent_function: FunctionInfo | None
    own_nodes: list[ast.AST] = field(default_factory=list)  # excludes nested defs and lambdas

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def is_method(self) -> bool:
        return self.class_name is not None

    @property
    def yields(self) -> list[ast.Yield | ast.YieldFrom]:
        return [n for n in self.own_nodes if isinstance(n, ast.Yield | ast.YieldFrom)]

    # asked of every function by many rules and the index: computed once, after the walk
    # that fills ``own_nodes`` has finished
    @cached_property
    def is_generator(self) -> bool:
        return any(isinstance(n, ast.Yield | ast.YieldFrom) for n in self.own_nodes)

    @cached_property
    def awaits(self) -> bool:
        """True when the body suspends: ``await``, ``async for``, ``async with`` or an async
        comprehension."""
        for n in self.own_nodes:
            if isinstance(n, ast.Await | ast.AsyncFor | ast.AsyncWith):
                return True
            if isinstance(n, ast.comprehension) and n.is_async:
                return True
        return False

    @property
    def calls(self) -> list[ast.Call]:
        return [n for n in self.own_nodes if isinstance(n, ast.Call)]

    @property
    def parameters(self) -> list[ast.arg]:
        args = self.node.args
        params = [*args.posonlyargs, *args.args]
        if args.vararg:
            params.append(args.vararg)
        params.extend(args.kwonlyargs)
        if args.kwarg:
            params.append(args.kwarg)
        return params

    def parameter_default(self, param: ast.arg) -> ast.expr | None:
        """The default value of a parameter, or None when it has none."""
        args = self.node.args
        positional = [*args.posonlyargs, *args.args]
        if param in positional:
            index = positional.index(param) - (len(positional) - len(args.defaults))
            return args.defaults[index] if index >= 0 else None
        if param in args.kwonlyargs:
            return args.kw_defaults[args.kwonlyargs.index(param)]
        return None

    @property
    def docstring_node(self) -> ast.Expr | None:
        body = self.node.body
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            return body[0]
        return None


@dataclass(eq=False)
class ModuleWalk:
    parents: dict[ast.AST, ast.AST]
    functions: list[FunctionInfo]
    function_of_node: dict[ast.FunctionDef | ast.AsyncFunctionDef, FunctionInfo]
    # innermost function (or lambda/class, which break "own body") enclosing each node
    scope_of: dict[ast.AST, ScopeNode]
    module_nodes: list[ast.AST]  # nodes outside any function, lambda or class body

    @cached_property
    def by_type(self) -> dict[type[ast.AST], list[ast.AST]]:
        """The nodes of each class, in source order: most rules look for one or two kinds of
        node, and each scanning every node for them cost more than the rest of the rule."""
        table: dict[type[ast.AST], list[ast.AST]] = {}
        for node in self.scope_of:
            nodes = table.get(type(node))
            if nodes is None:
                table[type(node)] = [node]
            else:
                nodes.append(node)
        return table

    def nodes_of(self, kind: type[NodeT]) -> list[NodeT]:
        """Every node of class ``kind`` (exactly: the parser makes no subclasses)."""
        return self.by_type.get(kind, [])  # type: ignore[return-value]


def walk_module(tree: ast.Module) -> ModuleWalk:
    """Walk the tree once, iteratively (deeply nested code must not overflow the stack), in
    source order. This runs on every module, so the loop keeps per-node work small: each node
    waits on the stack with its scope and the list of own nodes it joins (the module's, its
    function's, or none inside a class body or lambda), and the context of a scope (its
    function, class and qualified-name prefix) is stored once per scope node."""
    parents: dict[ast.AST, ast.AST] = {}
    functions: list[FunctionInfo] = []
    function_of_node: dict[ast.FunctionDef | ast.AsyncFunctionDef, FunctionInfo] = {}
    scope_of: dict[ast.AST, ScopeNode] = {}
    module_nodes: list[ast.AST] = []
    # scope node → (the function whose own body it is or sits in, class name, qualname prefix)
    context: dict[ast.AST, tuple[FunctionInfo | None, str | None, str]] = {tree: (None, None, "")}

    # popped in source (pre-)order: children are pushed last field first, last item first
    stack: list[tuple[ast.AST, ScopeNode, list[ast.AST] | None]] = []
    push, pop = stack.append, stack.pop
    for child in reversed(tree.body):
        parents[child] = tree
        push((child, tree, module_nodes))
    fields_of = _CHILD_FIELDS
    node_class = ast.AST

    while stack:
        node, scope, own = pop()
        scope_of[node] = scope
        if own is not None:
            own.append(node)
        kind = type(node)
        fields = fields_of.get(kind)
        if fields is None:
            fields = fields_of[kind] = _child_fields(kind)
        if not fields:  # names, constants: most of the nodes
            continue
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            func, class_name, prefix = context[scope]
            info = FunctionInfo(node, prefix + node.name, class_name, func)
            functions.append(info)
            function_of_node[node] = info
            context[node] = (info, None, prefix + node.name + ".<locals>.")
            # the body runs in the new scope; decorators, defaults and annotations in this one
            for statement in reversed(node.body):
                parents[statement] = node
                push((statement, node, info.own_nodes))
            outer: list[ast.AST] = [*node.decorator_list, node.args]
            if node.returns is not None:
                outer.append(node.returns)
            for outer_child in reversed(outer):
                parents[outer_child] = node
                push((outer_child, scope, own))
            continue
        if kind is ast.ClassDef:
            assert isinstance(node, ast.ClassDef)
            func, class_name, prefix = context[scope]
            context[node] = (func, node.name, prefix + node.name + ".")
            scope, own = node, None
        elif kind is ast.Lambda:
            assert isinstance(node, ast.Lambda)
            context[node] = context[scope]
            scope, own = node, None
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in reversed(value):
                    if isinstance(item, node_class):
                        parents[item] = node
                        push((item, scope, own))
            elif isinstance(value, node_class):
                parents[value] = node
                push((value, scope, own))

    return ModuleWalk(parents, functions, function_of_node, scope_of, module_nodes)


def merged_walk(tree: ast.Module, walks: list[ModuleWalk]) -> ModuleWalk:
    """The walk of ``tree`` from the walks of its top-level statements, in order, each made by
    ``walk_module`` on ``tree`` holding that statement alone: joined, nothing walked again (a
    checker re-checking part of a module reuses the walks of the statements it did not
    change)."""
    merged = ModuleWalk({}, [], {}, {}, [])
    for walk in walks:
        merged.parents.update(walk.parents)
        merged.functions += walk.functions
        merged.function_of_node.update(walk.function_of_node)
        merged.scope_of.update(walk.scope_of)
        merged.module_nodes += walk.module_nodes
    return merged


# Fields that never hold a node to visit: names and flags (strings, numbers), and contexts and
# operators (`ctx`, `op`, `ops`: `Load`, `Add`, `Eq`, ... are singletons shared by the whole
# tree, read through their parent, never visited; no other field holds them).
_SCALAR_FIELDS = frozenset(
    {
        "ctx", "op", "ops", "id", "attr", "arg", "kind", "type_comment", "asname", "module",
        "level", "conversion", "is_async", "simple",
    }
)  # fmt: skip
# `name` is a string in these (but a `Name` node in 3.12's `type X = ...`); `Constant.value`
# is the constant itself
_SCALAR_IN: dict[type[ast.AST], frozenset[str]] = {
    **dict.fromkeys(
        (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler, ast.alias),
        frozenset({"name"}),
    ),
    **dict.fromkeys((ast.MatchAs, ast.MatchStar), frozenset({"name"})),
    ast.Constant: frozenset({"value"}),
}
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node class that may hold child nodes, last first (the walk pushes
    them on its stack in that order)."""
    skipped = _SCALAR_FIELDS | _SCALAR_IN.get(kind, frozenset())
    return tuple(name for name in reversed(kind._fields) if name not in skipped)


def is_comprehension(node: ast.AST) -> bool:
    return isinstance(node, _COMPREHENSIONS)
