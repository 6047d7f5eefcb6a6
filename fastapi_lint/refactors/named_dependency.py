"""Extract named dependency: ``SessionDep = Annotated[AsyncSession, Depends(get_db)]`` defined
once at module level, replacing every identical declaration in the module.

A declaration is ``db: Annotated[AsyncSession, Depends(get_db)]`` or the older
``db: AsyncSession = Depends(get_db)`` (``Security(...)`` too); two are identical when their
type and their call are the same expressions. The alias is evaluated where it is defined, so
it goes after the last module-level binding of every name it mentions and before the first
function using it; names bound twice, or only in an enclosing function or class, make the
refactoring unprovable.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

from fastapi_lint.diagnostics import Edit, Position, node_end, node_span
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.fixes import ensure_from_import
from fastapi_lint.refactors import NotOffered, Refactoring
from fastapi_lint.refactors._cst import (
    EXTRACT,
    NothingHere,
    module_bound_names,
    module_facts,
    single_file,
    text_of,
)

DEPENDS = ("fastapi.Depends", "fastapi.Security")
# Types too general to name a dependency after: the callable's name says more.
_GENERIC_TYPES = {"Any", "object"}


@dataclass(frozen=True)
class Declaration:
    """A parameter declared as a dependency."""

    func: FunctionInfo
    param: ast.arg
    type_expr: ast.expr
    call: ast.Call
    annotated: bool  # ``Annotated[T, Depends(f)]``; False for ``T = Depends(f)``

    @property
    def key(self) -> tuple[str, str]:
        return ast.dump(self.type_expr), ast.dump(self.call)

    @property
    def replaced_span(self) -> tuple[Position, Position]:
        """What the alias replaces: the annotation, or the annotation and the default."""
        assert self.param.annotation is not None
        start, end = node_span(self.param.annotation)
        return (start, end) if self.annotated else (start, node_end(self.call))


def extract_named_dependency_available(source: str, line: int) -> bool:
    lines = source.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return "Depends(" in text or "Security(" in text


def extract_named_dependency(
    path: str, source: str, line: int, column: int | None = None
) -> Refactoring:
    """Name the dependency declared by the parameter at ``line`` (and ``column``, a UTF-8
    byte offset, when the line has several)."""
    facts = module_facts(path, source)
    chosen = _declaration_at(facts, line, column)
    same = [d for d in _declarations(facts) if d.key == chosen.key and _in_module_scope(facts, d)]
    if chosen not in same:
        raise NotOffered(
            f"`{chosen.param.arg}` is declared in a nested function or class, where the "
            "names of its type may mean something else"
        )
    replaced = _removable(same)
    if chosen not in replaced:
        raise NotOffered(
            f"`{chosen.param.arg}` would lose its default after a parameter that keeps one; "
            "convert the signature to `Annotated` first"
        )
    alias = _alias_name(facts, chosen)
    definition, import_edit = _definition(facts, chosen, alias)
    insert_at = _insertion_point(facts, chosen, replaced, import_edit)
    edits = [Edit(*d.replaced_span, alias) for d in replaced]
    newline = facts.source.newline
    blank = newline * (2 if _after_definition(facts, insert_at) else 1)
    new_statement = f"{blank}{definition}{newline}"
    if import_edit is not None and import_edit.start == insert_at:
        edits.append(Edit.insert(insert_at, import_edit.new_text + new_statement))
    else:
        edits.append(Edit.insert(insert_at, new_statement))
        if import_edit is not None:
            edits.append(import_edit)
    return single_file(f"Extract named dependency `{alias}`", EXTRACT, path, facts, edits)


# --- finding declarations ---------------------------------------------------------------------


def _declarations(facts: ModuleFacts) -> list[Declaration]:
    found = []
    for func in facts.functions:
        for param in func.parameters:
            declaration = _declaration(facts, func, param)
            if declaration is not None:
                found.append(declaration)
    return found


def _declaration(facts: ModuleFacts, func: FunctionInfo, param: ast.arg) -> Declaration | None:
    if isinstance(param.annotation, ast.Name) and facts.annotated_alias(param.annotation):
        return None  # a named dependency already
    parts = facts.annotated_parts(param.annotation)
    if parts is not None:
        type_expr, metadata = parts
        if len(metadata) == 1 and facts.is_call_to(metadata[0], *DEPENDS):
            assert isinstance(metadata[0], ast.Call)
            return Declaration(func, param, type_expr, metadata[0], annotated=True)
        return None
    default = func.parameter_default(param)
    if (
        param.annotation is not None
        and isinstance(default, ast.Call)
        and facts.is_call_to(default, *DEPENDS)
    ):
        return Declaration(func, param, param.annotation, default, annotated=False)
    return None


def _declaration_at(facts: ModuleFacts, line: int, column: int | None) -> Declaration:
    here = []
    for declaration in _declarations(facts):
        start, end = declaration.param.lineno, node_end(declaration.call).line
        if start <= line <= end:
            here.append(declaration)
    if column is not None and len(here) > 1:
        here = [d for d in here if _covers(d, line, column)] or here
    if here:
        return here[0]
    if _untyped_dependency_at(facts, line):
        raise NotOffered(f"the dependency at line {line} has no type to name it after")
    raise NothingHere(f"no parameter at line {line} declares a dependency with `Depends()`")


def _covers(declaration: Declaration, line: int, column: int) -> bool:
    start = Position(declaration.param.lineno, declaration.param.col_offset)
    return start <= Position(line, column) <= node_end(declaration.call)


def _untyped_dependency_at(facts: ModuleFacts, line: int) -> bool:
    for func in facts.functions:
        for param in func.parameters:
            default = func.parameter_default(param)
            if param.annotation is not None or default is None:
                continue
            if default.lineno == line and facts.is_call_to(default, *DEPENDS):
                return True
    return False


# --- scopes and order ---------------------------------------------------------------------


def _names_of(declaration: Declaration) -> set[str]:
    """The names the alias's text reads."""
    roots: list[ast.AST] = [declaration.type_expr, declaration.call]
    if declaration.annotated and isinstance(declaration.param.annotation, ast.Subscript):
        roots.append(declaration.param.annotation.value)  # `Annotated` itself
    return {
        node.id
        for root in roots
        for node in ast.walk(root)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def _in_module_scope(facts: ModuleFacts, declaration: Declaration) -> bool:
    """Whether the declaration's names mean the module-level ones: a module-level function, or
    a method of a module-level class whose body binds none of them."""
    func = declaration.func
    if func.parent_function is not None:
        return False
    if func.class_name is None:
        return func.node in facts.tree.body
    owner = facts.parent(func.node)
    if not isinstance(owner, ast.ClassDef) or owner not in facts.tree.body:
        return False
    bound = {name for statement in owner.body for name in _bound_by(statement)}
    return not (bound & _names_of(declaration))


def _removable(declarations: list[Declaration]) -> list[Declaration]:
    """The declarations the alias can replace: an ``= Depends(f)`` default can only go when
    no positional parameter before it keeps a default."""
    kept: list[Declaration] = []
    by_function: dict[FunctionInfo, list[Declaration]] = {}
    for declaration in declarations:
        by_function.setdefault(declaration.func, []).append(declaration)
    for func, mine in by_function.items():
        positional = [*func.node.args.posonlyargs, *func.node.args.args]
        default_before = False
        for param in func.parameters:
            found = next((d for d in mine if d.param is param), None)
            replace = found is not None and (
                found.annotated or param not in positional or not default_before
            )
            if found is not None and replace:
                kept.append(found)
            loses_default = found is not None and replace and not found.annotated
            has_default = func.parameter_default(param) is not None and not loses_default
            if param in positional and has_default:
                default_before = True
    return kept


def _bound_by(statement: ast.stmt) -> set[str]:
    """Names a module-level (or class-level) statement binds in its own scope."""
    names: set[str] = set()
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            continue  # their bodies are other scopes
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        pending.extend(ast.iter_child_nodes(node))
    return names


def _top_statement(facts: ModuleFacts, node: ast.AST) -> ast.stmt:
    for ancestor in [node, *facts.ancestors(node)]:
        if isinstance(ancestor, ast.stmt) and ancestor in facts.tree.body:
            return ancestor
    raise NotOffered("the declaration is not inside a module-level statement")


def _insertion_point(
    facts: ModuleFacts,
    chosen: Declaration,
    replaced: list[Declaration],
    import_edit: Edit | None,
) -> Position:
    """Right after the last module-level binding the alias reads, which must come before the
    first statement that will use the alias."""
    body = facts.tree.body
    first_use = min(body.index(_top_statement(facts, d.func.node)) for d in replaced)
    anchor = -1
    for name in sorted(_names_of(chosen)):
        bindings = [i for i, statement in enumerate(body) if name in _bound_by(statement)]
        if len(bindings) > 1:
            raise NotOffered(f"`{name}` is bound more than once at module level")
        if not bindings:
            if hasattr(builtins, name):
                continue
            raise NotOffered(f"`{name}` is not defined at module level")
        if bindings[0] >= first_use:
            raise NotOffered(
                f"`{name}` is defined after its first use at line {body[first_use].lineno}"
            )
        anchor = max(anchor, bindings[0])
    position = _after(facts, body[anchor]) if anchor >= 0 else Position(1, 0)
    if import_edit is not None and import_edit.start > position:
        position = import_edit.start  # the new `Annotated` import comes first
    first_line = min([body[first_use].lineno, *_decorator_lines(body[first_use])])
    if position > Position(first_line, 0):
        raise NotOffered("the alias cannot be defined before its first use")
    return position


def _after(facts: ModuleFacts, statement: ast.stmt) -> Position:
    end = statement.end_lineno or statement.lineno
    if end < len(facts.source.lines) or facts.source.line_text(end).endswith(("\n", "\r")):
        return Position(end + 1, 0)
    raise NotOffered("the module ends right after the alias's last binding")


def _decorator_lines(statement: ast.stmt) -> list[int]:
    decorators = getattr(statement, "decorator_list", [])
    return [d.lineno for d in decorators]


def _after_definition(facts: ModuleFacts, position: Position) -> bool:
    """Whether the line before ``position`` ends a ``def`` or ``class`` (two blank lines then)."""
    for statement in facts.tree.body:
        if (statement.end_lineno or statement.lineno) == position.line - 1:
            return isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    return False


# --- the alias ------------------------------------------------------------------------------


def _definition(facts: ModuleFacts, chosen: Declaration, alias: str) -> tuple[str, Edit | None]:
    if chosen.annotated:
        assert chosen.param.annotation is not None
        return f"{alias} = {text_of(facts, chosen.param.annotation)}", None
    annotated, import_edit = ensure_from_import(facts, "typing", "Annotated")
    type_text, call_text = text_of(facts, chosen.type_expr), text_of(facts, chosen.call)
    return f"{alias} = {annotated}[{type_text}, {call_text}]", import_edit


def _alias_name(facts: ModuleFacts, chosen: Declaration) -> str:
    """``AsyncSession`` → ``SessionDep``; a general type (``dict``, ``Any``) takes the
    dependency's name instead: ``get_current_user`` → ``CurrentUserDep``."""
    base = _type_base(chosen.type_expr) or _callable_base(chosen.call) or "Dependency"
    taken = module_bound_names(facts)
    name = f"{base}Dep"
    number = 2
    while name in taken:
        name = f"{base}Dep{number}"
        number += 1
    return name


def _type_base(expr: ast.expr) -> str | None:
    name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", None)
    if not isinstance(name, str) or not name[:1].isupper() or name in _GENERIC_TYPES:
        return None
    if re.match(r"Async[A-Z]", name):
        name = name[len("Async") :]
    return name


def _callable_base(call: ast.Call) -> str | None:
    target = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.arg == "dependency":
            target = keyword.value
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
    if not isinstance(name, str):
        return None
    words = [w for w in re.sub(r"^(get|make|provide)_", "", name).split("_") if w]
    return "".join(w[:1].upper() + w[1:] for w in words) or None
