"""Imports, aliases and local bindings: what a name in the module refers to."""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_lint.facts.scopes import ModuleWalk, ScopeNode

BUILTIN_NAMES = frozenset(dir(builtins))

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

# Modules whose public names are re-exported under a shorter, canonical path.
CANONICAL_MODULES = {
    "fastapi.param_functions": "fastapi",
    "fastapi.params": "fastapi",
    "fastapi.applications": "fastapi",
    "fastapi.routing": "fastapi",
    "starlette.applications": "starlette",
    "typing_extensions": "typing",
    "sqlalchemy.orm.session": "sqlalchemy.orm",
    "sqlalchemy.ext.asyncio.session": "sqlalchemy.ext.asyncio",
    "sqlalchemy.ext.asyncio.engine": "sqlalchemy.ext.asyncio",
    "pydantic.main": "pydantic",
    "pydantic.functional_validators": "pydantic",
    "pydantic.class_validators": "pydantic",
    "pydantic.v1": "pydantic.v1",
}

# Only these names are canonicalised, so that `fastapi.params.Depends` (the class) and
# `fastapi.Depends` (the function) compare equal while unrelated names keep their path.
_CANONICAL_NAMES = {
    "fastapi": {
        "Depends", "Security", "Query", "Path", "Header", "Cookie", "Body", "Form", "File",
        "FastAPI", "APIRouter",
    },
    "starlette": {"Starlette"},
    "typing": {"Annotated", "Optional", "Union", "Any"},
    "sqlalchemy.orm": {"Session", "sessionmaker"},
    "sqlalchemy.ext.asyncio": {
        "AsyncSession", "async_sessionmaker", "create_async_engine", "AsyncEngine",
    },
    "pydantic": {"BaseModel", "validator", "root_validator", "field_validator", "model_validator"},
}  # fmt: skip


def canonical(qualified: str) -> str:
    module, _, name = qualified.rpartition(".")
    target = CANONICAL_MODULES.get(module)
    if target and name in _CANONICAL_NAMES.get(target, ()):
        return f"{target}.{name}"
    return qualified


@dataclass(frozen=True)
class ImportBinding:
    local: str  # the name bound in the scope
    qualified: str  # what it refers to
    node: ast.Import | ast.ImportFrom


class NameResolver:
    """Resolves names to fully qualified names through imports, respecting local shadowing."""

    def __init__(self, tree: ast.Module, walk: ModuleWalk, module_name: str | None) -> None:
        self._tree = tree
        self._walk = walk
        self._module_name = module_name
        self._imports: dict[ScopeNode, dict[str, ImportBinding]] = {}
        self._local_bindings: dict[ScopeNode, set[str]] = {}
        self.import_nodes: list[ast.Import | ast.ImportFrom] = []
        self._last_local_line: dict[tuple[int, str], int] = {}
        # Comprehension targets bind in the comprehension's own scope, not the enclosing one.
        self._comprehension_names: dict[ast.AST, set[str]] = {}
        self._comprehension_targets: set[ast.AST] = set()
        self._any_comprehension_name: set[str] = set()
        self._module_counts: Counter[str] | None = None
        self._qualified: dict[ast.AST, str | None] = {}
        self._spellings: dict[str, set[str]] | None = None
        self._collect()
        # a name no scope imports and no builtin has resolves to nothing, wherever it is read
        self._resolvable = {n for table in self._imports.values() for n in table} | BUILTIN_NAMES

    @classmethod
    def merged(
        cls,
        tree: ast.Module,
        walk: ModuleWalk,
        module_name: str | None,
        parts: list[NameResolver],
    ) -> NameResolver:
        """The resolver of ``walk`` (see ``merged_walk``) from the resolvers of its top-level
        statements, in order, each made on ``tree`` holding that statement alone: their
        tables are joined (a later module-level import of a name wins, as in ``_collect``),
        nothing is collected again."""
        resolver = cls(tree, ModuleWalk({}, [], {}, {}, []), module_name)
        resolver._walk = walk
        module_imports: dict[str, ImportBinding] = {}
        module_locals: set[str] = set()
        for part in parts:
            for scope, table in part._imports.items():
                if scope is tree:
                    module_imports.update(table)
                else:
                    resolver._imports[scope] = table
            for scope, names in part._local_bindings.items():
                if scope is tree:
                    module_locals |= names
                else:
                    resolver._local_bindings[scope] = names
            resolver.import_nodes += part.import_nodes
            resolver._comprehension_names.update(part._comprehension_names)
            resolver._comprehension_targets |= part._comprehension_targets
            resolver._any_comprehension_name |= part._any_comprehension_name
        if module_imports:
            resolver._imports[tree] = module_imports
        if module_locals:
            resolver._local_bindings[tree] = module_locals
        resolver._resolvable = {
            n for table in resolver._imports.values() for n in table
        } | BUILTIN_NAMES
        return resolver

    def _collect(self) -> None:
        walk = self._walk
        for node in walk.nodes_of(ast.comprehension):
            owner = walk.parents.get(node)
            for target in ast.walk(node.target):
                if isinstance(target, ast.Name) and owner is not None:
                    self._comprehension_targets.add(target)
                    self._comprehension_names.setdefault(owner, set()).add(target.id)
                    self._any_comprehension_name.add(target.id)
        scope_of = walk.scope_of
        imports: list[ast.Import | ast.ImportFrom] = [
            *walk.nodes_of(ast.Import),
            *walk.nodes_of(ast.ImportFrom),
        ]
        imports.sort(key=_position)  # a later import of a name wins
        for statement in imports:
            scope = scope_of[statement]
            if scope is self._tree:
                self.import_nodes.append(statement)
            table = self._imports.setdefault(scope, {})
            for binding in self._bindings_of(statement):
                table[binding.local] = binding
        targets = self._comprehension_targets
        for name in walk.nodes_of(ast.Name):  # the commonest node: no generator, no isinstance
            if type(name.ctx) is not ast.Load and name not in targets:
                self._local_bindings.setdefault(scope_of[name], set()).add(name.id)
        for kind in _BINDING_NODES:  # most other nodes bind nothing
            for node in walk.nodes_of(kind):
                owner = self._parameter_owner(node) if isinstance(node, ast.arg) else scope_of[node]
                for bound in _bound_names(node):
                    self._local_bindings.setdefault(owner, set()).add(bound)

    def _parameter_owner(self, node: ast.arg) -> ScopeNode:
        arguments = self._walk.parents.get(node)
        owner = self._walk.parents.get(arguments) if arguments is not None else None
        if isinstance(owner, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return owner
        return self._walk.scope_of.get(node, self._tree)

    def _bindings_of(self, node: ast.Import | ast.ImportFrom) -> Iterator[ImportBinding]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    yield ImportBinding(alias.asname, alias.name, node)
                else:
                    top = alias.name.split(".")[0]
                    yield ImportBinding(top, top, node)
            return
        module = self._absolute_module(node)
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname or alias.name
            yield ImportBinding(local, canonical(f"{module}.{alias.name}"), node)

    def _absolute_module(self, node: ast.ImportFrom) -> str:
        module = node.module or ""
        if not node.level:
            return module
        if self._module_name:
            package = self._module_name.split(".")
            base = package[: len(package) - node.level]
            return ".".join([*base, module] if module else base)
        return "." * node.level + module

    def scope_chain(self, node: ast.AST) -> Iterator[ScopeNode]:
        """Scopes enclosing ``node`` from innermost to the module (class bodies are skipped
        for nested functions, as Python does)."""
        scope = self._walk.scope_of.get(node, self._tree)
        first = True
        while True:
            if first or not isinstance(scope, ast.ClassDef):
                yield scope
            first = False
            if scope is self._tree:
                return
            scope = self._walk.scope_of.get(scope, self._tree)

    def comprehension_binds(self, name: str, at: ast.AST) -> bool:
        """True when a comprehension enclosing ``at`` (in the same scope) binds ``name`` as a
        target. The first ``for``'s iterable runs in the enclosing scope and is not covered."""
        if name not in self._any_comprehension_name:
            return False
        scope = self._walk.scope_of.get(at)
        grandchild: ast.AST | None = None
        child = at
        node = self._walk.parents.get(at)
        while node is not None and node is not scope:
            bound_here = name in self._comprehension_names.get(node, ())
            if bound_here and isinstance(node, _COMPREHENSIONS):
                first = node.generators[0]
                if not (child is first and grandchild is first.iter):
                    return True
            grandchild, child = child, node
            node = self._walk.parents.get(node)
        return False

    def module_binding_count(self, name: str) -> int:
        """How many statements and expressions bind ``name`` at module level (imports too)."""
        if self._module_counts is None:
            counts: Counter[str] = Counter()
            for node in self._walk.module_nodes:  # parameters bind in their function
                if isinstance(node, ast.Import | ast.ImportFrom):
                    counts.update(b.local for b in self._bindings_of(node))
                elif node not in self._comprehension_targets:
                    counts.update(_bound_names(node))
            self._module_counts = counts
        return self._module_counts[name]

    def spellings_of(self, terminal: str) -> tuple[str, ...]:
        """The names a callee ending in ``terminal`` can be spelled with: ``terminal`` itself
        (``x.decode``, ``decode``) and the names imported, in any scope, as something ending in
        it (``jwt_decode`` after ``from jwt import decode as jwt_decode``)."""
        if self._spellings is None:
            spellings: dict[str, set[str]] = {}
            for table in self._imports.values():
                for local, binding in table.items():
                    last = binding.qualified.rpartition(".")[2]
                    if last != local:
                        spellings.setdefault(last, set()).add(local)
            self._spellings = spellings
        aliases = self._spellings.get(terminal)
        return (terminal, *sorted(aliases)) if aliases else (terminal,)

    def binds_in_scope(self, name: str, scope: ScopeNode) -> bool:
        """True when ``scope`` itself binds ``name`` (assignment, parameter, def, import...)."""
        return name in self._local_bindings.get(scope, ()) or name in self._imports.get(scope, {})

    def resolve_name(self, name: str, at: ast.AST) -> str | None:
        """The qualified name ``name`` refers to at ``at``, or None for a local/unknown name."""
        if name not in self._resolvable or self.comprehension_binds(name, at):
            return None
        for scope in self.scope_chain(at):
            binding = self._imports.get(scope, {}).get(name)
            locally_bound = name in self._local_bindings.get(scope, ())
            if binding is not None and not locally_bound:
                return binding.qualified
            if locally_bound:
                # A module-level def/assignment after the import shadows it and vice versa;
                # position decides.
                if binding is not None and self._import_wins(binding, name, scope):
                    return binding.qualified
                return None
        if name in BUILTIN_NAMES:
            return f"builtins.{name}"
        return None

    def _import_wins(self, binding: ImportBinding, name: str, scope: ScopeNode) -> bool:
        """When a scope both imports and assigns a name, the later statement is the binding in
        force for most of the module."""
        key = (id(scope), name)
        if key not in self._last_local_line:
            last = 0
            for node, node_scope in self._walk.scope_of.items():
                if node in self._comprehension_targets:
                    continue
                if node_scope is scope and name in _bound_names(node):
                    last = max(last, getattr(node, "lineno", 0))
            self._last_local_line[key] = last
        return binding.node.lineno > self._last_local_line[key]

    def qualified_name(self, expr: ast.AST) -> str | None:
        """``requests.get`` → ``"requests.get"`` whatever the import spelling; None when the
        expression is not a dotted name rooted in an import or a builtin."""
        # rules ask the same callee many times; the tables it is read from never change
        if expr in self._qualified:
            return self._qualified[expr]
        qualified = self._qualified[expr] = self._qualify(expr)
        return qualified

    def _qualify(self, expr: ast.AST) -> str | None:
        parts: list[str] = []
        node = expr
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        root = self.resolve_name(node.id, expr)
        if root is None:
            return None
        if parts:
            return canonical(".".join([root, *reversed(parts)]))
        return root

    def binding_scope(self, name: str, at: ast.AST) -> ScopeNode | None:
        """The innermost scope that binds ``name`` as seen from ``at`` (by a def, assignment,
        parameter or import); None when nothing in the module binds it."""
        if self.comprehension_binds(name, at):
            return self._walk.scope_of.get(at, self._tree)
        for scope in self.scope_chain(at):
            if name in self._local_bindings.get(scope, ()) or name in self._imports.get(scope, {}):
                return scope
        return None

    def is_local(self, name: str, at: ast.AST) -> bool:
        """True when ``name`` is bound by a def/assignment/parameter (not an import) at ``at``."""
        if self.comprehension_binds(name, at):
            return True
        for scope in self.scope_chain(at):
            if name in self._local_bindings.get(scope, ()):
                return True
            if name in self._imports.get(scope, {}):
                return False
        return False

    def local_name_for(self, qualified: str) -> str | None:
        """A module-level name through which ``qualified`` is reachable, for fixes that need
        to spell it: ``asyncio.sleep`` → ``"asyncio.sleep"`` after ``import asyncio``, or
        ``"sleep"`` after ``from asyncio import sleep``."""
        table = self._imports.get(self._tree, {})
        for local, binding in table.items():
            if self.is_local(local, self._tree):
                continue
            if binding.qualified == qualified:
                return local
            if qualified.startswith(binding.qualified + "."):
                return local + qualified[len(binding.qualified) :]
        return None


_BINDING_NODES = frozenset(
    {
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.arg,
        ast.ExceptHandler,
        ast.MatchAs,
        ast.MatchStar,
    }
)


def _position(statement: ast.stmt) -> tuple[int, int]:
    return statement.lineno, statement.col_offset


def _bound_names(node: ast.AST) -> Iterator[str]:
    """Names a statement or expression binds in its scope (imports excluded)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
        yield node.id
    elif isinstance(node, ast.arg):
        yield node.arg
    elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
        yield node.name
