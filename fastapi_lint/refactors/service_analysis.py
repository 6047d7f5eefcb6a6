"""Extract to service, step one: read a path operation with ``ast`` and prove its business
part can move into a service method unchanged, or say why not.

The handler's body splits into a prefix that stays in the route (statements that touch the
request or response objects, and guard clauses raising ``HTTPException``) and the business
part that moves. A ``raise HTTPException(...)`` in the business part becomes ``return None``
in the service, and the route raises it again when the service returns ``None``; that is only
done when every other way out of the business part provably returns something else.
"""

from __future__ import annotations

import ast
import builtins
import symtable
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from fastapi_lint.facts import FunctionInfo, ModuleFacts, Route
from fastapi_lint.facts.parameters import bare_type
from fastapi_lint.facts.sessions import session_parameters
from fastapi_lint.refactors import NotOffered
from fastapi_lint.refactors.service_errors import (
    DomainError,
    http_exception_parts,
    is_text,
    status_of,
)
from fastapi_lint.rules.async_.sequential_awaits import DATA_TYPES

HTTP_OBJECTS = frozenset(
    {
        "fastapi.Request",
        "fastapi.requests.Request",
        "starlette.requests.Request",
        "starlette.requests.HTTPConnection",
        "fastapi.Response",
        "fastapi.responses.Response",
        "starlette.responses.Response",
        "fastapi.BackgroundTasks",
        "fastapi.background.BackgroundTasks",
        "starlette.background.BackgroundTasks",
        "fastapi.WebSocket",
        "starlette.websockets.WebSocket",
        "fastapi.security.SecurityScopes",
    }
)
HTTP_EXCEPTIONS = frozenset({"fastapi.HTTPException", "starlette.exceptions.HTTPException"})
# calls whose result depends on the scope or module they run in
_SCOPE_CALLS = frozenset({"locals", "vars", "globals", "eval", "exec", "dir", "super"})
# names that differ between the route module and the service module
_MODULE_DUNDERS = frozenset(
    {"__name__", "__file__", "__spec__", "__package__", "__loader__", "__path__", "__doc__"}
)
# resources a service holds: sessions, clients, connections, repositories
_RESOURCE_NAMES = frozenset(
    {"db", "session", "conn", "connection", "client", "redis", "cache", "repo", "repository", "uow"}
)
_RESOURCE_SUFFIXES = ("_db", "_session", "_client", "_conn", "_connection", "_repo", "_repository")
_RESOURCE_TYPE_SUFFIXES = (
    "Session",
    "Client",
    "Connection",
    "Repository",
    "Repo",
    "Redis",
    "Pool",
    "UnitOfWork",
)
# values that are never None when called
_NON_NONE_BUILTINS = frozenset(
    {"dict", "list", "set", "tuple", "str", "int", "float", "bool", "frozenset", "bytes", "len"}
)
# immutable values: the body cannot change what the route reads from them
_IMMUTABLE_TYPES = frozenset(DATA_TYPES)

Role = Literal["data", "resource", "http"]
_NESTED_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_TRY_NODES = (ast.Try, getattr(ast, "TryStar", ast.Try))  # `try/except*` from Python 3.11


@dataclass(frozen=True)
class Parameter:
    node: ast.arg
    role: Role
    default: ast.expr | None

    @property
    def name(self) -> str:
        return self.node.arg


@dataclass
class HandlerAnalysis:
    """What the extraction moves, passes and keeps, proven from the handler's ``ast``."""

    facts: ModuleFacts
    handler: FunctionInfo
    routes: list[Route]
    parameters: list[Parameter]
    kept: list[ast.stmt]  # docstring and prefix: they stay in the route
    business: list[ast.stmt]
    arguments: list[str]  # names the route passes to the method, in order
    resources: list[Parameter]  # resource parameters the business part uses
    shared_resources: set[str]  # of those, the ones the route still reads itself
    method_is_async: bool
    not_found: list[ast.Raise]  # the HTTPException raises that become `return None`
    domain_raises: dict[ast.Raise, DomainError]  # the ones that become domain exceptions
    module_names: set[str]  # module-level names the business part reads
    assigned: set[str] = field(default_factory=set)  # names the business part binds

    @property
    def handler_node(self) -> ast.FunctionDef | ast.AsyncFunctionDef:
        return self.handler.node


def handler_at(facts: ModuleFacts, line: int) -> FunctionInfo | None:
    """The path operation whose decorators or body contain ``line``."""
    for func in facts.path_operations:
        node = func.node
        first = min([d.lineno for d in node.decorator_list] + [node.lineno])
        if first <= line <= (node.end_lineno or node.lineno):
            return func
    return None


def analyse_handler(
    facts: ModuleFacts,
    line: int,
    is_class: Callable[[str], bool] = lambda name: False,
    domain_errors: Callable[[], dict[int, DomainError]] = dict,
) -> HandlerAnalysis:
    """``is_class`` tells whether an imported name is a class (its calls are never None);
    ``domain_errors`` gives the project's exceptions answered like an ``HTTPException`` of
    their status (asked only when the business part raises one)."""
    handler = handler_at(facts, line)
    if handler is None:
        raise NotOffered(f"line {line} is not inside a path operation")
    routes = facts.routes_of(handler)
    _check_shape(facts, handler, routes)
    parameters = _classify_parameters(facts, handler)
    http_names = {p.name for p in parameters if p.role == "http"}
    body = list(handler.node.body)
    docstring = [body.pop(0)] if handler.docstring_node is not None else []
    _reject_scope_tricks(facts, body)
    prefix = _http_prefix(facts, body, http_names)
    business = body[len(prefix) :]
    if not business:
        raise NotOffered(
            f"`{handler.name}` has nothing to extract: its body only handles the request"
        )
    kept = docstring + prefix
    if kept and first_line(business[0]) <= (kept[-1].end_lineno or kept[-1].lineno):
        raise NotOffered("the business logic starts on a line shared with other statements")
    if first_line(business[0]) == handler.node.lineno:
        raise NotOffered(f"`{handler.name}` is written on one line")
    symbols = _business_symbols(facts, handler, business, [p.name for p in parameters], kept)
    raises = _not_found_raises(facts, business)
    domain = _domain_raises(facts, raises, domain_errors() if raises else {})
    not_found = [r for r in raises if r not in domain]
    if raises:
        # what only the not-found raises read stays with the route, which raises them; the
        # domain raises keep their detail but not `HTTPException`
        skipped: list[ast.AST] = [*not_found]
        for statement in domain:
            if isinstance(statement.exc, ast.Call):
                status = http_exception_parts(statement.exc)[0]
                skipped += [statement.exc.func, *([status] if status is not None else [])]
        outside = _names_read_outside(business, skipped)
        symbols = _Symbols(symbols.used & outside, symbols.assigned, symbols.module_names & outside)
    for name in sorted(http_names & symbols.used):
        raise NotOffered(
            f"the body uses `{name}` after its business logic starts; "
            "the request/response handling cannot be split from it"
        )
    prefix_bound = _bound_names(kept)
    if not_found:
        _check_not_found(facts, handler, parameters, business, not_found, prefix_bound, is_class)
    resources = [p for p in parameters if p.role == "resource" and p.name in symbols.used]
    for resource in resources:
        if resource.name in symbols.assigned:
            raise NotOffered(f"the body rebinds `{resource.name}`, which the service would hold")
    shared = _names_read(kept) | _names_read(not_found)
    arguments = [
        p.name for p in parameters if p.role != "resource" and p.name in symbols.used
    ] + sorted(n for n in prefix_bound & symbols.used if n not in {p.name for p in parameters})
    if "self" in symbols.used | symbols.assigned | set(arguments):
        raise NotOffered("the body uses the name `self`, which the service method needs")
    return HandlerAnalysis(
        facts=facts,
        handler=handler,
        routes=routes,
        parameters=parameters,
        kept=kept,
        business=business,
        arguments=arguments,
        resources=resources,
        shared_resources={r.name for r in resources if r.name in shared},
        method_is_async=_suspends(business),
        not_found=not_found,
        domain_raises=domain,
        module_names=symbols.module_names,
        assigned=symbols.assigned,
    )


def _check_shape(facts: ModuleFacts, handler: FunctionInfo, routes: list[Route]) -> None:
    if any(route.is_websocket for route in routes):
        raise NotOffered(f"`{handler.name}` is a websocket endpoint")
    if handler.parent_function is not None or handler.class_name is not None:
        raise NotOffered(f"`{handler.name}` is not a module-level function")
    if handler.node.col_offset != 0:
        raise NotOffered(f"`{handler.name}` is defined inside a block")
    args = handler.node.args
    if args.vararg is not None or args.kwarg is not None or args.posonlyargs:
        raise NotOffered(f"`{handler.name}` takes *args, **kwargs or positional-only parameters")
    if handler.is_generator:
        raise NotOffered(f"`{handler.name}` yields")


def _classify_parameters(facts: ModuleFacts, handler: FunctionInfo) -> list[Parameter]:
    sessions = session_parameters(facts, handler)
    injected = {
        use.parameter.arg: use
        for use in facts.dependencies_of(handler)
        if use.parameter is not None and use.kind == "Depends"
    }
    found: list[Parameter] = []
    for param in [*handler.node.args.args, *handler.node.args.kwonlyargs]:
        default = handler.parameter_default(param)
        bare = bare_type(facts, param.annotation)
        qualified = facts.qualified_name(bare) if bare is not None else None
        role: Role = "data"
        if qualified in HTTP_OBJECTS:
            role = "http"
        elif param.arg in injected and (
            param.arg in sessions or _looks_like_resource(param.arg, bare)
        ):
            role = "resource"
        found.append(Parameter(param, role, default))
    return found


def _looks_like_resource(name: str, annotation: ast.expr | None) -> bool:
    if name in _RESOURCE_NAMES or name.endswith(_RESOURCE_SUFFIXES):
        return True
    last = None
    if isinstance(annotation, ast.Name):
        last = annotation.id
    elif isinstance(annotation, ast.Attribute):
        last = annotation.attr
    return last is not None and last.endswith(_RESOURCE_TYPE_SUFFIXES)


def _reject_scope_tricks(facts: ModuleFacts, body: list[ast.stmt]) -> None:
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Global | ast.Nonlocal):
                word = "global" if isinstance(node, ast.Global) else "nonlocal"
                raise NotOffered(f"the body declares `{word} {', '.join(node.names)}`")
            if isinstance(node, ast.Yield | ast.YieldFrom):
                raise NotOffered("the body yields")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in _SCOPE_CALLS
                and facts.qualified_name(node.func) == f"builtins.{node.func.id}"
            ):
                raise NotOffered(f"the body calls `{node.func.id}()`, which depends on its scope")
            if isinstance(node, ast.Name) and node.id in _MODULE_DUNDERS:
                raise NotOffered(f"the body reads `{node.id}`, which differs in another module")


def _http_prefix(facts: ModuleFacts, body: list[ast.stmt], http_names: set[str]) -> list[ast.stmt]:
    """The leading statements that stay in the route: those reading the request or response
    objects, and guard clauses that only raise ``HTTPException``."""
    prefix: list[ast.stmt] = []
    for statement in body:
        if _names_read([statement]) & http_names or _is_guard_clause(facts, statement):
            prefix.append(statement)
        else:
            break
    return prefix


def _is_guard_clause(facts: ModuleFacts, statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.If)
        and not statement.orelse
        and len(statement.body) == 1
        and _raises_http_exception(facts, statement.body[0])
        and not any(isinstance(n, ast.Await) for n in ast.walk(statement.test))
    )


def _raises_http_exception(facts: ModuleFacts, statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Raise)
        and isinstance(statement.exc, ast.Call)
        and facts.qualified_name(statement.exc.func) in HTTP_EXCEPTIONS
    )


@dataclass(frozen=True)
class _Symbols:
    used: set[str]  # names read by the business part or a scope nested in it
    assigned: set[str]  # names the business part binds in the handler's scope
    module_names: set[str]  # names it reads from the module (or builtins)


def _business_symbols(
    facts: ModuleFacts,
    handler: FunctionInfo,
    business: list[ast.stmt],
    params: list[str],
    kept: list[ast.stmt],
) -> _Symbols:
    """Classify the business part's names exactly as the compiler does, by compiling its own
    lines as the body of a function taking the handler's parameters and the names the kept
    statements bind."""
    inputs = sorted(set(params) | _bound_names(kept))
    keyword = "async def" if handler.is_async else "def"
    header = f"{keyword} __extracted__({', '.join(inputs)}):\n"
    last = handler.node.end_lineno or handler.node.lineno
    text = header + "".join(
        facts.source.line_text(n) for n in range(first_line(business[0]), last + 1)
    )
    try:
        table = symtable.symtable(text, "<extract>", "exec")
    except SyntaxError as error:
        raise NotOffered(f"the body cannot be read on its own ({error.msg})") from None
    function = next(t for t in table.get_children() if t.get_name() == "__extracted__")
    used: set[str] = set()
    assigned: set[str] = set()
    module_names: set[str] = set()
    for symbol in function.get_symbols():
        name = symbol.get_name()
        if symbol.is_referenced():
            used.add(name)
        if symbol.is_assigned() or symbol.is_imported():
            assigned.add(name)
        if symbol.is_global() and symbol.is_referenced():
            module_names.add(name)
    for child in _descendants(function):
        for symbol in child.get_symbols():
            if symbol.is_free():
                used.add(symbol.get_name())
            elif symbol.is_global() and symbol.is_referenced():
                module_names.add(symbol.get_name())
                used.add(symbol.get_name())
    return _Symbols(used, assigned, module_names)


def first_line(statement: ast.stmt) -> int:
    """Where a statement starts, its decorators included."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
    return min([d.lineno for d in decorators] + [statement.lineno])


def _descendants(table: symtable.SymbolTable) -> list[symtable.SymbolTable]:
    found: list[symtable.SymbolTable] = []
    pending = list(table.get_children())
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(child.get_children())
    return found


def _names_read(nodes: list[ast.stmt] | list[ast.Raise]) -> set[str]:
    return {
        n.id
        for statement in nodes
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def _names_read_outside(statements: list[ast.stmt], excluded: list[ast.AST]) -> set[str]:
    skip = {id(node) for node in excluded}
    names: set[str] = set()
    pending: list[ast.AST] = list(statements)
    while pending:
        node = pending.pop()
        if id(node) in skip:
            continue
        if isinstance(node, ast.Name):
            names.add(node.id)
        pending.extend(ast.iter_child_nodes(node))
    return names


def _bound_names(statements: list[ast.stmt]) -> set[str]:
    """Names the statements bind in the handler's scope (not inside nested scopes)."""
    bound: set[str] = set()
    pending: list[ast.AST] = list(statements)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
            continue
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name.split(".")[0]) for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(
            node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
        ):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return bound


def _own_nodes(statements: list[ast.stmt]) -> list[ast.AST]:
    """Every node of the statements outside nested functions, classes and lambdas."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(statements)
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def _suspends(statements: list[ast.stmt]) -> bool:
    for node in _own_nodes(statements):
        if isinstance(node, ast.Await | ast.AsyncFor | ast.AsyncWith):
            return True
        if isinstance(node, ast.comprehension) and node.is_async:
            return True
    return False


# --- HTTPException in the business part -----------------------------------------------------


def _not_found_raises(facts: ModuleFacts, business: list[ast.stmt]) -> list[ast.Raise]:
    """The ``raise HTTPException(...)`` statements of the business part; any other use of
    ``HTTPException`` there (caught, built, raised from a nested function) is refused."""
    raises: list[ast.Raise] = []
    uses: list[ast.expr] = []
    for statement in business:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name | ast.Attribute) and (
                facts.qualified_name(node) in HTTP_EXCEPTIONS
            ):
                uses.append(node)
    own = _own_nodes(business)
    own_ids = {id(n) for n in own}
    for node in own:
        if (
            isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and facts.qualified_name(node.exc.func) in HTTP_EXCEPTIONS
            and node.cause is None
        ):
            raises.append(node)
    raised_funcs = {id(r.exc.func) for r in raises if isinstance(r.exc, ast.Call)}
    for use in uses:
        if id(use) not in raised_funcs:
            where = "in a nested function" if id(use) not in own_ids else "other than raising it"
            raise NotOffered(f"the body uses HTTPException {where}")
    raises.sort(key=lambda r: (r.lineno, r.col_offset))
    return raises


def _domain_raises(
    facts: ModuleFacts, raises: list[ast.Raise], errors: dict[int, DomainError]
) -> dict[ast.Raise, DomainError]:
    """The raises whose status the project answers with a domain exception, given a text
    detail and no headers."""
    found: dict[ast.Raise, DomainError] = {}
    for statement in raises:
        if not isinstance(statement.exc, ast.Call):
            continue
        status, detail, other = http_exception_parts(statement.exc)
        code = status_of(facts.qualified_name, status)
        if code in errors and is_text(detail) and not other:
            found[statement] = errors[code]
    return found


def _check_not_found(
    facts: ModuleFacts,
    handler: FunctionInfo,
    parameters: list[Parameter],
    business: list[ast.stmt],
    raises: list[ast.Raise],
    prefix_bound: set[str],
    is_class: Callable[[str], bool],
) -> None:
    forms = {ast.dump(r.exc) for r in raises if r.exc is not None}
    if len(forms) > 1:
        raise NotOffered(
            "the body raises several different HTTPExceptions; a service returning None "
            "could not tell the route which one to raise"
        )
    for statement in raises:
        blocker = _enclosing_block(facts, statement, handler)
        if blocker is not None:
            raise NotOffered(
                f"the HTTPException on line {statement.lineno} is raised inside `{blocker}`; "
                "returning instead would change how that block exits"
            )
    by_name = {p.name: p for p in parameters}
    local = _bound_names(business)
    for name in sorted(_names_read(raises[:1])):
        if name in local and name not in by_name and name not in prefix_bound:
            raise NotOffered(
                f"the HTTPException reads `{name}`, which the body computes; "
                "the route could not raise it"
            )
        if name in by_name or name in prefix_bound:
            param = by_name.get(name)
            immutable = param is not None and _is_immutable(facts, param.node.annotation)
            if _changed_in(name, business, immutable):
                raise NotOffered(
                    f"the HTTPException reads `{name}`, which the body changes before the "
                    "route would raise it"
                )
    if not _always_leaves(business):
        raise NotOffered(
            "the body can end without a return; the service's None would read as not found"
        )
    _NoneProof(facts, is_class).check(business, frozenset())


def _enclosing_block(facts: ModuleFacts, node: ast.AST, handler: FunctionInfo) -> str | None:
    for ancestor in facts.ancestors(node):
        if ancestor is handler.node:
            return None
        if isinstance(ancestor, ast.With | ast.AsyncWith):
            return "async with" if isinstance(ancestor, ast.AsyncWith) else "with"
        if isinstance(ancestor, _TRY_NODES):
            return "try"
    return None


def _is_immutable(facts: ModuleFacts, annotation: ast.expr | None) -> bool:
    bare = bare_type(facts, annotation)
    return bare is not None and facts.qualified_name(bare) in _IMMUTABLE_TYPES


def _changed_in(name: str, business: list[ast.stmt], immutable: bool) -> bool:
    """Whether the business part rebinds ``name`` or (unless its value is immutable) may
    change the object: stores into it, calls a method on it or passes it to a call."""
    for statement in business:
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Name)
                and node.id == name
                and not isinstance(node.ctx, ast.Load)
            ):
                return True
            if immutable:
                continue
            stores = isinstance(node, ast.Attribute | ast.Subscript) and not isinstance(
                node.ctx, ast.Load
            )
            if stores and _root_name(node) == name:
                return True
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Attribute) and _root_name(node.func) == name:
                    return True
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    if _root_name(arg) == name:
                        return True
    return False


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _always_leaves(statements: list[ast.stmt]) -> bool:
    """The statements never fall through their end: each path returns or raises."""
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, ast.Return | ast.Raise):
        return True
    if isinstance(last, ast.If):
        return _always_leaves(last.body) and _always_leaves(last.orelse)
    if isinstance(last, ast.With | ast.AsyncWith):
        return _always_leaves(last.body)
    if isinstance(last, ast.Try):
        if last.finalbody and _always_leaves(last.finalbody):
            return True
        body_leaves = _always_leaves(last.orelse) if last.orelse else _always_leaves(last.body)
        return body_leaves and all(_always_leaves(h.body) for h in last.handlers)
    if isinstance(last, ast.Match):
        exhaustive = any(
            isinstance(case.pattern, ast.MatchAs)
            and case.pattern.pattern is None
            and case.guard is None
            for case in last.cases
        )
        return exhaustive and all(_always_leaves(case.body) for case in last.cases)
    return False


class _NoneProof:
    """Every ``return`` gives a value that is provably not None, tracking names proven
    non-None by an assignment or by an ``if name is None: <leave>`` check."""

    def __init__(self, facts: ModuleFacts, is_class: Callable[[str], bool]) -> None:
        self.facts = facts
        self.is_class = is_class

    def check(self, statements: list[ast.stmt], known: frozenset[str]) -> None:
        for statement in statements:
            known = self._statement(statement, known)

    def _statement(self, statement: ast.stmt, known: frozenset[str]) -> frozenset[str]:
        if isinstance(statement, ast.Return):
            if statement.value is None or not self.never_none(statement.value, known):
                raise NotOffered(
                    f"the return on line {statement.lineno} may give None, which the route "
                    "would take for not found"
                )
            return known
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            value = statement.value
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            rest = known - _bound_names([statement])
            if value is not None and self.never_none(value, known) and len(targets) == len(names):
                return rest | names
            return rest
        if isinstance(statement, ast.If):
            narrowed = _narrowed_by(statement.test)
            self.check(statement.body, known | (narrowed[1] if narrowed else frozenset()))
            self.check(statement.orelse, known)
            after = known - _bound_names([statement])
            if narrowed and narrowed[0] and _always_leaves(statement.body) and not statement.orelse:
                return after | narrowed[0]
            return after
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return known - {statement.name}
        inner = known - _bound_names([statement])
        for block in ("body", "orelse", "finalbody"):
            self.check(getattr(statement, block, []) or [], inner)
        for handler in getattr(statement, "handlers", []) or []:
            self.check(handler.body, inner)
        for case in getattr(statement, "cases", []) or []:
            self.check(case.body, inner)
        return inner

    def never_none(self, value: ast.expr, known: frozenset[str]) -> bool:
        if isinstance(value, ast.Constant):
            return value.value is not None
        if isinstance(value, _NEVER_NONE_NODES):
            return True
        if isinstance(value, ast.Name):
            return value.id in known
        if isinstance(value, ast.Call):
            return _constructs(self.facts, value.func) or (
                isinstance(value.func, ast.Name)
                and not self.facts.is_local_name(value.func.id, self.facts.tree)
                and self.is_class(value.func.id)
            )
        return False


_NEVER_NONE_NODES = (
    ast.JoinedStr,
    ast.Dict,
    ast.List,
    ast.Set,
    ast.Tuple,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Lambda,
)


def _narrowed_by(test: ast.expr) -> tuple[frozenset[str], frozenset[str]] | None:
    """For ``if x is None`` / ``if not x``: (names non-None after a leaving body, ());
    for ``if x is not None`` / ``if x``: ((), names non-None inside the body)."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name):
        right = test.comparators[0]
        if isinstance(right, ast.Constant) and right.value is None:
            if isinstance(test.ops[0], ast.Is):
                return frozenset({test.left.id}), frozenset()
            if isinstance(test.ops[0], ast.IsNot):
                return frozenset(), frozenset({test.left.id})
    if (
        isinstance(test, ast.UnaryOp)
        and isinstance(test.op, ast.Not)
        and isinstance(test.operand, ast.Name)
    ):
        return frozenset({test.operand.id}), frozenset()
    if isinstance(test, ast.Name):
        return frozenset(), frozenset({test.id})
    return None


def _constructs(facts: ModuleFacts, func: ast.expr) -> bool:
    """A call of a builtin type or of a class the module defines or that is a Pydantic model
    or a response class: it returns an instance, never None."""
    qualified = facts.qualified_name(func)
    if qualified is not None:
        module, _, name = qualified.rpartition(".")
        if module == "builtins" and name in _NON_NONE_BUILTINS:
            return True
        if module.startswith(("fastapi.responses", "starlette.responses")) or qualified in (
            "fastapi.Response",
        ):
            return True
    if isinstance(func, ast.Name) and facts.is_local_name(func.id, facts.tree):
        return any(
            isinstance(node, ast.ClassDef) and node.name == func.id for node in facts.tree.body
        ) or facts.is_pydantic_class(func)
    return False


def module_binds(tree: ast.Module, name: str) -> bool:
    return module_level_binding(tree, name) is not None


def module_level_binding(tree: ast.Module, name: str) -> ast.stmt | None:
    """The last top-level statement binding ``name`` (imports, defs, classes, assignments)."""
    found: ast.stmt | None = None
    for statement in tree.body:
        if name in _bound_names([statement]) or (
            isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and statement.name == name
        ):
            found = statement
    return found


def is_builtin(name: str) -> bool:
    return hasattr(builtins, name)
