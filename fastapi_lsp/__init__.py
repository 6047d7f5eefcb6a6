"""The fastapi-lint language server: pygls handlers and LSP conversions around the core.

Start it with ``fastapi-lint server`` or ``python -m fastapi_lsp`` (stdio by default,
``--tcp --host 127.0.0.1 --port N`` for debugging).
"""
