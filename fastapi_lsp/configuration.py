"""Lifecycle hooks and configuration: ``initializationOptions``,
``workspace/didChangeConfiguration`` (pushed settings, or pulled with
``workspace/configuration`` when the client sends none)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from fastapi_lsp.server import FastAPILintServer
from fastapi_lsp.settings import SECTION


def register(server: FastAPILintServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: FastAPILintServer, params: types.InitializeParams) -> None:
        roots = [folder.uri for folder in params.workspace_folders or []]
        if not roots and params.root_uri:
            roots = [params.root_uri]
        ls.resolver.workspace_roots = [
            Path(path).resolve() for uri in roots if (path := to_fs_path(uri))
        ]
        ls.resolver.set_client(params.initialization_options)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: FastAPILintServer, params: None) -> None:
        ls.shutdown_requested = True
        for task in ls.pending.values():
            task.cancel()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: FastAPILintServer, params: types.DidChangeConfigurationParams
    ) -> None:
        settings: Any = params.settings
        if settings is None and _configuration_support(ls.client_capabilities):
            try:
                pulled = await ls.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
                )
            except Exception as error:  # the client could not answer: keep what we have
                ls.log(f"fastapi-lint: workspace/configuration failed: {error}")
                return
            settings = pulled[0] if pulled else None
        ls.resolver.set_client(settings)
        ls.schedule_all()


def _configuration_support(capabilities: types.ClientCapabilities) -> bool:
    return bool(capabilities.workspace and capabilities.workspace.configuration)
