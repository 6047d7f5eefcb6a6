"""The result cache: asked for, keyed on content, settings and code, never trusted blindly.

Runs go through the command line's ``main`` in this process (the sample projects are below
the size at which worker processes start), so that a test can count the modules parsed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fastapi_lint import cache as cache_module
from fastapi_lint import engine
from fastapi_lint.cli import CACHE_DIR_ENV, main
from tests.cli_support import APP, run

PROJECTS = Path(__file__).parent / "projects"
FAS903 = "blog/routers/users.py:27:12: FAS903"


@pytest.fixture(autouse=True)
def _fresh_warnings() -> Iterator[None]:
    cache_module._warned.clear()  # one warning per run: each test call is a run
    yield
    cache_module._warned.clear()


@pytest.fixture
def blog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "flat"
    shutil.copytree(PROJECTS / "flat", project)
    (project / "blog" / "legacy.py").write_text(APP, "utf-8")  # a module rule's finding
    monkeypatch.chdir(project)
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    return project


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the modules parsed for a check, in the order they were."""
    seen: list[str] = []
    original = engine.parse_module

    def counting(text: str, path: str = "<unknown>") -> object:
        seen.append(path)
        return original(text, path)

    monkeypatch.setattr(engine, "parse_module", counting)
    monkeypatch.setattr("fastapi_lint.project.build.parse_module", counting)
    return seen


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["check", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize("target", [".", "blog/routers/users.py"])
def test_a_warm_run_prints_what_a_cold_run_prints(
    blog: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    parses: list[str],
    output: str,
    target: str,
) -> None:
    args = [target, "--output-format", output, "--show-fixes"]
    uncached = check(capsys, *args)
    cold = check(capsys, *args, "--cache-dir", str(tmp_path / "cache"))
    parses.clear()
    warm = check(capsys, *args, "--cache-dir", str(tmp_path / "cache"))
    assert cold == uncached
    assert warm == cold
    assert parses == []  # nothing parsed: every file was answered from the cache
    if target == ".":
        assert FAS903 in warm[1] or '"code": "FAS903"' in warm[1]


def test_a_changed_file_is_checked_again_and_the_project_rules_run_again(
    blog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], parses: list[str]
) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    check(capsys, ".", *cache)
    users = blog / "blog" / "routers" / "users.py"
    users.write_text(
        users.read_text("utf-8").replace("return profile_name(user_id)", "return user_id"),
        "utf-8",
    )
    parses.clear()
    warm = check(capsys, ".", *cache)
    assert [Path(p).name for p in parses] == ["users.py"]  # only the changed module
    assert FAS903 not in warm[1]
    assert warm == check(capsys, ".", "--no-cache")


def test_a_file_changed_back_gives_its_first_findings(
    blog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    first = check(capsys, ".", *cache)
    legacy = blog / "blog" / "legacy.py"
    legacy.write_text(APP.replace("get_db()", "get_db"), "utf-8")
    assert "FAS402" not in check(capsys, ".", *cache)[1]
    legacy.write_text(APP, "utf-8")
    assert check(capsys, ".", *cache) == first


@pytest.mark.parametrize(
    "setting",
    [
        ["--select", "FAS4"],
        ["--ignore", "FAS903"],
        ["--option", "fat-route.max-statements=0"],
    ],
)
def test_a_changed_setting_is_not_served_old_results(
    blog: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    parses: list[str],
    setting: list[str],
) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    check(capsys, ".", *cache)
    parses.clear()
    changed = check(capsys, ".", *setting, *cache)
    assert parses  # checked again
    assert changed == check(capsys, ".", *setting, "--no-cache")
    assert changed != check(capsys, ".", "--no-cache")


def test_another_version_of_the_rules_reads_nothing_of_this_one(
    blog: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    parses: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    cold = check(capsys, ".", *cache)
    monkeypatch.setattr(cache_module, "code_version", lambda: "another-version")
    parses.clear()
    assert check(capsys, ".", *cache) == cold
    assert len(parses) == len(list(blog.rglob("*.py")))  # every module checked again


def test_the_code_version_follows_every_source_file(tmp_path: Path) -> None:
    package = tmp_path / "package"
    shutil.copytree(Path(cache_module.__file__).parent, package)
    before = cache_module.sources_digest(package)
    rule = package / "rules" / "async_" / "blocking_call_in_async.py"
    rule.write_text(rule.read_text("utf-8") + "\n# changed\n", "utf-8")
    assert cache_module.sources_digest(package) != before
    assert cache_module.code_version() == cache_module.sources_digest(
        Path(cache_module.__file__).parent
    )


def test_corrupt_entries_are_ignored_with_one_warning(
    blog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "cache"
    cold = check(capsys, ".", "--cache-dir", str(directory))
    entries = [p for p in directory.rglob("*") if p.is_file() and p.name[:2] in ("f-", "r-")]
    assert entries
    for number, entry in enumerate(entries):
        entry.write_bytes(b"" if number % 2 else b"\x80\x05not a pickle")
    status, out, err = check(capsys, ".", "--cache-dir", str(directory))
    assert (status, out) == cold[:2]
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "cache" in warnings[0]
    assert check(capsys, ".", "--cache-dir", str(directory)) == cold  # rewritten


def test_an_unusable_cache_directory_is_one_warning_not_an_error(
    blog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", "utf-8")
    expected = check(capsys, ".")
    status, out, err = check(capsys, ".", "--cache-dir", str(blocker / "cache"))
    assert (status, out) == expected[:2]
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "not usable" in warnings[0]


def _every_file(top: Path) -> set[Path]:
    return {p for p in top.rglob("*") if "__pycache__" not in p.parts}


def test_nothing_is_written_without_asking(blog: Path, tmp_path: Path) -> None:
    before = _every_file(tmp_path)
    for args in ([".", "--exit-zero"], ["blog/legacy.py", "--exit-zero"]):
        assert run(blog, "check", *args).returncode == 0
    assert _every_file(tmp_path) == before


def test_the_environment_and_the_configuration_name_the_cache(
    blog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "from-env"))
    check(capsys, ".")
    assert any((tmp_path / "from-env").rglob("f-*"))
    monkeypatch.delenv(CACHE_DIR_ENV)
    config = blog / "pyproject.toml"
    config.write_text(
        config.read_text("utf-8") + '\n[tool.fastapi-lint]\ncache-dir = ".lint-cache"\n', "utf-8"
    )
    check(capsys, ".")
    assert any((blog / ".lint-cache").rglob("f-*"))
    assert (blog / ".lint-cache" / "CACHEDIR.TAG").is_file()
    shutil.rmtree(blog / ".lint-cache")
    check(capsys, ".", "--no-cache")
    assert not (blog / ".lint-cache").exists()


def test_fixing_reads_and_writes_no_cache(
    blog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    check(capsys, "blog/legacy.py", *cache)
    check(capsys, "blog/legacy.py", "--fix", *cache)
    assert "Depends(get_db)" in (blog / "blog" / "legacy.py").read_text("utf-8")
    assert "FAS402" not in check(capsys, "blog/legacy.py", *cache)[1]


def test_concurrent_runs_leave_a_cache_that_serves_the_right_findings(
    blog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess
    import sys

    directory = tmp_path / "cache"
    command = [sys.executable, "-m", "fastapi_lint", "check", ".", "--cache-dir", str(directory)]
    runs = [
        subprocess.Popen(command, cwd=blog, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    expected = check(capsys, ".", "--no-cache")
    for out, err in outputs:
        assert out.decode() == expected[1]
        assert b"warning" not in err and b"Traceback" not in err
    assert not list(directory.rglob(".tmp-*"))  # every temporary file was renamed into place
    assert check(capsys, ".", "--cache-dir", str(directory)) == expected


@pytest.mark.parametrize("value", ["1", "''", "['a']"])
def test_cache_dir_in_the_configuration_must_be_a_path(tmp_path: Path, value: str) -> None:
    from fastapi_lint.config import ConfigError, load_settings

    config = tmp_path / "pyproject.toml"
    config.write_text(f"[tool.fastapi-lint]\ncache-dir = {value}\n", "utf-8")
    with pytest.raises(ConfigError, match="cache-dir"):
        load_settings(config)
