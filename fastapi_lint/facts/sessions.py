"""Database sessions: which parameters of a function hold an ORM session, whether given by
their annotation or injected by a dependency of the module that yields or returns one."""

from __future__ import annotations

import ast

from fastapi_lint.facts import DependencyUse, FunctionInfo, ModuleFacts

SYNC_SESSION_CLASSES = frozenset(
    {"sqlalchemy.orm.Session", "sqlmodel.Session", "sqlmodel.orm.session.Session"}
)
ASYNC_SESSION_CLASSES = frozenset(
    {"sqlalchemy.ext.asyncio.AsyncSession", "sqlmodel.ext.asyncio.session.AsyncSession"}
)
SESSION_CLASSES = SYNC_SESSION_CLASSES | ASYNC_SESSION_CLASSES
SYNC_SESSION_FACTORY = "sqlalchemy.orm.sessionmaker"
SESSION_FACTORIES = frozenset(
    {f"{SYNC_SESSION_FACTORY}()", "sqlalchemy.ext.asyncio.async_sessionmaker()"}
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
    return provided_session_kind(facts, func) is not None


def provided_session_kind(facts: ModuleFacts, func: FunctionInfo) -> str | None:
    """``"sync"`` or ``"async"`` for the kind of session ``func`` returns or yields (by its
    return annotation, else by the values), None when it provides none."""
    returns = func.node.returns
    if returns is not None:
        kind = _annotation_session_kind(facts, returns)
        if kind is not None:
            return kind
    if func.is_generator:
        values = [node.value for node in func.yields if isinstance(node, ast.Yield)]
    else:
        values = [node.value for node in func.own_nodes if isinstance(node, ast.Return)]
    kinds = [session_kind(facts, value) for value in values if value is not None]
    return "sync" if "sync" in kinds else "async" if "async" in kinds else None


def _annotation_session_kind(facts: ModuleFacts, annotation: ast.expr) -> str | None:
    """The session kind of ``Session``, ``AsyncSession``, or ``Generator[Session, ...]`` and
    the other iterator forms."""
    if isinstance(annotation, ast.Subscript):
        if facts.qualified_name(annotation.value) not in SESSION_ITERATORS:
            return None
        index = annotation.slice
        annotation = index.elts[0] if isinstance(index, ast.Tuple) and index.elts else index
    return _class_kind(facts.qualified_name(annotation))


def _class_kind(qualified: str | None) -> str | None:
    if qualified in SYNC_SESSION_CLASSES:
        return "sync"
    if qualified in ASYNC_SESSION_CLASSES:
        return "async"
    return None


def is_session_value(facts: ModuleFacts, value: ast.expr) -> bool:
    """``Session(engine)``, ``AsyncSession(engine)``, ``SessionLocal()`` of a ``sessionmaker``
    or ``async_sessionmaker``, or a name bound to one (``with SessionLocal() as db``)."""
    return session_kind(facts, value) is not None


def session_kind(facts: ModuleFacts, value: ast.expr) -> str | None:
    """``"sync"`` or ``"async"`` when ``value`` provably is a session (see
    ``is_session_value``); a ``sessionmaker(..., class_=AsyncSession)`` product is async."""
    kind = facts.type_of(value)
    if kind == "sqlalchemy.ext.asyncio.async_sessionmaker()":
        return "async"
    if kind == f"{SYNC_SESSION_FACTORY}()":
        return _sessionmaker_product_kind(facts, value)
    return _class_kind(kind)


def _sessionmaker_product_kind(facts: ModuleFacts, value: ast.expr) -> str | None:
    """What ``SessionLocal()`` makes: ``sessionmaker(...)`` makes ``Session`` objects unless
    ``class_`` names another class (the SQLAlchemy 1.4 async spelling); None when unknown."""
    if isinstance(value, ast.Name):
        origin = facts.binding_origin(value.id, value)
        value = origin if origin is not None else value
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name):
        return None
    factory = facts.binding_origin(value.func.id, value.func)
    if not (isinstance(factory, ast.Call) and facts.is_call_to(factory, SYNC_SESSION_FACTORY)):
        return None
    class_arg = factory.args[1] if len(factory.args) > 1 else None
    for keyword in factory.keywords:
        if keyword.arg == "class_":
            class_arg = keyword.value
        elif keyword.arg is None:
            return None  # `**options` may set class_
    if class_arg is None:
        return "sync"
    return _class_kind(facts.qualified_name(class_arg))
