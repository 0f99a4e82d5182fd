"""The attack suite's starting point: an unapproved AI function on a pull request
fails the gate, and the same function approved by a senior passes. Every attack in
this folder starts from the failing case and must keep it failing."""

from __future__ import annotations

from pathlib import Path

from pullrequest import SAM, agent_code, assert_fails, make_pull_request


def test_unapproved_ai_code_fails_and_approved_code_passes(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.commit_and_push()
    assert_fails(pr.ci_check(), "billing.py", "unreviewed")

    pr.act_as(SAM)
    pr.foureyes_ok("approve", "billing.py:1")
    pr.commit_and_push("approved")
    passed = pr.ci_check()
    assert passed.code == 0, passed.out + passed.err
