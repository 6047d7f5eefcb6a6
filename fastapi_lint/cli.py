"""``fastapi-lint``: check FastAPI code from the command line.

Exit codes: 0 no findings, 1 findings, 2 usage, configuration or internal error (or only
files that could not be parsed).
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from fastapi_lint import refactor_cli
from fastapi_lint.config import (
    ConfigError,
    Settings,
    find_config_file,
    load_settings,
    parse_option_assignment,
)
from fastapi_lint.engine import applicable
from fastapi_lint.files import discover_files
from fastapi_lint.output import (
    FORMATS,
    write_github,
    write_json,
    write_sarif,
    write_statistics,
    write_text,
)
from fastapi_lint.routes_cli import add_routes_parser, run_routes
from fastapi_lint.rules import all_rules, get_rule, rule_by_name
from fastapi_lint.runner import (
    FileReport,
    FixMode,
    check_files,
    collect_garbage_rarely,
    open_cache,
)

# What a plain `check` of a few files does not need (the version, the result cache, the
# project index, the refactorings, the language server) is imported where it is used:
# tests/test_startup.py keeps them out of such a run.

# The environment variable naming the result cache's directory (fastapi_lint/cache.py).
CACHE_DIR_ENV = "FASTAPI_LINT_CACHE_DIR"

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


class _VersionAction(argparse.Action):
    """``--version``: argparse's own action, with the version read only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help="show program's version number and exit",
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        import fastapi_lint

        formatter = parser._get_formatter()
        formatter.add_text(f"fastapi-lint {fastapi_lint.__version__}")
        parser._print_message(formatter.format_help(), sys.stdout)
        parser.exit()


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fastapi-lint",
        description="Reviews FastAPI code the way a senior FastAPI engineer does.",
        epilog="Run `fastapi-lint <command> --help` for a command's options. "
        "Configuration: [tool.fastapi-lint] in pyproject.toml.",
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="<command>", parser_class=_Parser)

    check = commands.add_parser(
        "check",
        help="check files and directories (default: the current directory)",
        description="Check Python files for FastAPI review findings. Exit codes: 0 clean, "
        "1 findings, 2 error.",
    )
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or directories")
    check.add_argument(
        "--output-format",
        choices=FORMATS,
        default="text",
        help="text: `path:line:col: CODE message` (default); json; sarif; github (annotations)",
    )
    check.add_argument(
        "--select",
        type=_codes,
        metavar="CODES",
        help="only these codes or prefixes (comma-separated); replaces the configured selection",
    )
    check.add_argument(
        "--extend-select",
        type=_codes,
        default=[],
        metavar="CODES",
        help="enable these codes or prefixes in addition",
    )
    check.add_argument(
        "--ignore", type=_codes, default=[], metavar="CODES", help="disable these codes or prefixes"
    )
    check.add_argument(
        "--exclude", type=_codes, default=None, metavar="GLOBS", help="replace the excluded globs"
    )
    check.add_argument(
        "--extend-exclude",
        type=_codes,
        default=[],
        metavar="GLOBS",
        help="exclude these globs in addition",
    )
    check.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="RULE.OPTION=VALUE",
        help="set a rule option, e.g. fat-route.max-statements=20",
    )
    check.add_argument("--fix", action="store_true", help="apply safe fixes to the files")
    check.add_argument(
        "--unsafe-fixes", action="store_true", help="also apply unsafe fixes (with --fix or --diff)"
    )
    check.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a diff instead of writing them (exit 1 when there are any)",
    )
    check.add_argument(
        "--show-fixes",
        action="store_true",
        help="show the fix of each finding, and what --fix changed",
    )
    check.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings per rule instead of the findings",
    )
    check.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when there are findings"
    )
    check.add_argument(
        "--config",
        type=Path,
        metavar="PYPROJECT",
        help="use this pyproject.toml instead of the nearest one",
    )
    check.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    check.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply exclusions to files named on the command line too (for pre-commit)",
    )
    check.add_argument(
        "--no-respect-gitignore", action="store_true", help="check files that .gitignore excludes"
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: one per CPU)",
    )
    check.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep the results of unchanged files in DIR and reuse them (also "
        f"{CACHE_DIR_ENV} or cache-dir in [tool.fastapi-lint]); off by default: the checker "
        "writes nothing it is not asked to",
    )
    check.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the result cache"
    )
    check.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")

    rules = commands.add_parser(
        "rules", help="list every rule", description="List the rule catalog."
    )
    rules.add_argument("--output-format", choices=("text", "json"), default="text")

    commands.add_parser(
        "server",
        help="run the language server (stdio; --tcp --host H --port N for debugging)",
        add_help=False,
    )

    add_routes_parser(commands)

    rule = commands.add_parser(
        "rule", help="show a rule's documentation", description="Print the documentation of a rule."
    )
    rule.add_argument(
        "code", metavar="CODE", help="a rule code (FAS101) or name (blocking-call-in-async)"
    )
    refactor_cli.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # a console that cannot show a character (a cp1252 terminal, PYTHONIOENCODING=ascii)
        # gets an escape instead of a crash
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")
    try:
        return _main(argv)
    except BrokenPipeError:
        # the reader went away (`fastapi-lint check | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR


def _main(argv: Sequence[str] | None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["server"]:
        return _server(arguments[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except UsageError as error:
        print(str(error), file=sys.stderr)
        return EXIT_ERROR
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "rules":
            return _rules(args, sys.stdout)
        if args.command == "rule":
            return _rule(args.code, sys.stdout)
        if args.command == "refactor":
            return refactor_cli.run(args)
        if args.command == "routes":
            return run_routes(args, sys.stdout)
    except (ConfigError, UsageError, FileNotFoundError) as error:
        print(f"fastapi-lint: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    parser.print_help()
    return EXIT_CLEAN


def _settings(args: argparse.Namespace) -> Settings:
    if args.isolated:
        settings = load_settings(None)
    elif args.config is not None:
        if not args.config.is_file():
            raise ConfigError(f"--config: no such file: {args.config}")
        settings = load_settings(args.config)
    else:
        start = Path.cwd()
        config = find_config_file(start)
        if config is None and args.paths:
            config = find_config_file(args.paths[0])
        settings = load_settings(config)
    options: dict[str, dict[str, object]] = {}
    for assignment in args.option:
        rule_name, option, value = parse_option_assignment(assignment)
        options.setdefault(rule_name, {})[option] = value
    settings = settings.with_overrides(
        select=args.select,
        ignore=args.ignore,
        extend_select=args.extend_select,
        exclude=args.exclude,
        extend_exclude=args.extend_exclude,
        rule_options=options,
    )
    if args.no_respect_gitignore:
        from dataclasses import replace

        settings = replace(settings, respect_gitignore=False)
    return _with_cache_dir(args, settings)


def _with_cache_dir(args: argparse.Namespace, settings: Settings) -> Settings:
    """--no-cache, else --cache-dir, else the environment, else the configuration."""
    from dataclasses import replace

    if getattr(args, "no_cache", False):
        return replace(settings, cache_dir=None)
    given = getattr(args, "cache_dir", None) or os.environ.get(CACHE_DIR_ENV) or None
    if given is not None:
        return replace(settings, cache_dir=Path(given).resolve())
    return settings


def _check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    paths: list[Path] = args.paths or [Path(".")]
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
    # The rules are imported here, before the heap is frozen and worker processes are forked,
    # so that the workers share them: a worker importing them itself cost ~0.1 s of CPU each
    # (a configuration naming rule codes imports them earlier, --isolated did not).
    all_rules()
    collect_garbage_rarely()
    mode = None
    if args.fix or args.diff:
        mode = FixMode(write=args.fix and not args.diff, diff=args.diff, unsafe=args.unsafe_fixes)
    if any(p.is_dir() for p in paths) and _project_rules_enabled(settings):
        # a directory run: the project index is built and the project rules run too
        from fastapi_lint.cache import cached_project_check
        from fastapi_lint.project.checking import check_project

        def run() -> list[FileReport]:
            return check_project(paths, settings, mode, args.jobs, force_exclude=args.force_exclude)

        cache = open_cache(settings) if mode is None else None
        if cache is not None:
            reports = cached_project_check(cache, paths, settings, args.force_exclude, run)
        else:
            reports = run()
        return _report(args, reports, sys.stdout, sys.stderr)
    files = list(discover_files(paths, settings, force_exclude=args.force_exclude))
    reports = list(check_files(files, settings, mode, args.jobs))
    return _report(args, reports, sys.stdout, sys.stderr)


def _project_rules_enabled(settings: Settings) -> bool:
    from fastapi_lint.project.checking import project_rules

    return bool(project_rules(settings.enabled_rules))


def _report(args: argparse.Namespace, reports: list[FileReport], out: TextIO, err: TextIO) -> int:
    problems = 0
    for report in reports:
        if report.io_error:
            err.write(f"{report.path}: cannot read: {report.io_error}\n")
            problems += 1
        if report.parse_error:
            err.write(f"{report.path}: cannot parse: {report.parse_error}\n")
            problems += 1
        for failure in report.failures:
            err.write(f"{report.path}: internal error in {failure.code}: {failure.error}\n")
            problems += 1
    if args.diff:
        for report in reports:
            if report.diff:
                out.write(report.diff)
    elif args.statistics:
        write_statistics(out, reports, args.output_format)
    elif args.output_format == "json":
        write_json(out, reports)
    elif args.output_format == "sarif":
        write_sarif(out, reports)
    elif args.output_format == "github":
        write_github(out, reports)
    else:
        write_text(out, reports, args.show_fixes)
    out.flush()
    findings = sum(len(r.diagnostics) for r in reports)
    fixed: Counter[str] = Counter()
    for report in reports:
        fixed.update(report.fixed)
    if not args.quiet:
        _summary(args, reports, findings, fixed, err)
    internal = any(r.failures or r.io_error for r in reports)
    if internal:
        return EXIT_ERROR
    if args.diff:
        would_fix = any(r.diff for r in reports)
        return EXIT_FINDINGS if would_fix and not args.exit_zero else EXIT_CLEAN
    if findings:
        return EXIT_CLEAN if args.exit_zero else EXIT_FINDINGS
    if problems:
        return EXIT_ERROR
    return EXIT_CLEAN


def _summary(
    args: argparse.Namespace,
    reports: list[FileReport],
    findings: int,
    fixed: Counter[str],
    err: TextIO,
) -> None:
    if args.diff:
        count = sum(fixed.values())
        files = sum(1 for r in reports if r.diff)
        if count:
            err.write(f"Would fix {_plural(count, 'finding')} in {_plural(files, 'file')}.\n")
        else:
            err.write("No fixes available.\n")
        return
    if args.fix and fixed:
        err.write(f"Fixed {_plural(sum(fixed.values()), 'finding')}")
        err.write(
            f" ({', '.join(f'{n} {c}' for c, n in sorted(fixed.items()))}).\n"
            if args.show_fixes
            else ".\n"
        )
    unreadable = sum(1 for r in reports if r.parse_error or r.io_error)
    if not findings and unreadable:
        err.write(
            f"No findings in {_plural(len(reports), 'file')} checked; "
            f"{_plural(unreadable, 'file')} could not be checked.\n"
        )
        return
    if not findings:
        err.write(f"All checks passed! ({_plural(len(reports), 'file')} checked)\n")
        return
    diagnostics = [d for r in reports for d in r.diagnostics]
    safe = sum(1 for d in diagnostics if applicable(d.fix, unsafe=False))
    unsafe = sum(1 for d in diagnostics if applicable(d.fix, unsafe=True)) - safe
    line = f"Found {_plural(findings, 'finding')} in {_plural(len(reports), 'file')} checked."
    hints = []
    if safe:
        hints.append(f"{safe} fixable with --fix")
    if unsafe:
        hints.append(f"{unsafe} more with --fix --unsafe-fixes")
    if hints:
        line += f" [*] {'; '.join(hints)}."
    err.write(line + "\n")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _server(arguments: list[str]) -> int:
    """Hand over to the language server, which the core never imports statically (it would
    pull pygls into every ``check`` run)."""
    server = importlib.import_module("fastapi_lsp.__main__")
    return int(server.main(arguments))


def _rules(args: argparse.Namespace, out: TextIO) -> int:
    import json

    from fastapi_lint.docs import FIX_LABEL

    rules = all_rules()
    if args.output_format == "json":
        items = [
            {
                "code": r.code,
                "name": r.name,
                "default": r.default,
                "fix": r.fix,
                "summary": r.summary,
                "options": {f"{r.options_key}.{o.name}": o.default for o in r.options},
            }
            for r in rules
        ]
        json.dump(items, out, indent=2)
        out.write("\n")
        return EXIT_CLEAN
    width = max(len(r.name) for r in rules)
    out.write(f"{'CODE':<7} {'NAME':<{width}}  {'DEFAULT':<7}  {'FIX':<6}  SUMMARY\n")
    for r in rules:
        default = "on" if r.default else "opt"
        out.write(
            f"{r.code:<7} {r.name:<{width}}  {default:<7}  {FIX_LABEL[r.fix]:<6}  {r.summary}\n"
        )
    return EXIT_CLEAN


def _rule(code: str, out: TextIO) -> int:
    from fastapi_lint.docs import rule_page

    rule = get_rule(code) or rule_by_name(code)
    if rule is None:
        raise UsageError(f"unknown rule `{code}` (see `fastapi-lint rules`)")
    out.write(rule_page(rule))
    return EXIT_CLEAN


if __name__ == "__main__":
    raise SystemExit(main())
