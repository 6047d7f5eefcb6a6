"""How FastAPI reads a handler parameter: its declaring marker (`Query()`, `Body()`,
`Depends()`...), its type with `Annotated`/`Optional` taken off, and untyped mappings."""

from __future__ import annotations

import ast

from fastapi_lint.facts import FunctionInfo, ModuleFacts

MARKERS = {
    "fastapi.Path": "path",
    "fastapi.Query": "query",
    "fastapi.Header": "header",
    "fastapi.Cookie": "cookie",
    "fastapi.Body": "body",
    "fastapi.Form": "form",
    "fastapi.File": "file",
    "fastapi.Depends": "depends",
    "fastapi.Security": "depends",
}
_MAPPINGS = {
    "builtins.dict",
    "typing.Dict",
    "typing.Mapping",
    "typing.MutableMapping",
    "collections.abc.Mapping",
    "collections.abc.MutableMapping",
}
_ANY = {"typing.Any", "builtins.object"}


def request_parameters(func: FunctionInfo) -> list[ast.arg]:
    """The parameters FastAPI fills from the request (by keyword: not positional-only,
    not `*args`/`**kwargs`)."""
    return [*func.node.args.args, *func.node.args.kwonlyargs]


def marker_kind(facts: ModuleFacts, func: FunctionInfo, param: ast.arg) -> str | None:
    """``"body"``, ``"query"``, ``"depends"``... for a parameter declared with a FastAPI
    marker as its default or in its ``Annotated`` metadata; None without one."""
    candidates: list[ast.expr] = []
    parts = facts.annotated_parts(param.annotation)
    if parts is not None:
        candidates.extend(parts[1])
    default = func.parameter_default(param)
    if default is not None:
        candidates.append(default)
    for candidate in candidates:
        if isinstance(candidate, ast.Call):
            kind = MARKERS.get(facts.qualified_name(candidate.func) or "")
            if kind is not None:
                return kind
    return None


def bare_type(facts: ModuleFacts, annotation: ast.expr | None) -> ast.expr | None:
    """The type of an annotation without ``Annotated[...]`` and ``Optional``/``| None``."""
    parts = facts.annotated_parts(annotation)
    if parts is not None:
        annotation = parts[0]
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [s for s in (annotation.left, annotation.right) if not _is_none(s)]
        if len(sides) == 1:
            return bare_type(facts, sides[0])
    if isinstance(annotation, ast.Subscript):
        qualified = facts.qualified_name(annotation.value)
        if qualified == "typing.Optional":
            return bare_type(facts, annotation.slice)
        if qualified == "typing.Union" and isinstance(annotation.slice, ast.Tuple):
            real = [e for e in annotation.slice.elts if not _is_none(e)]
            if len(real) == 1:
                return bare_type(facts, real[0])
    return annotation


def is_any(facts: ModuleFacts, annotation: ast.expr | None) -> bool:
    return annotation is not None and facts.qualified_name(annotation) in _ANY


def is_untyped_mapping(facts: ModuleFacts, annotation: ast.expr | None) -> bool:
    """``dict``, ``Dict``, ``Mapping``, or one of them whose values are ``Any``/``object``:
    a mapping whose contents FastAPI does not validate."""
    if annotation is None:
        return False
    if facts.qualified_name(annotation) in _MAPPINGS:
        return True
    if not isinstance(annotation, ast.Subscript):
        return False
    if facts.qualified_name(annotation.value) not in _MAPPINGS:
        return False
    index = annotation.slice
    return isinstance(index, ast.Tuple) and len(index.elts) == 2 and is_any(facts, index.elts[1])


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None
