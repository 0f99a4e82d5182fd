"""Workspace diagnostics (workspace/diagnostic): every file the ledgers know that is not
open, each answered "unchanged" when the client has its result id already; a pull that
finds nothing changed is held until claims change.

Must not answer open documents: those are pulled one by one, with unsaved text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping

from lsprotocol import types
from pygls.workspace import PositionCodec

from foureyes.core.errors import FoureyesError
from foureyes.core.model import RiskLevel
from foureyes.core.text import content_key
from foureyes.engine.engine import Engine
from foureyes.lsp import present, workspace
from foureyes.lsp.server import FoureyesServer
from foureyes.lsp.settings import Settings
from foureyes.sources.history import history_state

log = logging.getLogger("foureyes.lsp")
WORKSPACE_PULL_HOLD_SECONDS = 30.0


def register(server: FoureyesServer) -> None:
    server.feature(types.WORKSPACE_DIAGNOSTIC)(on_workspace_pull)


async def on_workspace_pull(
    ls: FoureyesServer, params: types.WorkspaceDiagnosticParams
) -> types.WorkspaceDiagnosticReport:
    await ls.settings_ready.wait()
    if not ls.client.pull_diagnostics:
        return types.WorkspaceDiagnosticReport(items=[])
    previous = {item.uri: item.value for item in params.previous_result_ids or ()}
    reports, changed = await _reports(ls, previous)
    if previous and not changed:
        # Nothing changed since the client's last pull: hold the answer until the
        # ledger changes (or a while passes), instead of being asked again at once.
        ls.workspace_changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ls.workspace_changed.wait(), WORKSPACE_PULL_HOLD_SECONDS)
        reports, _ = await _reports(ls, previous)
    return types.WorkspaceDiagnosticReport(items=reports)


async def _reports(
    ls: FoureyesServer, previous: dict[str, str]
) -> tuple[list[types.WorkspaceDocumentDiagnosticReport], bool]:
    """Diagnostics for every file the ledgers know that is not open; a file whose
    result id (ledger, policy, file stat, history) the client already has is
    answered "unchanged" without being resolved. Also says whether any changed."""
    reports: list[types.WorkspaceDocumentDiagnosticReport] = []
    changed = False
    open_documents = set(ls.workspace.text_documents)
    for engine in await workspace.engines(ls):
        try:
            paths, by_risk, ids = await ls.scheduler.background(_result_ids, engine)
        except FoureyesError:
            continue  # a broken policy is reported through the open documents
        for path in paths:
            uri = workspace.uri_of(engine, path)
            if uri in open_documents:
                continue  # open documents are pulled one by one, with unsaved text
            result_id = ids[path]
            if previous.get(uri) == result_id:
                reports.append(
                    types.WorkspaceUnchangedDocumentDiagnosticReport(
                        uri=uri, result_id=result_id, version=None
                    )
                )
                continue
            changed = True
            try:
                items = await ls.scheduler.background(
                    _file_diagnostics, engine, path, uri, by_risk, ls.workspace.position_codec,
                    ls.settings,
                )  # fmt: skip
            except FoureyesError as error:
                log.info("skipped %s: %s", path, error)
                continue
            reports.append(
                types.WorkspaceFullDocumentDiagnosticReport(
                    uri=uri, items=items, version=None, result_id=result_id
                )
            )
    return reports, changed


def _file_diagnostics(
    engine: Engine,
    path: str,
    uri: str,
    by_risk: Mapping[RiskLevel, str],
    codec: PositionCodec,
    settings: Settings,
) -> list[types.Diagnostic]:
    """In a worker: a closed file's diagnostics, from the text the engine read."""
    report = engine.report(path)
    return present.diagnostics(report, report.text_lines, codec, settings, uri, by_risk)


def _result_ids(engine: Engine) -> tuple[list[str], Mapping[RiskLevel, str], dict[str, str]]:
    """In a worker: a repository's files, its severities and each file's result id."""
    paths = engine.tracked_paths()
    generation = engine.snapshot().generation
    ids = {path: _file_result_id(engine, path, generation) for path in paths}
    return paths, engine.policy.severity, ids


def _file_result_id(engine: Engine, path: str, generation: int) -> str:
    """What a file's diagnostics depend on, cheaply: ledger, policy, the file, HEAD."""
    try:
        info = engine.repo.abspath(path).stat()
        stamp = f"{info.st_mtime_ns}:{info.st_size}"
    except OSError:
        stamp = "missing"
    try:
        policy = id(engine.policy)
    except FoureyesError:
        policy = 0
    seed = f"{generation}|{policy}|{stamp}|{history_state(engine.repo)}"
    return content_key(seed, 12)
