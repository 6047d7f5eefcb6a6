"""``python -m fastapi_lsp`` (and ``fastapi-lint server``): run the language server on stdio,
or on TCP with ``--tcp`` for debugging."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from fastapi_lint import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastapi-lint server",
        description="The fastapi-lint language server (stdio unless --tcp is given).",
    )
    parser.add_argument("--version", action="version", version=f"fastapi-lint {__version__}")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    parser.add_argument("--tcp", action="store_true", help="listen on a TCP port instead")
    parser.add_argument("--host", default="127.0.0.1", help="TCP host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="TCP port (default 2087)")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="level of the log written to stderr (default WARNING)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level, format="%(levelname)s %(name)s: %(message)s"
    )

    from fastapi_lsp.server import create_server

    server = create_server()
    if args.tcp:
        server.start_tcp(args.host, args.port)
    else:
        server.start_io()
    # `exit` without `shutdown` first ends with 1, as the protocol asks
    return 0 if server.shutdown_requested else 1


if __name__ == "__main__":
    sys.exit(main())
