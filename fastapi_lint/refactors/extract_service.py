"""Extract to service: move a path operation's business logic into a service method and
leave a thin route that injects the service and calls it.

``extract_service`` returns the multi-file change or raises ``NotOffered`` with the reason it
cannot prove the change keeps the route's behaviour; ``extract_service_available`` is the
cheap ``ast``-only check an editor uses to list the action.
"""

from __future__ import annotations

import ast
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.diagnostics import Edit, Position, node_span
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.fixes.imports import _new_import_statement, ensure_from_import
from fastapi_lint.refactors import FileEdit, NewFile, NotOffered, Refactoring
from fastapi_lint.refactors.service_analysis import (
    HandlerAnalysis,
    Parameter,
    analyse_handler,
    handler_at,
    is_builtin,
    module_binds,
)
from fastapi_lint.refactors.service_errors import DomainError, project_domain_errors
from fastapi_lint.refactors.service_existing import (
    DependencyKey,
    ExistingService,
    find_existing_service,
    route_dependency_key,
)
from fastapi_lint.refactors.service_layout import (
    ImportNeed,
    Target,
    choose_target,
    import_lines,
    import_need,
    import_root,
    imported_class,
    known_packages,
    module_reference,
    relative_module,
)
from fastapi_lint.refactors.service_route import (
    ServiceCall,
    route_edits,
    service_parameter_name,
)
from fastapi_lint.source import SourceText, decode_source

if TYPE_CHECKING:  # libcst takes most of a second to import: only when a change is written
    import libcst as cst

    from fastapi_lint.refactors.service_codegen import MethodSpec, Rendering

KIND = "refactor.extract"
TITLE = "Extract to service"

ReadFile = Callable[[Path], "str | None"]


def read_from_disk(path: Path) -> str | None:
    """A file's text as the interpreter would decode it; None when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    decoded = decode_source(data)
    return decoded.text if decoded.exact else None


def extract_service_available(source: str, line: int) -> bool:
    """Whether ``line`` lies in a path operation that Extract to service could apply to
    (cheap: ``ast`` only; the full check runs when the action is chosen)."""
    try:
        facts = ModuleFacts.from_text(source)
        handler = handler_at(facts, line)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return (
        handler is not None
        and handler.parent_function is None
        and handler.class_name is None
        and not any(route.is_websocket for route in facts.routes_of(handler))
    )


def extract_service(
    path: Path,
    source: str,
    line: int,
    *,
    project_root: Path | None = None,
    read_file: ReadFile = read_from_disk,
) -> Refactoring:
    """Extract the business logic of the path operation at ``line`` of ``path`` (whose current
    text is ``source``) into a service. ``read_file`` reads the project's other files (an
    editor passes its open buffers); ``project_root`` bounds where the service may go."""
    path = Path(os.path.abspath(path))

    def read(candidate: Path) -> str | None:
        return source if candidate == path else read_file(candidate)

    try:
        facts = ModuleFacts.from_text(source, str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise NotOffered("the file does not parse") from None
    root = _project_root(path, facts.tree, read, project_root)
    analysis = analyse_handler(
        facts,
        line,
        lambda name: imported_class(name, facts.tree, path, read),
        lambda: project_domain_errors(root, read),
    )
    target = choose_target(path, facts, analysis.routes, read)
    if project_root is not None and not target.path.is_relative_to(
        Path(os.path.abspath(project_root))
    ):
        raise NotOffered(f"the service module {target.path} would lie outside the project")
    return _Extraction(path, facts, analysis, target, read).refactoring()


def _project_root(path: Path, tree: ast.Module, read: ReadFile, project_root: Path | None) -> Path:
    """Where the project's files are: the given root, else the directory its absolute imports
    start from, else the directory above the route module's outermost package."""
    if project_root is not None:
        return Path(os.path.abspath(project_root))
    root = import_root(path, tree, read)
    if root is not None:
        return root
    directory = path.parent
    while read(directory / "__init__.py") is not None and directory.parent != directory:
        directory = directory.parent
    return directory


@dataclass
class _Extraction:
    path: Path
    facts: ModuleFacts
    analysis: HandlerAnalysis
    target: Target
    read: ReadFile
    route_file_edits: list[Edit] = field(default_factory=list)

    def refactoring(self) -> Refactoring:
        target_text = self.read(self.target.path)
        target_facts = _parse(target_text, self.target.path) if target_text is not None else None
        existing = (
            find_existing_service(
                target_facts, self.target.class_name, self.target.path, self.target.same_file
            )
            if target_facts is not None
            else None
        )
        if existing is not None:
            return self._extend(existing, target_facts)
        return self._create(target_facts)

    # --- a new service class ------------------------------------------------------------

    def _create(self, target_facts: ModuleFacts | None) -> Refactoring:
        from fastapi_lint.refactors import service_codegen as codegen

        target = self.target
        analysis = self.analysis
        names_facts = self.facts if target.same_file else target_facts
        for name in (target.class_name, target.provider_name):
            if names_facts is not None and module_binds(names_facts.tree, name):
                raise NotOffered(f"`{name}` already exists in {target.path.name}")
        resources = [r for r in analysis.resources]
        needs = _Needs(self)
        spec, rendering_method = self._method(needs, {r.name: r.name for r in resources}, [])
        method, rendering = rendering_method
        constructor = [(r.name, needs.optional_annotation(_bare(self.facts, r))) for r in resources]
        annotated, _, spelling_edits = self._provider_spellings(needs, target_facts)
        declarations = [self._provider_declaration(r, annotated, needs) for r in resources]
        class_text = codegen.new_class_text(target.class_name, constructor, method, rendering)
        provider = codegen.provider_text(
            target.provider_name,
            target.class_name,
            declarations,
            [r.name for r in resources],
            rendering,
        )
        nl = rendering.newline
        code = f"{class_text}{nl}{nl}{provider}"
        dropped = [r for r in resources if r.name not in analysis.shared_resources]
        keys = [self._route_key(r) for r in resources]
        call = self._call(spec, dropped, target.class_name, target.provider_name, [*keys])
        changes: list[FileEdit | NewFile] = []
        if target.same_file:
            first = min(
                [d.lineno for d in analysis.handler_node.decorator_list]
                + [analysis.handler_node.lineno]
            )
            self.route_file_edits.append(Edit.insert(Position(first, 0), f"{code}{nl}{nl}"))
            self.route_file_edits.extend(spelling_edits)
            changes.append(self._route_change(call, None))
            return self._result(changes)
        if target_facts is None:
            text = _new_module_text(needs.lines(nl), code, nl)
            changes.append(self._route_change(call, self._reference()))
            changes.append(NewFile(target.path, text))
            changes.extend(self._package_files())
            return self._result(changes)
        target_edits = [*spelling_edits, *needs.edits_for(target_facts)]
        target_edits.append(_append_at_end(target_facts.source, code))
        changes.append(self._route_change(call, self._reference()))
        changes.append(FileEdit(target.path, _merged(target_edits)))
        return self._result(changes)

    # --- an existing service class ------------------------------------------------------

    def _extend(self, existing: ExistingService, target_facts: ModuleFacts | None) -> Refactoring:
        from fastapi_lint.refactors import service_codegen as codegen

        assert target_facts is not None
        analysis = self.analysis
        method_name = analysis.handler.name
        if method_name in existing.methods:
            raise NotOffered(f"`{existing.name}` already has a method `{method_name}`")
        held = {
            r.name: existing.attribute_for(self.facts, analysis.handler, r)
            for r in analysis.resources
        }
        renames = {name: attribute for name, attribute in held.items() if attribute is not None}
        passed = [r.name for r in analysis.resources if held[r.name] is None]
        needs = _Needs(self)
        spec, (method, rendering) = self._method(needs, renames, passed)
        text = codegen.method_in_class_text(method, existing.body_indent, rendering)
        nl = rendering.newline
        dropped = [
            r
            for r in analysis.resources
            if held[r.name] is not None and r.name not in analysis.shared_resources
        ]
        call = self._call(spec, dropped, existing.name, existing.provider, existing.provider_keys)
        insert = _after_line(target_facts.source, existing.end_line, f"{nl}{text}")
        if self.target.same_file:
            self.route_file_edits.append(insert)
            return self._result([self._route_change(call, None)])
        target_edits = [*needs.edits_for(target_facts), insert]
        return self._result(
            [
                self._route_change(call, self._reference()),
                FileEdit(self.target.path, _merged(target_edits)),
            ]
        )

    # --- the parts ----------------------------------------------------------------------

    def _method(
        self, needs: _Needs, renames: dict[str, str], passed: list[str]
    ) -> tuple[MethodSpec, tuple[cst.FunctionDef, Rendering]]:
        from fastapi_lint.refactors import service_codegen as codegen

        analysis = self.analysis
        by_name = {p.name: p for p in analysis.parameters}
        parameters: list[tuple[str, str | None]] = []
        arguments = [*analysis.arguments, *passed]
        for name in arguments:
            param = by_name.get(name)
            annotation = _bare(self.facts, param) if param is not None else None
            parameters.append((name, needs.optional_annotation(annotation)))
        for name in sorted(analysis.module_names):
            needs.require(name)
        returns = None
        if not analysis.not_found and analysis.handler_node.returns is not None:
            returns = needs.optional_annotation(analysis.handler_node.returns)
        node = analysis.handler_node
        last = node.end_lineno or node.lineno
        function_text = "".join(
            self.facts.source.line_text(n) for n in range(node.lineno, last + 1)
        )
        first_business = min(
            [d.lineno for d in getattr(analysis.business[0], "decorator_list", [])]
            + [analysis.business[0].lineno]
        )
        spec = codegen.MethodSpec(
            name=analysis.handler.name,
            parameters=parameters,
            is_async=analysis.method_is_async,
            returns=returns,
            renames=renames,
            first_line=first_business - node.lineno + 1,
            not_found_lines=frozenset(r.lineno - node.lineno + 1 for r in analysis.not_found),
            domain_lines={
                r.lineno - node.lineno + 1: self._domain_error_name(error, needs)
                for r, error in analysis.domain_raises.items()
            },
        )
        return spec, codegen.build_method(function_text, spec)

    def _domain_error_name(self, error: DomainError, needs: _Needs) -> str:
        """How the service module spells the domain exception, importing it as needed."""
        if error.path == self.target.path:
            return error.name
        home = self.path if self.target.same_file else self.target.path
        reference = module_reference(self.path, self.facts.tree, error.path, self.read)
        if reference is not None and reference.startswith(".") and home.parent != self.path.parent:
            packages = known_packages(self.path, self.facts.tree)
            reference = relative_module(home.parent, error.path, packages, self.read)
        if reference is None:
            raise NotOffered(f"cannot tell how to import `{error.name}` from {error.path.name}")
        need = ImportNeed(reference, error.name, None)
        if self.target.same_file:
            if not module_binds(self.facts.tree, error.name):
                line = f"from {reference} import {error.name}"
                self.route_file_edits.append(_new_import_statement(self.facts, line))
            elif not _imports_same(self.facts.tree, need):
                raise NotOffered(f"`{error.name}` already means something else here")
        else:
            needs.add(need)
        return error.name

    def _call(
        self,
        spec: MethodSpec,
        dropped: list[Parameter],
        class_name: str,
        provider: str,
        provider_keys: list[DependencyKey | None],
    ) -> ServiceCall:
        annotated, edit_a = ensure_from_import(self.facts, "typing", "Annotated")
        depends, edit_d = ensure_from_import(self.facts, "fastapi", "Depends")
        self.route_file_edits.extend(e for e in (edit_a, edit_d) if e is not None)
        parameter = service_parameter_name(self.analysis, self.target.resource)
        return ServiceCall(
            parameter=parameter,
            declaration=f"{parameter}: {annotated}[{class_name}, {depends}({provider})]",
            method=spec.name,
            arguments=[name for name, _ in spec.parameters],
            is_async=spec.is_async,
            dropped=dropped,
            provider_keys=provider_keys,
        )

    def _route_key(self, resource: Parameter) -> DependencyKey:
        for use in self.facts.dependencies_of(self.analysis.handler):
            if use.parameter is resource.node:
                return route_dependency_key(self.facts.tree, use.callable_expr, resource.name)
        return (resource.name, "<unknown>")

    def _provider_spellings(
        self, needs: _Needs, target_facts: ModuleFacts | None
    ) -> tuple[str, str, list[Edit]]:
        """How the service module spells ``Annotated`` and ``Depends``, and the import edits
        an existing module needs for them (a new module gets them through ``needs``)."""
        if self.target.same_file or target_facts is not None:
            facts = self.facts if self.target.same_file else target_facts
            assert facts is not None
            annotated, edit_a = ensure_from_import(facts, "typing", "Annotated")
            depends, edit_d = ensure_from_import(facts, "fastapi", "Depends")
            return annotated, depends, [e for e in (edit_a, edit_d) if e is not None]
        needs.add(ImportNeed("typing", "Annotated", None))
        needs.add(ImportNeed("fastapi", "Depends", None))
        return "Annotated", "Depends", []

    def _provider_declaration(self, resource: Parameter, annotated: str, needs: _Needs) -> str:
        """The resource's declaration for the provider, always in the ``Annotated`` form."""
        facts = self.facts
        node = resource.node
        segment = facts.source.segment
        for name in _names(node.annotation) | _names(resource.default):
            needs.require(name)
        annotation = segment(*_span(node.annotation)) if node.annotation is not None else None
        if resource.default is None:
            return f"{node.arg}: {annotation}"
        default = segment(*_span(resource.default))
        if annotation is None:
            any_spelling, any_edit = ensure_from_import(self.facts, "typing", "Any")
            if self.target.same_file:
                self.route_file_edits.extend([any_edit] if any_edit else [])
                annotation = any_spelling
            else:
                needs.add(ImportNeed("typing", "Any", None))
                annotation = "Any"
        return f"{node.arg}: {annotated}[{annotation}, {default}]"

    def _reference(self) -> str:
        reference = module_reference(self.path, self.facts.tree, self.target.path, self.read)
        if reference is None:
            raise NotOffered(
                f"cannot tell how {self.path.name} would import {self.target.path.name}"
            )
        return reference

    def _route_change(self, call: ServiceCall, reference: str | None) -> FileEdit:
        edits = [*self.route_file_edits, *route_edits(self.analysis, call)]
        if reference is not None:
            names = [
                name
                for name in _imported_names(call)
                if not self._already_imported(name, reference)
            ]
            if names:
                edits.append(
                    _new_import_statement(self.facts, f"from {reference} import {', '.join(names)}")
                )
        return FileEdit(self.path, _merged(edits))

    def _already_imported(self, name: str, reference: str) -> bool:
        if not module_binds(self.facts.tree, name):
            return False
        if _imports_same(self.facts.tree, ImportNeed(reference, name, None)):
            return True
        raise NotOffered(f"`{name}` already means something else in {self.path.name}")

    def _package_files(self) -> list[NewFile]:
        """``__init__.py`` for a new service package, when the route's package has one."""
        directory = self.target.path.parent
        if directory.exists() or self.read(self.path.parent / "__init__.py") is None:
            return []
        return [NewFile(directory / "__init__.py", "")]

    def _result(self, changes: list[FileEdit | NewFile]) -> Refactoring:
        title = f"{TITLE} `{self.target.class_name}`"
        return Refactoring(title, KIND, tuple(changes))


class _Needs:
    """The names the service module must import, collected while the code is written."""

    def __init__(self, extraction: _Extraction) -> None:
        self._extraction = extraction
        self.needs: dict[str, ImportNeed] = {}

    def add(self, need: ImportNeed) -> None:
        self.needs.setdefault(need.bound, need)

    def _need(self, name: str) -> ImportNeed | bool | None:
        """The import for ``name``; True when nothing is needed; None when it cannot be
        imported."""
        extraction = self._extraction
        if extraction.target.same_file:
            return True
        facts = extraction.facts
        if not module_binds(facts.tree, name):
            return True if is_builtin(name) else None
        return import_need(
            name, facts.tree, extraction.path, extraction.target.path.parent, extraction.read
        )

    def require(self, name: str) -> None:
        need = self._need(name)
        if need is None:
            extraction = self._extraction
            if not module_binds(extraction.facts.tree, name):
                raise NotOffered(f"the body reads `{name}`, which is not defined")
            raise NotOffered(
                f"the body uses `{name}`, which {extraction.path.name} defines itself; "
                f"{extraction.target.path.name} cannot import it without an import cycle"
            )
        if isinstance(need, ImportNeed):
            self.add(need)

    def optional_annotation(self, annotation: ast.expr | None) -> str | None:
        """The annotation's text when the service module can import its names, else None
        (a missing annotation changes nothing at run time)."""
        if annotation is None:
            return None
        found = [self._need(name) for name in _names(annotation)]
        if any(need is None for need in found):
            return None
        for need in found:
            if isinstance(need, ImportNeed):
                self.add(need)
        return self._extraction.facts.source.segment(*_span(annotation))

    def lines(self, newline: str) -> list[str]:
        return import_lines(list(self.needs.values()), newline)

    def edits_for(self, target: ModuleFacts) -> list[Edit]:
        """Import edits for an existing service module; a name it already binds must be the
        same import."""
        missing: list[ImportNeed] = []
        for need in self.needs.values():
            if not module_binds(target.tree, need.bound):
                missing.append(need)
                continue
            if not _imports_same(target.tree, need):
                raise NotOffered(f"`{need.bound}` already means something else in {target.path}")
        lines = import_lines(missing, target.source.newline)
        return [_new_import_statement(target, line) for line in lines]


def _imports_same(tree: ast.Module, need: ImportNeed) -> bool:
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom | ast.Import):
            for alias in statement.names:
                bound = alias.asname or (
                    alias.name
                    if isinstance(statement, ast.ImportFrom)
                    else alias.name.split(".")[0]
                )
                if bound != need.bound or alias.name != need.name:
                    continue
                module = statement.module if isinstance(statement, ast.ImportFrom) else None
                tail = (module or alias.name).split(".")[-1]
                if tail == need.module_tail:
                    return True
    return False


def _imported_names(call: ServiceCall) -> list[str]:
    # the class appears inside the declaration's Annotated[...]; the provider in Depends(...)
    inner = call.declaration.split("[", 1)[1]
    class_name = inner.split(",", 1)[0].strip()
    provider = inner.rsplit("(", 1)[1].split(")", 1)[0]
    return [class_name, provider]


def _parse(text: str, path: Path) -> ModuleFacts:
    try:
        return ModuleFacts.from_text(text, str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise NotOffered(f"{path.name} does not parse") from None


def _bare(facts: ModuleFacts, parameter: Parameter) -> ast.expr | None:
    """The parameter's type without ``Annotated[...]``'s metadata."""
    annotation = parameter.node.annotation
    parts = facts.annotated_parts(annotation)
    return parts[0] if parts is not None else annotation


def _names(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _span(node: ast.AST) -> tuple[Position, Position]:
    return node_span(node)


def _new_module_text(imports: list[str], code: str, newline: str) -> str:
    head = newline.join(imports)
    return f"{head}{newline}{newline}{newline}{code}" if head else code


def _append_at_end(source: SourceText, code: str) -> Edit:
    text = source.text
    newline = source.newline
    stripped = text.rstrip("\r\n \t")
    lines = SourceText(stripped).lines
    last = len(lines)
    end = Position(last, len(lines[-1].encode("utf-8", errors="surrogatepass")) if lines else 0)
    tail = Position(len(source.lines) + 1, 0)
    separator = f"{newline}{newline}{newline}" if stripped else ""
    return Edit(end, tail, f"{separator}{code}")


def _after_line(source: SourceText, line: int, text: str) -> Edit:
    """Insert ``text`` (lines, ending with a newline) after line ``line``."""
    content = source.line_text(line)
    if content.endswith(("\n", "\r")):
        return Edit.insert(Position(line + 1, 0), text)
    end = Position(line, len(content.encode("utf-8", errors="surrogatepass")))
    return Edit.insert(end, source.newline + text.rstrip("\r\n"))


def _merged(edits: list[Edit]) -> tuple[Edit, ...]:
    """Insertions at the same point become one edit (their order is then fixed), others
    stay as they are, in source order."""
    by_point: dict[Position, Edit] = {}
    others: list[Edit] = []
    for edit in edits:
        if edit.start == edit.end:
            earlier = by_point.get(edit.start)
            text = (earlier.new_text if earlier else "") + edit.new_text
            by_point[edit.start] = Edit.insert(edit.start, text)
        else:
            others.append(edit)
    merged = sorted([*by_point.values(), *others], key=lambda e: (e.start, e.end))
    for before, after in itertools.pairwise(merged):
        if after.start < before.end:
            raise NotOffered("the edits overlap; the route is written in a way not handled")
    return tuple(merged)
