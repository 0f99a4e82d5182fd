"""Wiring: which LSP message calls what, and the rules for doing work off the event loop.

Every handler that needs the engine, git or the ledger runs that work in a worker
thread and awaits it, so the event loop only routes messages. Work runs in two lanes:
the latency lane (diagnostics of the current version, hover, code actions, lenses,
commands, the ledger watcher) and the background lane (the slow risk tier with jedi,
workspace pulls and the review queue), so an edit never waits behind a whole-file
jedi pass. Diagnostics are coalesced per document: while one computation runs,
further edits only mark the document dirty, and a result computed for an older
version is dropped, never sent. The slow tier runs once typing pauses, for the
latest text only; a refinement asked for while one runs replaces the wait, never
queues another. A watcher polls each repository's ledger and refreshes open documents
when another process (an agent hook, the CLI) appended claims.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from foureyes import __version__
from foureyes.core.errors import FoureyesError
from foureyes.core.model import FileReport, Identity, Region, ReviewState, RiskLevel
from foureyes.core.text import content_key, split_lines
from foureyes.engine.engine import Engine
from foureyes.engine.report_json import region_json
from foureyes.lsp import actions, positions, present
from foureyes.lsp.session import Located, Session
from foureyes.lsp.settings import Settings, parse_settings
from foureyes.rules.policy import PolicyError
from foureyes.sources.history import history_state

log = logging.getLogger("foureyes.lsp")
T = TypeVar("T")

LEDGER_POLL_SECONDS = 0.4
REFINE_QUIET_SECONDS = 0.3  # the slow tier waits for a pause in typing this long
WORKSPACE_PULL_HOLD_SECONDS = 30.0
REVIEW_QUEUE = "foureyes/reviewQueue"
SUMMARY = "foureyes/summary"


class FoureyesServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "foureyes",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=positions.Protocol,  # answers requests with invalid positions
        )
        self.session = Session()
        self.settings = Settings()
        self.settings_ready = asyncio.Event()
        self.support = actions.ClientSupport()
        self.pull_diagnostics = False
        self.diagnostic_refresh = False
        self.lens_refresh = False
        self.configuration_support = False
        self.progress_support = False
        self.folders: list[str] = []
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="foureyes")
        # One thread: background work never takes both cores from the latency lane.
        self.background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="foureyes-slow")
        self._running: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        self._generations: dict[Path, int] = {}
        self._watcher: asyncio.Task[None] | None = None
        self._told: set[str] = set()
        self.workspace_changed = asyncio.Event()
        self._refined: dict[str, int] = {}  # uri -> the version last refined
        self._refine_due: dict[str, float] = {}  # uri -> when its refinement may start
        self._refining: set[str] = set()  # uris whose refinement task is alive
        self._shown: dict[str, tuple[object, ...]] = {}  # uri -> what its diagnostics said
        self._background: set[asyncio.Future[None]] = set()

    # --- helpers ---

    async def in_worker(self, function: Callable[..., T], *args: Any) -> T:
        """Latency lane: work a person is waiting for."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, partial(function, *args))

    async def in_background(self, function: Callable[..., T], *args: Any) -> T:
        """Background lane: the slow risk tier, workspace-wide questions."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.background, partial(function, *args))

    def document(self, uri: str) -> TextDocument:
        return self.workspace.get_text_document(uri)

    async def locate(self, uri: str) -> Located | None:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        return await self.in_worker(self.session.locate, path)

    async def report(
        self, uri: str, *, complete_risk: bool = False
    ) -> tuple[Located, FileReport, TextDocument] | None:
        """The engine's answer for an open document's current (unsaved) text."""
        located = await self.locate(uri)
        if located is None:
            return None
        document = self.document(uri)
        text = document.source
        lane = self.in_background if complete_risk else self.in_worker
        try:
            report = await lane(
                partial(located.engine.report, complete_risk=complete_risk), located.path, text
            )
        except PolicyError as error:
            self.tell_once(error.message, types.MessageType.Error)
            return None
        except FoureyesError as error:
            log.info("no report for %s: %s", uri, error)
            return None
        return located, report, document

    def tell_once(self, message: str, kind: types.MessageType) -> None:
        """Show a message, but not again while it stays the same (a broken policy would
        otherwise be announced on every keystroke)."""
        if message in self._told:
            return
        self._told.add(message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    # --- diagnostics ---

    async def diagnostics_for(self, uri: str) -> tuple[list[types.Diagnostic], str] | None:
        await self.settings_ready.wait()
        found = await self.report(uri)
        if found is None:
            return None
        located, report, document = found
        self._shown[uri] = _signature(report)
        if report.regions:
            # Even when complete: jedi counts the fast tier reused may be for older text.
            self.refine(uri)
        return await self._diagnostics(located, report, document, uri)

    async def _diagnostics(
        self, located: Located, report: FileReport, document: TextDocument, uri: str
    ) -> tuple[list[types.Diagnostic], str]:
        return await self.in_worker(self._diagnostics_now, located, report, document, uri)

    def _diagnostics_now(
        self, located: Located, report: FileReport, document: TextDocument, uri: str
    ) -> tuple[list[types.Diagnostic], str]:
        """In a worker: the policy and the ledger snapshot may read files."""
        engine = located.engine
        # The engine split this very text already (pygls' lines keep their breaks).
        lines = report.text_lines or split_lines(document.source)
        items = present.diagnostics(
            report, lines, document.position_codec, self.settings, uri, engine.policy.severity
        )
        # Everything the items depend on, without hashing the text: its version does.
        learned = engine.assessor.generation
        key = ":".join(
            str(part)
            for part in (
                engine.snapshot().generation, document.version, learned, id(engine.policy),
                id(self.settings),
            )
        )  # fmt: skip
        return items, key

    def refine(self, uri: str) -> None:
        """Run the slow risk signals (jedi) for a document in the background lane once
        typing pauses, for its latest text only; when they change what its
        diagnostics say, show them again (the fast tier then reuses what jedi found)."""
        self._refine_due[uri] = time.monotonic() + REFINE_QUIET_SECONDS
        if uri in self._refining:
            return  # the running task sees the new due time
        self._refining.add(uri)
        # Kept until done: the event loop holds only weak references to tasks.
        task = asyncio.ensure_future(self._refine_when_quiet(uri))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _refine_when_quiet(self, uri: str) -> None:
        try:
            while True:
                wait = self._refine_due.get(uri, 0.0) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                if uri not in self.workspace.text_documents:
                    return
                version = self.document(uri).version or 0
                if self._refined.get(uri) == version:
                    return
                started = time.monotonic()
                refined = await self.report(uri, complete_risk=True)
                self._refined[uri] = version
                if refined is None:
                    return
                if uri in self.workspace.text_documents and self.document(uri).version == version:
                    now = await self.report(uri)  # the fast tier, reusing what jedi found
                    if now is not None and _signature(now[1]) != self._shown.get(uri):
                        self.refresh_document(uri)
                if self._refine_due.get(uri, 0.0) <= started:
                    return  # nothing was edited while it ran
        except Exception:
            log.exception("refining risk for %s failed", uri)
        finally:
            self._refining.discard(uri)

    def refresh_document(self, uri: str) -> None:
        if self.pull_diagnostics:
            if self.diagnostic_refresh:
                self.workspace_diagnostic_refresh(None)
        else:
            self.schedule(uri)

    def schedule(self, uri: str) -> None:
        """Push fresh diagnostics for a document, coalescing bursts of edits."""
        if self.pull_diagnostics:
            return
        if uri in self._running:
            self._dirty.add(uri)
            return
        self._running[uri] = asyncio.ensure_future(self._publish(uri))

    async def _publish(self, uri: str) -> None:
        try:
            while True:
                self._dirty.discard(uri)
                try:
                    version = self.document(uri).version
                except KeyError:
                    return
                result = await self.diagnostics_for(uri)
                if uri in self._dirty:
                    continue  # edited meanwhile: this result is stale, compute again
                if uri not in self.workspace.text_documents:
                    return
                if self.document(uri).version != version:
                    continue
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(
                        uri=uri, version=version, diagnostics=result[0] if result else []
                    )
                )
                return
        except Exception:
            log.exception("diagnostics for %s failed", uri)
        finally:
            self._running.pop(uri, None)

    def refresh_open_documents(self) -> None:
        self.workspace_changed.set()
        if self.pull_diagnostics:
            if self.diagnostic_refresh:
                self.workspace_diagnostic_refresh(None)
        else:
            for uri in list(self.workspace.text_documents):
                self.schedule(uri)
        if self.lens_refresh and self.settings.code_lens:
            self.workspace_code_lens_refresh(None)

    async def watch_ledgers(self) -> None:
        """Notice claims that other processes appended, and refresh open documents."""
        while True:
            await asyncio.sleep(LEDGER_POLL_SECONDS)
            try:
                changed = False
                for engine in self.session.engines():
                    generation = (await self.in_worker(engine.snapshot)).generation
                    root = engine.repo.root
                    # The first sight of a ledger counts as a change: claims may have
                    # landed between a document's first diagnostics and this poll.
                    if self._generations.get(root) != generation:
                        changed = True
                    self._generations[root] = generation
                if changed:
                    self.refresh_open_documents()
            except Exception:
                log.exception("watching the ledger failed")

    # --- settings ---

    async def load_settings(self) -> None:
        if self.configuration_support:
            try:
                values = await self.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section="foureyes")])
                )
                settings, problems = parse_settings(values[0] if values else None)
            except Exception as error:  # a client that answers badly must not stop us
                settings, problems = Settings(), [f"could not read settings: {error}"]
            self.settings = settings
            for problem in problems:
                self.window_show_message(
                    types.ShowMessageParams(type=types.MessageType.Warning, message=problem)
                )
        self.session.use_editor_python(self.settings.python)
        self.settings_ready.set()

    # --- workspace-wide ---

    async def workspace_reports(
        self, previous: dict[str, str], token: types.ProgressToken | None
    ) -> tuple[list[types.WorkspaceDocumentDiagnosticReport], bool]:
        """Diagnostics for every file the ledgers know that is not open; a file whose
        result id (ledger, policy, file stat, history) the client already has is
        answered "unchanged" without being resolved. Also says whether any changed."""
        reports: list[types.WorkspaceDocumentDiagnosticReport] = []
        changed = False
        open_documents = set(self.workspace.text_documents)
        for engine in await self.workspace_engines():
            try:
                paths, by_risk, ids = await self.in_background(_result_ids, engine)
            except FoureyesError:
                continue  # a broken policy is reported through the open documents
            for path in paths:
                uri = from_fs_path(str(engine.repo.abspath(path))) or ""
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
                    items = await self.in_background(
                        self._file_diagnostics, engine, path, uri, by_risk
                    )
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
        self, engine: Engine, path: str, uri: str, by_risk: Mapping[RiskLevel, str]
    ) -> list[types.Diagnostic]:
        """In a worker: a closed file's diagnostics, from the text the engine read."""
        report = engine.report(path)
        codec = self.workspace.position_codec
        return present.diagnostics(report, report.text_lines, codec, self.settings, uri, by_risk)

    async def workspace_engines(self) -> list[Engine]:
        engines = [
            e
            for folder in self.folders
            if (e := await self.in_worker(self.session.add_folder, folder))
        ]
        return list({id(e): e for e in [*engines, *self.session.engines()]}.values())

    async def workspace_regions(
        self, token: types.ProgressToken | None = None
    ) -> list[tuple[str, Region, Engine]]:
        """Every AI region in the workspace's repositories, open documents as edited, with
        its uri and the engine (repository) it belongs to."""
        engines = await self.workspace_engines()
        work: list[tuple[Located, str]] = []
        for engine in engines:
            for path in await self.in_background(engine.tracked_paths):
                uri = from_fs_path(str(engine.repo.abspath(path))) or ""
                work.append((Located(engine, path), uri))
        await self._progress(token, "begin", f"Resolving {_count(len(work), 'file')}")
        found: list[tuple[str, Region, Engine]] = []
        for done, (located, uri) in enumerate(work, start=1):
            open_document = self.workspace.text_documents.get(uri)
            text = open_document.source if open_document else None
            try:
                report = await self.in_background(located.engine.report, located.path, text)
            except FoureyesError as error:
                log.info("skipped %s: %s", located.path, error)
                continue
            found.extend((uri, region, located.engine) for region in report.regions)
            if done % 20 == 0:
                await self._progress(
                    token, "report", f"{done}/{len(work)} files", done * 100 // len(work)
                )
        await self._progress(token, "end", f"{_count(len(found), 'AI region')}")
        return found

    async def _progress(
        self,
        token: types.ProgressToken | None,
        kind: str,
        message: str,
        percentage: int | None = None,
    ) -> None:
        if token is None:
            return
        progress = self.work_done_progress
        if kind == "begin":
            progress.begin(
                token, types.WorkDoneProgressBegin(title="foureyes", message=message, percentage=0)
            )
        elif kind == "report":
            progress.report(
                token, types.WorkDoneProgressReport(message=message, percentage=percentage)
            )
        else:
            progress.end(token, types.WorkDoneProgressEnd(message=message))

    async def server_progress_token(self) -> str | None:
        """A progress token of our own, when the client lets the server create one."""
        if not self.progress_support:
            return None
        token = f"foureyes-{id(object())}"
        try:
            await self.work_done_progress.create_async(token)
        except Exception:
            return None
        return token


def create_server() -> FoureyesServer:
    server = FoureyesServer()

    @server.feature(types.INITIALIZE)
    def on_initialize(ls: FoureyesServer, params: types.InitializeParams) -> None:
        capabilities = params.capabilities
        ls.support = actions.client_support(capabilities)
        text = capabilities.text_document
        workspace = capabilities.workspace
        ls.diagnostic_refresh = bool(
            workspace and workspace.diagnostics and workspace.diagnostics.refresh_support
        )
        # Pull only when we can also ask the client to pull again (claims written by
        # another process must show up without an edit); otherwise push.
        ls.pull_diagnostics = bool(text and text.diagnostic) and ls.diagnostic_refresh
        ls.lens_refresh = bool(
            workspace and workspace.code_lens and workspace.code_lens.refresh_support
        )
        ls.configuration_support = bool(workspace and workspace.configuration)
        ls.progress_support = bool(capabilities.window and capabilities.window.work_done_progress)
        folders = [f.uri for f in params.workspace_folders or []]
        if not folders and params.root_uri:
            folders = [params.root_uri]
        ls.folders = [p for uri in folders if (p := to_fs_path(uri))]
        if params.initialization_options and isinstance(params.initialization_options, dict):
            settings, _ = parse_settings(params.initialization_options.get("settings"))
            ls.settings = settings

    @server.feature(types.INITIALIZED)
    async def on_initialized(ls: FoureyesServer, params: types.InitializedParams) -> None:
        await ls.load_settings()
        for folder in ls.folders:
            await ls.in_worker(ls.session.add_folder, folder)
        ls._watcher = asyncio.ensure_future(ls.watch_ledgers())

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def on_configuration(
        ls: FoureyesServer, params: types.DidChangeConfigurationParams
    ) -> None:
        await ls.load_settings()
        ls.refresh_open_documents()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def on_open(ls: FoureyesServer, params: types.DidOpenTextDocumentParams) -> None:
        ls._refined.pop(params.text_document.uri, None)  # versions start again
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def on_change(ls: FoureyesServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def on_save(ls: FoureyesServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def on_close(ls: FoureyesServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        for per_document in (ls._refined, ls._refine_due, ls._shown):
            per_document.pop(uri, None)  # a refinement still waiting then ends on its own
        if not ls.pull_diagnostics:
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
            )

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier="foureyes", inter_file_dependencies=False, workspace_diagnostics=True
        ),
    )
    async def on_pull(
        ls: FoureyesServer, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        if not ls.pull_diagnostics:  # we push to this client; an empty pull avoids duplicates
            return types.RelatedFullDocumentDiagnosticReport(items=[], result_id="pushed")
        result = await ls.diagnostics_for(params.text_document.uri)
        items, key = result if result else ([], "none")
        if params.previous_result_id == key:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=key)
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=key)

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    async def on_workspace_pull(
        ls: FoureyesServer, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        await ls.settings_ready.wait()
        if not ls.pull_diagnostics:
            return types.WorkspaceDiagnosticReport(items=[])
        previous = {item.uri: item.value for item in params.previous_result_ids or ()}
        reports, changed = await ls.workspace_reports(previous, params.work_done_token)
        if previous and not changed:
            # Nothing changed since the client's last pull: hold the answer until the
            # ledger changes (or a while passes), instead of being asked again at once.
            ls.workspace_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ls.workspace_changed.wait(), WORKSPACE_PULL_HOLD_SECONDS)
            reports, _ = await ls.workspace_reports(previous, None)
        return types.WorkspaceDiagnosticReport(items=reports)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[actions.REVIEW_KIND, actions.MARK_KIND, actions.FILE_KIND],
            resolve_provider=True,
        ),
    )
    async def on_code_action(
        ls: FoureyesServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        found = await ls.report(params.text_document.uri)
        if found is None:
            return None
        located, report, document = found
        selected = positions.selection(
            params.range, report.text_lines or split_lines(document.source)
        )
        if selected is None:
            return []  # the selection starts past the end of the document
        identity = await ls.in_worker(ls.session.identity, located.engine)
        return actions.build(
            params.text_document.uri,
            report,
            selected,
            params.context.diagnostics,
            identity,
            ls.support,
        )

    @server.feature(types.CODE_ACTION_RESOLVE)
    def on_code_action_resolve(ls: FoureyesServer, action: types.CodeAction) -> types.CodeAction:
        return actions.resolve(action)

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    async def on_code_lens(
        ls: FoureyesServer, params: types.CodeLensParams
    ) -> list[types.CodeLens] | None:
        await ls.settings_ready.wait()
        if not ls.settings.code_lens:
            return None
        found = await ls.report(params.text_document.uri)
        if found is None:
            return None
        located, report, _ = found
        identity = await ls.in_worker(ls.session.identity, located.engine)
        refusals = {r.id: actions.approval_refusal(r, identity) for r in report.regions}
        return present.code_lenses(report, params.text_document.uri, refusals)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: FoureyesServer, params: types.HoverParams) -> types.Hover | None:
        found = await ls.report(params.text_document.uri)
        if found is None:
            return None
        _, report, document = found
        lines = report.text_lines or split_lines(document.source)
        line = positions.line_of(params.position, lines)
        region = report.region_at(line) if line is not None else None
        if line is None or region is None:
            return None
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value=present.hover_markdown(region, line)
            ),
            range=present.region_range(region, lines, document.position_codec),
        )

    for name in actions.COMMANDS:
        server.command(name)(_command_handler(name))

    @server.feature(REVIEW_QUEUE)
    async def on_review_queue(ls: FoureyesServer, params: Any) -> dict[str, Any]:
        token = await ls.server_progress_token()
        regions = await ls.workspace_regions(token)
        # Whether the person at this editor may approve each region: the quick fix's answer.
        identities: dict[int, Identity | None] = {}
        for _, _, engine in regions:
            if id(engine) not in identities:
                identities[id(engine)] = await ls.in_worker(ls.session.identity, engine)
        entries = []
        for uri, region, engine in regions:
            refusal = actions.approval_refusal(region, identities[id(engine)])
            entries.append(
                {**region_json(region), "uri": uri, "can_approve": refusal is None,
                 "approval_refusal": refusal}
            )  # fmt: skip
        return {"regions": entries}

    @server.feature(SUMMARY)
    async def on_summary(ls: FoureyesServer, params: Any) -> dict[str, Any]:
        uri = getattr(params, "uri", None) if params is not None else None
        result: dict[str, Any] = {}
        if isinstance(uri, str) and uri in ls.workspace.text_documents:
            found = await ls.report(uri)
            result["file"] = _counts(found[1].regions if found else ())
        result["workspace"] = _counts([region for _, region, _ in await ls.workspace_regions()])
        return result

    @server.feature(types.SHUTDOWN)
    def on_shutdown(ls: FoureyesServer, params: None) -> None:
        if ls._watcher:
            ls._watcher.cancel()
        ls.pool.shutdown(wait=False, cancel_futures=True)
        ls.background.shutdown(wait=False, cancel_futures=True)

    return server


def _counts(regions: Sequence[Region]) -> dict[str, Any]:
    by_state = {state.value: 0 for state in ReviewState}
    for region in regions:
        by_state[region.review.state.value] += 1
    return {
        "regions": len(regions),
        "lines": sum(len(r.lines) for r in regions),
        "by_state": by_state,
    }


def _signature(report: FileReport) -> tuple[object, ...]:
    """What a document's diagnostics say about risk and review, to tell a change."""
    return tuple(
        (r.id, r.start_line, r.end_line, r.risk.score, r.risk.level, r.risk.complete,
         r.review.state)
        for r in report.regions
    )  # fmt: skip


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


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


def _command_handler(name: str) -> Callable[..., Any]:
    async def handler(ls: FoureyesServer, *arguments: Any) -> dict[str, Any]:
        # pygls 2 passes command arguments as positional parameters; ours is one object.
        payload = arguments[0] if arguments else {}
        if not isinstance(payload, dict):
            payload = {key: getattr(payload, key) for key in getattr(payload, "_fields", ())}
        uri = payload.get("uri")
        quiet = name == actions.MARK_AI_HEURISTIC  # a background guess, not a user's act
        if quiet and not ls.settings.heuristics:
            return {"ok": False, "message": "heuristics are off (foureyes.heuristics)"}
        try:
            if not isinstance(uri, str) or uri not in ls.workspace.text_documents:
                raise FoureyesError(f"{name} needs the uri of an open document")
            located = await ls.locate(uri)
            if located is None:
                raise FoureyesError(f"{uri} is not inside a git repository")
            text = ls.document(uri).source
            warnings: list[str] = []
            message = await ls.in_worker(
                actions.run_command, name, located, payload, text, warnings.append
            )
        except FoureyesError as error:
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=error.message)
            )
            return {"ok": False, "message": error.message}
        for warning in warnings:  # shown from the event loop, not the worker thread
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=warning)
            )
        if not quiet:
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Info, message=message)
            )
        ls.refresh_open_documents()
        return {"ok": True, "message": message}

    handler.__name__ = name.replace(".", "_")
    return handler


def main(tcp: str | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)
    server = create_server()
    if tcp:
        host, _, port = tcp.rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
