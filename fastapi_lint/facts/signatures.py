"""Where the parts of a ``def`` header are in the text, for fixes that edit a signature."""

from __future__ import annotations

import ast
import io
import tokenize

from fastapi_lint.diagnostics import Edit, Position, node_end, node_start
from fastapi_lint.facts import FunctionInfo, ModuleFacts


def header_tokens(facts: ModuleFacts, func: FunctionInfo) -> list[tokenize.TokenInfo]:
    """The tokens of the ``def`` line up to the colon that ends the header (lines numbered as
    in the module); [] when the header cannot be tokenized."""
    first = func.node.lineno
    last = func.node.body[0].lineno if func.node.body else first
    text = "".join(facts.source.line_text(n) for n in range(first, last + 1))
    tokens: list[tokenize.TokenInfo] = []
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            moved = token._replace(
                start=(token.start[0] + first - 1, token.start[1]),
                end=(token.end[0] + first - 1, token.end[1]),
            )
            tokens.append(moved)
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
            elif token.type == tokenize.OP and token.string == ":" and depth == 0:
                return tokens
    except (tokenize.TokenError, SyntaxError):
        return []
    return []


def _position(facts: ModuleFacts, line: int, char_col: int) -> Position:
    """A tokenizer position (character column) as a UTF-8 byte position."""
    text = facts.source.line_text(line)
    return Position(line, len(text[:char_col].encode("utf-8", errors="surrogatepass")))


def after_open_paren(facts: ModuleFacts, func: FunctionInfo) -> Position | None:
    """Just after the ``(`` that opens the parameter list."""
    for token in header_tokens(facts, func):
        if token.type == tokenize.OP and token.string == "(":
            return _position(facts, *token.end)
    return None


def header_colon(facts: ModuleFacts, func: FunctionInfo) -> Position | None:
    """The position of the ``:`` that ends the ``def`` header."""
    tokens = header_tokens(facts, func)
    if tokens and tokens[-1].string == ":":
        return _position(facts, *tokens[-1].start)
    return None


def parameter_end(func: FunctionInfo, param: ast.arg) -> Position:
    """The end of a parameter including its default value."""
    default = func.parameter_default(param)
    return node_end(default if default is not None else param)


def add_parameter(facts: ModuleFacts, func: FunctionInfo, declaration: str) -> Edit | None:
    """An edit adding a parameter without default (``"item_id: int"``) where the signature
    stays valid and the parameter can be passed by keyword; None when there is no such place
    the text shows plainly (a signature with only positional-only parameters)."""
    args = func.node.args
    if args.kwarg is not None:
        return None  # `**kwargs` already takes every keyword
    if args.kwonlyargs:
        return Edit.insert(parameter_end(func, args.kwonlyargs[-1]), f", {declaration}")
    if args.vararg is not None:
        return Edit.insert(node_end(args.vararg), f", {declaration}")
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    if not args.defaults:
        if args.args:
            return Edit.insert(parameter_end(func, args.args[-1]), f", {declaration}")
        if args.posonlyargs:
            return None  # the new parameter would have to go after the `/`
        opening = after_open_paren(facts, func)
        return Edit.insert(opening, declaration) if opening is not None else None
    if first_default < len(args.posonlyargs):
        # every regular parameter has a default: the new one can only be keyword-only
        if not args.args:
            return None
        return Edit.insert(parameter_end(func, args.args[-1]), f", *, {declaration}")
    return Edit.insert(node_start(positional[first_default]), f"{declaration}, ")
