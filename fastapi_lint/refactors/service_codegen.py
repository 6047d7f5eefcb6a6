"""Extract to service, step three: the service code, written with libcst from the handler's
own text only (never the whole module, which can be large).

The business statements keep their comments and formatting; resource parameters become
``self.<attribute>`` (only the references to the handler's own parameter, found through
libcst's scope analysis, so a comprehension variable of the same name is left alone), and
the not-found ``raise HTTPException(...)`` statements become ``return None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

from fastapi_lint.refactors import NotOffered

MAX_LINE = 88  # longer provider signatures get one parameter per line


@dataclass(frozen=True)
class MethodSpec:
    name: str
    parameters: Sequence[tuple[str, str | None]]  # (name, annotation text or None)
    is_async: bool
    returns: str | None
    renames: dict[str, str]  # resource parameter → attribute of self
    first_line: int  # first line of the business part, counted from the `def` line (1)
    not_found_lines: frozenset[int]  # lines of the raises to turn into `return None`
    domain_lines: dict[int, str] = field(default_factory=dict)  # line → domain exception


@dataclass(frozen=True)
class Rendering:
    indent: str  # one level of indentation, as the handler's module writes it
    newline: str


class _Rewrite(cst.CSTTransformer):
    def __init__(
        self,
        renames: dict[cst.Name, str],
        raises: set[cst.Raise],
        domain: dict[cst.Raise, str],
    ) -> None:
        super().__init__()
        self._renames = renames
        self._raises = raises
        self._domain = domain

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        attribute = self._renames.get(original_node)
        if attribute is None:
            return updated_node
        return cst.Attribute(value=cst.Name("self"), attr=cst.Name(attribute))

    def leave_Raise(
        self, original_node: cst.Raise, updated_node: cst.Raise
    ) -> cst.BaseSmallStatement:
        if original_node in self._raises:
            return cst.Return(value=cst.Name("None"))
        error = self._domain.get(original_node)
        if error is not None and isinstance(updated_node.exc, cst.Call):
            detail = _detail_argument(updated_node.exc)
            return updated_node.with_changes(
                exc=cst.Call(func=cst.Name(error), args=[cst.Arg(detail)])
            )
        return updated_node


def _detail_argument(call: cst.Call) -> cst.BaseExpression:
    """The ``detail`` of ``HTTPException(status, detail)`` / ``HTTPException(detail=...)``."""
    positional = [a for a in call.args if a.keyword is None]
    for argument in call.args:
        if argument.keyword is not None and argument.keyword.value == "detail":
            return argument.value
    if len(positional) > 1:
        return positional[1].value
    raise NotOffered("the HTTPException's detail could not be found")


def build_method(function_text: str, spec: MethodSpec) -> tuple[cst.FunctionDef, Rendering]:
    """The service method: the handler's business statements, rewritten, under a new
    signature; and how the handler's module indents and ends lines."""
    try:
        module = cst.parse_module(function_text)
    except cst.ParserSyntaxError as error:
        raise NotOffered(f"the handler cannot be parsed on its own ({error.message})") from None
    wrapper = MetadataWrapper(module)
    scopes = wrapper.resolve(ScopeProvider)
    positions = wrapper.resolve(PositionProvider)
    function = wrapper.module.body[0]
    if not isinstance(function, cst.FunctionDef) or not isinstance(
        function.body, cst.IndentedBlock
    ):
        raise NotOffered("the handler's body is not an indented block")
    business = [
        statement
        for statement in function.body.body
        if positions[statement].start.line >= spec.first_line
    ]
    if not business:
        raise NotOffered("the business statements could not be found in the handler's text")
    scope = scopes.get(business[0])
    renames: dict[cst.Name, str] = {}
    if scope is not None:
        for name, attribute in spec.renames.items():
            for assignment in scope.assignments[name]:
                for access in assignment.references:
                    if isinstance(access.node, cst.Name):
                        renames[access.node] = attribute
    raises = {
        node
        for node in _raise_nodes(business)
        if positions[node].start.line in spec.not_found_lines
    }
    if len(raises) < len(spec.not_found_lines):
        raise NotOffered("the not-found raises could not be found in the handler's text")
    domain = {
        node: spec.domain_lines[positions[node].start.line]
        for node in _raise_nodes(business)
        if positions[node].start.line in spec.domain_lines
    }
    if len(domain) < len(spec.domain_lines):
        raise NotOffered("the HTTPException raises could not be found in the handler's text")
    rewrite = _Rewrite(renames, raises, domain)
    body = [_rewritten(statement, rewrite) for statement in business]
    body = [_without_leading_blank_lines(body[0]), *body[1:]]
    parameters = [cst.Param(cst.Name("self"))] + [
        cst.Param(
            cst.Name(name),
            annotation=cst.Annotation(cst.parse_expression(annotation)) if annotation else None,
        )
        for name, annotation in spec.parameters
    ]
    method = cst.FunctionDef(
        name=cst.Name(spec.name),
        params=cst.Parameters(params=parameters),
        body=cst.IndentedBlock(body=body),
        asynchronous=cst.Asynchronous() if spec.is_async else None,
        returns=cst.Annotation(cst.parse_expression(spec.returns)) if spec.returns else None,
    )
    return method, Rendering(module.default_indent, module.default_newline)


def _raise_nodes(statements: list[cst.BaseStatement]) -> list[cst.Raise]:
    found: list[cst.Raise] = []

    class _Collect(cst.CSTVisitor):
        def visit_Raise(self, node: cst.Raise) -> None:
            found.append(node)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    for statement in statements:
        statement.visit(_Collect())
    return found


def _rewritten(statement: cst.BaseStatement, rewrite: _Rewrite) -> cst.BaseStatement:
    result = statement.visit(rewrite)
    if not isinstance(result, cst.BaseStatement):
        raise NotOffered("a statement of the body could not be rewritten")
    return result


def _without_leading_blank_lines(statement: cst.BaseStatement) -> cst.BaseStatement:
    if not isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement):
        return statement
    kept = list(statement.leading_lines)
    while kept and kept[0].comment is None:
        kept.pop(0)
    return statement.with_changes(leading_lines=kept)


def new_class_text(
    class_name: str,
    constructor: Sequence[tuple[str, str | None]],
    method: cst.FunctionDef,
    rendering: Rendering,
) -> str:
    """``class XService`` with a constructor storing the resources and the method."""
    members: list[cst.BaseStatement] = []
    if constructor:
        arguments = ", ".join(
            f"{name}: {annotation}" if annotation else name for name, annotation in constructor
        )
        assignments = "".join(
            f"{rendering.indent}self.{name} = {name}\n" for name, _ in constructor
        )
        members.append(
            cst.parse_statement(f"def __init__(self, {arguments}) -> None:\n{assignments}")
        )
        method = method.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    members.append(method)
    node = cst.ClassDef(name=cst.Name(class_name), body=cst.IndentedBlock(body=members))
    return _render([node], rendering)


def method_in_class_text(method: cst.FunctionDef, class_indent: str, rendering: Rendering) -> str:
    """The method as it reads inside an existing class whose body is indented by
    ``class_indent`` (string literals spanning lines are never re-indented)."""
    holder = cst.ClassDef(
        name=cst.Name("_"), body=cst.IndentedBlock(body=[method], indent=class_indent)
    )
    text = _render([holder], rendering)
    return text.split(rendering.newline, 1)[1]


def provider_text(
    provider: str,
    class_name: str,
    parameters: Sequence[str],
    names: Sequence[str],
    rendering: Rendering,
) -> str:
    """``def get_x_service(<declarations>) -> XService: return XService(<names>)``."""
    nl = rendering.newline
    header = f"def {provider}({', '.join(parameters)}) -> {class_name}:"
    if len(header) > MAX_LINE:
        listed = "".join(f"{rendering.indent}{p},{nl}" for p in parameters)
        header = f"def {provider}({nl}{listed}) -> {class_name}:"
    return f"{header}{nl}{rendering.indent}return {class_name}({', '.join(names)}){nl}"


def _render(
    body: list[cst.SimpleStatementLine | cst.BaseCompoundStatement], rendering: Rendering
) -> str:
    module = cst.Module(
        body=body, default_indent=rendering.indent, default_newline=rendering.newline
    )
    return module.code
