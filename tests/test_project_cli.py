"""`fastapi-lint check` on directories runs the project rules; on named files it does not."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from tests.cli_support import run

PROJECTS = Path(__file__).parent / "projects"
FAS903_LINE = (
    "blog/routers/users.py:27:12: FAS903 `profile_name()` blocks the event loop in "
    "`async def user_name`: profile_name → fetch_profile → _http_get → urllib.request.urlopen"
)


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    project = tmp_path / "flat"
    shutil.copytree(PROJECTS / "flat", project)
    return project


def findings(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if ": FAS" in line]


def test_a_directory_run_reports_project_findings(blog: Path) -> None:
    result = run(blog, "check", ".", "--select", "FAS9")
    assert result.returncode == 1
    assert findings(result.stdout) == [FAS903_LINE]


def test_a_subdirectory_run_indexes_the_whole_project(blog: Path) -> None:
    # the routers are included from blog/main.py, outside the checked directory
    result = run(blog / "blog" / "routers", "check", ".", "--select", "FAS9")
    assert [line.split(":", 1)[1] for line in findings(result.stdout)] == [
        FAS903_LINE.split(":", 1)[1]
    ]
    assert "users.py:27:12: FAS903" in result.stdout


def test_a_run_on_named_files_has_no_project_rules(blog: Path) -> None:
    result = run(blog, "check", "blog/routers/users.py", "--select", "FAS9")
    assert result.returncode == 0
    assert findings(result.stdout) == []


def test_project_findings_honour_noqa_and_per_file_ignores(blog: Path) -> None:
    users = blog / "blog/routers/users.py"
    users.write_text(
        users.read_text("utf-8").replace(
            "return profile_name(user_id)", "return profile_name(user_id)  # noqa: FAS903"
        ),
        "utf-8",
    )
    assert findings(run(blog, "check", ".", "--select", "FAS9").stdout) == []
    users.write_text(users.read_text("utf-8").replace("  # noqa: FAS903", ""), "utf-8")
    (blog / "pyproject.toml").write_text(
        '[tool.fastapi-lint]\nper-file-ignores = { "blog/routers/*" = ["FAS903"] }\n', "utf-8"
    )
    assert findings(run(blog, "check", ".", "--select", "FAS9").stdout) == []


def test_project_rules_can_be_ignored_and_sit_beside_module_rules(blog: Path) -> None:
    ignored = run(blog, "check", ".", "--ignore", "FAS903")
    assert not [line for line in findings(ignored.stdout) if "FAS9" in line]
    every = run(blog, "check", ".", "--output-format", "json")
    codes = {item["code"] for item in json.loads(every.stdout)}
    assert "FAS903" in codes


def test_json_output_carries_the_chain_as_related_locations(blog: Path) -> None:
    result = run(blog, "check", ".", "--select", "FAS903", "--output-format", "json")
    (item,) = json.loads(result.stdout)
    assert item["code"] == "FAS903"
    assert item["filename"].replace("\\", "/") == "blog/routers/users.py"


def test_fixes_of_module_rules_still_apply_on_directory_runs(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", "utf-8")
    app = tmp_path / "app.py"
    app.write_text(
        textwrap.dedent(
            """\
            from fastapi import Depends, FastAPI

            app = FastAPI()


            def get_db():
                yield 1


            @app.get("/a")
            def a(db=Depends(get_db())):
                return db
            """
        ),
        "utf-8",
    )
    result = run(tmp_path, "check", ".", "--fix", "--select", "FAS402,FAS9")
    assert "Depends(get_db)" in app.read_text("utf-8")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_duplicate_across_routers_from_the_command_line(tmp_path: Path) -> None:
    shutil.copytree(
        PROJECTS.parent / "fixtures/project/FAS901_duplicate_route_across_routers", tmp_path / "p"
    )
    (tmp_path / "p/pyproject.toml").write_text("", "utf-8")
    result = run(tmp_path / "p", "check", ".", "--select", "FAS901")
    assert [line.split(": FAS")[0] for line in findings(result.stdout)] == [
        "pkg/admin.py:6:2",
        "pkg/main.py:15:2",
    ]
