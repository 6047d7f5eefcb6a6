"""One walk over the module: parents, the function table and each function's own nodes."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
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

    @property
    def is_generator(self) -> bool:
        return any(isinstance(n, ast.Yield | ast.YieldFrom) for n in self.own_nodes)

    @property
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


def walk_module(tree: ast.Module) -> ModuleWalk:
    """Walk the tree once, iteratively (deeply nested code must not overflow the stack)."""
    parents: dict[ast.AST, ast.AST] = {}
    functions: list[FunctionInfo] = []
    function_of_node: dict[ast.FunctionDef | ast.AsyncFunctionDef, FunctionInfo] = {}
    scope_of: dict[ast.AST, ScopeNode] = {}
    module_nodes: list[ast.AST] = []

    # each entry: (node, enclosing scope node, enclosing FunctionInfo, class name, qualname prefix)
    stack: list[tuple[ast.AST, ScopeNode, FunctionInfo | None, str | None, str]] = []
    for child in reversed(tree.body):
        parents[child] = tree
        stack.append((child, tree, None, None, ""))

    while stack:
        node, scope, func, class_name, prefix = stack.pop()
        scope_of[node] = scope
        if scope is tree:
            module_nodes.append(node)
        elif func is not None and scope is func.node:
            func.own_nodes.append(node)

        child_scope: ScopeNode = scope
        child_func = func
        child_class = class_name
        child_prefix = prefix
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            info = FunctionInfo(node, prefix + node.name, class_name, func)
            functions.append(info)
            function_of_node[node] = info
            _push_function_children(stack, parents, node, scope, func, class_name, prefix, info)
            continue
        if isinstance(node, ast.ClassDef):
            child_scope = node
            child_class = node.name
            child_prefix = prefix + node.name + "."
        elif isinstance(node, ast.Lambda):
            child_scope = node

        for sub_node in reversed(list(ast.iter_child_nodes(node))):
            parents[sub_node] = node
            stack.append((sub_node, child_scope, child_func, child_class, child_prefix))

    return ModuleWalk(parents, functions, function_of_node, scope_of, module_nodes)


def _push_function_children(
    stack: list[tuple[ast.AST, ScopeNode, FunctionInfo | None, str | None, str]],
    parents: dict[ast.AST, ast.AST],
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    outer_scope: ScopeNode,
    outer_func: FunctionInfo | None,
    outer_class: str | None,
    outer_prefix: str,
    info: FunctionInfo,
) -> None:
    """Decorators, defaults and annotations run in the enclosing scope; the body in the new one."""
    inner_prefix = outer_prefix + node.name + ".<locals>."
    outer_children: list[ast.AST] = [*node.decorator_list, node.args]
    if node.returns is not None:
        outer_children.append(node.returns)
    for child in reversed(node.body):
        parents[child] = node
        stack.append((child, node, info, None, inner_prefix))
    for outer_child in reversed(outer_children):
        parents[outer_child] = node
        stack.append((outer_child, outer_scope, outer_func, outer_class, outer_prefix))


def is_comprehension(node: ast.AST) -> bool:
    return isinstance(node, _COMPREHENSIONS)
