"""A document's diagnostics: pushed after edits, or pulled (textDocument/diagnostic), and
refined by the slow risk tier once typing pauses; refreshing them when claims change.

Which client pushes or pulls is `capabilities`'; coalescing and dropping stale results
is the scheduler's. Must not know how a region becomes a diagnostic (`present`).
"""

from __future__ import annotations

from functools import partial

from lsprotocol import types

from foureyes.core.model import FileReport
from foureyes.lsp import answers, present
from foureyes.lsp.server import FoureyesServer
from foureyes.lsp.settings import Settings

REFINE_QUIET_SECONDS = 0.3  # the slow tier waits for a pause in typing this long
Result = tuple[list[types.Diagnostic], str]  # the items and their result id


def register(server: FoureyesServer) -> None:
    server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier="foureyes", inter_file_dependencies=False, workspace_diagnostics=True
        ),
    )(on_pull)


async def on_pull(
    ls: FoureyesServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    if not ls.client.pull_diagnostics:  # we push to this client; an empty pull avoids duplicates
        return types.RelatedFullDocumentDiagnosticReport(items=[], result_id="pushed")
    result = await for_document(ls, params.text_document.uri)
    items, key = result if result else ([], "none")
    if params.previous_result_id == key:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=key)
    return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=key)


async def for_document(ls: FoureyesServer, uri: str) -> Result | None:
    await ls.settings_ready.wait()
    answer = await answers.report(ls, uri)
    if answer is None:
        return None
    ls.shown.put(uri, signature(answer.report))
    if answer.report.regions:
        # Even when complete: jedi counts the fast tier reused may be for older text.
        refine(ls, uri)
    return await ls.scheduler.latency(_build, answer, ls.settings, ls.settings_generation)


def _build(answer: answers.Answer, settings: Settings, settings_generation: int) -> Result:
    """In a worker: the policy and the ledger snapshot may read files."""
    engine = answer.located.engine
    document = answer.document
    items = present.diagnostics(
        answer.report, answer.lines, document.codec, settings, document.uri,
        engine.policy.severity,
    )  # fmt: skip
    # Everything the items depend on, without hashing the text: its version does.
    key = ":".join(
        str(part)
        for part in (
            engine.snapshot().generation, document.version, engine.assessor.generation,
            id(engine.policy), settings_generation,
        )
    )  # fmt: skip
    return items, key


def push(ls: FoureyesServer, uri: str) -> None:
    """Push fresh diagnostics for a document, coalescing bursts of edits."""
    if ls.client.pull_diagnostics:
        return
    ls.scheduler.latest(uri, partial(for_document, ls), partial(_publish, ls))


def _publish(ls: FoureyesServer, uri: str, version: int, result: Result | None) -> None:
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=result[0] if result else []
        )
    )


def refine(ls: FoureyesServer, uri: str) -> None:
    """Run the slow risk signals (jedi) for a document in the background lane once
    typing pauses, for its latest text only; when they change what its diagnostics
    say, show them again (the fast tier then reuses what jedi found)."""
    ls.scheduler.after_pause(uri, REFINE_QUIET_SECONDS, partial(_refine, ls))


async def _refine(ls: FoureyesServer, uri: str, version: int) -> bool:
    refined = await answers.report(ls, uri, complete_risk=True)
    if refined is None:
        return False
    if ls.version_of(uri) == version:
        now = await answers.report(ls, uri)  # the fast tier, reusing what jedi found
        if now is not None and signature(now.report) != ls.shown.get(uri):
            refresh_document(ls, uri)
    return True


def refresh_document(ls: FoureyesServer, uri: str) -> None:
    if ls.client.pull_diagnostics:
        if ls.client.diagnostic_refresh:
            ls.workspace_diagnostic_refresh(None)
    else:
        push(ls, uri)


def refresh_all(ls: FoureyesServer) -> None:
    """Claims, the policy or the settings changed: every open document's diagnostics
    and lenses may say something else now."""
    ls.workspace_changed.set()
    if ls.client.pull_diagnostics:
        if ls.client.diagnostic_refresh:
            ls.workspace_diagnostic_refresh(None)
    else:
        for uri in list(ls.workspace.text_documents):
            push(ls, uri)
    if ls.client.lens_refresh and ls.settings.code_lens:
        ls.workspace_code_lens_refresh(None)


def signature(report: FileReport) -> tuple[object, ...]:
    """What a document's diagnostics say about risk and review, to tell a change."""
    return tuple(
        (r.id, r.start_line, r.end_line, r.risk.score, r.risk.level, r.risk.complete,
         r.review.state)
        for r in report.regions
    )  # fmt: skip
