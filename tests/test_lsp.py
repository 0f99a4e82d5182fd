"""The language server end to end: the real `foureyes serve` over stdio, driven by
pytest-lsp with the VS Code (push diagnostics, UTF-16) and Neovim 0.11 (UTF-8,
code action resolve) client profiles, against real git repositories.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Union
from urllib.parse import unquote, urlparse

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

import foureyes
from conftest import FOUREYES, RUNNING_IN_CI, GitRepo, code_lines, make_repo, make_venv

CLIENTS = ["visual-studio-code", "neovim@v0.11.0"]


@pytest.fixture
def workspace(tmp_path: Path) -> GitRepo:
    repo = make_repo(tmp_path / "ws")
    lines = [*code_lines("top", 10), "emoji = 'party 🎉🎉 time'", *code_lines("tail", 10)]
    repo.write("app.py", "\n".join(lines) + "\n")
    result = repo.foureyes(
        "mark", "--ai", "app.py:5-11", "--agent", "claude-code", "--model", "opus"
    )
    assert result.code == 0, result.err
    repo.commit("base")
    return repo


@pytest_lsp.fixture(params=CLIENTS, config=ClientServerConfig(server_command=[FOUREYES, "serve"]))
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient, workspace: GitRepo):
    lsp_client.set_configuration({"codeLens": True}, section="foureyes")
    _read_code_actions_like_an_editor(lsp_client)
    lsp_client.code_lens_refreshes = 0  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(client: LanguageClient, params: None) -> None:
        client.code_lens_refreshes += 1  # type: ignore[attr-defined]

    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            root_uri=workspace.root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.root.as_uri(), name="ws")],
        )
    )
    yield
    await lsp_client.shutdown_session()


def uri_of(repo: GitRepo, path: str) -> str:
    return (repo.root / path).as_uri()


def open_document(client: LanguageClient, repo: GitRepo, path: str) -> str:
    uri = uri_of(repo, path)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=repo.read(path)
            )
        )
    )
    return uri


async def diagnostics(
    client: LanguageClient, uri: str, predicate: Any, timeout: float = 10.0
) -> list[types.Diagnostic]:
    """The server's diagnostics for `uri` (pulled, or pushed, as the client does), once
    `predicate(diagnostics)` holds. Pushed ones count only once the server published
    some for `uri`: an empty list the server never sent proves nothing."""
    deadline = time.monotonic() + timeout
    while True:
        if _pulls(client):
            report = await client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            found: list[types.Diagnostic] | None = list(report.items)
        else:
            published = client.diagnostics.get(uri)
            found = list(published) if published is not None else None
        if found is not None and predicate(found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for diagnostics on {uri}; last: {found}")
        await asyncio.sleep(0.05)


async def hover_text(client: LanguageClient, uri: str, line: int, character: int) -> str | None:
    """The hover's Markdown at a 0-based position, or None when there is no hover."""
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    return None if hover is None else hover.contents.value  # type: ignore[union-attr]


def insert(client: LanguageClient, uri: str, version: int, line: int, text: str) -> None:
    """Type `text` at the start of `line` (0-based), as an editor sends it."""
    start = types.Position(line=line, character=0)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=start, end=start), text=text
                )
            ],
        )
    )


def _pulls(client: LanguageClient) -> bool:
    workspace = client.capabilities.workspace
    return bool(workspace and workspace.diagnostics and workspace.diagnostics.refresh_support)


def utf_units(client: LanguageClient, text: str) -> int:
    general = client.capabilities.general
    encodings = (general.position_encodings or []) if general else []
    if encodings and encodings[0] == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


async def test_an_ai_region_is_one_diagnostic(client: LanguageClient, workspace: GitRepo) -> None:
    uri = open_document(client, workspace, "app.py")
    found = await diagnostics(client, uri, lambda d: len(d) == 1)
    (diagnostic,) = found
    assert diagnostic.code == "ai-unreviewed"
    assert diagnostic.source == "foureyes"
    assert diagnostic.severity == types.DiagnosticSeverity.Hint  # quiet by default
    assert "claude-code (opus)" in diagnostic.message and "0/1 approvals" in diagnostic.message
    assert diagnostic.range.start == types.Position(line=4, character=0)
    # The region ends on a line with multi-byte characters: the end is in the client's units.
    last_line = workspace.read("app.py").splitlines()[10]
    assert diagnostic.range.end == types.Position(line=10, character=utf_units(client, last_line))
    assert diagnostic.code_description
    assert_links_to_installed_docs(diagnostic.code_description.href, "ai-unreviewed")


ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(foureyes.__file__).resolve().parent


def assert_links_to_installed_docs(href: str, code: str) -> None:
    """The link is a file of the installed package (not of a source checkout), it
    exists, and it explains `code`."""
    url = urlparse(href)
    assert url.scheme == "file" and url.fragment == code, href
    linked = Path(unquote(url.path))
    assert linked.is_relative_to(PACKAGE) and linked.is_file(), href
    assert f"## {code}" in linked.read_text(encoding="utf-8")


def test_the_linked_docs_ship_in_a_wheel(tmp_path: Path) -> None:
    """A wheel (what `pip install` of a release gets) holds docs/diagnostics.md where
    the server links to, with the docs' text: the editable install above finds it
    through the package's link to docs/, a wheel has the file itself."""
    source = tmp_path / "src"  # a copy, so the build writes nothing into the checkout
    source.mkdir()
    (source / "docs").mkdir()
    for name in ("pyproject.toml", "README.md", "docs/diagnostics.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "server", source / "server", symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
         "-q", str(source), "-w", str(tmp_path / "dist")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0 and "No matching distribution found for setuptools" in done.stderr:
        if RUNNING_IN_CI:
            pytest.fail(f"pip could not fetch the build backend:\n{done.stderr[-3000:]}")
        pytest.skip("pip could not fetch the build backend (setuptools): no package index?")
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("foureyes-*.whl")
    inside = (PACKAGE / "docs" / "diagnostics.md").relative_to(PACKAGE.parent).as_posix()
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read(inside)
    assert shipped == (ROOT / "docs" / "diagnostics.md").read_bytes()


async def test_regions_follow_their_lines_while_typing(
    client: LanguageClient, workspace: GitRepo
) -> None:
    uri = open_document(client, workspace, "app.py")
    await diagnostics(client, uri, lambda d: len(d) == 1)
    insert(client, uri, 2, 0, "".join(f"new_line_{i} = {i}\n" for i in range(3)))
    found = await diagnostics(client, uri, lambda d: len(d) == 1 and d[0].range.start.line == 7)
    assert found[0].range.end.line == 13
    # A person edits one AI line: the region stays, with that line reported as mixed.
    insert(client, uri, 3, 8, "edited_")
    found = await diagnostics(
        client, uri, lambda d: len(d) == 1 and "changed by a person" in d[0].message
    )
    related = found[0].related_information or []
    assert [info.location.range.start.line for info in related] == [8]


async def test_claims_from_another_process_show_up(
    client: LanguageClient, workspace: GitRepo
) -> None:
    uri = open_document(client, workspace, "app.py")
    await diagnostics(client, uri, lambda d: len(d) == 1)
    started = time.monotonic()
    done = subprocess.run(
        [FOUREYES, "mark", "--ai", "app.py:16-18", "--agent", "codex"],
        cwd=workspace.root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    await diagnostics(client, uri, lambda d: len(d) == 2, timeout=5.0)
    if client.capabilities.workspace.code_lens:
        assert client.code_lens_refreshes > 0  # type: ignore[attr-defined]
    print(f"claim from another process visible after {time.monotonic() - started:.2f} s")


async def test_request_review_then_approve_through_code_actions(
    client: LanguageClient, workspace: GitRepo
) -> None:
    uri = open_document(client, workspace, "app.py")
    (diagnostic,) = await diagnostics(client, uri, lambda d: len(d) == 1)
    actions = await code_actions(client, uri, diagnostic.range, [diagnostic])
    titles = [a.title for a in actions]
    assert "Request senior review of this AI code (lines 5-11)" in titles
    assert "Mark lines 5-11 as human-written" in titles
    assert "Request review for every unreviewed AI region in this file" in titles
    # Dana recorded this code, so Dana may not approve it (four eyes).
    approve = [a for a in actions if a.title.startswith("Approve")]
    if client.capabilities.text_document.code_action.disabled_support:
        assert approve and approve[0].disabled and "four eyes" in approve[0].disabled.reason
    else:
        assert approve == []

    request = next(a for a in actions if a.title.startswith("Request senior review"))
    result = await run_action(client, request)
    assert result["ok"] is True, result
    await diagnostics(client, uri, lambda d: len(d) == 1 and d[0].code == "ai-review-requested")

    # Sam, a different person, approves: the diagnostic goes away.
    workspace.git("config", "user.email", "sam@example.com")
    actions = await code_actions(client, uri, diagnostic.range, [])
    approve = next(a for a in actions if a.title.startswith("Approve") and not a.disabled)
    assert (await run_action(client, approve))["ok"] is True
    await diagnostics(client, uri, lambda d: d == [])
    status = workspace.foureyes("status", "--json").json()
    assert status["regions"][0]["review"]["approvers"] == ["sam@example.com"]


async def test_mark_selection_as_ai(client: LanguageClient, workspace: GitRepo) -> None:
    uri = open_document(client, workspace, "app.py")
    await diagnostics(client, uri, lambda d: len(d) == 1)
    selection = types.Range(
        start=types.Position(line=14, character=0), end=types.Position(line=17, character=0)
    )
    actions = await code_actions(client, uri, selection, [])
    mark = next(a for a in actions if a.title == "Mark lines 15-17 as AI-generated")
    assert (await run_action(client, mark))["ok"] is True
    found = await diagnostics(client, uri, lambda d: len(d) == 2)
    assert sorted(d.range.start.line for d in found) == [4, 14]


async def test_hover_shows_provenance(client: LanguageClient, workspace: GitRepo) -> None:
    uri = open_document(client, workspace, "app.py")
    await diagnostics(client, uri, lambda d: len(d) == 1)
    text = await hover_text(client, uri, 6, 3)
    assert text is not None
    for expected in ("- **agent**: claude-code", "- **model**: opus", "dana@example.com", "manual"):
        assert expected in text
    # No table: one with an empty header row shows as raw pipes in Neovim's hover.
    assert not any(line.startswith("|") for line in text.splitlines())
    assert await hover_text(client, uri, 0, 0) is None


async def test_code_lenses(client: LanguageClient, workspace: GitRepo) -> None:
    uri = open_document(client, workspace, "app.py")
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert lenses and lenses[0].range.start.line == 4
    assert lenses[0].command.title.startswith("AI: claude-code (opus) · not reviewed")
    assert lenses[0].command.command == "foureyes.requestReview"
    assert all(lens.command.command != "foureyes.approve" for lens in lenses)  # Dana's own code


async def test_review_queue_and_summary(client: LanguageClient, workspace: GitRepo) -> None:
    workspace.write("other.py", "\n".join(code_lines("other", 5)) + "\n")
    assert workspace.foureyes("mark", "--ai", "other.py:2-3", "--agent", "cursor").code == 0
    queue = plain(await client.protocol.send_request_async("foureyes/reviewQueue", {}))
    regions = sorted((r["path"], r["start_line"], r["review"]["state"]) for r in queue["regions"])
    assert regions == [("app.py", 5, "unreviewed"), ("other.py", 2, "unreviewed")]
    assert all(r["uri"].startswith("file://") for r in queue["regions"])
    uri = open_document(client, workspace, "app.py")
    summary = plain(await client.protocol.send_request_async("foureyes/summary", {"uri": uri}))
    assert summary["file"]["regions"] == 1 and summary["workspace"]["regions"] == 2
    assert summary["workspace"]["by_state"]["unreviewed"] == 2


async def test_settings_change_severity(client: LanguageClient, workspace: GitRepo) -> None:
    client.set_configuration(
        {"severity": {"unreviewed": "warning", "bogus": "error"}}, section="foureyes"
    )
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    uri = open_document(client, workspace, "app.py")
    found = await diagnostics(
        client, uri, lambda d: len(d) == 1 and d[0].severity == types.DiagnosticSeverity.Warning
    )
    assert found[0].code == "ai-unreviewed"
    deadline = time.monotonic() + 5
    while not any("bogus" in m.message for m in client.messages):
        assert time.monotonic() < deadline, client.messages
        await asyncio.sleep(0.05)


async def test_files_outside_a_repository_get_nothing(
    client: LanguageClient, tmp_path: Path
) -> None:
    loose = tmp_path / "loose.py"
    loose.write_text("x = 1\n")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=loose.as_uri(), language_id="python", version=1, text="x = 1\n"
            )
        )
    )
    assert await diagnostics(client, loose.as_uri(), lambda d: d == []) == []


# --- helpers -------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """pygls hands custom responses over as namedtuples; tests compare plain JSON values."""
    if hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def _read_code_actions_like_an_editor(client: LanguageClient) -> None:
    """lsprotocol 2025.0.0 turns a CodeAction that carries a command into a Command when a
    client structures the `(Command | CodeAction)[]` result. Editors read the JSON and
    tell the two apart by whether `command` is a string; make the test client do so too."""
    converter = client.protocol._converter

    def structure(obj: dict[str, Any], _: object) -> types.Command | types.CodeAction:
        kind = types.Command if isinstance(obj.get("command"), str) else types.CodeAction
        return converter.structure(obj, kind)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], structure)  # noqa: UP007


async def code_actions(
    client: LanguageClient, uri: str, where: types.Range, related: list[types.Diagnostic]
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=where,
            context=types.CodeActionContext(diagnostics=related),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def run_action(client: LanguageClient, action: types.CodeAction) -> Any:
    if action.command is None:
        action = await client.code_action_resolve_async(action)
    assert action.command is not None
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command=action.command.command, arguments=action.command.arguments
        )
    )


async def test_risk_sets_severity_and_explains_itself(
    client: LanguageClient, workspace: GitRepo
) -> None:
    shell = "subprocess.run(f'tar czf {name} {folder}', shell=True)"
    lines = [*code_lines("top", 4), "import subprocess", shell, *code_lines("end", 3)]
    workspace.write("tool.py", "\n".join(lines) + "\n")
    assert workspace.foureyes("mark", "--ai", "tool.py:5-6", "--agent", "codex").code == 0
    uri = open_document(client, workspace, "tool.py")
    (diagnostic,) = await diagnostics(client, uri, lambda d: len(d) == 1)
    # Shell execution is high risk; the default policy shows high risk as a warning.
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert "high risk (35)" in diagnostic.message
    assert "runs a command through a shell" in diagnostic.message
    related = diagnostic.related_information or []
    assert any(info.location.range.start.line == 5 and "CWE-78" in info.message for info in related)


async def test_dependency_checks_arrive_later_without_blocking(
    client: LanguageClient, workspace: GitRepo
) -> None:
    workspace.write("pyproject.toml", '[project]\nname = "x"\nversion = "1"\ndependencies = []\n')
    workspace.write(".gitignore", ".venv/\n")
    make_venv(workspace.root / ".venv")  # the project's environment: only jedi can read it
    workspace.write("fetch.py", "import requestz\n\nvalue = requestz.get(url)\n")
    assert workspace.foureyes("mark", "--ai", "fetch.py:1-3", "--agent", "codex").code == 0
    uri = open_document(client, workspace, "fetch.py")
    # The first diagnostics come from the fast tier; jedi's verdict refines them.
    found = await diagnostics(
        client, uri, lambda d: len(d) == 1 and "requestz" in d[0].message, timeout=30
    )
    assert "neither part of the project nor declared as a dependency, nor installed in" in (
        found[0].message
    )


async def test_the_slow_tier_lands_in_diagnostics_and_hover_while_typing_goes_on(
    client: LanguageClient, workspace: GitRepo
) -> None:
    uses = [f"value_{i} = helper({i})" for i in range(12)]
    lines = ["def helper(x):", "    return x * 2", "", "", *uses]
    workspace.write("lib.py", "\n".join(lines) + "\n")
    assert workspace.foureyes("mark", "--ai", "lib.py:1-2", "--agent", "codex").code == 0
    uri = open_document(client, workspace, "lib.py")
    # Type at once, before jedi has finished: each edit still gets its diagnostics.
    for version in range(2, 7):
        insert(client, uri, version, 3 + version, "# ")
    # jedi's reference count reaches the diagnostic and then the hover, which no
    # longer says the checks are running.
    found = await diagnostics(
        client, uri, lambda d: len(d) == 1 and "referenced in" in d[0].message, timeout=30
    )
    assert "defines helper, which is referenced in 7 places" in found[0].message
    text = await hover_text(client, uri, 0, 4)
    assert text is not None
    assert "referenced in 7 places" in text and "still running" not in text


async def test_a_broken_policy_is_an_error_message_not_silence(
    client: LanguageClient, workspace: GitRepo
) -> None:
    workspace.write(".foureyes.toml", "[review]\nseniors = 'not a list'\n")
    uri = open_document(client, workspace, "app.py")
    deadline = time.monotonic() + 10
    while not any(
        m.type == types.MessageType.Error and ".foureyes.toml" in m.message for m in client.messages
    ):
        assert time.monotonic() < deadline, client.messages
        await asyncio.sleep(0.05)
    assert await diagnostics(client, uri, lambda d: d == []) == []


async def test_heuristic_guesses_only_unclaimed_lines_and_quietly(
    client: LanguageClient, workspace: GitRepo
) -> None:
    uri = open_document(client, workspace, "app.py")
    await diagnostics(client, uri, lambda d: len(d) == 1)
    guess = {"uri": uri, "start": 9, "end": 14, "confidence": 0.9, "reason": "typed at once"}
    off = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="foureyes.markAiHeuristic", arguments=[guess])
    )
    assert plain(off)["ok"] is False and "heuristics are off" in plain(off)["message"]
    client.set_configuration({"heuristics": True}, section="foureyes")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    shown = len(client.messages)
    deadline = time.monotonic() + 10
    while True:
        result = plain(
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="foureyes.markAiHeuristic", arguments=[guess])
            )
        )
        if result["ok"] or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)  # the new settings are read asynchronously
    assert result == {"ok": True, "message": "Marked app.py:12-14 as possibly AI-generated"}
    assert len(client.messages) == shown  # quiet: a guess is not the user's act
    blame = workspace.foureyes("blame", "--json", "app.py").json()["lines"]
    guessed = [line for line in blame if line.get("source") == "editor-heuristic"]
    assert [line["line"] for line in guessed] == [12, 13, 14]
    assert {line["confidence"] for line in guessed} == {0.5}  # capped: never outranks a record
    assert [line.get("source") for line in blame[4:11]] == ["manual"] * 7  # records kept


@pytest.fixture
def pull_client_capabilities() -> types.ClientCapabilities:
    capabilities = client_capabilities("visual-studio-code")
    capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities()
    capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
        refresh_support=True
    )
    return capabilities


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[FOUREYES, "serve"]))
async def pull_client(lsp_client: LanguageClient, workspace: GitRepo, pull_client_capabilities):
    # The capabilities advertise code lens refresh, which the server sends when a ledger
    # changes (the tests' `foureyes mark`): answer it, as an editor does.
    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(client: LanguageClient, params: None) -> None:
        pass

    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=pull_client_capabilities,
            root_uri=workspace.root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.root.as_uri(), name="ws")],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_workspace_pull_answers_unchanged_files_without_resolving(
    pull_client: LanguageClient, workspace: GitRepo
) -> None:
    workspace.write("other.py", "\n".join(code_lines("other", 5)) + "\n")
    assert workspace.foureyes("mark", "--ai", "other.py:2-3", "--agent", "cursor").code == 0
    first = await pull_client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    full = {item.uri: item for item in first.items}
    assert {uri.rsplit("/", 1)[1] for uri in full} == {"app.py", "other.py"}
    assert all(item.kind == "full" and item.items and item.result_id for item in full.values())
    # other.py changes on disk (no ledger change): only it is sent again in full.
    workspace.write("other.py", "# a comment\n" + workspace.read("other.py"))
    second = await pull_client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(
            previous_result_ids=[
                types.PreviousResultId(uri=uri, value=item.result_id) for uri, item in full.items()
            ]
        )
    )
    kinds = {item.uri.rsplit("/", 1)[1]: item.kind for item in second.items}
    assert kinds == {"app.py": "unchanged", "other.py": "full"}


async def test_review_queue_reports_work_done_progress(
    client: LanguageClient, workspace: GitRepo
) -> None:
    assert client.capabilities.window and client.capabilities.window.work_done_progress
    await client.protocol.send_request_async("foureyes/reviewQueue", {})
    deadline = time.monotonic() + 5
    while not any(
        reports and isinstance(reports[-1], types.WorkDoneProgressEnd)
        for reports in client.progress_reports.values()
    ):
        assert time.monotonic() < deadline, client.progress_reports
        await asyncio.sleep(0.05)
    (reports,) = [r for r in client.progress_reports.values() if r]
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert reports[0].title == "foureyes" and "Resolving 1 file" in (reports[0].message or "")
    assert reports[-1].message == "1 AI region"


# --- the scheduler's rules, in process (lsp/scheduler.py) ---


def _scheduler(versions: dict[str, int]) -> Any:
    from foureyes.lsp.scheduler import Scheduler

    return Scheduler(versions.get)


async def test_the_latency_lane_never_waits_behind_the_background_lane() -> None:
    import threading

    from foureyes.lsp.scheduler import BACKGROUND_THREADS, LATENCY_THREADS

    scheduler = _scheduler({})
    release = threading.Event()
    # More slow work than both lanes have threads: a shared pool would be full.
    slow = [
        asyncio.ensure_future(scheduler.background(release.wait, 10))
        for _ in range(BACKGROUND_THREADS + LATENCY_THREADS)
    ]
    try:
        fast = await asyncio.wait_for(scheduler.latency(lambda: "answered"), 2)
        assert fast == "answered" and not any(task.done() for task in slow)
    finally:
        release.set()
        await asyncio.gather(*slow)
        scheduler.shutdown()


async def test_background_work_for_an_outdated_version_is_dropped_not_run() -> None:
    import threading

    from foureyes.lsp.scheduler import Dropped

    versions = {"file:///a.py": 1}
    scheduler = _scheduler(versions)
    release = threading.Event()
    ran: list[int] = []
    try:
        busy = asyncio.ensure_future(scheduler.background(release.wait, 10))
        queued = asyncio.ensure_future(
            scheduler.background(ran.append, 1, wanted=scheduler.still_current("file:///a.py", 1))
        )
        await asyncio.sleep(0.05)
        versions["file:///a.py"] = 2  # edited while it waited for the thread
        release.set()
        await busy
        with pytest.raises(Dropped):
            await queued
        assert ran == []
        current = scheduler.still_current("file:///a.py", 2)
        await scheduler.background(ran.append, 2, wanted=current)
        assert ran == [2]
    finally:
        release.set()
        scheduler.shutdown()


async def test_only_the_latest_version_is_delivered_and_bursts_coalesce() -> None:
    versions = {"file:///a.py": 1}
    scheduler = _scheduler(versions)
    computed: list[int] = []
    delivered: list[tuple[int, int]] = []

    async def compute(uri: str) -> int:
        computed.append(versions[uri])
        await asyncio.sleep(0.05)
        return versions[uri]

    def deliver(uri: str, version: int, result: int) -> None:
        delivered.append((version, result))

    scheduler.latest("file:///a.py", compute, deliver)
    await asyncio.sleep(0.01)
    for version in (2, 3, 4):  # a burst of edits while the first computation runs
        versions["file:///a.py"] = version
        scheduler.latest("file:///a.py", compute, deliver)
    while not delivered:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    assert computed == [1, 4] and delivered == [(4, 4)]
    scheduler.shutdown()


async def test_work_after_a_pause_runs_once_per_version_for_the_latest_only() -> None:
    versions = {"file:///a.py": 1}
    scheduler = _scheduler(versions)
    ran: list[int] = []

    async def work(uri: str, version: int) -> bool:
        ran.append(version)
        return True

    for version in (1, 2, 3):  # typing: each call moves the quiet time on
        versions["file:///a.py"] = version
        scheduler.after_pause("file:///a.py", 0.05, work)
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    scheduler.after_pause("file:///a.py", 0.01, work)  # asked again, same version
    await asyncio.sleep(0.1)
    assert ran == [3]
    scheduler.shutdown()


def test_pull_diagnostics_only_with_a_way_to_ask_for_them_again(
    pull_client_capabilities: types.ClientCapabilities,
) -> None:
    from foureyes.lsp import capabilities

    pulls = capabilities.resolve(pull_client_capabilities)
    assert pulls.pull_diagnostics and pulls.diagnostic_refresh
    pull_client_capabilities.workspace.diagnostics = None  # type: ignore[union-attr]
    pushed = capabilities.resolve(pull_client_capabilities)
    assert not pushed.pull_diagnostics and not pushed.diagnostic_refresh
    neovim = capabilities.resolve(client_capabilities("neovim@v0.11.0"))
    assert neovim.code_action_resolve_command and not neovim.pull_diagnostics
