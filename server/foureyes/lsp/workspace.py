"""The workspace as a whole: the engines (repositories) that answer for it, every AI
region in them, and work-done progress for walking them all.

All of it runs in the scheduler's background lane. Must not know which request asks.
"""

from __future__ import annotations

import logging

from lsprotocol import types
from pygls.uris import from_fs_path

from foureyes.core.errors import FoureyesError
from foureyes.core.model import Region
from foureyes.engine.engine import Engine
from foureyes.lsp.server import FoureyesServer
from foureyes.lsp.session import Located

log = logging.getLogger("foureyes.lsp")
PROGRESS_EVERY = 20  # files between two progress reports


async def engines(ls: FoureyesServer) -> list[Engine]:
    """The engines of the workspace folders and of every repository seen since."""
    found = [
        e
        for folder in ls.folders
        if (e := await ls.scheduler.latency(ls.session.add_folder, folder))
    ]
    return list({id(e): e for e in [*found, *ls.session.engines()]}.values())


def uri_of(engine: Engine, path: str) -> str:
    return from_fs_path(str(engine.repo.abspath(path))) or ""


async def regions(
    ls: FoureyesServer, token: types.ProgressToken | None = None
) -> list[tuple[str, Region, Engine]]:
    """Every AI region in the workspace's repositories, open documents as edited, with
    its uri and the engine (repository) it belongs to."""
    work: list[tuple[Located, str]] = []
    for engine in await engines(ls):
        for path in await ls.scheduler.background(engine.tracked_paths):
            work.append((Located(engine, path), uri_of(engine, path)))
    progress = Progress(ls, token)
    progress.begin(f"Resolving {count(len(work), 'file')}")
    found: list[tuple[str, Region, Engine]] = []
    for done, (located, uri) in enumerate(work, start=1):
        open_document = ls.workspace.text_documents.get(uri)
        text = open_document.source if open_document else None
        try:
            report = await ls.scheduler.background(located.engine.report, located.path, text)
        except FoureyesError as error:
            log.info("skipped %s: %s", located.path, error)
            continue
        found.extend((uri, region, located.engine) for region in report.regions)
        if done % PROGRESS_EVERY == 0:
            progress.report(f"{done}/{len(work)} files", done * 100 // len(work))
    progress.end(count(len(found), "AI region"))
    return found


class Progress:
    """Work-done progress under a token; nothing at all without one."""

    def __init__(self, ls: FoureyesServer, token: types.ProgressToken | None) -> None:
        self._ls = ls
        self._token = token

    def begin(self, message: str) -> None:
        if self._token is not None:
            self._ls.work_done_progress.begin(
                self._token,
                types.WorkDoneProgressBegin(title="foureyes", message=message, percentage=0),
            )

    def report(self, message: str, percentage: int) -> None:
        if self._token is not None:
            self._ls.work_done_progress.report(
                self._token, types.WorkDoneProgressReport(message=message, percentage=percentage)
            )

    def end(self, message: str) -> None:
        if self._token is not None:
            self._ls.work_done_progress.end(self._token, types.WorkDoneProgressEnd(message=message))


async def server_progress_token(ls: FoureyesServer) -> str | None:
    """A progress token of our own, when the client lets the server create one."""
    if not ls.client.work_done_progress:
        return None
    token = f"foureyes-{id(object())}"
    try:
        await ls.work_done_progress.create_async(token)
    except Exception:
        return None
    return token


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
