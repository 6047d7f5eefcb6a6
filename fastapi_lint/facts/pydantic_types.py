"""Which classes and values of a module are provably Pydantic v2 models.

The Pydantic rules share two questions: "is this class written against the v2 API?" (a class
rooted in ``pydantic.v1`` keeps the v1 API on purpose) and "is this expression a model class or
a model instance?" (``Item``, ``Item(...)``, a name annotated ``Item`` or assigned ``Item(...)``,
``self``/``cls`` in the model's own methods). Both answer conservatively: None when the module
does not prove the case, so a plain dict's ``.copy()`` is never taken for a model's.
"""

from __future__ import annotations

import ast
import weakref
from dataclasses import dataclass

from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.coroutines import is_bound_in_function

_V1_BASES = {"pydantic.v1.BaseModel", "pydantic.v1.BaseSettings", "pydantic.v1.main.BaseModel"}
# Class methods that return an instance of the class they are called on.
_ALTERNATE_CONSTRUCTORS = {
    "parse_obj", "parse_raw", "parse_file", "from_orm", "construct", "validate",
    "model_validate", "model_validate_json", "model_construct",
}  # fmt: skip
_METHOD_DECORATORS = {"builtins.classmethod": "class", "builtins.staticmethod": "static"}

_V2_CLASSES: weakref.WeakKeyDictionary[ModuleFacts, dict[str, ast.ClassDef]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class ModelValue:
    """A model class (``is_class``) or an instance of it."""

    cls: ast.ClassDef
    is_class: bool


def v2_model_classes(facts: ModuleFacts) -> dict[str, ast.ClassDef]:
    """Pydantic classes of the module (models and settings) not rooted in ``pydantic.v1``."""
    found = _V2_CLASSES.get(facts)
    if found is None:
        v1 = _v1_rooted(facts)
        found = _V2_CLASSES[facts] = {
            name: node for name, (node, _) in facts.pydantic_classes.items() if name not in v1
        }
    return found


def _v1_rooted(facts: ModuleFacts) -> set[str]:
    v1: set[str] = set()
    changed = True
    while changed:  # a base may come after its subclass
        changed = False
        for name, (node, _) in facts.pydantic_classes.items():
            if name not in v1 and any(_is_v1_base(facts, base, v1) for base in node.bases):
                v1.add(name)
                changed = True
    return v1


def _is_v1_base(facts: ModuleFacts, base: ast.expr, v1: set[str]) -> bool:
    target = base.value if isinstance(base, ast.Subscript) else base
    if facts.qualified_name(target) in _V1_BASES:
        return True
    return isinstance(target, ast.Name) and target.id in v1


def model_class_named(facts: ModuleFacts, expr: ast.AST) -> ast.ClassDef | None:
    """The v2 model class a bare name refers to, unless a local binding shadows it."""
    if not isinstance(expr, ast.Name):
        return None
    cls = v2_model_classes(facts).get(expr.id)
    if cls is None or not facts.is_pydantic_class(expr):
        return None
    func = facts.function_of(expr)
    if func is not None and is_bound_in_function(func, expr.id):
        return None
    return cls


def model_value(facts: ModuleFacts, expr: ast.AST) -> ModelValue | None:
    """What ``expr`` provably is: a v2 model class, an instance of one, or None."""
    cls = model_class_named(facts, expr)
    if cls is not None:
        return ModelValue(cls, is_class=True)
    if isinstance(expr, ast.Call):
        cls = model_class_named(facts, expr.func)
        return ModelValue(cls, is_class=False) if cls is not None else None
    if isinstance(expr, ast.Name):
        own = _self_or_cls(facts, expr)
        if own is not None:
            return own
        origin = facts.binding_origin(expr.id, expr)
        if isinstance(origin, ast.Call):
            cls = model_class_named(facts, _constructor_class(origin.func))
        elif origin is not None:
            cls = model_class_named(facts, origin)
        if cls is not None:
            return ModelValue(cls, is_class=False)
    return None


def _constructor_class(func: ast.expr) -> ast.expr:
    """``Item`` for ``Item(...)`` and for ``Item.model_validate(...)``-style constructors."""
    if isinstance(func, ast.Attribute) and func.attr in _ALTERNATE_CONSTRUCTORS:
        return func.value
    return func


def _self_or_cls(facts: ModuleFacts, expr: ast.Name) -> ModelValue | None:
    """``self`` (or ``cls`` of a classmethod) as the first parameter of a model's own method."""
    func = facts.function_of(expr)
    if func is None or func.class_name is None or func.parent_function is not None:
        return None
    cls = v2_model_classes(facts).get(func.class_name)
    if cls is None or func.node not in cls.body:
        return None
    positional = [*func.node.args.posonlyargs, *func.node.args.args]
    if not positional or positional[0].arg != expr.id:
        return None
    decorators = func.node.decorator_list
    kinds = {_METHOD_DECORATORS.get(facts.qualified_name(d) or "") for d in decorators}
    if "static" in kinds:
        return None
    return ModelValue(cls, is_class="class" in kinds)


def class_defines(facts: ModuleFacts, cls: ast.ClassDef, name: str) -> bool:
    """True when the class or one of its bases defined in the module binds ``name`` in its
    body (a method, a field annotation or an assignment): then ``name`` is not Pydantic's."""
    seen: set[str] = set()
    pending = [cls]
    while pending:
        current = pending.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        if any(name in _body_names(statement) for statement in current.body):
            return True
        for base in current.bases:
            target = base.value if isinstance(base, ast.Subscript) else base
            if isinstance(target, ast.Name) and target.id in facts.pydantic_classes:
                pending.append(facts.pydantic_classes[target.id][0])
    return False


def _body_names(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return {statement.target.id}
    if isinstance(statement, ast.Assign):
        return {t.id for t in statement.targets if isinstance(t, ast.Name)}
    return set()


def pydantic_spelling(facts: ModuleFacts, name: str) -> str | None:
    """How the module spells ``pydantic.<name>``, preferring ``from pydantic import name`` over
    ``pydantic.name`` when both are available; None when it is not imported."""
    for node in facts.import_nodes:
        if isinstance(node, ast.ImportFrom) and node.module == "pydantic" and not node.level:
            for alias in node.names:
                local = alias.asname or alias.name
                if alias.name == name and not facts.is_local_name(local, facts.tree):
                    return local
    return facts.local_name_for(f"pydantic.{name}")
