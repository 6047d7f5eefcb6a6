"""Database sessions: which parameters of a function hold an ORM session, whether given by
their annotation or injected by a dependency of the module that yields or returns one."""

from __future__ import annotations

import ast

from fastapi_lint.facts import DependencyUse, FunctionInfo, ModuleFacts

SESSION_CLASSES = frozenset(
    {
        "sqlalchemy.orm.Session",
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlmodel.Session",
        "sqlmodel.orm.session.Session",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
SESSION_FACTORIES = frozenset(
    {"sqlalchemy.orm.sessionmaker()", "sqlalchemy.ext.asyncio.async_sessionmaker()"}
)
SESSION_ITERATORS = frozenset(
    f"{module}.{name}"
    for module in ("typing", "collections.abc")
    for name in ("Generator", "Iterator", "AsyncGenerator", "AsyncIterator")
)


def session_parameters(facts: ModuleFacts, func: FunctionInfo) -> dict[str, ast.arg]:
    """Parameters of ``func`` that hold a session, by name."""
    found: dict[str, ast.arg] = {}
    injected = {use.parameter: use for use in facts.dependencies_of(func) if use.parameter}
    for param in func.parameters:
        use = injected.get(param)
        if _annotated_session(facts, param.annotation) or (
            use is not None and _injects_session(facts, use)
        ):
            found[param.arg] = param
    return found


def is_session_class(facts: ModuleFacts, annotation: ast.expr | None) -> bool:
    return annotation is not None and facts.qualified_name(annotation) in SESSION_CLASSES


def _annotated_session(facts: ModuleFacts, annotation: ast.expr | None) -> bool:
    """``Session``, ``AsyncSession``, ``Annotated[Session, ...]``, ``Session | None``, or a
    module-level alias of one (``SessionDep = Annotated[Session, Depends(get_db)]``)."""
    if annotation is None:
        return False
    if isinstance(annotation, ast.Name) and facts.qualified_name(annotation) is None:
        origin = facts.binding_origin(annotation.id, annotation)
        return origin is not None and is_session_class(facts, origin)
    parts = facts.annotated_parts(annotation)
    if parts is not None:
        annotation = parts[0]
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [annotation.left, annotation.right]
        real = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
        return len(real) == 1 and is_session_class(facts, real[0])
    return is_session_class(facts, annotation)


def _injects_session(facts: ModuleFacts, use: DependencyUse) -> bool:
    """The dependency is a module function that provides a session."""
    func = facts.resolve_function(use.callable_expr)
    return func is not None and provides_session(facts, func)


def provides_session(facts: ModuleFacts, func: FunctionInfo) -> bool:
    """``func`` is annotated to return (or yield) a session, or yields/returns ``Session(...)``,
    ``SessionLocal()`` of a session factory, or a name bound to either."""
    returns = func.node.returns
    if returns is not None and _returns_session_annotation(facts, returns):
        return True
    if func.is_generator:
        values = [node.value for node in func.yields if isinstance(node, ast.Yield)]
    else:
        values = [node.value for node in func.own_nodes if isinstance(node, ast.Return)]
    return any(value is not None and is_session_value(facts, value) for value in values)


def _returns_session_annotation(facts: ModuleFacts, annotation: ast.expr) -> bool:
    if is_session_class(facts, annotation):
        return True
    if isinstance(annotation, ast.Subscript):
        if facts.qualified_name(annotation.value) not in SESSION_ITERATORS:
            return False
        index = annotation.slice
        first = index.elts[0] if isinstance(index, ast.Tuple) and index.elts else index
        return is_session_class(facts, first)
    return False


def is_session_value(facts: ModuleFacts, value: ast.expr) -> bool:
    """``Session(engine)``, ``AsyncSession(engine)``, ``SessionLocal()`` of a ``sessionmaker``
    or ``async_sessionmaker``, or a name bound to one (``with SessionLocal() as db``)."""
    kind = facts.type_of(value)
    return kind in SESSION_CLASSES or kind in SESSION_FACTORIES
