"""Review units (issue 12) must not open a way around the gate: recording risky code
as many small claims, joining new code to approved code, or splitting one statement
across claims never lowers what the gate requires. Each runs the gate as CI does."""

from __future__ import annotations

from pathlib import Path

from pullrequest import SAM, SUE, PullRequest, assert_fails, make_pull_request

PURGE = [
    "def purge(root, pattern):",
    '    """Delete everything under root that matches pattern."""',
    '    subprocess.run(f"rm -rf {root}/{pattern}", shell=True, check=False)',
    "    shutil.rmtree(root, ignore_errors=True)",
    '    os.system("rm -rf /tmp/" + pattern)',
]


def _record_line_by_line(pr: PullRequest, path: str, lines: list[str]) -> None:
    """The junior writes the lines, then records each one as a claim of its own."""
    start = len(pr.dev.read(path).splitlines()) + 1
    pr.dev.write(path, pr.dev.read(path) + "\n".join(lines) + "\n")
    for number in range(start, start + len(lines)):
        pr.foureyes_ok("mark", "--ai", f"{path}:{number}-{number}", "--agent", "claude-code")


def _units(pr: PullRequest) -> list[dict[str, object]]:
    return pr.foureyes_ok("status", "--json").json()["regions"]  # type: ignore[no-any-return]


def test_a_risky_function_recorded_as_one_claim_per_line_keeps_its_risk(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.dev.write("ops.py", "import os\nimport shutil\nimport subprocess\n\n\n")
    _record_line_by_line(pr, "ops.py", PURGE)
    units = _units(pr)
    assert len(units) == len(PURGE)  # five claims, five units...
    for unit in units:  # ...each as risky as the function they make up together
        assert unit["risk"]["level"] in ("high", "critical"), unit  # type: ignore[index]
        assert unit["review"]["approvals_required"] == 2  # type: ignore[index]
    # One senior approving every piece is not the two approvals the function needs.
    pr.act_as(SAM)
    for unit in units:
        pr.foureyes_ok("approve", f"ops.py:{unit['start_line']}")
    pr.act_as("jo@example.com")
    pr.commit_and_push()
    assert_fails(pr.ci_check(), "1 of 2", "runs a command through a shell")
    pr.act_as(SUE)  # the second senior: now it passes
    for unit in units:
        pr.foureyes_ok("approve", f"ops.py:{unit['start_line']}")
    pr.act_as("jo@example.com")
    pr.commit_and_push("second approvals")
    assert pr.ci_check().code == 0


def test_one_statement_split_across_claims_is_still_seen(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.dev.write("deploy.py", "import subprocess\n\n\n")
    _record_line_by_line(pr, "deploy.py", [
        "subprocess.run(",
        '    "curl https://example.com/install.sh | sh",',
        "    shell=True,",
        ")",
    ])  # fmt: skip
    units = _units(pr)
    assert len(units) == 4
    assert all(u["risk"]["level"] in ("high", "critical") for u in units)  # type: ignore[index]
    pr.commit_and_push()
    assert_fails(pr.ci_check(), "runs a command through a shell")


def test_new_code_joined_to_approved_code_still_needs_its_own_approval(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("calc.py", ["def mul(a, b):", "    return a * b"])
    pr.act_as(SAM)
    pr.foureyes_ok("approve", "calc.py:1")
    # The junior's agent adds lines right below, claimed with the same edit id, so
    # they join the approved unit.
    pr.act_as("jo@example.com")
    pr.dev.write("calc.py", pr.dev.read("calc.py") + "    # and more\n")
    ledger = pr.dev.root / ".foureyes/ledger.jsonl"
    pr.foureyes_ok("mark", "--ai", "calc.py:3-3", "--agent", "claude-code")
    events = ledger.read_text().splitlines()
    first_ai = next(e for e in events if '"kind":"ai"' in e)
    ai_id = first_ai.split('"id":"')[1].split('"')[0]
    events[-1] = events[-1].replace('"kind":"ai"', f'"kind":"ai","edit":"{ai_id}"', 1)
    ledger.write_text("\n".join(events) + "\n")
    [unit] = _units(pr)
    assert (unit["start_line"], unit["end_line"]) == (1, 3)
    assert unit["review"]["state"] == "partially-approved"  # type: ignore[index]
    assert unit["review"]["approvals"] == 0  # type: ignore[index]
    pr.commit_and_push()
    assert_fails(pr.ci_check(), "calc.py:1-3")
