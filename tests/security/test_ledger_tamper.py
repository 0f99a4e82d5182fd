"""The ledger a pull request brings is compared with the base's (issue 11 hole 4).

The ledger is append-only by contract, and the gate now holds a pull request to it:
every event at the base must still be there, unchanged (order aside: the ledger is
merged with `merge=union`); every line added since the base must be a valid event
(a torn or corrupted line made the junior's AI claim vanish, which with the default
`check.ledger_problems = "warn"` only warned); and no added event may reuse another
event's id (the reader keeps the first event with an id and drops the rest).
Each of these blocks the merge, whatever `check.ledger_problems` says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pullrequest import (
    JO,
    SAM,
    PullRequest,
    agent_code,
    assert_fails,
    make_pull_request,
)

LEDGER = ".foureyes/ledger.jsonl"
KIM = "kim@example.com"  # not a senior


def events(pr: PullRequest) -> list[dict[str, Any]]:
    return [json.loads(line) for line in pr.dev.read(LEDGER).splitlines() if line.strip()]


def rewrite_ledger(pr: PullRequest, lines: list[str]) -> None:
    pr.dev.write(LEDGER, "".join(f"{line}\n" for line in lines))


def ledger_lines(pr: PullRequest) -> list[str]:
    return pr.dev.read(LEDGER).splitlines()


def main_with_legacy_ai_code(
    pr: PullRequest, *, approve_as: str | None = None, approval_by: str | None = None
) -> None:
    """main gains legacy.py, which Jo's agent wrote (and, optionally, an approval by
    `approve_as`, its line then saying `approval_by` approved); the junior's
    `feature` branch then starts from that main."""
    pr.dev.git("checkout", "-q", "main")
    pr.agent_writes("legacy.py", agent_code("legacy"))
    if approve_as is not None:
        pr.act_as(approve_as)
        pr.foureyes_ok("approve", "legacy.py:1")
        pr.act_as(JO)
    if approval_by is not None:
        lines = ledger_lines(pr)
        number = next(n for n, line in enumerate(lines, 1) if '"approval"' in line)
        record = json.loads(lines[number - 1])
        record["by"] = {"name": "Kim", "email": approval_by}
        lines[number - 1] = json.dumps(record, separators=(",", ":"))
        rewrite_ledger(pr, lines)
    pr.dev.git("add", "-A")
    pr.dev.git("commit", "-q", "-m", "legacy AI code, merged earlier")
    pr.dev.git("push", "-q", "origin", "main")
    pr.dev.git("checkout", "-q", "-B", "feature", "main")


def touch(pr: PullRequest, path: str) -> None:
    """A human change at the end of `path`, so the file is among the changed ones."""
    pr.dev.write(path, pr.dev.read(path) + "legacy_note = 'touched by the junior'\n")


def test_deleting_a_base_event_fails_naming_it(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    main_with_legacy_ai_code(pr)
    claim = next(e for e in events(pr) if e["kind"] == "ai" and e["path"] == "legacy.py")
    touch(pr, "legacy.py")
    rewrite_ledger(pr, [line for line in ledger_lines(pr) if claim["id"] not in line])
    pr.commit_and_push("tidy the ledger")
    result = pr.ci_check()
    assert_fails(result, claim["id"], "deleted", "line 1")
    assert result.code == 1


def test_a_corrupted_added_claim_fails_even_when_problems_only_warn(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    lines = ledger_lines(pr)
    number = next(n for n, line in enumerate(lines, 1) if '"billing.py"' in line)
    lines[number - 1] = lines[number - 1][:-1]  # drop the closing brace: not JSON
    rewrite_ledger(pr, lines)
    pr.commit_and_push()
    result = pr.ci_check()
    assert_fails(result, f"line {number}", "not valid JSON", "added since the base")
    assert result.code == 1
    assert "FAILED" in result.out


def test_an_added_event_that_is_json_but_not_an_event_fails(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    lines = ledger_lines(pr)
    number = next(n for n, line in enumerate(lines, 1) if '"billing.py"' in line)
    record = json.loads(lines[number - 1])
    record["kind"] = "aii"  # a wrong kind: the reader skips the line
    lines[number - 1] = json.dumps(record)
    rewrite_ledger(pr, lines)
    pr.commit_and_push()
    assert_fails(pr.ci_check(), f"line {number}", 'unknown "kind"')


def test_an_added_claim_reusing_an_earlier_id_fails(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    main_with_legacy_ai_code(pr, approve_as=SAM)
    earlier = next(e for e in events(pr) if e["kind"] == "ai")
    pr.agent_writes("billing.py", agent_code("billing"))
    lines = ledger_lines(pr)
    number = next(n for n, line in enumerate(lines, 1) if '"billing.py"' in line)
    record = json.loads(lines[number - 1])
    record["id"] = earlier["id"]  # the reader keeps the first: the AI claim is dropped
    lines[number - 1] = json.dumps(record, separators=(",", ":"))
    rewrite_ledger(pr, lines)
    pr.commit_and_push()
    result = pr.ci_check()
    assert_fails(result, f"line {number}", earlier["id"], "already used")
    assert result.code == 1


def test_rewriting_a_base_event_fails(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    # An approval by someone who is not a senior: it does not count.
    main_with_legacy_ai_code(pr, approve_as=SAM, approval_by=KIM)
    touch(pr, "legacy.py")
    pr.commit_and_push("a human change to legacy.py")
    assert_fails(pr.ci_check(), "legacy.py", "not a senior")
    lines = ledger_lines(pr)
    number = next(n for n, line in enumerate(lines, 1) if '"approval"' in line)
    record = json.loads(lines[number - 1])
    record["by"] = {"name": "Sam", "email": SAM}  # now it would
    lines[number - 1] = json.dumps(record, separators=(",", ":"))
    rewrite_ledger(pr, lines)
    pr.commit_and_push()
    result = pr.ci_check()
    assert_fails(result, f"line {number}", record["id"], "rewritten")
    assert result.code == 1


def test_reordered_and_reformatted_base_lines_are_not_a_change(tmp_path: Path) -> None:
    """A union merge interleaves lines, and a tool may re-serialise them: the events
    are the same, so the gate judges the code alone."""
    pr = make_pull_request(tmp_path)
    main_with_legacy_ai_code(pr, approve_as=SAM)
    lines = ledger_lines(pr)
    first = json.loads(lines[0])
    lines[0] = json.dumps(dict(reversed(first.items())), indent=None)  # same event
    rewrite_ledger(pr, list(reversed(lines)))
    touch(pr, "legacy.py")
    pr.commit_and_push()
    result = pr.ci_check()
    assert result.code == 0, result.out + result.err
    assert "PASSED" in result.out
