"""The engine's answer for an open document, asked off the event loop: what most handlers
start from.

A document is read once, on the event loop, into a `Snapshot` (uri, version, text), so
everything built from one answer (its diagnostics, their result id, a hover's range)
describes the same text even when an edit arrives while a worker thread computes.
Must not decide what to send: that is the handlers'.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import PositionCodec

from foureyes.core.errors import FoureyesError
from foureyes.core.model import FileReport, Identity
from foureyes.core.text import split_lines
from foureyes.engine.engine import Engine
from foureyes.lsp.server import FoureyesServer
from foureyes.lsp.session import Located
from foureyes.rules.policy import PolicyError

log = logging.getLogger("foureyes.lsp")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A document as it was when read on the event loop."""

    uri: str
    version: int | None
    text: str
    codec: PositionCodec


@dataclass(frozen=True, slots=True)
class Answer:
    located: Located
    report: FileReport
    document: Snapshot

    @property
    def lines(self) -> Sequence[str]:
        # The engine split this very text already (pygls' lines keep their breaks).
        return self.report.text_lines or split_lines(self.document.text)


def snapshot(ls: FoureyesServer, uri: str) -> Snapshot:
    """The open document (or, for a uri not open, the file on disk, as pygls reads it)."""
    document = ls.workspace.get_text_document(uri)
    return Snapshot(uri, document.version, document.source, document.position_codec)


async def locate(ls: FoureyesServer, uri: str) -> Located | None:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return await ls.scheduler.latency(ls.session.locate, path)


async def report(ls: FoureyesServer, uri: str, *, complete_risk: bool = False) -> Answer | None:
    """The engine's answer for a document's current (unsaved) text: the fast tier in the
    latency lane, or with the slow risk signals in the background lane, where it is
    dropped (`scheduler.Dropped`) if the document changed before a thread took it."""
    located = await locate(ls, uri)
    if located is None:
        return None
    document = snapshot(ls, uri)
    ask = partial(located.engine.report, complete_risk=complete_risk)
    try:
        if complete_risk:
            wanted = ls.scheduler.still_current(uri, document.version)
            found = await ls.scheduler.background(ask, located.path, document.text, wanted=wanted)
        else:
            found = await ls.scheduler.latency(ask, located.path, document.text)
    except PolicyError as error:
        ls.tell_once(error.message, types.MessageType.Error)
        return None
    except FoureyesError as error:
        log.info("no report for %s: %s", uri, error)
        return None
    return Answer(located, found, document)


async def identity(ls: FoureyesServer, engine: Engine) -> Identity | None:
    return await ls.scheduler.latency(ls.session.identity, engine)
