"""FAS401 non-annotated-dependency

## What it does
Finds path operation and dependency parameters whose default value is `Depends(...)`,
`Security(...)`, `Query(...)`, `Path(...)`, `Header(...)`, `Cookie(...)`, `Body(...)`,
`Form(...)` or `File(...)` instead of being declared with `Annotated`.

## Why is this bad?
FastAPI recommends `Annotated` since 0.95: the parameter keeps its real type and its real
default, so the function can be called directly (in tests, from other code) without passing a
`Depends` object where a value is expected, and the same `Annotated` alias can be reused by
several routes. See
[Query parameters and string validations](https://fastapi.tiangolo.com/tutorial/query-params-str-validations/#alternative-old-query-as-the-default-value)
and [Dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/#share-annotated-dependencies).

## Example
```python
@app.get("/items")
def read_items(
    db: Session = Depends(get_db),
    q: str = Query("all", max_length=50),
    item_id: int = Path(...),
): ...
```

## Use instead
```python
@app.get("/items")
def read_items(
    db: Annotated[Session, Depends(get_db)],
    item_id: Annotated[int, Path()],
    q: Annotated[str, Query(max_length=50)] = "all",
): ...
```

## Fix safety
The fix moves the call into `Annotated[T, ...]` and a real default (`Query("all")`) out to
`= "all"`; `Query(...)` and `Query()` become required parameters without a default. The
`Annotated` import is added. The fix is safe when the parameter list needs no reordering: when
a parameter that loses its default comes after one that keeps a default, it is moved before
the parameters with defaults, which changes the order of positional arguments, dependency
resolution and the OpenAPI parameter list, so that fix is unsafe. No fix is offered when a
reordering would cross a positional-only marker or `*args`, or when the call cannot be
rewritten exactly (`Query(*args)`, `Query(**options)`, two defaults). A parameter without
a type annotation is rewritten as `Annotated[Any, ...]`; that fix is unsafe because `Any` is a
placeholder for the real type. A fix that would drop a comment is unsafe too.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, node_end
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.fixes import ensure_from_import
from fastapi_lint.rules import Options, rule

CODE = "FAS401"
DEPENDS_KINDS = {"fastapi.Depends": "Depends", "fastapi.Security": "Security"}
PARAM_KINDS = {
    "fastapi.Query": "Query",
    "fastapi.Path": "Path",
    "fastapi.Header": "Header",
    "fastapi.Cookie": "Cookie",
    "fastapi.Body": "Body",
    "fastapi.Form": "Form",
    "fastapi.File": "File",
}


@dataclass(frozen=True)
class _Conversion:
    """One flagged parameter rewritten with ``Annotated``."""

    edit: Edit
    keeps_default: bool
    applicability: Applicability
    imports: tuple[Edit, ...]


class _Imports:
    """The spellings of ``Annotated`` and ``Any`` and the edits importing them, asked once."""

    def __init__(self, facts: ModuleFacts) -> None:
        self._facts = facts
        self._found: dict[str, tuple[str, Edit | None]] = {}

    def spelling(self, name: str) -> tuple[str, Edit | None]:
        if name not in self._found:
            self._found[name] = ensure_from_import(self._facts, "typing", name)
        return self._found[name]


@rule(code=CODE, name="non-annotated-dependency", default=True, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    imports = _Imports(facts)
    for func in _injected_functions(facts):
        yield from _check_function(facts, func, imports)


def _injected_functions(facts: ModuleFacts) -> list[FunctionInfo]:
    """Functions whose parameters FastAPI injects: path operations, dependencies, and the
    ``__init__`` of classes used as dependencies."""
    found: dict[FunctionInfo, None] = dict.fromkeys(facts.path_operations)
    found.update(dict.fromkeys(facts.dependency_functions))
    # module-level classes by name (the last of a name, as Python binds it)
    classes = {n.name: n for n in facts.tree.body if isinstance(n, ast.ClassDef)}
    for use in facts.dependency_uses:
        init = _class_dependency_init(facts, use.callable_expr, classes)
        if init is not None:
            found[init] = None
    return list(found)


def _class_dependency_init(
    facts: ModuleFacts, expr: ast.expr | None, classes: dict[str, ast.ClassDef]
) -> FunctionInfo | None:
    if not isinstance(expr, ast.Name) or not facts.is_local_name(expr.id, expr):
        return None
    cls = classes.get(expr.id)
    if cls is None:
        return None
    inits = [
        n
        for n in cls.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == "__init__"
    ]
    return facts.function_info(inits[-1]) if inits else None


def _check_function(
    facts: ModuleFacts, func: FunctionInfo, imports: _Imports
) -> Iterator[Diagnostic]:
    flagged = {
        param: found
        for param in func.parameters
        if (found := _flagged_default(facts, func, param)) is not None
    }
    if not flagged:
        return
    conversions = {
        param: _conversion(facts, param, call, kind, imports)
        for param, (call, kind) in flagged.items()
    }
    for param, (call, kind) in flagged.items():
        fix = _fix_for(facts, func, param, conversions)
        yield Diagnostic(
            CODE,
            f"`{param.arg}` declares `{kind}()` as its default; move it into `Annotated`",
            Position(param.lineno, param.col_offset),
            node_end(call),
            fix=fix,
        )


def _flagged_default(
    facts: ModuleFacts, func: FunctionInfo, param: ast.arg
) -> tuple[ast.Call, str] | None:
    default = func.parameter_default(param)
    if not isinstance(default, ast.Call) or _looks_annotated(facts, param.annotation):
        return None
    qualified = facts.qualified_name(default.func) or ""
    kind = DEPENDS_KINDS.get(qualified) or PARAM_KINDS.get(qualified)
    return (default, kind) if kind else None


def _looks_annotated(facts: ModuleFacts, annotation: ast.expr | None) -> bool:
    """``Annotated[...]``, also from a module the resolver does not know: rewriting it would
    nest one ``Annotated`` in another."""
    if facts.annotated_parts(annotation) is not None:
        return True
    if isinstance(annotation, ast.Subscript):
        base = annotation.value
        name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
        return name == "Annotated"
    return False


# --- rewriting one parameter ----------------------------------------------------------------


def _conversion(
    facts: ModuleFacts,
    param: ast.arg,
    call: ast.Call,
    kind: str,
    imports: _Imports,
) -> _Conversion | None:
    """``q: str = Query("x", max_length=3)`` → ``q: Annotated[str, Query(max_length=3)] = "x"``;
    None when the call cannot be rewritten exactly."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return None
    default_text: str | None = None
    metadata = _text(facts, call)
    if kind not in DEPENDS_KINDS.values():
        default = _declared_default(call)
        if default is False:
            return None
        if default is not None:
            metadata = _without_argument(facts, call, default)
            if not _is_call_without(metadata, call, default):
                return None
            value = default.value if isinstance(default, ast.keyword) else default
            if not _is_ellipsis(value):
                default_text = _text(facts, value)
    annotated, annotated_import = imports.spelling("Annotated")
    needed = [annotated_import]
    if param.annotation is not None:
        type_text = _text(facts, param.annotation)
    else:
        type_text, any_import = imports.spelling("Any")
        needed.append(any_import)
    new_text = f"{param.arg}: {annotated}[{type_text}, {metadata}]"
    if default_text is not None:
        new_text += f" = {default_text}"
    start = Position(param.lineno, param.col_offset)
    old_text = facts.source.segment(start, node_end(call))
    safe = param.annotation is not None and _keeps_comments(old_text, new_text)
    return _Conversion(
        Edit(start, node_end(call), new_text),
        keeps_default=default_text is not None,
        applicability=Applicability.SAFE if safe else Applicability.UNSAFE,
        imports=tuple(e for e in needed if e is not None),
    )


def _declared_default(call: ast.Call) -> ast.expr | ast.keyword | Literal[False] | None:
    """The argument giving a ``Query(...)``-style call its default (the first positional
    argument or ``default=``); None when there is none, False when the call has more
    positional arguments or two defaults (it cannot be rewritten exactly)."""
    given: list[ast.expr | ast.keyword] = [*call.args]
    given += [kw for kw in call.keywords if kw.arg == "default"]
    if len(given) > 1:
        return False
    return given[0] if given else None


_FOLLOWING_COMMA = re.compile(r"[ \t]*,[ \t]*")
_PRECEDING_COMMA = re.compile(r",\s*$")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def _without_argument(facts: ModuleFacts, call: ast.Call, argument: ast.expr | ast.keyword) -> str:
    """The call's text without one argument and its comma; comments and the layout of the
    other arguments stay as written."""
    call_start = facts.source.offset(Position(call.lineno, call.col_offset))
    text = _text(facts, call)
    start = facts.source.offset(Position(argument.lineno, argument.col_offset)) - call_start
    end = facts.source.offset(node_end(argument)) - call_start
    opening = len(_text(facts, call.func))
    while (
        (before := len(text[:start].rstrip())) - 1 > opening
        and text[before - 1] == "("
        and text[end:].lstrip().startswith(")")
    ):  # a parenthesised default: ``Query(("x"))``
        start, end = before - 1, len(text) - len(text[end:].lstrip()) + 1
    comma = _FOLLOWING_COMMA.match(text, end)
    if comma:
        end = comma.end()
    elif preceding := _PRECEDING_COMMA.search(text[:start]):
        start = preceding.start()
    line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    newline = _NEWLINE.match(text, end)
    if line_start > 0 and not text[line_start:start].strip() and newline:
        # the argument had its own line: drop the whole line
        start, end = line_start, newline.end()
    return text[:start] + text[end:]


def _is_call_without(text: str, call: ast.Call, argument: ast.expr | ast.keyword) -> bool:
    """Whether ``text`` is ``call`` with exactly ``argument`` removed."""
    try:
        parsed = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return False
    if not isinstance(parsed, ast.Call):
        return False
    expected = [kw for kw in call.keywords if kw is not argument]
    return (
        not parsed.args
        and ast.dump(parsed.func) == ast.dump(call.func)
        and [ast.dump(kw) for kw in parsed.keywords] == [ast.dump(kw) for kw in expected]
    )


def _is_ellipsis(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is Ellipsis


def _text(facts: ModuleFacts, node: ast.AST) -> str:
    start = Position(getattr(node, "lineno", 1), getattr(node, "col_offset", 0))
    return facts.source.segment(start, node_end(node))


def _keeps_comments(old_text: str, new_text: str) -> bool:
    comments = _comments(old_text)
    return comments is not None and all(c in new_text for c in comments)


def _comments(text: str) -> list[str] | None:
    """The comments in a fragment of code; None when it does not tokenize."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    return [t.string for t in tokens if t.type == tokenize.COMMENT]


# --- fixes and parameter order --------------------------------------------------------------


def _fix_for(
    facts: ModuleFacts,
    func: FunctionInfo,
    param: ast.arg,
    conversions: dict[ast.arg, _Conversion | None],
) -> Fix | None:
    conversion = conversions[param]
    if conversion is None:
        return None
    positional = [*func.node.args.posonlyargs, *func.node.args.args]
    if param not in positional or conversion.keeps_default:
        return _fix_from([conversion])
    earlier = _defaults_lost_before(func, positional[: positional.index(param)], conversions)
    if earlier is not None:
        # the earlier parameters' own fixes go along, so this one never applies without them
        return _fix_from([*earlier, conversion])
    return _reorder_fix(facts, func, conversions)


def _defaults_lost_before(
    func: FunctionInfo,
    earlier: list[ast.arg],
    conversions: dict[ast.arg, _Conversion | None],
) -> list[_Conversion] | None:
    """The conversions removing every default among ``earlier``; None when one of those
    defaults stays, so that a required parameter after them needs reordering."""
    lost: list[_Conversion] = []
    for param in earlier:
        if func.parameter_default(param) is None:
            continue
        conversion = conversions.get(param)
        if conversion is None or conversion.keeps_default:
            return None
        lost.append(conversion)
    return lost


def _fix_from(conversions: list[_Conversion]) -> Fix:
    safe = all(c.applicability is Applicability.SAFE for c in conversions)
    edits: dict[Edit, None] = {}
    for conversion in conversions:
        edits.update(dict.fromkeys([conversion.edit, *conversion.imports]))
    return Fix(
        "Declare with `Annotated`",
        Applicability.SAFE if safe else Applicability.UNSAFE,
        tuple(edits),
    )


def _reorder_fix(
    facts: ModuleFacts,
    func: FunctionInfo,
    conversions: dict[ast.arg, _Conversion | None],
) -> Fix | None:
    """Rewrite the positional parameters with every conversion applied and the ones without a
    default first (a stable partition). The same edit for every parameter of the function that
    needs it, so that those fixes are applied together."""
    arguments = func.node.args
    if arguments.posonlyargs or arguments.vararg or not arguments.args:
        return None
    params = arguments.args
    texts: list[str] = []
    has_default: list[bool] = []
    imports: dict[Edit, None] = {}
    for param in params:
        conversion = conversions.get(param)
        if conversion is not None:
            texts.append(conversion.edit.new_text)
            has_default.append(conversion.keeps_default)
            imports.update(dict.fromkeys(conversion.imports))
        else:
            texts.append(facts.source.segment(*_parameter_span(func, param)))
            has_default.append(func.parameter_default(param) is not None)
    order = [i for i in range(len(params)) if not has_default[i]]
    order += [i for i in range(len(params)) if has_default[i]]
    edit = _reordered(facts, func, texts, order)
    if edit is None:
        return None
    return Fix(
        "Declare with `Annotated` and move required parameters first",
        Applicability.UNSAFE,
        (edit, *imports),
    )


@dataclass(frozen=True)
class _Layout:
    """A parameter's place in a one-parameter-per-line signature: the comment lines above it,
    the comment after its comma, and the indentation of its line."""

    leading: tuple[str, ...]
    trailing: str
    indent: str


_ONE_LINE_SEPARATOR = re.compile(r"[ \t]*,[ \t]*")
_LINE_SEPARATOR = re.compile(
    r"[ \t]*,(?P<trailing>[ \t]*#[^\r\n]*)?[ \t]*(?P<rest>(?:\r\n|\r|\n).*)", re.DOTALL
)
_LAST_TRAILING = re.compile(r"(?P<comma>[ \t]*,)?(?P<trailing>[ \t]*#[^\r\n]*)?")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _reordered(
    facts: ModuleFacts, func: FunctionInfo, texts: list[str], order: list[int]
) -> Edit | None:
    """The edit writing ``texts`` in ``order`` over the positional parameters. Comments go
    along with their parameter; None when the layout is neither one line nor one parameter
    per line."""
    spans = [_parameter_span(func, p) for p in func.node.args.args]
    separators = [facts.source.segment(spans[i][1], spans[i + 1][0]) for i in range(len(spans) - 1)]
    if all(_ONE_LINE_SEPARATOR.fullmatch(sep) for sep in separators):
        new_text = texts[order[0]] + "".join(
            sep + texts[i] for sep, i in zip(separators, order[1:], strict=True)
        )
        return Edit(spans[0][0], spans[-1][1], new_text)
    end = spans[-1][1]
    line_rest = facts.source.line_text(end.line)[facts.source.char_col(end) :]
    last = _LAST_TRAILING.match(line_rest)
    layouts = _line_layouts(separators, last.group("trailing") if last else None)
    if layouts is None or last is None:
        return None
    last_comma = bool(last.group("comma"))
    newline = facts.source.newline
    pieces: list[str] = []
    for position, index in enumerate(order):
        # a position keeps the indentation of its line; the first one is already indented
        indent = layouts[max(position, 1)].indent
        if position:
            pieces.append(newline + indent)
        pieces.extend(comment + newline + indent for comment in layouts[index].leading)
        comma = "," if position < len(order) - 1 or last_comma else ""
        pieces.append(texts[index] + comma + layouts[index].trailing)
    end = Position(end.line, end.col + len(last.group(0).encode("utf-8", "surrogatepass")))
    return Edit(spans[0][0], end, "".join(pieces))


def _line_layouts(separators: list[str], last_trailing: str | None) -> list[_Layout] | None:
    """Each parameter's comments and indentation when every separator is a comma, an
    optional comment, a line break, comment or blank lines, and indentation."""
    leading: list[tuple[str, ...]] = [()]
    trailing: list[str] = []
    indents = [""]
    for separator in separators:
        match = _LINE_SEPARATOR.fullmatch(separator)
        if match is None:
            return None
        *between, indent = _LINE_BREAK.split(match.group("rest"))[1:]
        comments = tuple(line.strip() for line in between if line.strip())
        if indent.strip() or any(not c.startswith("#") for c in comments):
            return None
        leading.append(comments)
        trailing.append(match.group("trailing") or "")
        indents.append(indent)
    trailing.append(last_trailing or "")
    return [_Layout(*parts) for parts in zip(leading, trailing, indents, strict=True)]


def _parameter_span(func: FunctionInfo, param: ast.arg) -> tuple[Position, Position]:
    default = func.parameter_default(param)
    return Position(param.lineno, param.col_offset), node_end(default if default else param)
