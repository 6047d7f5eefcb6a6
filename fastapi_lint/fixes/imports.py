"""Edits that make a name importable: added once, next to the module's existing imports."""

from __future__ import annotations

import ast

from fastapi_lint.diagnostics import Edit, Position
from fastapi_lint.facts import ModuleFacts


def ensure_module_import(facts: ModuleFacts, module: str) -> tuple[str, Edit | None]:
    """How to spell ``module`` (``"asyncio"``), and the edit adding ``import module`` when the
    module is not imported yet (None when no edit is needed)."""
    spelling = facts.local_name_for(module)
    if spelling is not None:
        return spelling, None
    top = module.split(".")[0]
    if facts.is_local_name(top, facts.tree):
        # the name is taken by a local binding: import under a private alias
        alias = "_" + module.replace(".", "_")
        return alias, _new_import_statement(facts, f"import {module} as {alias}")
    return module, _new_import_statement(facts, f"import {module}")


def ensure_from_import(facts: ModuleFacts, module: str, name: str) -> tuple[str, Edit | None]:
    """How to spell ``module.name`` (``"Annotated"``), adding it to an existing
    ``from module import ...`` or as a new statement when needed."""
    spelling = facts.local_name_for(f"{module}.{name}")
    if spelling is not None:
        return spelling, None
    if facts.is_local_name(name, facts.tree) or _imported_as_other(facts, name):
        module_spelling, edit = ensure_module_import(facts, module)
        return f"{module_spelling}.{name}", edit
    existing = _existing_from_import(facts, module)
    if existing is not None:
        last = existing.names[-1]
        end = Position(
            getattr(last, "end_lineno", existing.lineno), getattr(last, "end_col_offset", 0)
        )
        if getattr(last, "end_lineno", None) is not None:
            return name, Edit.insert(end, f", {name}")
    return name, _new_import_statement(facts, f"from {module} import {name}")


def _imported_as_other(facts: ModuleFacts, name: str) -> bool:
    for node in facts.import_nodes:
        for alias in node.names:
            if (alias.asname or alias.name.split(".")[0]) == name:
                return True
    return False


def _existing_from_import(facts: ModuleFacts, module: str) -> ast.ImportFrom | None:
    for node in facts.tree.body:
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == module
            and node.level == 0
            and not any(a.name == "*" for a in node.names)
        ):
            return node
    return None


def _new_import_statement(facts: ModuleFacts, statement: str) -> Edit:
    """Insert after the last top-level import, else after the docstring and ``__future__``
    imports, else at the top of the module."""
    anchor: ast.stmt | None = None
    for node in facts.tree.body:
        is_import = isinstance(node, ast.Import | ast.ImportFrom)
        if is_import or (anchor is None and _is_docstring(node, facts.tree)):
            anchor = node
        elif anchor is not None:
            break
    newline = facts.source.newline
    if anchor is None:
        return Edit.insert(Position(1, 0), statement + newline)
    end_line = anchor.end_lineno or anchor.lineno
    if end_line < len(facts.source.lines) or facts.source.line_text(end_line).endswith(
        ("\n", "\r")
    ):
        return Edit.insert(Position(end_line + 1, 0), statement + newline)
    end_col = len(facts.source.line_text(end_line).encode("utf-8", errors="surrogatepass"))
    return Edit.insert(Position(end_line, end_col), newline + statement)


def _is_docstring(node: ast.stmt, tree: ast.Module) -> bool:
    return (
        node is tree.body[0]
        and isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )
