"""Lifecycle hooks and configuration: ``initializationOptions``,
``workspace/didChangeConfiguration`` (pushed settings, or pulled with
``workspace/configuration`` when the client sends none), workspace folders, and the
``pyproject.toml`` watcher (registered dynamically when the client supports it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from fastapi_lsp import project_findings as project
from fastapi_lsp.server import FastAPILintServer
from fastapi_lsp.settings import SECTION

CONFIG_NAME = "pyproject.toml"
WATCHER_ID = "fastapi-lint/pyproject.toml"


def register(server: FastAPILintServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: FastAPILintServer, params: types.InitializeParams) -> None:
        roots = [folder.uri for folder in params.workspace_folders or []]
        if not roots and params.root_uri:
            roots = [params.root_uri]
        ls.resolver.workspace_roots = _paths(roots)
        ls.resolver.set_client(params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: FastAPILintServer, params: types.InitializedParams) -> None:
        project.start(ls)
        if not _watch_support(ls.client_capabilities):
            return  # the client watches nothing for us: settings are re-read on each check
        registration = types.Registration(
            id=WATCHER_ID,
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[
                    types.FileSystemWatcher(glob_pattern=f"**/{CONFIG_NAME}"),
                    # Python files changed outside the editor change the project index
                    types.FileSystemWatcher(glob_pattern="**/*.py"),
                ]
            ),
        )
        try:
            await ls.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            )
        except Exception as error:  # the client refused: nothing to watch
            ls.log(f"fastapi-lint: could not watch {CONFIG_NAME}: {error}")

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_workspace_folders(
        ls: FastAPILintServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        # pygls has already updated ls.workspace.folders
        ls.resolver.workspace_roots = _paths(list(ls.workspace.folders))
        ls.resolver.invalidate()
        ls.schedule_all()
        project.settings_changed(ls)  # a new folder gets its index

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: FastAPILintServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        """A ``pyproject.toml`` was created, changed or deleted: re-read the settings and
        re-check the open documents below it. A Python file: check the project again."""
        if any(change.uri.endswith(".py") for change in params.changes):
            project.files_changed(ls)
        projects = [
            Path(path).resolve().parent
            for change in params.changes
            if (path := to_fs_path(change.uri)) and Path(path).name == CONFIG_NAME
        ]
        if not projects:
            return
        ls.resolver.invalidate()
        affected = [
            uri
            for uri, document in ls.workspace.text_documents.items()
            if (path := document.path)
            and any(Path(path).resolve().is_relative_to(p) for p in projects)
        ]
        ls.schedule_many(affected)
        project.settings_changed(ls)

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
        if not settings and _configuration_support(ls.client_capabilities):
            try:
                pulled = await ls.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
                )
            except Exception as error:  # the client could not answer: keep what we have
                ls.log(f"fastapi-lint: workspace/configuration failed: {error}")
                return
            settings = pulled[0] if pulled else None
        if not settings:
            # Clients announce a change with no settings of ours (Eglot sends ``{}`` on
            # connect): keep those of initializationOptions or of the last push.
            return
        ls.resolver.set_client(settings)
        ls.schedule_all()
        project.settings_changed(ls)


def _paths(uris: list[str]) -> list[Path]:
    return [Path(path).resolve() for uri in uris if (path := to_fs_path(uri))]


def _watch_support(capabilities: types.ClientCapabilities) -> bool:
    workspace = capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    return bool(watched and watched.dynamic_registration)


def _configuration_support(capabilities: types.ClientCapabilities) -> bool:
    return bool(capabilities.workspace and capabilities.workspace.configuration)
