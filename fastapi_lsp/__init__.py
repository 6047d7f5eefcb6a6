"""The fastapi-lint language server: pygls handlers and LSP conversions around the core.

Start it with ``fastapi-lint server`` or ``python -m fastapi_lsp`` (stdio by default,
``--tcp --host 127.0.0.1 --port N`` for debugging).
"""

# first of all: ``python -m fastapi_lsp`` must not import the checked project's modules in
# place of the standard library's (see ``fastapi_lint._forget_the_working_directory``)
import fastapi_lint  # noqa: F401
