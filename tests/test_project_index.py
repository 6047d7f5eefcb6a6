"""The project index: module names, name resolution, the graphs, updates and the build."""

from __future__ import annotations

import pickle
import textwrap
from pathlib import Path

import pytest

from fastapi_lint.config import Settings
from fastapi_lint.engine import parse_module
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.files import module_name_for
from fastapi_lint.project.build import (
    ProjectScope,
    build_index,
    content_digest,
    project_files,
    scope_for,
)
from fastapi_lint.project.index import EXTERNAL, FOUND, MISSING, UNKNOWN, ProjectIndex
from fastapi_lint.project.modules import absolute_import, module_name, project_root
from fastapi_lint.project.summary import ModuleSummary
from fastapi_lint.source import SourceText

PROJECTS = Path(__file__).parent / "projects"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")


def summary_of(root: Path, name: str, text: str) -> ModuleSummary:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), "utf-8")
    scope = ProjectScope(root.resolve(), frozenset({module_name(path, root).split(".")[0]}))
    facts = ModuleFacts(
        parse_module(path.read_text("utf-8")),
        SourceText(path.read_text("utf-8")),
        str(path),
        module_name_for(path),
    )
    summary = scope.summary_from_facts(path, path.read_text("utf-8"), facts)
    assert summary is not None
    return summary


# --- module names --------------------------------------------------------------------------


def test_module_names_in_the_src_layout() -> None:
    root = PROJECTS / "src_layout"
    assert module_name(root / "src/shop/api/v1/orders.py", root) == "shop.api.v1.orders"
    assert module_name(root / "src/shop/api/__init__.py", root) == "shop.api"


def test_module_names_in_the_flat_layout() -> None:
    root = PROJECTS / "flat"
    assert module_name(root / "blog/routers/users.py", root) == "blog.routers.users"
    assert module_name(root / "blog/__init__.py", root) == "blog"


def test_module_names_of_namespace_packages_and_scripts(tmp_path: Path) -> None:
    write(tmp_path, {"app/main.py": "", "manage.py": "", "src/tools/run.py": ""})
    assert module_name(tmp_path / "app/main.py", tmp_path) == "app.main"
    assert module_name(tmp_path / "manage.py", tmp_path) == "manage"
    assert module_name(tmp_path / "src/tools/run.py", tmp_path) == "tools.run"


def test_project_root_is_the_nearest_pyproject_or_git(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "pkg/sub/mod.py": ""})
    assert project_root(tmp_path / "pkg/sub") == tmp_path.resolve()
    assert project_root(tmp_path / "pkg/sub/mod.py") == tmp_path.resolve()
    assert project_root(PROJECTS / "flat/blog/routers") == (PROJECTS / "flat").resolve()


@pytest.mark.parametrize(
    ("module", "is_package", "level", "target", "expected"),
    [
        ("app.routers.users", False, 1, "deps", "app.routers.deps"),
        ("app.routers.users", False, 2, "schemas", "app.schemas"),
        ("app.routers", True, 1, "users", "app.routers.users"),
        ("app.routers", True, 1, None, "app.routers"),
        ("app.main", False, 2, "x", None),  # above the top-level package
        ("app.main", False, 0, "fastapi", "fastapi"),
    ],
)
def test_relative_imports(
    module: str, is_package: bool, level: int, target: str | None, expected: str | None
) -> None:
    assert absolute_import(module, is_package, level, target) == expected


# --- names across modules ---------------------------------------------------------------------


def test_resolution_follows_reexports_through_init_files() -> None:
    index = build_index(PROJECTS / "src_layout", jobs=1)
    assert index.resolve("shop.api.api_router").status == FOUND
    found = index.resolve("shop.api.api_router")
    assert (found.module, found.name) == ("shop.api.router", "api_router")
    orders = index.resolve("shop.api.v1.orders_router")
    assert (orders.module, orders.name) == ("shop.api.v1.orders", "router")
    assert index.resolve("fastapi.APIRouter").status == EXTERNAL
    assert index.resolve("shop.api.nothing_here").status == MISSING
    assert index.resolve(None).status == UNKNOWN


def test_resolution_of_star_imports_and_cycles(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import thing\n",
            "pkg/b.py": "from pkg.a import thing\n",
            "pkg/models.py": "class User: ...\n",
            "pkg/star.py": "from pkg.models import *\n",
            "pkg/outside.py": "from fastapi import *\n",
        },
    )
    index = build_index(tmp_path, jobs=1)
    assert index.resolve("pkg.a.thing").status == UNKNOWN  # an import cycle proves nothing
    user = index.resolve("pkg.star.User")
    assert (user.status, user.module, user.name) == (FOUND, "pkg.models", "User")
    # every starred module is indexed: a name none of them binds is provably missing
    assert index.resolve("pkg.star.Other").status == MISSING
    assert index.resolve("pkg.outside.Other").status == UNKNOWN


def test_the_dependency_graph_crosses_modules() -> None:
    index = build_index(PROJECTS / "flat", jobs=1)
    found = index.function("blog.deps.get_current_user")
    assert found is not None
    ((ref, _span),) = found[1].dependencies
    resolved = index.resolve(ref)
    assert (resolved.module, resolved.name) == ("blog.deps", "get_db")
    route = next(e for e in index.routes if e.path == "/users/{user_id}")
    assert route.dependencies == ("blog.deps.verify_token", "blog.deps.get_current_user")


def test_the_call_graph_finds_a_blocking_helper_three_calls_away() -> None:
    index = build_index(PROJECTS / "flat", jobs=1)
    chain = index.blocking_chain("blog.services", "profile_name")
    assert chain is not None
    assert [hop.name for hop in chain] == ["fetch_profile", "_http_get", "urllib.request.urlopen"]
    assert chain[-1].path.endswith("blog/services.py")
    assert index.blocking_chain("blog.deps", "verify_token") is None


def test_circular_imports_resolve_both_ways() -> None:
    index = build_index(PROJECTS / "circular", jobs=1)
    assert index.resolve("loop.views.app").module == "loop.main"
    assert index.function("loop.views.shout") is not None
    assert {e.path for e in index.routes} == {"/", "/direct", "/views/{name}"}


# --- the include graph ------------------------------------------------------------------------


def test_a_router_included_twice_appears_under_both_prefixes() -> None:
    index = build_index(PROJECTS / "mounted_twice", jobs=1)
    paths = [(e.methods, e.path) for e in index.routes]
    assert paths == [
        (("GET",), "/v1/items/{item_id}"),
        (("PUT",), "/v1/items/{item_id}"),
        (("GET",), "/v2/items/{item_id}"),
        (("PUT",), "/v2/items/{item_id}"),
        (("GET",), "/admin/stats"),
    ]
    assert index.root_apps() == [("multi.main", "app")]


def test_unknown_pieces_of_a_path_stay_unknown(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.py": """\
                from fastapi import APIRouter, FastAPI
                PREFIX = "/x"
                app = FastAPI()
                router = APIRouter(prefix=PREFIX)
                @router.get("/a")
                def a(): ...
                app.include_router(router)
                app.include_router(make_router())
            """,
        },
    )
    index = build_index(tmp_path, jobs=1)
    assert [e.path for e in index.routes] == [None]
    assert len(index.unresolved_includes) == 1


# --- summaries, updates and the build -----------------------------------------------------------


def test_summaries_are_small_and_picklable() -> None:
    index = build_index(PROJECTS / "flat", jobs=1)
    for summary in index.summaries.values():
        data = pickle.dumps(summary)
        assert pickle.loads(data) == summary
        assert len(data) < 20_000
        assert summary.digest == content_digest(Path(summary.path).read_text("utf-8"))


def test_update_replaces_one_summary_and_names_its_dependents(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/deps.py": "def get_db():\n    yield 1\n",
            "app/main.py": "from app.deps import get_db\n",
            "app/other.py": "x = 1\n",
        },
    )
    index = build_index(tmp_path, jobs=1)
    assert index.function("app.main.get_db") is not None
    changed = summary_of(tmp_path, "app/deps.py", "def get_session():\n    yield 1\n")
    affected = index.update(changed)
    assert affected == {changed.path, (tmp_path / "app/main.py").resolve().as_posix()}
    assert index.function("app.main.get_db") is None
    assert index.resolve("app.main.get_db").status == MISSING
    assert index.remove(changed.path) == affected
    # the file is still there, only not indexed: nothing is provable about it
    assert index.resolve("app.deps.get_session").status == UNKNOWN


def test_parallel_build_equals_the_single_process_one() -> None:
    root = PROJECTS.parent / "fixtures" / "project"
    serial = build_index(root, jobs=1)
    parallel = build_index(root, jobs=2)
    assert len(serial.summaries) >= 24  # enough files for the worker processes to start
    assert parallel.summaries == serial.summaries


def test_the_index_never_imports_the_code(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    write(
        tmp_path,
        {
            "app/__init__.py": f"open({str(marker)!r}, 'w').close()\n",
            "app/main.py": f"open({str(marker)!r}, 'w').close()\nfrom fastapi import FastAPI\n"
            "app = FastAPI()\n@app.get('/')\ndef root(): ...\n",
        },
    )
    index = build_index(tmp_path, jobs=1)
    assert [e.path for e in index.routes] == ["/"]
    assert not marker.exists()


def test_files_that_do_not_parse_or_decode_are_left_out(tmp_path: Path) -> None:
    write(tmp_path, {"ok.py": "x = 1\n", "broken.py": "def (:\n"})
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\n")
    (tmp_path / "deep.py").write_text("x = " + "(" * 5000 + ")" * 5000 + "\n", "utf-8")
    index = build_index(tmp_path, jobs=1)
    assert {Path(p).name for p in index.summaries} == {"ok.py"}


def test_project_files_honour_exclude_and_gitignore(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".gitignore": "generated/\n",
            "app/main.py": "",
            "generated/api.py": "",
            "legacy/old.py": "",
        },
    )
    settings = Settings(root=tmp_path.resolve()).with_overrides(extend_exclude=["legacy"])
    files = {p.relative_to(tmp_path).as_posix() for p in project_files(tmp_path, settings)}
    assert files == {"app/main.py"}
    assert scope_for(tmp_path, [tmp_path / "app/main.py"]).packages == frozenset({"app"})


def test_an_empty_index_answers_every_question() -> None:
    index = ProjectIndex()
    assert index.routes == []
    assert index.resolve("x.y").status == EXTERNAL
    assert index.blocking_chain("x", "y") is None
    assert index.dependents("x") == set()


def test_star_imports_between_many_modules_resolve_quickly(tmp_path: Path) -> None:
    count = 24
    files = {"pkg/__init__.py": ""}
    for i in range(count):
        stars = "".join(f"from pkg.m{j} import *\n" for j in range(count) if j != i)
        files[f"pkg/m{i}.py"] = stars + f"def f{i}():\n    return {i}\n"
    write(tmp_path, files)
    index = build_index(tmp_path, jobs=1)
    found = index.resolve(f"pkg.m0.f{count - 1}")
    assert (found.status, found.module) == (FOUND, f"pkg.m{count - 1}")
    assert index.resolve("pkg.m0.nowhere").status == UNKNOWN
