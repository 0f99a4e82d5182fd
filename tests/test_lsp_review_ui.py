"""What the editor says about review, from the real `foureyes serve` over stdio: who may
approve (the review queue answers as the quick fix does), what the code lens says once
review was requested, and what an approval tells the approver about what is left.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types

from conftest import GitRepo, code_lines, language_server, make_repo
from test_lsp import (
    _read_code_actions_like_an_editor,
    code_actions,
    diagnostics,
    open_document,
    plain,
)


def _workspace(tmp_path: Path, policy: str | None = None) -> GitRepo:
    """Dana records an agent's lines 5-11 of app.py."""
    repo = make_repo(tmp_path / "ws")
    repo.write("app.py", "\n".join(code_lines("app", 20)) + "\n")
    if policy is not None:
        repo.write(".foureyes.toml", policy)
    marked = repo.foureyes("mark", "--ai", "app.py:5-11", "--agent", "claude-code")
    assert marked.code == 0, marked.err
    repo.commit("base")
    return repo


async def _queue_entry(client: Any) -> dict[str, Any]:
    queue = plain(await client.protocol.send_request_async("foureyes/reviewQueue", {}))
    (entry,) = queue["regions"]
    return entry  # type: ignore[no-any-return]


async def _quick_fix_approve(client: Any, uri: str) -> types.CodeAction | None:
    """The quick fix menu's Approve for the region (None: not offered at all)."""
    where = types.Range(start=types.Position(line=6, character=0),
                        end=types.Position(line=6, character=0))  # fmt: skip
    found = await code_actions(client, uri, where, [])
    return next((a for a in found if a.title.startswith("Approve")), None)


async def _execute(client: Any, command: str, **arguments: Any) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=[arguments])
    )
    return plain(result)  # type: ignore[no-any-return]


async def test_the_queue_offers_approve_exactly_when_the_quick_fix_does(tmp_path: Path) -> None:
    """The review queue carries the server's one answer to "may the person at this
    editor approve this region?": the very reason the quick fix shows on its disabled
    Approve, or none when the quick fix offers Approve."""
    repo = _workspace(tmp_path, '[review]\nseniors = ["sam@example.com"]\n')
    async with language_server(repo.root) as client:
        _read_code_actions_like_an_editor(client)
        assert client.capabilities.text_document.code_action.disabled_support
        uri = open_document(client, repo, "app.py")
        await diagnostics(client, uri, lambda d: len(d) == 1)
        cases = [
            ("dana@example.com", "four eyes: you brought this AI code in"),  # the recorder
            ("lee@example.com", "only seniors approve"),  # not a senior
            ("sam@example.com", None),  # a senior who did not record it
        ]
        for email, refusal in cases:
            repo.git("config", "user.email", email)
            entry = await _queue_entry(client)
            approve = await _quick_fix_approve(client, uri)
            assert approve is not None, email
            if refusal is None:
                assert entry["can_approve"] is True and entry["approval_refusal"] is None
                assert approve.disabled is None and approve.title.startswith("Approve"), email
            else:
                assert entry["can_approve"] is False, (email, entry)
                assert approve.disabled is not None, email
                assert refusal in entry["approval_refusal"]
                # One question, one answer: the queue's reason is the quick fix's.
                assert entry["approval_refusal"] == approve.disabled.reason
        # Sam approves: the one approval needed is there, and Sam may not approve again,
        # in the queue as in the quick fix.
        assert (await _execute(client, "foureyes.approve", uri=uri, line=5))["ok"] is True
        entry = await _queue_entry(client)
        approve = await _quick_fix_approve(client, uri)
        assert entry["review"]["state"] == "approved"
        assert entry["can_approve"] is False and approve is not None and approve.disabled
        assert entry["approval_refusal"] == approve.disabled.reason
        assert "already approved" in entry["approval_refusal"]


async def _lens_titles(client: Any, uri: str) -> list[str]:
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return [lens.command.title for lens in lenses or [] if lens.command]


async def test_the_code_lens_says_whom_review_was_requested_from(tmp_path: Path) -> None:
    """Once review is requested, the lens says so (and from whom) and offers a reminder,
    not another "request review"."""
    repo = _workspace(tmp_path)
    async with language_server(repo.root) as client:
        uri = open_document(client, repo, "app.py")
        await diagnostics(client, uri, lambda d: len(d) == 1)
        (status,) = await _lens_titles(client, uri)  # Dana's own code: no Approve lens
        assert status.endswith("· not reviewed · 0/1 approvals · low risk · request review")

        requested = await _execute(client, "foureyes.requestReview", uri=uri, line=5,
                                   reviewers=["lee@example.com", "kim@example.com"])  # fmt: skip
        assert requested["ok"] is True, requested
        (status,) = await _lens_titles(client, uri)
        assert "· review requested from lee@example.com, kim@example.com ·" in status, status
        assert status.endswith("· remind"), status
        assert "request review" not in status

        # A person who may approve sees Approve beside it.
        repo.git("config", "user.email", "sam@example.com")
        titles = await _lens_titles(client, uri)
        assert titles[1:] == ["Approve"], titles


async def test_a_request_to_any_senior_reads_as_requested(tmp_path: Path) -> None:
    """A request that names nobody (any senior reviewer) still shows as requested."""
    repo = _workspace(tmp_path)
    async with language_server(repo.root) as client:
        uri = open_document(client, repo, "app.py")
        await diagnostics(client, uri, lambda d: len(d) == 1)
        assert (await _execute(client, "foureyes.requestReview", uri=uri, line=5))["ok"]
        (status,) = await _lens_titles(client, uri)
        assert "· review requested · 0/1 approvals ·" in status, status
        assert status.endswith("· remind") and "from" not in status, status


async def test_approving_says_how_many_approvals_are_still_needed(tmp_path: Path) -> None:
    """The approver learns from the answer (and the message the editor shows) whether
    the region is done or how many approvals it still lacks."""
    policy = (
        '[review]\nseniors = ["sam@example.com", "kim@example.com"]\n'
        "approvals = { low = 2, medium = 2, high = 2, critical = 2 }\n"
    )
    repo = _workspace(tmp_path, policy)
    async with language_server(repo.root) as client:
        uri = open_document(client, repo, "app.py")
        await diagnostics(client, uri, lambda d: len(d) == 1)
        repo.git("config", "user.email", "sam@example.com")
        first = await _execute(client, "foureyes.approve", uri=uri, line=5)
        assert first["ok"] is True, first
        assert first["message"] == (
            "Approved app.py:5-11 — 1 of 2 senior approvals; 1 more needed"
        ), first
        repo.git("config", "user.email", "kim@example.com")
        second = await _execute(client, "foureyes.approve", uri=uri, line=5)
        assert second["message"] == (
            "Approved app.py:5-11 — fully approved (2 of 2 senior approvals)"
        ), second
        shown = [m.message for m in client.messages if m.type == types.MessageType.Info]
        assert first["message"] in shown and second["message"] in shown


async def test_with_anyone_approving_approvals_are_not_called_senior(tmp_path: Path) -> None:
    repo = _workspace(tmp_path, "[review]\napprovals = { low = 2 }\n")
    async with language_server(repo.root) as client:
        uri = open_document(client, repo, "app.py")
        await diagnostics(client, uri, lambda d: len(d) == 1)
        repo.git("config", "user.email", "sam@example.com")
        done = await _execute(client, "foureyes.approve", uri=uri, line=5)
        assert done["message"] == "Approved app.py:5-11 — 1 of 2 approvals; 1 more needed", done
