"""Dependency sites and route cards on the project index, without a server: the cases the
sample projects do not show (re-exported aliases, ``Depends(dependency=...)``, a class whose
``__init__`` has dependencies, cycles, dependencies of routers and includes)."""

from __future__ import annotations

from pathlib import Path

from fastapi_lint.project.build import build_index
from fastapi_lint.project.dependency_sites import RouteCall, SiteTable, route_call
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.project.route_card import DependencyNode, route_card
from fastapi_lint.source import SourceText

FILES = {
    "pyproject.toml": '[project]\nname = "svc"\nversion = "0"\n',
    "svc/__init__.py": "",
    "svc/deps/__init__.py": "from .core import SessionDep as SessionDep\n",
    "svc/deps/core.py": """\
from typing import Annotated

from fastapi import Depends


def get_session() -> str:
    return "s"


SessionDep = Annotated[str, Depends(get_session)]


def ping(pong: str = Depends(dependency=lambda: "x")) -> str:
    return pong


def first(second_value: str = Depends(lambda: "")) -> str:
    return second_value
""",
    "svc/cycle.py": """\
from fastapi import Depends


def a(value: str = Depends(lambda: "")) -> str:
    return value


def b(value: str = Depends(a)) -> str:
    return value


def c(value: str = Depends(b), again: str = Depends(dependency=c)) -> str:
    return value
""",
    "svc/service.py": """\
from fastapi import Depends

from svc.deps import SessionDep


class Service:
    def __init__(self, session: SessionDep) -> None:
        self.session = session


def audit(session: SessionDep) -> None:
    return None
""",
    "svc/main.py": """\
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI

from svc import cycle
from svc.service import Service, audit

router = APIRouter(prefix="/things", dependencies=[Depends(audit)])


@router.get("/{tid}")
def read(tid: int, service: Annotated[Service, Depends()], loop: str = Depends(cycle.c)) -> str:
    return service.session + loop


app = FastAPI()
app.include_router(router, prefix="/v1", dependencies=[Depends(cycle.a)])
""",
}


def project(tmp_path: Path) -> ProjectIndex:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, "utf-8")
    return build_index(tmp_path, jobs=1)


def tree(node: DependencyNode, depth: int = 0) -> list[str]:
    mark = " (cycle)" if node.cycle else ""
    lines = [f"{'  ' * depth}{node.name} [{node.origin}]{mark}"]
    for child in node.children:
        lines += tree(child, depth + 1)
    return lines


def test_route_card_dependencies_across_routers_includes_aliases_and_classes(
    tmp_path: Path,
) -> None:
    index = project(tmp_path)
    (entry,) = index.routes
    card = route_card(index, SiteTable(), entry)
    assert card.path == "/v1/things/{tid}"
    assert [step.text for step in card.chain] == [
        "app = FastAPI()",
        'include_router(router, prefix="/v1")',
        'router = APIRouter(prefix="/things")',
    ]
    assert [line for node in card.dependencies for line in tree(node)] == [
        "svc.cycle.a [include]",
        "svc.service.audit [router]",
        "  svc.deps.core.get_session [signature]",  # SessionDep, re-exported by svc.deps
        "svc.service.Service [signature]",  # Depends() calls the class: its __init__'s
        "  svc.deps.core.get_session [signature]",
        "svc.cycle.c [signature]",
        "  svc.cycle.b [signature]",
        "    svc.cycle.a [signature]",
        "  svc.cycle.c [signature] (cycle)",  # Depends(dependency=c) on itself
    ]
    located = {node.name: (Path(node.path or "").name, node.line) for node in card.dependencies}
    assert located["svc.service.Service"] == ("service.py", 6)
    assert located["svc.cycle.a"] == ("cycle.py", 4)


def test_references_follow_a_re_exported_alias(tmp_path: Path) -> None:
    index = project(tmp_path)
    table = SiteTable()
    found = table.references(index, ("svc.deps.core", "get_session"))
    assert [(Path(path).relative_to(tmp_path).as_posix(), span[0]) for path, span in found] == [
        ("svc/deps/core.py", 10),  # SessionDep = Annotated[str, Depends(get_session)]
        ("svc/service.py", 7),  # Service.__init__(session: SessionDep)
        ("svc/service.py", 11),  # audit(session: SessionDep)
    ]
    cycle_line = FILES["svc/cycle.py"].splitlines()[11]
    main_line = FILES["svc/main.py"].splitlines()[11]
    at_c = cycle_line.index("dependency=c") + len("dependency=")
    at_main = main_line.index("cycle.c")
    assert table.references(index, ("svc.cycle", "c")) == [
        ((tmp_path / "svc/cycle.py").resolve().as_posix(), (12, at_c, 12, at_c + 1)),
        ((tmp_path / "svc/main.py").resolve().as_posix(), (12, at_main, 12, at_main + 7)),
    ]


def test_definition_of_a_site_under_a_position(tmp_path: Path) -> None:
    index = project(tmp_path)
    table = SiteTable()
    main = index.modules["svc.main"]
    sites = table.of(index, main)
    assert sites is not None
    # `Depends()` in Annotated[Service, Depends()] names the class
    line = FILES["svc/main.py"].splitlines()[11]
    site = table.site_at(sites, 12, line.index("Depends()") + 2)
    assert site is not None
    assert table.targets(index, site) == [("svc.service", "Service")]
    assert table.definition(index, ("svc.service", "Service")) == (
        (tmp_path / "svc/service.py").resolve().as_posix(),
        (6, 6, 6, 13),
    )
    # the parameter's name stands for its dependency
    site = table.site_at(sites, 12, line.index("loop"))
    assert site is not None and table.targets(index, site) == [("svc.cycle", "c")]
    # a lambda is no definition the project can point at
    core = table.of(index, index.modules["svc.deps.core"])
    assert core is not None
    ping = FILES["svc/deps/core.py"].splitlines()[12]
    lambda_site = table.site_at(core, 13, ping.index("lambda"))
    assert lambda_site is not None and table.targets(index, lambda_site) == []


def test_route_call_reads_the_path_string_of_a_call_over_several_lines() -> None:
    text = '# é\n@router.get(  # ünï\n    "/ça/{x}",\n    status_code=status.HTTP_201_CREATED,\n)\n'
    source = SourceText(text)
    call = route_call(source, (2, 1, 5, 1))
    assert call is not None
    assert call.status_code == "status.HTTP_201_CREATED"
    assert call.path_literal == (3, 4, 3, 4 + len('"/ça/{x}"'.encode()))
    one_line = SourceText('x = "é"; r.get("/é", status_code=204)\n')
    start = len('x = "é"; '.encode())
    call = route_call(one_line, (1, start, 1, len(one_line.text.rstrip().encode())))
    assert call == RouteCall((1, start + 6, 1, start + 6 + len('"/é"'.encode())), "204")
    assert route_call(SourceText("r.get(\n"), (1, 0, 1, 6)) is None  # not a call any more
