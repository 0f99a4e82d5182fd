"""Construction and wiring: the server object, its state, and which module answers what.

Each module under `lsp/handlers/` registers the handlers of one request group against
the server; where their work runs is `lsp/scheduler.py`'s business, what the client
can do is `lsp/capabilities.py`'s. Must not hold handler logic itself.
"""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from foureyes import __version__
from foureyes.core.lru import Lru
from foureyes.lsp import positions
from foureyes.lsp.capabilities import Capabilities
from foureyes.lsp.scheduler import Scheduler
from foureyes.lsp.session import Session
from foureyes.lsp.settings import Settings

DOCUMENTS_REMEMBERED = 512  # what each open document's diagnostics said, for so many uris
MESSAGES_REMEMBERED = 64


class FoureyesServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "foureyes",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=positions.Protocol,  # answers requests with invalid positions
        )
        self.session = Session()
        self.client = Capabilities()  # resolved at initialize
        self.settings = Settings()
        self.settings_generation = 0  # counts settings loaded: part of each result id
        self.settings_ready = asyncio.Event()
        self.folders: list[str] = []
        self.scheduler = Scheduler(self.version_of)
        self.workspace_changed = asyncio.Event()  # set whenever open documents are refreshed
        self.shown: Lru[str, tuple[object, ...]] = Lru(DOCUMENTS_REMEMBERED)  # by uri
        self._told: Lru[str, bool] = Lru(MESSAGES_REMEMBERED)

    def version_of(self, uri: str) -> int | None:
        """An open document's version; None when it is not open."""
        document = self.workspace.text_documents.get(uri)
        return None if document is None else document.version

    def show(self, kind: types.MessageType, message: str) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def tell_once(self, message: str, kind: types.MessageType) -> None:
        """Show a message, but not again while it stays the same (a broken policy would
        otherwise be announced on every keystroke)."""
        if self._told.get(message):
            return
        self._told.put(message, True)
        self.show(kind, message)


def create_server() -> FoureyesServer:
    # Imported here: the handlers import FoureyesServer, which pygls needs at run time
    # (it reads command handlers' type hints).
    from foureyes.lsp.handlers import (
        code_actions,
        custom,
        diagnostics,
        documents,
        hover,
        lenses,
        lifecycle,
        workspace_diagnostics,
    )  # fmt: skip

    server = FoureyesServer()
    for group in (
        lifecycle, documents, diagnostics, workspace_diagnostics, code_actions, lenses, hover,
        custom,
    ):  # fmt: skip
        group.register(server)
    return server


def main(tcp: str | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)
    server = create_server()
    if tcp:
        host, _, port = tcp.rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
