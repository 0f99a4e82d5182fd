"""Laundering: ways a pull request could make unapproved AI lines look like lines
nobody needs to review, and ways one person could count as two. Each runs the gate
as CI does (a fresh clone, the installed `foureyes check`) and must fail.

Issue 11, holes 4 (relabel, dismissals, self-dated claims), 6 (an approval covers
its block as reviewed) and 7 (people, not addresses)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pullrequest import (
    JO,
    SAM,
    SUE,
    PullRequest,
    agent_code,
    assert_fails,
    make_pull_request,
)

from conftest import ledger_events


def _pr_with_agent_code(tmp_path: Path) -> PullRequest:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    return pr


def _append_event(pr: PullRequest, event: dict[str, object]) -> None:
    with (pr.dev.root / ".foureyes/ledger.jsonl").open("a", encoding="utf-8") as ledger:
        ledger.write(json.dumps(event, separators=(",", ":")) + "\n")


def _ai_event(pr: PullRequest) -> dict[str, object]:
    return next(e for e in ledger_events(pr.dev) if e["kind"] == "ai")


def test_the_recorder_marking_ai_lines_human_does_not_launder_them(tmp_path: Path) -> None:
    pr = _pr_with_agent_code(tmp_path)
    pr.foureyes_ok("mark", "--human", "billing.py:1-6")
    pr.commit_and_push()
    assert_fails(pr.ci_check(), "billing.py:1-6", "unreviewed")


def test_a_senior_relabelling_ai_lines_human_cannot_approve_them_alone(tmp_path: Path) -> None:
    pr = _pr_with_agent_code(tmp_path)
    pr.act_as(SAM)
    pr.foureyes_ok("mark", "--human", "billing.py:1-6")
    refused = pr.dev.foureyes("approve", "billing.py:1")
    assert refused.code != 0 and "four eyes" in refused.err
    pr.commit_and_push()
    assert_fails(pr.ci_check(), "billing.py:1-6")
    pr.act_as(SUE)  # another senior approves: now it passes
    pr.foureyes_ok("approve", "billing.py:1")
    pr.commit_and_push("sue approves")
    assert pr.ci_check().code == 0


def test_a_human_claim_dated_in_the_future_does_not_win(tmp_path: Path) -> None:
    pr = _pr_with_agent_code(tmp_path)
    ai = _ai_event(pr)
    # A human claim over the same lines, dated 2099, put *above* the AI claim so that
    # only its date could make it "latest".
    ledger = pr.dev.root / ".foureyes/ledger.jsonl"
    lines = ledger.read_text().splitlines()
    human = {**ai, "id": "f" * 20, "kind": "human", "at": "2099-01-01T00:00:00.000Z",
             "source": "manual"}  # fmt: skip
    for field in ("agent", "model", "session", "confidence", "replaced"):
        human.pop(field, None)
    index = next(i for i, line in enumerate(lines) if ai["id"] in line)
    lines.insert(index, json.dumps(human, separators=(",", ":")))
    ledger.write_text("\n".join(lines) + "\n")
    pr.commit_and_push()
    assert_fails(pr.ci_check(), "billing.py:1-6", "unreviewed")


def test_the_recorder_dismissing_their_own_ai_claim_does_not_count(tmp_path: Path) -> None:
    pr = _pr_with_agent_code(tmp_path)
    ai = _ai_event(pr)
    _append_event(pr, {"v": 1, "id": "d" * 20, "kind": "dismissal",
                       "at": datetime.now(UTC).isoformat(), "by": {"name": "Jo", "email": JO},
                       "targets": [ai["id"]], "reason": "oops"})  # fmt: skip
    pr.commit_and_push()
    assert_fails(pr.ci_check(), "billing.py:1-6")


def test_a_dismissal_of_someone_elses_claim_does_not_count(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.act_as("kim@example.com")  # a teammate's agent code
    pr.agent_writes("billing.py", agent_code("billing"))
    ai = _ai_event(pr)
    pr.act_as(JO)
    _append_event(pr, {"v": 1, "id": "d" * 20, "kind": "dismissal",
                       "at": datetime.now(UTC).isoformat(), "by": {"name": "Jo", "email": JO},
                       "targets": [ai["id"]]})  # fmt: skip
    pr.commit_and_push()
    assert_fails(pr.ci_check(), "billing.py:1-6")


def test_a_seniors_dismissal_of_an_ai_claim_counts(tmp_path: Path) -> None:
    """The rule is not "dismissals never count": a senior who did not record the claim
    may withdraw it (a mistaken mark), and then the lines are no longer AI."""
    pr = _pr_with_agent_code(tmp_path)
    ai = _ai_event(pr)
    _append_event(pr, {"v": 1, "id": "d" * 20, "kind": "dismissal",
                       "at": datetime.now(UTC).isoformat(), "by": {"name": "Sam", "email": SAM},
                       "targets": [ai["id"]]})  # fmt: skip
    pr.commit_and_push()
    result = pr.ci_check()
    assert result.code == 0, result.out + result.err


GUARDED = [
    "def remove_user(actor, db, user):",
    "    require_admin(actor)",
    "    audit_log.write(actor, 'remove', user)",
    "    db.delete(user)",
    "    notify_removal(user.email_address)",
    "    return remove_result(user)",
]


def _approved_guarded_code(tmp_path: Path) -> PullRequest:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("admin.py", GUARDED)
    pr.act_as(SAM)
    pr.foureyes_ok("approve", "admin.py:1")
    pr.act_as(SUE)
    pr.foureyes_ok("approve", "admin.py:1")
    pr.act_as(JO)
    pr.commit_and_push()
    passed = pr.ci_check()
    assert passed.code == 0, passed.out + passed.err
    return pr


def test_reordering_the_lines_of_an_approved_block_voids_the_approval(tmp_path: Path) -> None:
    pr = _approved_guarded_code(tmp_path)
    reordered = [GUARDED[0], GUARDED[2], GUARDED[3], GUARDED[1], GUARDED[4], GUARDED[5]]
    pr.dev.write("admin.py", "\n".join(reordered) + "\n")  # the check now runs after delete
    pr.commit_and_push("tidy")
    assert_fails(pr.ci_check(), "admin.py", "approved block has changed")


def test_deleting_a_line_of_an_approved_block_voids_the_approval(tmp_path: Path) -> None:
    pr = _approved_guarded_code(tmp_path)
    pr.dev.write("admin.py", "\n".join(line for line in GUARDED if "require_admin" not in line)
                 + "\n")  # fmt: skip
    pr.commit_and_push("simplify")
    assert_fails(pr.ci_check(), "admin.py", "approved block has changed")


RISKY = [
    "import subprocess",
    "def purge_backups(target_dir):",
    "    command = 'rm -rf ' + target_dir",
    "    subprocess.run(command, shell=True, check=True)",
    "    return target_dir",
]


def test_one_senior_with_two_addresses_is_one_approval(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    # The base policy lists Sam under two addresses (as [people] allows) and needs two
    # approvals for high risk.
    seed_policy = (
        f'[review]\nseniors = ["@sam", "{SUE}"]\n[people]\n"@sam" = ["{SAM}", "sam@home.example"]\n'
    )
    pr.dev.git("checkout", "-q", "main")
    pr.dev.write(".foureyes.toml", seed_policy)
    pr.dev.git("commit", "-q", "-am", "policy: sam's two addresses")
    pr.dev.git("push", "-q", "origin", "main")
    pr.dev.git("checkout", "-q", "feature")
    pr.dev.git("rebase", "-q", "main")
    pr.agent_writes("ops.py", RISKY)
    pr.act_as(SAM)
    pr.foureyes_ok("approve", "ops.py:2")
    pr.act_as("sam@home.example", "Sam")
    refused = pr.dev.foureyes("approve", "ops.py:2")  # the CLI knows it is the same person
    assert refused.code != 0 and "already approved" in refused.err
    approval = next(e for e in ledger_events(pr.dev) if e["kind"] == "approval")
    _append_event(pr, {**approval, "id": "b" * 20,
                       "by": {"name": "Sam", "email": "sam@home.example"}})  # fmt: skip
    pr.act_as(JO)
    pr.commit_and_push()
    assert_fails(pr.ci_check(), "ops.py", "1 of 2")


def test_recording_under_a_plus_address_does_not_make_the_recorder_someone_else(
    tmp_path: Path,
) -> None:
    pr = make_pull_request(tmp_path)
    pr.act_as("sam+agent@example.com", "Sam's agent")
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.act_as(SAM)
    refused = pr.dev.foureyes("approve", "billing.py:1")
    assert refused.code != 0 and "four eyes" in refused.err
    pr.commit_and_push()
    assert_fails(pr.ci_check(), "billing.py:1-6")


def test_the_author_of_the_commit_that_brought_ai_code_in_cannot_approve_it(
    tmp_path: Path,
) -> None:
    pr = make_pull_request(tmp_path)
    pr.act_as("robot@example.com", "Robot")  # the ledger says a robot recorded it...
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.act_as(SAM)  # ...but Sam committed it, and then approved it
    pr.commit_and_push("billing")
    approved = pr.dev.foureyes("approve", "billing.py:1")
    assert approved.code != 0 and "four eyes" in approved.err
    # An approval line Sam writes by hand does not count either.
    ai = _ai_event(pr)
    _append_event(pr, {**ai, "id": "a" * 20, "kind": "approval",
                       "by": {"name": "Sam", "email": SAM}})  # fmt: skip
    pr.commit_and_push("approve")
    assert_fails(pr.ci_check(), "billing.py:1-6", "brought this code in")
