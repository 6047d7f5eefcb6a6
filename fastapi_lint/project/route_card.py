"""What an editor shows about one path operation: its route card.

From a ``RouteEntry`` of the project index: the full path, the chain of apps, includes and
routers it is served through (each with its file and line), the response model, the status
code the decorator sets, and the dependencies FastAPI resolves for it, each with the
dependencies of its own signature (across modules, through ``Annotated`` aliases).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from fastapi_lint.project.dependency_sites import MAX_DEPTH, SiteTable, Target
from fastapi_lint.project.index import FOUND, InstanceKey, ProjectIndex, RouteEntry
from fastapi_lint.project.summary import IncludeDef, InstanceDef, ModuleSummary

MAX_INCLUDE_CHOICES = 64  # include combinations tried to tell which one serves a path


@dataclass(frozen=True)
class ChainStep:
    """An app, an include or a router on the way from the app to the route."""

    text: str  # `app = FastAPI()`, `include_router(router, prefix="/users")`
    path: str  # its file
    line: int


@dataclass(frozen=True)
class DependencyNode:
    name: str  # `blog.deps.get_db`, or the reference as written when not resolved
    path: str | None  # where it is defined, when the project defines it
    line: int | None
    origin: str  # what declares it: "app", "router", "include", "decorator", "signature"
    children: tuple[DependencyNode, ...] = ()
    cycle: bool = False  # it depends on itself further down (not expanded again)


@dataclass(frozen=True)
class RouteCard:
    methods: tuple[str, ...]
    path: str | None  # full path; None when not resolvable
    literal: str | None  # the path as the decorator writes it
    handler: str
    handler_path: str
    handler_line: int
    response_model: str | None
    status_code: str | None
    chain: tuple[ChainStep, ...]
    dependencies: tuple[DependencyNode, ...]


def route_card(index: ProjectIndex, sites: SiteTable, entry: RouteEntry) -> RouteCard:
    route = entry.route
    call = sites.route_calls(index, entry.module).get(route.span)
    return RouteCard(
        methods=entry.methods,
        path=entry.path,
        literal=route.path,
        handler=route.handler.replace(".<locals>", ""),
        handler_path=entry.module.path,
        handler_line=route.handler_span[0],
        response_model=route.response_model,
        status_code=call.status_code if call is not None else None,
        chain=tuple(_chain_steps(index, sites, entry)),
        dependencies=tuple(_dependencies(index, sites, entry)),
    )


# --- the chain of apps, includes and routers ---------------------------------------------


def _instances(index: ProjectIndex) -> dict[InstanceKey, tuple[ModuleSummary, InstanceDef]]:
    return {key: (summary, instance) for key, summary, instance in index.instances()}


def _key(label: str) -> InstanceKey:
    module, _, key = label.partition(":")
    return module, key


def _includes_between(
    index: ProjectIndex, outer: InstanceKey, inner: InstanceKey
) -> list[tuple[ModuleSummary, IncludeDef]]:
    return [
        (summary, include)
        for summary in index.modules.values()
        for include in summary.includes
        if index.instance(include.owner) == outer and index.instance(include.target) == inner
    ]


def _chosen_includes(
    index: ProjectIndex,
    entry: RouteEntry,
    keys: list[InstanceKey],
    instances: dict[InstanceKey, tuple[ModuleSummary, InstanceDef]],
) -> tuple[tuple[ModuleSummary, IncludeDef], ...] | None:
    """The include of each hop that gives the entry its path (a router included twice, with
    two prefixes, serves two paths); the first combination when the path is not known."""
    choices = [_includes_between(index, a, b) for a, b in itertools.pairwise(keys)]
    if any(not c for c in choices):
        return None
    for tried, combination in enumerate(itertools.product(*choices)):
        if tried >= MAX_INCLUDE_CHOICES:
            break
        if entry.path is None or _path_of(entry, keys, combination, instances) == entry.path:
            return combination
    return None


def _path_of(
    entry: RouteEntry,
    keys: list[InstanceKey],
    includes: tuple[tuple[ModuleSummary, IncludeDef], ...],
    instances: dict[InstanceKey, tuple[ModuleSummary, InstanceDef]],
) -> str | None:
    pieces: list[str | None] = []
    for position, key in enumerate(keys):
        instance = instances[key][1]
        pieces.append(instance.prefix if instance.kind == "router" else "")
        if position < len(includes):
            pieces.append(includes[position][1].prefix)
    pieces.append(entry.route.path)
    if any(p is None for p in pieces):
        return None
    return "".join(p for p in pieces if p is not None)


def _written_target(
    index: ProjectIndex, sites: SiteTable, summary: ModuleSummary, include: IncludeDef
) -> str | None:
    module_sites = sites.of(index, summary)
    return module_sites.included.get(include.span) if module_sites is not None else None


def _chain_steps(index: ProjectIndex, sites: SiteTable, entry: RouteEntry) -> list[ChainStep]:
    instances = _instances(index)
    keys = [_key(label) for label in entry.chain]
    if any(key not in instances for key in keys):
        return []
    includes = _chosen_includes(index, entry, keys, instances) or ()
    steps = []
    for position, key in enumerate(keys):
        summary, instance = instances[key]
        steps.append(ChainStep(_instance_text(instance), summary.path, instance.span[0]))
        if position < len(includes):
            include_summary, include = includes[position]
            inner = _written_target(index, sites, include_summary, include)
            steps.append(
                ChainStep(
                    _include_text(include, inner or _short(instances[keys[position + 1]][1].key)),
                    include_summary.path,
                    include.span[0],
                )
            )
    return steps


def _short(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def _instance_text(instance: InstanceDef) -> str:
    name = _short(instance.key)
    if not instance.constructed:
        return f"{name}: {'FastAPI' if instance.kind == 'app' else 'APIRouter'} (a parameter)"
    if instance.kind == "app":
        return f"{name} = FastAPI()"
    if instance.prefix is None:
        return f"{name} = APIRouter(prefix=…)"
    prefix = f"prefix={instance.prefix!r}" if instance.prefix else ""
    return f"{name} = APIRouter({prefix})".replace("'", '"')


def _include_text(include: IncludeDef, inner: str) -> str:
    prefix = "…" if include.prefix is None else f'"{include.prefix}"'
    if include.kind == "mount":
        return f"mount({prefix}, {inner})"
    if include.prefix == "":
        return f"include_router({inner})"
    return f"include_router({inner}, prefix={prefix})"


# --- dependencies ------------------------------------------------------------------------


def _dependencies(index: ProjectIndex, sites: SiteTable, entry: RouteEntry) -> list[DependencyNode]:
    """In the order FastAPI runs them: the app's and routers' (with their includes'), the
    decorator's, then the handler's signature."""
    instances = _instances(index)
    keys = [_key(label) for label in entry.chain]
    declared: list[tuple[str | None, str]] = []
    includes = (
        _chosen_includes(index, entry, keys, instances)
        if all(k in instances for k in keys)
        else None
    ) or ()
    for position, key in enumerate(keys):
        instance = instances[key][1] if key in instances else None
        if instance is not None:
            declared.extend((ref, instance.kind) for ref in instance.dependencies)
        if position < len(includes):
            declared.extend((ref, "include") for ref in includes[position][1].dependencies)
    declared.extend((ref, "decorator") for ref in entry.route.dependencies)
    nodes = [_node(index, sites, ref, origin) for ref, origin in declared]
    handler: Target = (entry.module.module, entry.route.handler)
    nodes.extend(
        _tree(index, sites, target, "signature", (handler,))
        for target in sites.dependencies_of(index, handler)
    )
    return nodes


def _node(index: ProjectIndex, sites: SiteTable, ref: str | None, origin: str) -> DependencyNode:
    found = index.resolve(ref)
    if found.status != FOUND or not found.name:
        return DependencyNode(ref or "?", None, None, origin)
    return _tree(index, sites, (found.module, found.name), origin, ())


def _tree(
    index: ProjectIndex,
    sites: SiteTable,
    target: Target,
    origin: str,
    above: tuple[Target, ...],
) -> DependencyNode:
    where = sites.definition(index, target)
    name = f"{target[0]}.{target[1]}"
    path, line = (where[0], where[1][0]) if where is not None else (None, None)
    if target in above:
        return DependencyNode(name, path, line, origin, cycle=True)
    children: tuple[DependencyNode, ...] = ()
    if len(above) < MAX_DEPTH:
        children = tuple(
            _tree(index, sites, child, "signature", (*above, target))
            for child in sites.dependencies_of(index, target)
        )
    return DependencyNode(name, path, line, origin, children)
