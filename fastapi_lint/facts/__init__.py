"""What one module contains, computed once from its ``ast`` tree and asked by every rule.

Rules never walk imports or re-discover routes themselves: they ask ``ModuleFacts``
(``facts.qualified_name(call.func)``, ``facts.routes``, ``facts.is_dependency(func)``).
Everything is computed lazily, so a run that selects few rules pays for few facts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cached_property

from fastapi_lint.facts.fastapi import (
    APP_CLASSES,
    DEPENDS_FUNCTIONS,
    AppInstance,
    DependencyUse,
    Route,
    annotated_parts,
    find_app_instances,
    find_dependencies,
    find_routes,
)
from fastapi_lint.facts.models import find_pydantic_classes
from fastapi_lint.facts.names import NameResolver
from fastapi_lint.facts.paths import PathParam, PathTemplate, parse_path
from fastapi_lint.facts.scopes import FunctionInfo, ModuleWalk, NodeT, merged_walk, walk_module
from fastapi_lint.source import SourceText

__all__ = [
    "AppInstance",
    "DependencyUse",
    "FunctionInfo",
    "ModuleFacts",
    "PathParam",
    "PathTemplate",
    "Route",
    "parse_path",
    "statement_facts",
]

_OPTIONAL = {"typing.Optional"}
FINAL = {"typing.Final", "typing_extensions.Final"}
_UNION = {"typing.Union"}
_TYPE_ALIAS = {"typing.TypeAlias", "typing_extensions.TypeAlias"}
_FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
# ``type X = ...`` (Python 3.12+); absent from older parsers, which cannot produce it either
_TYPE_ALIAS_STATEMENT: type[ast.AST] | None = getattr(ast, "TypeAlias", None)


class ModuleFacts:
    def __init__(
        self,
        tree: ast.Module,
        source: SourceText,
        path: str = "<unknown>",
        module_name: str | None = None,
    ) -> None:
        self.tree = tree
        self.source = source
        self.path = path
        self.module_name = module_name
        # the top-level statements whose findings are wanted (None: all of them): a checker
        # re-checking part of a module sets it. Lookups stay module-wide; a rule reporting
        # inside the statement it iterates may iterate only these (``focused_nodes``).
        self.focus: frozenset[ast.stmt] | None = None

    @classmethod
    def from_text(cls, text: str, path: str = "<unknown>") -> ModuleFacts:
        """Parse and wrap; raises ``SyntaxError``/``ValueError``/``RecursionError`` on bad input."""
        return cls(ast.parse(text, filename=path), SourceText(text), path)

    @classmethod
    def composed(
        cls,
        tree: ast.Module,
        source: SourceText,
        path: str,
        module_name: str | None,
        parts: list[StatementFacts],
    ) -> ModuleFacts:
        """The facts of ``tree``, whose top-level statements are those of ``parts`` in order:
        the walk and the name tables are joined from the parts' (see ``statement_facts``),
        so a checker re-checking part of a module walks only the statements it changed."""
        facts = cls(tree, source, path, module_name)
        walk = merged_walk(tree, [part[0] for part in parts])
        names = NameResolver.merged(tree, walk, module_name, [part[1] for part in parts])
        facts.__dict__["_walk"], facts.__dict__["_names"] = walk, names
        return facts

    # --- the walk -------------------------------------------------------------------------

    @cached_property
    def _walk(self) -> ModuleWalk:
        return walk_module(self.tree)

    @cached_property
    def _names(self) -> NameResolver:
        return NameResolver(self.tree, self._walk, self.module_name)

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self._walk.parents.get(node)

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        current = self._walk.parents.get(node)
        while current is not None:
            yield current
            current = self._walk.parents.get(current)

    @cached_property
    def all_nodes(self) -> list[ast.AST]:
        return list(self._walk.scope_of)

    @cached_property
    def focused_nodes(self) -> list[ast.AST]:
        """``all_nodes`` inside the top-level statements of ``focus``, in source order."""
        focus = self.focus
        if focus is None:
            return self.all_nodes
        top_level = set(self.tree.body)
        nodes: list[ast.AST] = []
        inside = False
        for node in self._walk.scope_of:  # in source order: a statement's nodes follow it
            if node in top_level:
                inside = node in focus
            if inside:
                nodes.append(node)
        return nodes

    @cached_property
    def focused_functions(self) -> frozenset[FunctionInfo]:
        """The functions inside the top-level statements of ``focus``."""
        if self.focus is None:
            return frozenset(self._walk.functions)
        nodes = self._walk.function_of_node
        return frozenset(
            nodes[n] for n in self.focused_nodes if type(n) in _FUNCTION_TYPES and n in nodes
        )

    def nodes_of(self, kind: type[NodeT]) -> list[NodeT]:
        """Every node of class ``kind`` in the module, in source order, from one index."""
        return self._walk.nodes_of(kind)

    def focused_nodes_of(self, kind: type[NodeT]) -> list[NodeT]:
        """``nodes_of`` inside the top-level statements of ``focus``."""
        if self.focus is None:
            return self._walk.nodes_of(kind)
        return [n for n in self.focused_nodes if type(n) is kind]

    @property
    def calls(self) -> list[ast.Call]:
        return self._walk.nodes_of(ast.Call)

    @property
    def classes(self) -> list[ast.ClassDef]:
        return self._walk.nodes_of(ast.ClassDef)

    def calls_to(self, *qualified: str) -> list[ast.Call]:
        """The calls of a function named by one of ``qualified``, in source order; only the
        calls ``calls_named`` finds for their last names are resolved."""
        wanted = set(qualified)
        names = {q.rpartition(".")[2] for q in wanted}
        resolve = self._names.qualified_name
        return [call for call in self.calls_named(*names) if resolve(call.func) in wanted]

    def calls_named(self, *names: str) -> list[ast.Call]:
        """The calls, in source order, whose callee ends in one of ``names`` (``x.decode(...)``,
        ``decode(...)``) or is an import alias of something ending so (``jwt_decode(...)``
        after ``from jwt import decode as jwt_decode``). Every call whose qualified name ends
        in one of them is there (with local functions spelled the same): a rule looking for
        a few qualified names resolves these instead of every call."""
        table = self._calls_by_terminal
        spellings = {s for name in names for s in self._names.spellings_of(name)}
        found: list[int] = []
        for spelling in spellings:
            found += table.get(spelling, ())
        if len(found) > 1:
            found.sort()
        calls = self.calls
        return [calls[i] for i in found]

    @cached_property
    def _calls_by_terminal(self) -> dict[str, list[int]]:
        """Positions in ``calls`` by the last name of the callee: ``decode`` for ``jwt.decode(...)``
        and ``decode(...)``."""
        table: dict[str, list[int]] = {}
        for index, call in enumerate(self.calls):
            func = call.func
            if type(func) is ast.Attribute:
                table.setdefault(func.attr, []).append(index)
            elif type(func) is ast.Name:
                table.setdefault(func.id, []).append(index)
        return table

    @property
    def module_nodes(self) -> list[ast.AST]:
        """Nodes that run at import time, outside any function, lambda or class body."""
        return self._walk.module_nodes

    # --- names ----------------------------------------------------------------------------

    def qualified_name(self, expr: ast.AST) -> str | None:
        """``r.get`` after ``import requests as r`` → ``"requests.get"``; None when the
        expression is not rooted in an import or a builtin (local names, attributes of calls)."""
        return self._names.qualified_name(expr)

    def is_call_to(self, node: ast.AST, *qualified: str) -> bool:
        return isinstance(node, ast.Call) and self._names.qualified_name(node.func) in qualified

    def is_local_name(self, name: str, at: ast.AST) -> bool:
        return self._names.is_local(name, at)

    def local_name_for(self, qualified: str) -> str | None:
        """How module-level code can spell ``qualified`` with the imports it has, if at all."""
        return self._names.local_name_for(qualified)

    @property
    def import_nodes(self) -> list[ast.Import | ast.ImportFrom]:
        """Module-level import statements, in source order."""
        return self._names.import_nodes

    # --- functions ------------------------------------------------------------------------

    @property
    def functions(self) -> list[FunctionInfo]:
        return self._walk.functions

    def function_info(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionInfo:
        return self._walk.function_of_node[node]

    @cached_property
    def _module_functions(self) -> dict[str, FunctionInfo]:
        table: dict[str, FunctionInfo] = {}
        for info in self._walk.functions:
            if info.parent_function is None and info.class_name is None:
                table[info.name] = info
        return table

    def module_function(self, name: str) -> FunctionInfo | None:
        """The module-level ``def name`` (the last one, as Python binds it)."""
        return self._module_functions.get(name)

    def function_of(self, node: ast.AST) -> FunctionInfo | None:
        """The function whose own body runs ``node``; None at module level and inside a
        lambda or a class body (that code runs elsewhere or at definition time)."""
        scope = self._walk.scope_of.get(node)
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            return self._walk.function_of_node[scope]
        return None

    def resolve_function(self, expr: ast.AST | None) -> FunctionInfo | None:
        """The module function a name refers to (``get_db`` in ``Depends(get_db)``); None when
        a parameter, local variable or import of the same name shadows it there."""
        if not isinstance(expr, ast.Name):
            return None
        if self._names.binding_scope(expr.id, expr) is not self.tree:
            return None
        if not self._names.is_local(expr.id, expr):
            return None  # the module binds it by an import that wins over the def
        return self.module_function(expr.id)

    def async_functions(self) -> Iterator[FunctionInfo]:
        return (f for f in self._walk.functions if f.is_async)

    def calls_in_async_bodies(self) -> Iterator[tuple[ast.Call, FunctionInfo]]:
        """Calls that run directly on the event loop: in the own body of an ``async def``."""
        for func in self._walk.functions:
            if func.is_async:
                for node in func.own_nodes:
                    if isinstance(node, ast.Call):
                        yield node, func

    def in_main_guard(self, node: ast.AST) -> bool:
        """True inside the body of ``if __name__ == "__main__":`` (not its ``else``)."""
        child = node
        for ancestor in self.ancestors(node):
            if (
                isinstance(ancestor, ast.If)
                and any(child is statement for statement in ancestor.body)
                and _is_main_guard(ancestor.test)
            ):
                return True
            child = ancestor
        return False

    # --- types of bindings ----------------------------------------------------------------

    def binding_origin(self, name: str, at: ast.AST) -> ast.expr | None:
        """What gives a local name its type at ``at``: its annotation, else the value it was
        last assigned (or bound by ``with ... as name``) before ``at`` in the same function,
        falling back to module level."""
        func = (
            self.function_of(at)
            if not isinstance(at, ast.FunctionDef | ast.AsyncFunctionDef)
            else None
        )
        if self._names.comprehension_binds(name, at):
            return None  # a comprehension variable, whatever it iterates over
        line = getattr(at, "lineno", 10**9)
        if func is not None:
            for param in func.parameters:
                if param.arg == name and param.annotation is not None:
                    return _strip_annotated(param.annotation, self)
                if param.arg == name:
                    return None
            # in the scope of `at` itself only the assignments before it count
            origin = self._assignment_origin(func.node, name, line)
            if origin is not None:
                return _strip_annotated(origin, self)
            if self._names.binds_in_scope(name, func.node):
                return None  # bound in the function some other way (loop, import, ...)
        # a module-level binding is in force whenever a function body runs
        before = line if func is None else 10**9
        origin = self._assignment_origin(self.tree, name, before)
        return _strip_annotated(origin, self) if origin is not None else None

    @cached_property
    def _assignments(
        self,
    ) -> dict[tuple[ast.AST, str], tuple[ast.expr | None, list[tuple[int, ast.expr]]]]:
        """(scope, name) → (its annotation, the values assigned to it with their lines), from
        ``name: T``, ``name = value`` and ``with value as name``, in source order."""
        table: dict[tuple[ast.AST, str], tuple[ast.expr | None, list[tuple[int, ast.expr]]]] = {}
        scope_of = self._walk.scope_of
        for node in self._binding_statements():
            scope = scope_of[node]
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                annotation = self._unwrap_final(node.annotation)
                _, values = table.get((scope, node.target.id), (None, []))
                if annotation is None:  # bare `Final`: the value gives the type
                    if node.value is not None:
                        values.append((node.lineno, node.value))
                    table[(scope, node.target.id)] = (None, values)
                else:
                    table[(scope, node.target.id)] = (annotation, values)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        table.setdefault((scope, target.id), (None, []))[1].append(
                            (node.lineno, node.value)
                        )
            elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
                var = node.optional_vars
                table.setdefault((scope, var.id), (None, []))[1].append(
                    (var.lineno, node.context_expr)
                )
        return table

    def _binding_statements(self) -> list[ast.AnnAssign | ast.Assign | ast.withitem]:
        """Annotated assignments and ``with ... as`` items binding a name, and assignments, in
        source order (what a later one says wins)."""
        parents = self._walk.parents
        nodes: list[ast.AnnAssign | ast.Assign | ast.withitem] = [
            *self.nodes_of(ast.Assign),
            *(n for n in self.nodes_of(ast.AnnAssign) if isinstance(n.target, ast.Name)),
            *(n for n in self.nodes_of(ast.withitem) if isinstance(n.optional_vars, ast.Name)),
        ]

        def position(node: ast.AnnAssign | ast.Assign | ast.withitem) -> tuple[int, int]:
            # a `with` item has no position: its statement's, and the items keep their order
            statement = parents[node] if isinstance(node, ast.withitem) else node
            return statement.lineno, statement.col_offset  # type: ignore[attr-defined]

        nodes.sort(key=position)
        return nodes

    def _unwrap_final(self, annotation: ast.expr) -> ast.expr | None:
        """``Final[T]`` → ``T``; bare ``Final`` → None; any other annotation as it is."""
        target = annotation.value if isinstance(annotation, ast.Subscript) else annotation
        if self.qualified_name(target) not in FINAL:
            return annotation
        return annotation.slice if isinstance(annotation, ast.Subscript) else None

    def _assignment_origin(self, scope: ast.AST, name: str, line: int) -> ast.expr | None:
        """The annotation of ``name`` in ``scope``, else its last value assigned up to ``line``."""
        entry = self._assignments.get((scope, name))
        if entry is None:
            return None
        annotation, values = entry
        if annotation is not None:
            return annotation
        best: ast.expr | None = None
        best_line = -1
        for value_line, value in values:
            if best_line < value_line <= line:
                best, best_line = value, value_line
        return best

    def type_of(self, expr: ast.AST) -> str | None:
        """The qualified class of a value, when the module proves it:
        - a name annotated ``T`` or assigned ``T(...)`` → ``T``;
        - a call ``T(...)`` → ``T``; a call of a local name assigned ``F(...)`` (a factory such
          as ``SessionLocal = sessionmaker()``) → ``"F()"``, meaning "what an F instance returns";
        - None when unknown."""
        if isinstance(expr, ast.Name):
            origin = self.binding_origin(expr.id, expr)
            if origin is None:
                return None
            if isinstance(origin, ast.Call):
                return self.type_of(origin)
            return self.qualified_name(origin)
        if isinstance(expr, ast.Call):
            func = expr.func
            qualified = self.qualified_name(func)
            if qualified is not None:
                return qualified
            if isinstance(func, ast.Name):
                origin = self.binding_origin(func.id, func)
                if isinstance(origin, ast.Call):
                    factory = self.qualified_name(origin.func)
                    return f"{factory}()" if factory else None
        if isinstance(expr, ast.Await):
            return None
        return None

    # --- FastAPI ---------------------------------------------------------------------------

    @cached_property
    def apps(self) -> dict[str, AppInstance]:
        """``FastAPI()``/``APIRouter()`` instances by name (assigned or annotated)."""
        spellings = self._spellings_of(*APP_CLASSES)
        assignments: list[ast.Assign | ast.AnnAssign] = [
            node
            for node in self.nodes_of(ast.Assign)
            if isinstance(node.value, ast.Call) and _last_name(node.value.func) in spellings
        ]
        assignments += self.nodes_of(ast.AnnAssign)
        assignments.sort(key=_statement_position)  # a later assignment wins
        return find_app_instances(
            self._walk.functions, iter(assignments), self.qualified_name, spellings
        )

    def _spellings_of(self, *qualified: str) -> frozenset[str]:
        """The last names an expression naming one of ``qualified`` can end in."""
        return frozenset(
            spelling
            for name in qualified
            for spelling in self._names.spellings_of(name.rpartition(".")[2])
        )

    @cached_property
    def routes(self) -> list[Route]:
        """Path operations in registration order (decorators and ``add_api_route``)."""
        if not self.apps:
            return []
        return find_routes(self._walk.functions, iter(self.calls), self.apps, self.module_function)

    @cached_property
    def _routes_by_handler(self) -> dict[FunctionInfo, list[Route]]:
        table: dict[FunctionInfo, list[Route]] = {}
        for route in self.routes:
            table.setdefault(route.handler, []).append(route)
        return table

    def routes_of(self, func: FunctionInfo) -> list[Route]:
        return self._routes_by_handler.get(func, [])

    def is_path_operation(self, func: FunctionInfo) -> bool:
        return func in self._routes_by_handler

    @cached_property
    def path_operations(self) -> list[FunctionInfo]:
        return list(self._routes_by_handler)

    @cached_property
    def dependency_uses(self) -> list[DependencyUse]:
        """Every ``Depends()``/``Security()`` of the module, in signatures and lists."""
        alias_types: dict[ast.Call, ast.expr] = {}
        for alias in self._annotated_aliases.values():
            parts = annotated_parts(alias, self.qualified_name)
            if parts is not None:
                inner, metadata = parts
                alias_types.update((m, inner) for m in metadata if isinstance(m, ast.Call))
        return find_dependencies(
            self._walk.functions,
            self.calls_named(*(name.rpartition(".")[2] for name in DEPENDS_FUNCTIONS)),
            self.qualified_name,
            self.annotated_parts,
            alias_types,
        )

    @cached_property
    def dependency_calls(self) -> list[DependencyUse]:
        """One use per ``Depends()``/``Security()`` call node, for rules that report at the
        call: a call inside an ``Annotated`` alias is shared by every parameter naming it."""
        first: dict[ast.Call, DependencyUse] = {}
        for use in self.dependency_uses:
            first.setdefault(use.call, use)
        return list(first.values())

    @cached_property
    def dependency_functions(self) -> list[FunctionInfo]:
        """Module functions passed to ``Depends``/``Security`` anywhere in the module."""
        found: dict[FunctionInfo, None] = {}
        for use in self.dependency_uses:
            func = self.resolve_function(use.callable_expr)
            if func is not None:
                found[func] = None
        return list(found)

    def is_dependency(self, func: FunctionInfo) -> bool:
        return func in self._dependency_function_set

    @cached_property
    def _dependency_function_set(self) -> frozenset[FunctionInfo]:
        return frozenset(self.dependency_functions)

    def dependencies_of(self, func: FunctionInfo) -> list[DependencyUse]:
        """The ``Depends()`` declared in a function's signature."""
        return list(self._dependencies_by_owner.get(func, ()))

    @cached_property
    def _dependencies_by_owner(self) -> dict[FunctionInfo | None, list[DependencyUse]]:
        # grouped once: scanning every use per function made large modules quadratic
        by_owner: dict[FunctionInfo | None, list[DependencyUse]] = {}
        for use in self.dependency_uses:
            by_owner.setdefault(use.owner, []).append(use)
        return by_owner

    def annotated_parts(
        self, annotation: ast.expr | None
    ) -> tuple[ast.expr, list[ast.expr]] | None:
        """``Annotated[T, x, y]`` → ``(T, [x, y])``, also through a module-level alias
        (``DbDep = Annotated[Session, Depends(get_db)]``, see ``annotated_alias``); else None."""
        if isinstance(annotation, ast.Name):
            annotation = self.annotated_alias(annotation)
        return annotated_parts(annotation, self.qualified_name)

    def annotated_alias(self, name: ast.Name) -> ast.Subscript | None:
        """The ``Annotated[...]`` a name stands for: a module-level name bound exactly once,
        by ``X = Annotated[...]``, ``X: TypeAlias = Annotated[...]`` or ``type X =
        Annotated[...]``, and not shadowed where ``name`` is read. An imported alias is not
        followed (its module is not read)."""
        alias = self._annotated_aliases.get(name.id)
        if alias is None or self._names.binding_scope(name.id, name) is not self.tree:
            return None
        return alias

    @cached_property
    def _annotated_aliases(self) -> dict[str, ast.Subscript]:
        found: dict[str, ast.Subscript] = {}
        for node in self._walk.module_nodes:
            definition = self._alias_definition(node)
            if definition is None:
                continue
            name, value = definition
            if (
                isinstance(value, ast.Subscript)
                and annotated_parts(value, self.qualified_name) is not None
                and self._names.module_binding_count(name) == 1
            ):
                found[name] = value
        return found

    def _alias_definition(self, node: ast.AST) -> tuple[str, ast.expr] | None:
        """(name, value) of ``X = v``, ``X: TypeAlias = v`` and ``type X = v``."""
        if isinstance(node, ast.Assign):
            targets = node.targets
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                return targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
            if isinstance(target, ast.Name) and value is not None and self._is_type_alias(node):
                return target.id, value
        elif _TYPE_ALIAS_STATEMENT is not None and isinstance(node, _TYPE_ALIAS_STATEMENT):
            # read by name: Python 3.11's stubs have no `ast.TypeAlias`
            name, value = getattr(node, "name", None), getattr(node, "value", None)
            generic = bool(getattr(node, "type_params", ()))  # `type X[T] = ...`: not followed
            if isinstance(name, ast.Name) and isinstance(value, ast.expr) and not generic:
                return name.id, value
        return None

    def _is_type_alias(self, node: ast.AnnAssign) -> bool:
        return self.qualified_name(node.annotation) in _TYPE_ALIAS

    # --- Pydantic ---------------------------------------------------------------------------

    @cached_property
    def pydantic_classes(self) -> dict[str, tuple[ast.ClassDef, str]]:
        """Class name → (node, ``"model"``/``"settings"``) for Pydantic classes of the module."""
        return find_pydantic_classes(self.classes, self.qualified_name)

    def is_pydantic_class(self, expr: ast.AST) -> bool:
        if isinstance(expr, ast.Name) and expr.id in self.pydantic_classes:
            return self._names.is_local(expr.id, expr)
        return self.qualified_name(expr) in ("pydantic.BaseModel", "pydantic_settings.BaseSettings")

    def is_settings_class(self, expr: ast.AST) -> bool:
        if isinstance(expr, ast.Name) and expr.id in self.pydantic_classes:
            return self.pydantic_classes[expr.id][1] == "settings"
        return False


StatementFacts = tuple[ModuleWalk, NameResolver]


def statement_facts(
    tree: ast.Module, statement: ast.stmt, module_name: str | None
) -> StatementFacts:
    """The walk and name tables of one top-level statement, made on ``tree`` holding it alone
    (``tree.body`` is changed): parts of ``ModuleFacts.composed`` for that ``tree``."""
    tree.body = [statement]
    walk = walk_module(tree)
    return walk, NameResolver(tree, walk, module_name)


def _last_name(expr: ast.expr) -> str | None:
    """``decode`` for ``jwt.decode`` and ``decode``; None for other expressions."""
    if type(expr) is ast.Attribute:
        return expr.attr
    if type(expr) is ast.Name:
        return expr.id
    return None


def _statement_position(statement: ast.stmt) -> tuple[int, int]:
    return statement.lineno, statement.col_offset


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"``, either way round."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _strip_annotated(annotation: ast.expr, facts: ModuleFacts) -> ast.expr:
    """``Annotated[T, ...]`` → ``T``; ``Optional[T]``, ``T | None`` → ``T``."""
    parts = facts.annotated_parts(annotation)
    if parts is not None:
        annotation = parts[0]
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [annotation.left, annotation.right]
        real = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
        if len(real) == 1:
            return real[0]
    if isinstance(annotation, ast.Subscript):
        qualified = facts.qualified_name(annotation.value)
        if qualified in _OPTIONAL:
            return annotation.slice
        if qualified in _UNION and isinstance(annotation.slice, ast.Tuple):
            real = [
                e
                for e in annotation.slice.elts
                if not (isinstance(e, ast.Constant) and e.value is None)
            ]
            if len(real) == 1:
                return real[0]
    return annotation
