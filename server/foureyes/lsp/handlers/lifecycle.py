"""Starting, configuring and stopping: initialize, initialized, configuration changes,
shutdown. Client capabilities are resolved here, once; settings are read here.

Must not know how any document is answered.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.uris import to_fs_path

from foureyes.lsp import capabilities
from foureyes.lsp.handlers import diagnostics, watcher
from foureyes.lsp.server import FoureyesServer
from foureyes.lsp.settings import Settings, parse_settings


def register(server: FoureyesServer) -> None:
    server.feature(types.INITIALIZE)(on_initialize)
    server.feature(types.INITIALIZED)(on_initialized)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(on_configuration)
    server.feature(types.SHUTDOWN)(on_shutdown)


def on_initialize(ls: FoureyesServer, params: types.InitializeParams) -> None:
    ls.client = capabilities.resolve(params.capabilities)
    folders = [f.uri for f in params.workspace_folders or []]
    if not folders and params.root_uri:
        folders = [params.root_uri]
    ls.folders = [p for uri in folders if (p := to_fs_path(uri))]
    if params.initialization_options and isinstance(params.initialization_options, dict):
        settings, _ = parse_settings(params.initialization_options.get("settings"))
        use_settings(ls, settings)


async def on_initialized(ls: FoureyesServer, params: types.InitializedParams) -> None:
    await load_settings(ls)
    for folder in ls.folders:
        await ls.scheduler.latency(ls.session.add_folder, folder)
    watcher.start(ls)


async def on_configuration(ls: FoureyesServer, params: types.DidChangeConfigurationParams) -> None:
    await load_settings(ls)
    diagnostics.refresh_all(ls)


def on_shutdown(ls: FoureyesServer, params: None) -> None:
    ls.scheduler.shutdown()


def use_settings(ls: FoureyesServer, settings: Settings) -> None:
    ls.settings = settings
    ls.settings_generation += 1


async def load_settings(ls: FoureyesServer) -> None:
    if ls.client.configuration:
        try:
            values = await ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="foureyes")])
            )
            settings, problems = parse_settings(values[0] if values else None)
        except Exception as error:  # a client that answers badly must not stop us
            settings, problems = Settings(), [f"could not read settings: {error}"]
        use_settings(ls, settings)
        for problem in problems:
            ls.show(types.MessageType.Warning, problem)
    ls.session.use_editor_python(ls.settings.python)
    ls.settings_ready.set()
