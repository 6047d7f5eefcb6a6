"""Checking many files: worker processes only for enough source, reports in the given order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_lint.runner import CHUNK_BYTES, CHUNK_SIZE, PARALLEL_MIN_BYTES, _chunks_by_size
from tests.cli_support import APP, FINDING

# Runs the command line, writing "forked" to the file named first once a process pool starts.
DRIVER = """\
import sys
from concurrent.futures import ProcessPoolExecutor
from fastapi_lint.cli import main
started = ProcessPoolExecutor.__init__
def recording(self, *args, **kwargs):
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        out.write("forked")
    started(self, *args, **kwargs)
ProcessPoolExecutor.__init__ = recording
sys.exit(main(sys.argv[2:]))
"""


def run(cwd: Path, *arguments: str) -> tuple[subprocess.CompletedProcess[str], bool]:
    """The command's result, and whether it started worker processes."""
    marker = cwd.parent / "forked.txt"
    marker.unlink(missing_ok=True)
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(marker), *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result, marker.exists()


def padded(text: str, size: int) -> str:
    """``text`` and comment lines up to about ``size`` bytes."""
    lines = (size - len(text)) // 40
    return text + "".join(f"# padding line {n:05d} of a larger module\n" for n in range(lines))


def write_modules(root: Path, sizes: list[int]) -> None:
    for index, size in enumerate(sizes):
        package = root / f"pkg{index % 3}"
        package.mkdir(parents=True, exist_ok=True)
        (package / f"m{index:02d}.py").write_text(padded(APP, size), "utf-8")


def files(root: Path) -> list[str]:
    """The modules as a file list: a check of files, not of a directory (the project index's
    own run)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))


@pytest.fixture
def large(tmp_path: Path) -> Path:
    root = tmp_path / "large"
    # sizes out of path order, some above a chunk's size: more than PARALLEL_MIN_BYTES in all
    sizes = [(index * 7919) % 40_000 + 500 for index in range(24)] + [3 * CHUNK_BYTES]
    assert sum(sizes) > PARALLEL_MIN_BYTES
    write_modules(root, sizes)
    (root / "pkg1" / "broken.py").write_text("def f(:\n", "utf-8")
    return root


def test_enough_source_is_checked_in_workers_with_the_serial_output(large: Path) -> None:
    for output_format in ("text", "json"):
        arguments = ["check", "--isolated", "--select", "FAS402", "--output-format", output_format]
        parallel, forked = run(large, *arguments, "--jobs", "2", "--", *files(large))
        serial, serial_forked = run(large, *arguments, "--jobs", "1", "--", *files(large))
        assert forked and not serial_forked
        assert parallel.returncode == serial.returncode == 1
        assert parallel.stdout == serial.stdout
        assert parallel.stderr == serial.stderr
        assert parallel.stderr.count("broken.py: cannot parse:") == 1
    text, _ = run(large, "check", "--isolated", "--select", "FAS402", "--jobs", "2", *files(large))
    shown = [line.split(":")[0] for line in text.stdout.splitlines()]
    assert shown == sorted(shown)  # the order of the paths, not of the sizes
    assert len(shown) == 25
    assert all(line.endswith(FINDING) for line in text.stdout.splitlines())


def test_little_source_is_checked_in_this_process(tmp_path: Path) -> None:
    root = tmp_path / "small"
    write_modules(root, [400] * 40)  # more files than chunks hold, far fewer bytes
    arguments = ["check", "--isolated", "--select", "FAS402", "--jobs", "2", *files(root)]
    result, forked = run(root, *arguments)
    assert not forked
    assert result.stdout.count("FAS402") == 40


def test_chunks_hold_the_largest_files_first() -> None:
    sizes = {position: (position * 7919) % 90_000 for position in range(60)}
    sizes[7] = 5 * CHUNK_BYTES
    chunks = _chunks_by_size(sizes)
    order = [position for chunk in chunks for position in chunk]
    assert sorted(order) == sorted(sizes)
    assert [sizes[p] for p in order] == sorted(sizes.values(), reverse=True)
    assert chunks[0] == [7]
    for chunk in chunks:
        assert len(chunk) <= CHUNK_SIZE
        assert len(chunk) == 1 or sum(sizes[p] for p in chunk) <= CHUNK_BYTES
