"""Document sync: open, change, save and close each ask for fresh diagnostics (pushed,
when the client does not pull) or clear them.

Must not compute anything: pygls keeps the text, `diagnostics` the answers.
"""

from __future__ import annotations

from lsprotocol import types

from foureyes.lsp.handlers import diagnostics
from foureyes.lsp.server import FoureyesServer


def register(server: FoureyesServer) -> None:
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(on_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(on_change)
    server.feature(types.TEXT_DOCUMENT_DID_SAVE)(on_save)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(on_close)


def on_open(ls: FoureyesServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.scheduler.forget(params.text_document.uri)  # versions start again
    diagnostics.push(ls, params.text_document.uri)


def on_change(ls: FoureyesServer, params: types.DidChangeTextDocumentParams) -> None:
    diagnostics.push(ls, params.text_document.uri)


def on_save(ls: FoureyesServer, params: types.DidSaveTextDocumentParams) -> None:
    diagnostics.push(ls, params.text_document.uri)


def on_close(ls: FoureyesServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.scheduler.forget(uri)  # a refinement still waiting then ends on its own
    if not ls.client.pull_diagnostics:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )
