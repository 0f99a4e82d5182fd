"""The working tree is re-encoded by the pull request's `.gitattributes` (issue 17,
hole 2). The committed blobs stay valid UTF-8, but a fresh checkout writes the ledger
and the source as UTF-16, so a gate that reads the working tree sees a ledger of
invalid lines and a source it cannot decode. In CI the gate reads the commit from git
objects; reading the working tree, undecodable content under a claim fails."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from pullrequest import agent_code, assert_fails, make_pull_request, run_check

ATTRIBUTES = (
    "*.py working-tree-encoding=UTF-16\n"
    ".foureyes/ledger.jsonl working-tree-encoding=UTF-16 merge=union\n"
)


def test_a_re_encoding_gitattributes_does_not_hide_ai_code(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.commit_and_push("agent work")
    pr.dev.write(".gitattributes", ATTRIBUTES)
    pr.dev.git("add", ".gitattributes")  # only the attributes: the blobs stay UTF-8
    pr.dev.git("commit", "-q", "-m", "attributes")
    pr.dev.git("push", "-q", "origin", "HEAD:refs/heads/feature")
    clone = pr.ci_clone()
    assert b"\0" in (clone.root / "billing.py").read_bytes()  # the checkout re-encoded it

    in_ci = run_check(clone)  # CI=true: the commit is judged
    assert_fails(in_ci, "billing.py:1-6", "unreviewed", "read from commit")
    # Judging the working tree instead, the file cannot be read and the ledger has
    # lost the base's events as UTF-8 reads them: still a failure, never a pass.
    assert_fails(run_check(clone, "--source", "worktree"))


def test_re_encoded_agent_trace_records_do_not_hide_ai_code(tmp_path: Path) -> None:
    """History reads Agent Trace records from the working tree: judging the commit, a
    traces file the checkout re-encoded is a failure, not a file of no records."""
    pr = make_pull_request(tmp_path)
    pr.dev.write("export.py", "\n".join(agent_code("export")) + "\n")
    pr.dev.git("add", "-A")
    pr.dev.git("commit", "-q", "-m", "export")
    commit = pr.dev.git("rev-parse", "HEAD").strip()
    record = {
        "version": "0.1.0", "id": str(uuid.uuid4()), "timestamp": "2026-12-01T10:00:00Z",
        "vcs": {"type": "git", "revision": commit}, "tool": {"name": "cursor"},
        "files": [{"path": "export.py", "conversations": [{
            "contributor": {"type": "ai"}, "ranges": [{"start_line": 1, "end_line": 6}]}]}],
    }  # fmt: skip
    pr.dev.write(".agent-trace/traces.jsonl", json.dumps(record) + "\n")
    pr.commit_and_push("trace")
    assert_fails(pr.ci_check(), "export.py:1-6")  # the record is read: AI, unapproved
    pr.dev.write(".gitattributes", ".agent-trace/traces.jsonl working-tree-encoding=UTF-16\n")
    pr.dev.git("add", ".gitattributes")
    pr.dev.git("commit", "-q", "-m", "attributes")
    pr.dev.git("push", "-q", "origin", "HEAD:refs/heads/feature")
    assert_fails(pr.ci_check(), ".agent-trace/traces.jsonl", "differs in the working tree")
