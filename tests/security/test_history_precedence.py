"""History precedence is decided per file, not per commit (issue 17, hole 3).

A `Co-authored-by: Claude` commit touches two files. A line-level record about one of
them (a ledger claim committed with it, a git-ai note, or an Agent Trace record)
decides that file; it says nothing about the other, whose lines the trailer still
makes AI. Before, any such record turned the trailer off for the whole commit, and
the other file's AI code passed the gate."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from pullrequest import PullRequest, assert_fails, make_pull_request, run_check

from conftest import code_lines

TRAILER = "Add billing and export\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>"


def _two_files(pr: PullRequest) -> None:
    pr.dev.write("billing.py", "\n".join(code_lines("billing", 4)) + "\n")
    pr.dev.write("export.py", "\n".join(code_lines("export", 4)) + "\n")


def _commit(pr: PullRequest, message: str) -> str:
    pr.dev.git("add", "-A")
    pr.dev.git("commit", "-q", "-m", message)
    return pr.dev.git("rev-parse", "HEAD").strip()


@pytest.mark.parametrize("record", ["ledger", "git-ai", "agent-trace"])
def test_a_record_about_one_file_leaves_the_trailer_in_force_for_the_other(
    tmp_path: Path, record: str
) -> None:
    pr = make_pull_request(tmp_path)
    _two_files(pr)
    if record == "ledger":
        pr.foureyes_ok("mark", "--ai", "billing.py:1-4", "--agent", "claude-code")
    commit = _commit(pr, TRAILER)
    if record == "git-ai":
        note = tmp_path / "note.txt"
        note.write_text("billing.py\n  d9978a8723e02b52 1-4\n---\n{}")
        pr.dev.git("notes", "--ref=ai", "add", "-F", str(note), commit)
    elif record == "agent-trace":
        trace = {
            "version": "0.1.0", "id": str(uuid.uuid4()), "timestamp": "2026-12-01T10:00:00Z",
            "vcs": {"type": "git", "revision": commit}, "tool": {"name": "claude-code"},
            "files": [{"path": "billing.py", "conversations": [{
                "contributor": {"type": "ai"}, "ranges": [{"start_line": 1, "end_line": 4}]}]}],
        }  # fmt: skip
        pr.dev.write(".agent-trace/traces.jsonl", json.dumps(trace) + "\n")
        _commit(pr, "trace records")
    pr.dev.git("push", "-q", "-f", "origin", "HEAD:refs/heads/feature")
    clone = pr.ci_clone()
    if record == "git-ai":
        pr.dev.git("push", "-q", "-f", "origin", "refs/notes/ai:refs/notes/ai")
        clone.git("fetch", "-q", "origin", "refs/notes/ai:refs/notes/ai")
    result = run_check(clone)
    assert_fails(result, "export.py:1-4", "billing.py:1-4")
