"""Extract to service, step four: the edits that leave a thin route behind.

The route keeps its decorators, parameters (but the resources only the service uses), its
docstring and request/response prefix; its business statements become one call of the
service method. The service is injected where the first moved resource was declared, so
FastAPI still resolves the dependencies in the same order.
"""

from __future__ import annotations

import ast
import tokenize
from dataclasses import dataclass

from fastapi_lint.diagnostics import Edit, Position, node_end, node_start
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.signatures import (
    after_open_paren,
    header_colon,
    header_tokens,
    parameter_end,
)
from fastapi_lint.refactors import NotOffered
from fastapi_lint.refactors.service_analysis import HandlerAnalysis, Parameter
from fastapi_lint.refactors.service_existing import DependencyKey, route_dependency_key


@dataclass(frozen=True)
class ServiceCall:
    parameter: str  # the route parameter holding the service
    declaration: str  # `service: Annotated[XService, Depends(get_x_service)]`
    method: str
    arguments: list[str]
    is_async: bool
    dropped: list[Parameter]  # resource parameters only the service uses
    provider_keys: list[DependencyKey | None]  # the provider's dependencies, in order


def route_edits(analysis: HandlerAnalysis, call: ServiceCall) -> list[Edit]:
    return [*_signature_edits(analysis, call), _body_edit(analysis, call)]


def _body_edit(analysis: HandlerAnalysis, call: ServiceCall) -> Edit:
    facts = analysis.facts
    node = analysis.handler_node
    if analysis.kept:
        boundary = analysis.kept[-1].end_lineno or analysis.kept[-1].lineno
    else:
        colon = header_colon(facts, analysis.handler)
        if colon is None:
            raise NotOffered("the handler's header cannot be read")
        boundary = colon.line
    first = analysis.business[0]
    indent = facts.source.indentation(first.lineno)
    unit = indent[: len(indent) - len(facts.source.indentation(node.lineno))] or "    "
    newline = facts.source.newline
    awaited = "await " if call.is_async else ""
    invocation = f"{awaited}{call.parameter}.{call.method}({', '.join(call.arguments)})"
    if analysis.not_found:
        result = _free_name(analysis, "result")
        raise_text = facts.source.segment(*_span(analysis.not_found[0]))
        lines = [
            f"{indent}{result} = {invocation}",
            f"{indent}if {result} is None:",
            f"{indent}{unit}{raise_text}",
            f"{indent}return {result}",
        ]
    else:
        lines = [f"{indent}return {invocation}"]
    last = node.end_lineno or node.lineno
    last_text = facts.source.line_text(last).rstrip("\r\n")
    end = Position(last, len(last_text.encode("utf-8", errors="surrogatepass")))
    return Edit(Position(boundary + 1, 0), end, newline.join(lines))


def _span(node: ast.AST) -> tuple[Position, Position]:
    return node_start(node), node_end(node)


def _free_name(analysis: HandlerAnalysis, wanted: str) -> str:
    taken = (
        {p.name for p in analysis.parameters}
        | _names_in(analysis.kept)
        | _names_in(analysis.not_found)
    )
    name = wanted
    while name in taken:
        name += "_"
    return name


def _names_in(nodes: list[ast.stmt] | list[ast.Raise]) -> set[str]:
    return {n.id for s in nodes for n in ast.walk(s) if isinstance(n, ast.Name)}


def service_parameter_name(analysis: HandlerAnalysis, resource: str) -> str:
    taken = (
        {p.name for p in analysis.parameters}
        | _names_in(analysis.kept)
        | _names_in(analysis.not_found)
    )
    for candidate in ("service", f"{resource}_service"):
        if candidate not in taken:
            return candidate
    name = f"{resource}_service"
    while name in taken:
        name += "_"
    return name


# --- the signature --------------------------------------------------------------------------


MAX_LINE = 100  # a one-line signature longer than this gets one parameter per line


def _signature_edits(analysis: HandlerAnalysis, call: ServiceCall) -> list[Edit]:
    edits = _parameter_edits(analysis, call)
    wrapped = _wrapped(analysis, edits)
    return [wrapped] if wrapped is not None else edits


def _wrapped(analysis: HandlerAnalysis, edits: list[Edit]) -> Edit | None:
    """For a ``def`` written on one line that the edits make longer than ``MAX_LINE``: one
    edit rewriting the parameter list with one parameter per line."""
    facts = analysis.facts
    node = analysis.handler_node
    opening = after_open_paren(facts, analysis.handler)
    closing = next((t for t in _parameter_list_tokens(analysis) if t[0] == ")"), None)
    if opening is None or closing is None or not opening.line == closing[1].line == node.lineno:
        return None
    source = facts.source
    content = source.segment(opening, closing[1])
    base = source.offset(opening)
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        start, end = source.offset(edit.start) - base, source.offset(edit.end) - base
        content = content[:start] + edit.new_text + content[end:]
    line = source.line_text(node.lineno).rstrip("\r\n")
    head = line[: source.char_col(opening)]
    tail = line[source.char_col(closing[1]) :]
    if len(head) + len(content) + len(tail) <= MAX_LINE:
        return None
    try:
        parsed = ast.parse(f"def _({content}): pass").body[0]
    except SyntaxError:
        return None
    assert isinstance(parsed, ast.FunctionDef)
    text = f"def _({content}): pass"
    items = [_parameter_text(text, parsed, a) for a in parsed.args.args]
    if parsed.args.kwonlyargs:
        items.append("*")
        items += [_parameter_text(text, parsed, a) for a in parsed.args.kwonlyargs]
    unit = source.indentation(analysis.business[0].lineno) or "    "
    newline = source.newline
    listed = "".join(f"{unit}{item},{newline}" for item in items)
    return Edit(opening, closing[1], f"{newline}{listed}")


def _parameter_text(text: str, func: ast.FunctionDef, param: ast.arg) -> str:
    args = func.args
    end: ast.AST = param
    positional = args.args
    if param in positional:
        index = positional.index(param) - (len(positional) - len(args.defaults))
        if index >= 0:
            end = args.defaults[index]
    elif param in args.kwonlyargs:
        default = args.kw_defaults[args.kwonlyargs.index(param)]
        if default is not None:
            end = default
    line = text.splitlines()[0].encode("utf-8", errors="surrogatepass")
    stop = getattr(end, "end_col_offset", param.col_offset)
    return line[param.col_offset : stop].decode("utf-8", errors="surrogatepass")


def _parameter_edits(analysis: HandlerAnalysis, call: ServiceCall) -> list[Edit]:
    func = analysis.handler
    args = func.node.args
    _check_dependency_order(analysis, call)
    tokens = _parameter_list_tokens(analysis)
    commas = [t for t in tokens if t[0] == ","]
    if not call.dropped:
        return [_appended(analysis, call.declaration, tokens)]
    edits: list[Edit] = []
    first = call.dropped[0]
    declaration = call.declaration
    positional = list(args.args)
    if first.node in positional:
        before = positional[: positional.index(first.node)]
        if any(func.parameter_default(p) is not None for p in before):
            if args.kwonlyargs:
                raise NotOffered(
                    "the service parameter would need a default or a new `*` in a signature "
                    "that already has keyword-only parameters"
                )
            declaration = _star(analysis, first.node) + declaration
    edits.append(Edit(node_start(first.node), parameter_end(func, first.node), declaration))
    closing = next(t for t in tokens if t[0] == ")")
    for dropped in call.dropped[1:]:
        start, end = node_start(dropped.node), parameter_end(func, dropped.node)
        after = next((c for c in commas if c[1] >= end), None)
        earlier = [c for c in commas if c[2] <= start]
        if after is not None and after[3] is not None and after[3] != closing[1]:
            edits.append(Edit(start, after[3], ""))  # `db: X, ` up to the next item
        elif earlier:
            # the last item: from the comma before it, keeping a trailing comma's line shape
            comma = earlier[-1]
            edits.append(Edit(comma[2], after[2], "") if after else Edit(comma[1], end, ""))
        else:
            edits.append(Edit(start, after[2] if after else end, ""))
    return edits


def _star(analysis: HandlerAnalysis, before: ast.arg) -> str:
    """The `*` that makes the service keyword-only: on a line of its own when the parameters
    are written one per line."""
    source = analysis.facts.source
    start = node_start(before)
    line = source.line_text(start.line)
    if line[: source.char_col(start)].strip():
        return "*, "
    return f"*,{source.newline}{source.indentation(start.line)}"


def _check_dependency_order(analysis: HandlerAnalysis, call: ServiceCall) -> None:
    """FastAPI must resolve the same dependencies in the same order: the route's own, with
    the provider's taking the place of the first moved resource (a dependency resolved a
    second time in a request is taken from the cache and runs nothing)."""
    if any(key is None for key in call.provider_keys):
        raise NotOffered("the service's provider takes a parameter that is not a cached dependency")
    facts = analysis.facts
    uses = {
        use.parameter: use
        for use in facts.dependencies_of(analysis.handler)
        if use.parameter is not None
    }
    position = (
        analysis.parameters.index(call.dropped[0]) if call.dropped else len(analysis.parameters)
    )
    before: list[object] = []
    kept_before: list[object] = []
    kept_after: list[object] = []
    for index, parameter in enumerate(analysis.parameters):
        use = uses.get(parameter.node)
        if use is None:
            continue
        key: object = route_dependency_key(facts.tree, use.callable_expr, parameter.name)
        if use.kind != "Depends" or _cache_off(use.call):
            if parameter in call.dropped or parameter.name in analysis.shared_resources:
                raise NotOffered(f"the dependency of `{parameter.name}` is not cached per request")
            key = ("uncached", parameter.name)
        before.append(key)
        if parameter not in call.dropped:
            (kept_before if index < position else kept_after).append(key)
    resolved = _first_occurrences([*kept_before, *call.provider_keys, *kept_after])
    if resolved != _first_occurrences(before):
        raise NotOffered(
            "injecting the service would change which dependencies the route resolves, "
            "or their order"
        )


def _cache_off(call: ast.Call) -> bool:
    return any(
        k.arg == "use_cache" and not (isinstance(k.value, ast.Constant) and k.value.value is True)
        for k in call.keywords
    )


def _first_occurrences(keys: list[object]) -> list[object]:
    seen: list[object] = []
    for key in keys:
        if key not in seen:
            seen.append(key)
    return seen


def _is_injected(analysis: HandlerAnalysis, parameter: Parameter) -> bool:
    return any(
        use.parameter is parameter.node for use in analysis.facts.dependencies_of(analysis.handler)
    )


_Token = tuple[str, Position, Position, Position | None]  # text, start, end, next item start


def _parameter_list_tokens(analysis: HandlerAnalysis) -> list[_Token]:
    """The top-level tokens of the parameter list (commas, `*`, the closing parenthesis)
    with byte positions, each with the start of the next significant token."""
    facts = analysis.facts
    tokens = header_tokens(facts, analysis.handler)
    if not tokens:
        raise NotOffered("the handler's signature cannot be read")
    depth = 0
    found: list[tuple[str, Position, Position]] = []
    significant: list[Position] = []
    for token in tokens:
        if token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            continue
        start = _byte_position(facts, token.start)
        end = _byte_position(facts, token.end)
        if token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        if depth == 1:
            significant.append(start)
            if token.type == tokenize.OP and token.string in (",", "*", "/"):
                found.append((token.string, start, end))
        if depth == 0 and token.type == tokenize.OP and token.string == ")":
            found.append((")", start, end))
            significant.append(start)
            break
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
    result: list[_Token] = []
    for text, start, end in found:
        following = [p for p in significant if p >= end]
        result.append((text, start, end, following[0] if following else None))
    return result


def _byte_position(facts: ModuleFacts, position: tuple[int, int]) -> Position:
    line, column = position
    text = facts.source.line_text(line)
    return Position(line, len(text[:column].encode("utf-8", errors="surrogatepass")))


def _appended(analysis: HandlerAnalysis, declaration: str, tokens: list[_Token]) -> Edit:
    """The service parameter after every other parameter (keyword-only when a parameter
    before it has a default)."""
    func = analysis.handler
    args = func.node.args
    facts = analysis.facts
    closing = next((t for t in tokens if t[0] == ")"), None)
    if closing is None:
        raise NotOffered("the handler's signature cannot be read")
    every = [*args.args, *args.kwonlyargs]
    if not every:
        return Edit.insert(closing[1], declaration)
    needs_star = not args.kwonlyargs and any(
        func.parameter_default(p) is not None for p in args.args
    )
    if needs_star:
        declaration = "*, " + declaration
    last = every[-1]
    end = parameter_end(func, last)
    trailing = [t for t in tokens if t[0] == "," and t[1] >= end]
    if trailing and trailing[0][3] == closing[1]:
        # a trailing comma: one parameter per line, keep that shape
        indent = facts.source.indentation(node_start(last).line)
        newline = facts.source.newline
        return Edit.insert(trailing[0][2], f"{newline}{indent}{declaration},")
    return Edit.insert(end, f", {declaration}")
