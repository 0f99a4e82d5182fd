"""The working tree is re-encoded by the pull request's `.gitattributes` (issue 17,
hole 2). The committed blobs stay valid UTF-8, but a fresh checkout writes the ledger
and the source as UTF-16, so a gate that reads the working tree sees a ledger of
invalid lines and a source it cannot decode. In CI the gate reads the commit from git
objects; reading the working tree, undecodable content under a claim fails."""

from __future__ import annotations

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
