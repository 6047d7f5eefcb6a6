"""Pydantic model classes of the module (bases followed transitively within the file)."""

from __future__ import annotations

import ast
from collections.abc import Callable

PYDANTIC_BASES = {
    "pydantic.BaseModel": "model",
    "pydantic.v1.BaseModel": "model",
    "pydantic.BaseSettings": "settings",
    "pydantic.v1.BaseSettings": "settings",
    "pydantic_settings.BaseSettings": "settings",
    "sqlmodel.SQLModel": "model",
}


def find_pydantic_classes(
    classes: list[ast.ClassDef], qualified_name: Callable[[ast.AST], str | None]
) -> dict[str, tuple[ast.ClassDef, str]]:
    """Class name → (node, "model" | "settings"), following bases defined in the module."""
    found: dict[str, tuple[ast.ClassDef, str]] = {}
    changed = True
    while changed:  # a base may be defined after its subclass in odd modules
        changed = False
        for cls in classes:
            if cls.name in found:
                continue
            kind = _pydantic_kind(cls, found, qualified_name)
            if kind is not None:
                found[cls.name] = (cls, kind)
                changed = True
    return found


def _pydantic_kind(
    cls: ast.ClassDef,
    found: dict[str, tuple[ast.ClassDef, str]],
    qualified_name: Callable[[ast.AST], str | None],
) -> str | None:
    kinds = []
    for base in cls.bases:
        target = base.value if isinstance(base, ast.Subscript) else base  # Generic models
        qualified = qualified_name(target)
        if qualified in PYDANTIC_BASES:
            kinds.append(PYDANTIC_BASES[qualified])
        elif isinstance(target, ast.Name) and target.id in found and qualified is None:
            kinds.append(found[target.id][1])
    if not kinds:
        return None
    return "settings" if "settings" in kinds else "model"
