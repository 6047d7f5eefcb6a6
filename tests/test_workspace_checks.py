"""The server's project checks (``WorkspaceIndex.check``): after each change the findings
equal those of a whole run on a fresh index, though only what the change can affect is
checked again. On the flat sample project: ``blog/routers/users.py`` calls
``services.profile_name``, which blocks three calls down (FAS903)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from fastapi_lint.config import Settings
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.project import workspace
from fastapi_lint.project.build import build_index
from fastapi_lint.project.checking import run_project_rules
from fastapi_lint.project.workspace import ProjectCheck, WorkspaceIndex
from fastapi_lint.rules import all_rules

PROJECTS = Path(__file__).parent / "projects"
USERS = "blog/routers/users.py"
SERVICES = "blog/services.py"
Finding = tuple[str, str, int, int, tuple[tuple[str, int], ...]]


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    root = tmp_path / "flat"
    shutil.copytree(PROJECTS / "flat", root)
    return root.resolve()


def settings_for(root: Path) -> Settings:
    return Settings(root=root, respect_gitignore=False)


def plain(findings: dict[str, list[Diagnostic]], root: Path) -> dict[str, list[Finding]]:
    """Findings by path relative to ``root``, without their editor actions (built for open
    files only)."""

    def relative(path: str) -> str:
        return Path(path).relative_to(root).as_posix()

    return {
        relative(path): sorted(
            (
                d.code,
                d.message,
                d.start.line,
                d.start.col,
                tuple((relative(r.path or path), r.start.line) for r in d.related),
            )
            for d in found
        )
        for path, found in findings.items()
        if found
    }


def whole_run(root: Path, texts: dict[str, str]) -> dict[str, list[Finding]]:
    """Every project rule on a fresh index of the project as the texts have it."""
    fresh = root.parent / f"{root.name}-fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(root, fresh)
    for path, text in texts.items():
        (fresh / Path(path).relative_to(root)).write_text(text, "utf-8")
    found, _ = run_project_rules(build_index(fresh, settings_for(fresh), 1), all_rules())
    return plain(found, fresh)


def check(
    index: WorkspaceIndex, texts: dict[str, str], *, thorough: bool, disk: bool = False
) -> ProjectCheck:
    return index.check(all_rules(), settings_for(index.root), texts, disk=disk, thorough=thorough)


def test_a_change_that_stops_a_chain_clears_the_callers_finding_at_once(blog: Path) -> None:
    index = WorkspaceIndex(blog, settings_for(blog))
    first = check(index, {}, thorough=True, disk=True)
    assert plain(first.findings, blog) == whole_run(blog, {})
    assert [f[0] for f in plain(first.findings, blog)[USERS]] == ["FAS903"]

    services = (blog / SERVICES).as_posix()
    text = Path(services).read_text("utf-8")
    harmless = text.replace("urllib.request.urlopen(url)", "open(url, 'rb')").replace(
        "import urllib.request\n", "import urllib.request\nopen = print\n"
    )
    quick = check(index, {services: harmless}, thorough=False)
    assert not quick.deferred  # what users.py reads of services changed: checked now
    assert plain(quick.findings, blog) == whole_run(blog, {services: harmless})
    assert USERS not in plain(quick.findings, blog)


def test_positions_that_move_reach_the_importers_with_the_thorough_check(blog: Path) -> None:
    index = WorkspaceIndex(blog, settings_for(blog))
    check(index, {}, thorough=True, disk=True)
    services = (blog / SERVICES).as_posix()
    moved = "# a comment line\n" + Path(services).read_text("utf-8")

    quick = check(index, {services: moved}, thorough=False)
    assert quick.deferred
    ((_, _, line, _, related),) = plain(quick.findings, blog)[USERS]
    assert line == 27 and related  # not looked at again: the hops' old lines
    thorough = check(index, {services: moved}, thorough=True)
    assert not thorough.deferred
    assert plain(thorough.findings, blog) == whole_run(blog, {services: moved})
    assert plain(thorough.findings, blog)[USERS] != plain(quick.findings, blog)[USERS]


def test_the_changed_module_itself_is_checked_at_once(blog: Path) -> None:
    index = WorkspaceIndex(blog, settings_for(blog))
    check(index, {}, thorough=True, disk=True)
    users = (blog / USERS).as_posix()
    typed = "\n\n" + Path(users).read_text("utf-8")
    quick = check(index, {users: typed}, thorough=False)
    assert plain(quick.findings, blog) == whole_run(blog, {users: typed})
    assert [f[2] for f in plain(quick.findings, blog)[USERS]] == [29]


def test_closing_a_document_and_files_on_disk(blog: Path) -> None:
    index = WorkspaceIndex(blog, settings_for(blog))
    check(index, {}, thorough=True, disk=True)
    services = (blog / SERVICES).as_posix()
    cleared = Path(services).read_text("utf-8").replace("urllib.request.urlopen", "dict")
    assert USERS not in plain(check(index, {services: cleared}, thorough=False).findings, blog)
    # closed: the file's text is the disk's again, without a look at the other files
    assert USERS in plain(check(index, {}, thorough=True).findings, blog)

    # a new module on disk calling the blocking helper
    (blog / "blog/jobs.py").write_text(
        "from blog.services import fetch_profile\n\n\nasync def job():\n    fetch_profile(1)\n",
        "utf-8",
    )
    found = check(index, {}, thorough=False, disk=True)
    assert plain(found.findings, blog) == whole_run(blog, {})
    assert "blog/jobs.py" in plain(found.findings, blog)


def test_the_first_build_in_worker_processes_equals_one_in_this_process(
    blog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = WorkspaceIndex(blog, settings_for(blog))
    seen: list[tuple[int, int]] = []
    expected = check(serial, {}, thorough=True, disk=True)
    monkeypatch.setattr(workspace, "PARALLEL_BUILD", 1)
    monkeypatch.setattr(workspace, "BUILD_CHUNK", 2)
    parallel = WorkspaceIndex(blog, settings_for(blog))
    found = parallel.check(
        all_rules(), settings_for(blog), progress=lambda done, total: seen.append((done, total))
    )
    assert plain(found.findings, blog) == plain(expected.findings, blog)
    assert set(parallel.index.summaries) == set(serial.index.summaries)
    assert seen and seen[-1][0] == seen[-1][1] == len(serial.index.summaries)
    assert [done for done, _ in seen[:3]] == [2, 4, 6]  # a report per chunk summarised


def test_a_line_typed_in_a_body_is_summarised_from_the_last_summary(blog: Path) -> None:
    """An open document's edit inside a function body: its summary is made from the last
    one (no whole parse), the findings equal a whole run, and the editor actions that need
    the whole parse come with the thorough check."""
    index = WorkspaceIndex(blog, settings_for(blog))
    check(index, {}, thorough=True, disk=True)
    users = (blog / USERS).as_posix()
    text = Path(users).read_text("utf-8")
    check(index, {users: text}, thorough=True)  # opened: a whole summary
    typed = text.replace("    return []\n", "    names = []\n    return names\n")
    quick = check(index, {users: typed}, thorough=False)
    assert index._documents.incremental == 1
    assert quick.deferred  # only positions moved: the importers wait
    assert plain(quick.findings, blog) == whole_run(blog, {users: typed})
    (finding,) = quick.findings[users]
    assert finding.code == "FAS903" and finding.start.line == 28 and finding.fix is None
    thorough = check(index, {users: typed}, thorough=True)
    assert plain(thorough.findings, blog) == whole_run(blog, {users: typed})
    (finding,) = thorough.findings[users]
    assert finding.fix is not None and "to_thread" in finding.fix.title
    # the action is made from the kept syntax tree, not a parse: the same as from a parse
    fresh = WorkspaceIndex(blog, settings_for(blog))
    check(fresh, {}, thorough=True, disk=True)
    assert check(fresh, {users: typed}, thorough=True).findings[users] == [finding]

    blocking = typed.replace("    return profile_name(user_id)\n", "    return user_id\n")
    quick = check(index, {users: blocking}, thorough=False)
    assert index._documents.incremental == 2
    # what other modules read of users.py changed: its importers checked at once
    assert plain(quick.findings, blog) == whole_run(blog, {users: blocking})
    assert users not in quick.findings
    assert quick.deferred  # the editor actions of users.py's findings are still to come


def test_the_reverse_import_table_follows_updates_and_removals(blog: Path) -> None:
    """``ProjectIndex.dependents`` answers from a table kept by ``update``/``remove``: the
    same as a look at every module's imports."""
    index = build_index(blog, settings_for(blog), 1)

    def scanned(module: str) -> set[str]:
        return {
            s.path
            for s in index.summaries.values()
            if any(
                t == module or t.startswith(module + ".")
                for t in (*s.imports.values(), *s.star_imports)
            )
        }

    modules = sorted({s.module for s in index.summaries.values()} | {"blog", "fastapi"})
    assert all(index.dependents(m) == scanned(m) for m in modules)
    users = next(s for s in index.summaries.values() if s.module == "blog.routers.users")
    services = next(s for s in index.summaries.values() if s.module == "blog.services")
    assert users.path in index.dependents("blog.services")
    index.update(replace(users, imports={"APIRouter": "fastapi.APIRouter"}))
    assert users.path not in index.dependents("blog.services")
    index.remove(services.path)
    index.update(replace(services, imports={**services.imports, "users": "blog.routers.users"}))
    assert all(index.dependents(m) == scanned(m) for m in modules)
    assert index.dependents("blog.routers") == {services.path} | scanned("blog.routers")


def test_requests_share_the_refresh_of_a_document_version(blog: Path) -> None:
    """``refresh(max_age=...)`` does nothing when the last refresh (a check's too) saw the
    same open documents and, for the disk, looked at it recently enough."""
    index = WorkspaceIndex(blog, settings_for(blog))
    users = (blog / USERS).as_posix()
    text = Path(users).read_text("utf-8")
    check(index, {users: text}, thorough=True, disk=True)
    (blog / "blog/extra.py").write_text("import blog.services\n", "utf-8")
    assert index.refresh({users: text}, disk=False, max_age=1.0) == set()
    assert index.refresh({users: text}, disk=True, max_age=60.0) == set()  # disk seen just now
    extra = (blog / "blog/extra.py").as_posix()
    assert extra not in index.index.summaries
    typed = text + "\n\nx = 1\n"
    assert users in index.refresh({users: typed}, disk=False, max_age=60.0)  # a new version
    assert extra not in index.index.summaries
    assert extra in index.refresh({users: typed}, disk=True, max_age=0.0)
    assert extra in index.index.summaries
