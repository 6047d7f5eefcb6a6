"""One walk over the module: parents, the function table and each function's own nodes."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
NodeT = TypeVar("NodeT", bound=ast.AST)
ScopeNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef | ast.Module

# Contexts and operators (`Load`, `Add`, `Eq`, ...) are shared singletons that carry nothing of
# their own: they are read through their parent (`name.ctx`, `binop.op`), never visited.
_SHARED_NODES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)

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
    source order. This runs on every module, so the loop keeps per-node work small: the
    context of a scope (its function, class and qualified-name prefix) is stored once per
    scope node, not carried with every node."""
    parents: dict[ast.AST, ast.AST] = {}
    functions: list[FunctionInfo] = []
    function_of_node: dict[ast.FunctionDef | ast.AsyncFunctionDef, FunctionInfo] = {}
    scope_of: dict[ast.AST, ScopeNode] = {}
    module_nodes: list[ast.AST] = []
    # scope node → (the function whose own body it is or sits in, class name, qualname prefix)
    context: dict[ast.AST, tuple[FunctionInfo | None, str | None, str]] = {tree: (None, None, "")}

    # the scope of each node waiting on the stack; it moves to scope_of when the node is
    # visited, so that scope_of lists the nodes in source (pre-)order
    pending: dict[ast.AST, ScopeNode] = {}
    stack: list[ast.AST] = []
    for child in reversed(tree.body):
        parents[child] = tree
        pending[child] = tree
        stack.append(child)

    while stack:
        node = stack.pop()
        scope = scope_of[node] = pending.pop(node)
        func, class_name, prefix = context[scope]
        if scope is tree:
            module_nodes.append(node)
        elif func is not None and scope is func.node:
            func.own_nodes.append(node)

        kind = type(node)
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            info = FunctionInfo(node, prefix + node.name, class_name, func)
            functions.append(info)
            function_of_node[node] = info
            context[node] = (info, None, prefix + node.name + ".<locals>.")
            _push_function_children(stack, parents, pending, node, scope)
            continue
        child_scope: ScopeNode = scope
        if kind is ast.ClassDef:
            assert isinstance(node, ast.ClassDef)
            child_scope = node
            context[node] = (func, node.name, prefix + node.name + ".")
        elif kind is ast.Lambda:
            assert isinstance(node, ast.Lambda)
            child_scope = node
            context[node] = (func, class_name, prefix)

        children: list[ast.AST] = []
        fields = _CHILD_FIELDS.get(kind)
        if fields is None:
            fields = _CHILD_FIELDS[kind] = _child_fields(kind)
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                children.extend(
                    item
                    for item in value
                    if isinstance(item, ast.AST) and not isinstance(item, _SHARED_NODES)
                )
            elif isinstance(value, ast.AST) and not isinstance(value, _SHARED_NODES):
                children.append(value)
        for sub_node in reversed(children):
            parents[sub_node] = node
            pending[sub_node] = child_scope
            stack.append(sub_node)

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


# Fields that never hold a node to visit: names and flags (strings, numbers) and the shared
# singletons above (`ctx`, `op`, `ops`). Leaving them out of the loop changes nothing it finds.
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
    """The fields of a node class that may hold child nodes."""
    skipped = _SCALAR_FIELDS | _SCALAR_IN.get(kind, frozenset())
    return tuple(name for name in kind._fields if name not in skipped)


def _push_function_children(
    stack: list[ast.AST],
    parents: dict[ast.AST, ast.AST],
    pending: dict[ast.AST, ScopeNode],
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    outer_scope: ScopeNode,
) -> None:
    """Decorators, defaults and annotations run in the enclosing scope; the body in the new one."""
    outer_children: list[ast.AST] = [*node.decorator_list, node.args]
    if node.returns is not None:
        outer_children.append(node.returns)
    for child in reversed(node.body):
        parents[child] = node
        pending[child] = node
        stack.append(child)
    for outer_child in reversed(outer_children):
        parents[outer_child] = node
        pending[outer_child] = outer_scope
        stack.append(outer_child)


def is_comprehension(node: ast.AST) -> bool:
    return isinstance(node, _COMPREHENSIONS)
