"""Where a module names its dependencies, for editor navigation over the project index.

The summaries keep what the rules need (the ``Depends()`` targets of each signature); going
to a dependency's definition or listing every place that uses it needs more: the span of each
name, the parameters annotated with an ``Annotated`` alias imported from another module
(``db: DbDep`` after ``from app.deps import DbDep``), and where each name is defined. A module
is parsed again for that when an editor asks (``ModuleSites``, cached by content), never
imported.

A *site* is one place a module names a dependency:

- ``depends``: the callable of a ``Depends(x)``/``Security(x)`` call, wherever it is written
  (a default, ``Annotated[...]``, ``dependencies=[...]``, an alias definition); for
  ``Depends()`` the call itself, which names the parameter's type;
- ``alias``: a parameter annotation naming an ``Annotated`` alias, local or imported; the
  alias' own ``Depends()`` calls say what it provides.
"""

from __future__ import annotations

import ast
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_lint.diagnostics import Position
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.fastapi import annotated_parts
from fastapi_lint.project.index import FOUND, ProjectIndex
from fastapi_lint.project.modules import absolute_import
from fastapi_lint.project.sources import facts_for
from fastapi_lint.project.summary import ModuleSummary, Span, content_digest, span_of
from fastapi_lint.source import SourceText, decode_source

MAX_DEPTH = 8  # transitive dependency trees deeper than this are cut (cycles are cut anyway)
DEPENDS = "depends"
ALIAS = "alias"

Target = tuple[str, str]  # (module, qualified name in it)


@dataclass(frozen=True, slots=True)
class Site:
    kind: str  # DEPENDS or ALIAS
    ref: str | None  # dotted reference to the dependency (depends) or to the alias (alias)
    span: Span  # the name as written; the call for ``Depends()`` without an argument
    owner: str | None  # qualified name of the function whose signature holds it
    parameter: Span | None  # the parameter's name, when a parameter declares it


@dataclass(frozen=True, slots=True)
class RouteCall:
    """What the route decorator (or ``add_api_route``) call says beyond the summary."""

    path_literal: Span | None  # the path string
    status_code: str | None  # source of ``status_code=``


@dataclass(frozen=True, slots=True)
class ModuleSites:
    sites: tuple[Site, ...]
    aliases: dict[str, tuple[str | None, ...]]  # module-level alias → its Depends() targets
    definitions: dict[str, Span]  # qualified name → span of the name where it is bound
    included: dict[Span, str]  # include_router()/mount() call → the router or app as written


class SiteTable:
    """``ModuleSites`` of the project's modules, built on demand and kept per content."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], ModuleSites | None] = {}
        self._calls: dict[tuple[str, str], dict[Span, RouteCall]] = {}
        self._lock = threading.Lock()

    def of(self, index: ProjectIndex, summary: ModuleSummary) -> ModuleSites | None:
        """The sites of the text the summary describes; None when the file changed since."""
        key = (summary.path, summary.digest)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        facts = facts_for(summary, index.texts.get(summary.path))
        found = module_sites(facts, summary) if facts is not None else None
        with self._lock:
            for old in [k for k in self._cache if k[0] == summary.path]:
                del self._cache[old]
            self._cache[key] = found
        return found

    def route_calls(self, index: ProjectIndex, summary: ModuleSummary) -> dict[Span, RouteCall]:
        """What each route registration call of the module says beyond the summary; only
        those calls are parsed again (lenses and hints of a large module after each edit)."""
        key = (summary.path, summary.digest)
        with self._lock:
            if key in self._calls:
                return self._calls[key]
        text = _text_of(index, summary)
        found: dict[Span, RouteCall] = {}
        if text is not None and content_digest(text) == summary.digest:
            source = SourceText(text)
            for route in summary.routes:
                call = route_call(source, route.span)
                if call is not None:
                    found[route.span] = call
        with self._lock:
            for old in [k for k in self._calls if k[0] == summary.path]:
                del self._calls[old]
            self._calls[key] = found
        return found

    def of_module(self, index: ProjectIndex, module: str) -> ModuleSites | None:
        summary = index.modules.get(module)
        return self.of(index, summary) if summary is not None else None

    # --- resolution -----------------------------------------------------------------------

    def targets(self, index: ProjectIndex, site: Site) -> list[Target]:
        """What a site makes FastAPI call: the dependency, or each one the alias provides."""
        found = index.resolve(site.ref)
        if found.status != FOUND or not found.name:
            return []
        if site.kind == DEPENDS:
            return [(found.module, found.name)]
        sites = self.of_module(index, found.module)
        refs = sites.aliases.get(found.name, ()) if sites is not None else ()
        targets = []
        for ref in refs:
            provided = index.resolve(ref)
            if provided.status == FOUND and provided.name:
                targets.append((provided.module, provided.name))
        return targets

    def dependencies_of(self, index: ProjectIndex, target: Target) -> list[Target]:
        """The dependencies a function's (or a class's ``__init__``'s) signature declares."""
        module, name = target
        sites = self.of_module(index, module)
        if sites is None:
            return []
        owners = {name, f"{name}.__init__"}
        found: list[Target] = []
        for site in sites.sites:
            if site.owner in owners:
                found.extend(t for t in self.targets(index, site) if t not in found)
        return found

    def definition(self, index: ProjectIndex, target: Target) -> tuple[str, Span] | None:
        """The file and the span of the name that binds a target."""
        module, name = target
        summary = index.modules.get(module)
        sites = self.of(index, summary) if summary is not None else None
        if summary is None or sites is None or name not in sites.definitions:
            return None
        return summary.path, sites.definitions[name]

    def site_at(self, sites: ModuleSites, line: int, col: int) -> Site | None:
        """The innermost site under a position (1-based line, UTF-8 byte column), the
        parameter name counting as its site."""
        written = [site for site in sites.sites if _inside(site.span, line, col)]
        if written:
            return min(written, key=lambda s: _size(s.span))
        for site in sites.sites:
            if site.parameter is not None and _inside(site.parameter, line, col):
                return site
        return None

    def references(self, index: ProjectIndex, target: Target) -> list[tuple[str, Span]]:
        """Every site of the project that makes FastAPI call ``target``: its ``Depends()``
        sites and the parameters annotated with an alias providing it, in path order."""
        name = target[1].rsplit(".", 1)[-1]
        found: list[tuple[str, Span]] = []
        aliases: set[Target] = set()
        for summary in _mentioning(index, name):
            sites = self.of(index, summary)
            if sites is None:
                continue
            for site in sites.sites:
                if site.kind == DEPENDS and target in self.targets(index, site):
                    found.append((summary.path, site.span))
            for alias in sites.aliases:
                if target in self.targets(index, _alias_site(summary.module, alias)):
                    aliases.add((summary.module, alias))
        for alias_module, alias in sorted(aliases):
            for summary in _mentioning(index, alias):
                sites = self.of(index, summary)
                if sites is None:
                    continue
                for site in sites.sites:
                    if site.kind != ALIAS:
                        continue
                    resolved = index.resolve(site.ref)
                    if (resolved.module, resolved.name) == (alias_module, alias):
                        found.append((summary.path, site.span))
        return sorted(set(found))


def _alias_site(module: str, alias: str) -> Site:
    return Site(ALIAS, f"{module}.{alias}", (0, 0, 0, 0), None, None)


def _mentioning(index: ProjectIndex, name: str) -> Iterator[ModuleSummary]:
    """Modules whose text names ``name`` somewhere: only those can hold a site of it."""
    for summary in sorted(index.summaries.values(), key=lambda s: s.path):
        text = _text_of(index, summary)
        if text is not None and name in text:
            yield summary


def _text_of(index: ProjectIndex, summary: ModuleSummary) -> str | None:
    """The open document's text, else the file's."""
    text = index.texts.get(summary.path)
    if text is not None:
        return text
    try:
        return decode_source(Path(summary.path).read_bytes()).text
    except OSError:
        return None


def route_call(source: SourceText, span: Span) -> RouteCall | None:
    """The path string and ``status_code=`` of the registration call at ``span``, read from
    that call's text alone."""
    line, col, end_line, end_col = span
    segment = source.segment(Position(line, col), Position(end_line, end_col))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call = ast.parse(f"({segment}\n)", mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(call, ast.Call):
        return None
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    path = keywords.get("path", call.args[0] if call.args else None)
    literal = None
    if isinstance(path, ast.Constant) and isinstance(path.value, str):
        literal = _shifted(span_of(path), line, col)
    status = keywords.get("status_code")
    return RouteCall(literal, ast.unparse(status) if status is not None else None)


def _shifted(span: Span, line: int, col: int) -> Span:
    """A span in ``(segment)`` as a span in the module: the segment's first line starts at
    ``col`` after the added parenthesis, its other lines are whole lines of the module."""

    def shift(at_line: int, at_col: int) -> tuple[int, int]:
        return (line, col + at_col - 1) if at_line == 1 else (line + at_line - 1, at_col)

    return (*shift(span[0], span[1]), *shift(span[2], span[3]))


def _inside(span: Span, line: int, col: int) -> bool:
    return (span[0], span[1]) <= (line, col) <= (span[2], span[3])


def _size(span: Span) -> tuple[int, int]:
    return (span[2] - span[0], span[3] - span[1])


# --- building the sites of one module ----------------------------------------------------


def module_sites(facts: ModuleFacts, summary: ModuleSummary) -> ModuleSites:
    builder = _SiteBuilder(facts, summary)
    return ModuleSites(
        sites=tuple(sorted(builder.sites(), key=lambda site: site.span)),
        aliases=builder.aliases(),
        definitions=builder.definitions(),
        included=builder.included(),
    )


@dataclass
class _SiteBuilder:
    facts: ModuleFacts
    summary: ModuleSummary
    _module_names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._module_names = set(self.summary.defined)

    def ref(self, expr: ast.expr | None) -> str | None:
        """A dotted reference to what ``expr`` names: through the imports, or a name the
        module binds at its top level."""
        if expr is None:
            return None
        qualified = self.facts.qualified_name(expr)
        if qualified is not None:
            if qualified.startswith("builtins."):
                return None
            return self._absolute(qualified)
        parts: list[str] = []
        node = expr
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self._module_names:
            return None
        return ".".join([self.summary.module, node.id, *reversed(parts)])

    def _absolute(self, qualified: str) -> str:
        if not qualified.startswith("."):
            return qualified
        level = len(qualified) - len(qualified.lstrip("."))
        rest = qualified[level:] or None
        return absolute_import(self.summary.module, self.summary.is_package, level, rest) or ""

    def _alias_nodes(self) -> Iterator[tuple[str, ast.Subscript]]:
        for node in self.facts.tree.body:
            target = None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            elif isinstance(node, ast.AnnAssign):
                target = node.target
            elif type(node).__name__ == "TypeAlias":
                target = getattr(node, "name", None)
            if isinstance(target, ast.Name):
                alias = self.facts.annotated_alias(target)
                if alias is not None:
                    yield target.id, alias

    def _alias_calls(self) -> dict[str, list[ast.Call]]:
        """The ``Depends()`` calls of each module-level ``Annotated`` alias."""
        depends = {use.call for use in self.facts.dependency_uses}
        calls: dict[str, list[ast.Call]] = {}
        for name, alias in self._alias_nodes():
            parts = annotated_parts(alias, self.facts.qualified_name)
            metadata = parts[1] if parts is not None else []
            calls[name] = [m for m in metadata if isinstance(m, ast.Call) and m in depends]
        return calls

    def aliases(self) -> dict[str, tuple[str | None, ...]]:
        uses = {use.call: use for use in self.facts.dependency_uses}
        table: dict[str, tuple[str | None, ...]] = {}
        for name, calls in self._alias_calls().items():
            refs = tuple(self.ref(uses[c].callable_expr) for c in calls if c in uses)
            if refs:
                table[name] = refs
        return table

    def sites(self) -> Iterator[Site]:
        alias_calls = {c for calls in self._alias_calls().values() for c in calls}
        seen_calls: set[ast.Call] = set()
        seen_params: set[ast.arg] = set()
        declared = {use.parameter for use in self.facts.dependency_uses}
        for use in self.facts.dependency_uses:
            owner = use.owner.qualname if use.owner is not None else None
            param = use.parameter
            via_alias = use.call in alias_calls and param is not None
            annotation = param.annotation if param is not None else None
            if via_alias and param not in seen_params and isinstance(annotation, ast.Name):
                assert param is not None
                seen_params.add(param)
                yield Site(ALIAS, self.ref(annotation), span_of(annotation), owner, _name_of(param))
            if use.call in seen_calls:  # an alias' call: one site, in the alias
                continue
                continue
            seen_calls.add(use.call)
            written = use.target if use.target is not None else use.call
            yield Site(
                DEPENDS,
                self.ref(use.callable_expr),
                span_of(written),
                None if use.call in alias_calls else owner,
                _name_of(param) if param is not None and not via_alias else None,
            )
        yield from self._imported_alias_sites(declared)

    def _imported_alias_sites(self, seen: set[ast.arg | None]) -> Iterator[Site]:
        """Parameters annotated with a name the module imports (or an attribute of an
        imported module): an alias of another module, perhaps; the index tells."""
        for func in self.facts.functions:
            for param in func.parameters:
                annotation = param.annotation
                if param in seen or not isinstance(annotation, ast.Name | ast.Attribute):
                    continue
                qualified = self.facts.qualified_name(annotation)
                if qualified is None or qualified.startswith("builtins."):
                    continue
                yield Site(
                    ALIAS, self._absolute(qualified), span_of(annotation), func.qualname,
                    _name_of(param),
                )  # fmt: skip

    def definitions(self) -> dict[str, Span]:
        found: dict[str, Span] = {}
        source_lines = self.facts.source.lines
        for node, qualname in _bindings(self.facts.tree.body, ""):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.setdefault(qualname, span_of(node))
                continue
            line = source_lines[node.lineno - 1].encode("utf-8", "surrogatepass")
            keyword = b"class" if isinstance(node, ast.ClassDef) else b"def"
            start = line.find(keyword, node.col_offset)
            col = line.find(node.name.encode("utf-8"), start + len(keyword))
            if start < 0 or col < 0:
                col = node.col_offset
            found[qualname] = (node.lineno, col, node.lineno, col + len(node.name.encode()))
        return found

    def included(self) -> dict[Span, str]:
        wanted = {include.span: include.kind for include in self.summary.includes}
        found: dict[Span, str] = {}
        for call in self.facts.calls:
            kind = wanted.get(span_of(call))
            if kind is None:
                continue
            keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
            position, keyword = (0, "router") if kind == "include" else (1, "app")
            target = call.args[position] if len(call.args) > position else keywords.get(keyword)
            if target is not None:
                found[span_of(call)] = ast.unparse(target)
        return found


def _bindings(body: list[ast.stmt], prefix: str) -> Iterator[tuple[ast.AST, str]]:
    """Module-level names and class members with their qualified names (the last binding of
    a name wins for functions and classes; the first assignment for variables)."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node, prefix + node.name
            if isinstance(node, ast.ClassDef):
                yield from _bindings(node.body, f"{prefix}{node.name}.")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target, prefix + target.id
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            yield node.target, prefix + node.target.id
        elif type(node).__name__ == "TypeAlias":
            name = getattr(node, "name", None)
            if isinstance(name, ast.Name):
                yield name, prefix + name.id


def _name_of(param: ast.arg) -> Span:
    return (
        param.lineno,
        param.col_offset,
        param.lineno,
        param.col_offset + len(param.arg.encode("utf-8")),
    )
