"""Review units (issue 12): what one capture produced is reviewed as one unit, approvals
count per line, and every face shows the same units and states.

Real git repositories, real Claude Code hook payloads piped into the installed
`foureyes record`, the real CLI, and the real language server over stdio.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from conftest import GitRepo, language_server
from foureyes.cli.review_common import EXIT_REFUSED
from test_lsp import diagnostics, open_document

POLICY = """\
[review]
seniors = ["sam@example.com", "ria@example.com"]

[review.approvals]
low = 1
medium = 1
high = 2
critical = 2
"""
SESSION = "5b0c2e7a-1f3d-4c8e-9a61-2d7f0b9e4c13"

MUL = '''def mul(a, b):
    """The product of two numbers."""
    return a * b
'''
PURGE = '''def purge(root, pattern):
    """Delete everything under `root` matching `pattern`, and the shell's leftovers."""
    subprocess.run(f"rm -rf {root}/{pattern}", shell=True, check=False)
    shutil.rmtree(root, ignore_errors=True)
    os.system("rm -rf /tmp/" + pattern)
'''


def act_as(repo: GitRepo, email: str) -> None:
    repo.git("config", "user.email", email)
    repo.git("config", "user.name", email.split("@")[0].capitalize())


def claude_edit(repo: GitRepo, path: str, old: str, new: str) -> dict[str, Any]:
    """Make the edit Claude Code's Edit tool makes and return its PostToolUse payload,
    shaped as Claude Code sends it (strings, the original file and a structured patch)."""
    before = repo.read(path) if (repo.root / path).exists() else ""
    assert before.count(old) == 1 or not old
    after = before.replace(old, new, 1) if old else before + new
    repo.write(path, after)
    hunks = []
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines())
    for group in matcher.get_grouped_opcodes(3):
        lines: list[str] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [" " + line for line in before.splitlines()[i1:i2]]
                continue
            lines += ["-" + line for line in before.splitlines()[i1:i2]]
            lines += ["+" + line for line in after.splitlines()[j1:j2]]
        first = group[0]
        hunks.append({
            "oldStart": first[1] + 1, "oldLines": group[-1][2] - first[1],
            "newStart": first[3] + 1, "newLines": group[-1][4] - first[3], "lines": lines,
        })  # fmt: skip
    absolute = str(repo.root / path)
    return {
        "session_id": SESSION, "cwd": str(repo.root), "hook_event_name": "PostToolUse",
        "tool_name": "Edit",
        "tool_input": {"file_path": absolute, "old_string": old, "new_string": new},
        "tool_response": {
            "filePath": absolute, "oldString": old, "newString": new, "originalFile": before,
            "structuredPatch": hunks, "userModified": False, "replaceAll": False,
        },
    }  # fmt: skip


def record(repo: GitRepo, data: dict[str, Any]) -> None:
    result = repo.foureyes_process("record", "--agent", "claude-code", "--strict",
                                   stdin=json.dumps(data))  # fmt: skip
    assert result.code == 0, result.err


def units(repo: GitRepo) -> list[dict[str, Any]]:
    result = repo.foureyes("status", "--json")
    assert result.code == 0, result.err
    return result.json()["regions"]  # type: ignore[no-any-return]


def span(unit: dict[str, Any]) -> tuple[int, int]:
    return unit["start_line"], unit["end_line"]


def approve(repo: GitRepo, who: str, where: str) -> None:
    act_as(repo, who)
    result = repo.foureyes("approve", where)
    assert result.code == 0, result.err


def start(repo: GitRepo, path: str, text: str) -> None:
    repo.write(".foureyes.toml", POLICY)
    repo.write(path, text)
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "agent-work")
    act_as(repo, "jay@example.com")


def test_an_approved_function_stays_approved_when_the_agent_adds_one_below(
    repo: GitRepo,
) -> None:
    start(repo, "calc.py", "import os\nimport shutil\nimport subprocess\n")
    record(repo, claude_edit(repo, "calc.py", "", "\n\n" + MUL))
    [mul] = units(repo)
    assert span(mul) == (6, 8) and mul["review"]["approvals_required"] == 1
    approve(repo, "sam@example.com", "calc.py:6")
    assert units(repo)[0]["review"]["state"] == "approved"

    # The same agent session adds purge() two blank lines below: a separate tool call.
    act_as(repo, "jay@example.com")
    record(repo, claude_edit(repo, "calc.py", "", "\n\n" + PURGE))
    mul, purge = units(repo)
    assert span(mul) == (6, 8) and span(purge) == (11, 15)
    assert mul["review"]["state"] == "approved", mul
    assert (mul["review"]["approvals"], mul["review"]["approvals_required"]) == (1, 1)
    assert purge["risk"]["level"] in ("high", "critical"), purge["risk"]
    assert purge["review"]["approvals_required"] == 2
    assert purge["review"]["state"] == "unreviewed"

    # One approval of purge(): partially approved, 1 of 2; the second clears it.
    approve(repo, "sam@example.com", "calc.py:12")
    purge = units(repo)[1]
    assert purge["review"]["state"] == "partially-approved"
    assert (purge["review"]["approvals"], purge["review"]["approvals_required"]) == (1, 2)
    approve(repo, "ria@example.com", "calc.py:12")
    assert [u["review"]["state"] for u in units(repo)] == ["approved", "approved"]
    act_as(repo, "jay@example.com")  # the junior commits the work and the approvals
    repo.commit("agent work")
    check = repo.foureyes("check", "--base", "main")
    assert check.code == 0, check.out + check.err


def test_functions_recorded_separately_are_cleared_by_two_seniors(repo: GitRepo) -> None:
    start(repo, "ops.py", "import os\nimport shutil\nimport subprocess\n")
    record(repo, claude_edit(repo, "ops.py", "", "\n\n" + MUL))  # Jay's agent: low risk
    record(repo, claude_edit(repo, "ops.py", "", "\n\n" + PURGE))  # Jay's agent: high risk
    repo.commit("jay's agent work")
    act_as(repo, "sam@example.com")  # a senior's own agent writes a third function
    third = "def add(a, b):\n    return a + b\n"
    record(repo, claude_edit(repo, "ops.py", "", "\n\n" + third))
    repo.commit("sam's agent work")
    mul, purge, add = units(repo)
    assert [span(u) for u in (mul, purge, add)] == [(6, 8), (11, 15), (18, 19)]
    assert [u["recorded_by"] for u in (mul, purge, add)] == [
        ["jay@example.com"], ["jay@example.com"], ["sam@example.com"]
    ]  # fmt: skip

    # Sam approves what Sam did not record; Sam's own function is refused by four eyes.
    approve(repo, "sam@example.com", "ops.py:6")
    approve(repo, "sam@example.com", "ops.py:12")
    refused = repo.foureyes("approve", "ops.py:18")
    assert refused.code == EXIT_REFUSED and "four eyes" in refused.err
    # Ria gives purge() its second approval and approves Sam's function.
    approve(repo, "ria@example.com", "ops.py:12")
    approve(repo, "ria@example.com", "ops.py:18")
    assert [u["review"]["state"] for u in units(repo)] == ["approved"] * 3
    act_as(repo, "jay@example.com")
    repo.commit("approvals")
    check = repo.foureyes("check", "--base", "main")
    assert check.code == 0, check.out + check.err


def test_one_edit_that_kept_an_old_line_is_one_unit_with_its_replaced_count(
    repo: GitRepo,
) -> None:
    old = "".join(f"    step_{i} = compute_{i}(value, {i})\n" for i in range(11))
    kept = "    checkpoint = snapshot(value)  # kept by the agent\n"
    before_body = old[: old.index("    step_6")] + kept + old[old.index("    step_6") :]
    original = f"def pipeline(value):\n{before_body}    return value\n"
    start(repo, "pipe.py", "import json\n\n\n" + original)
    rewritten_top = "".join(f"    stage_{i} = run_{i}(value)\n" for i in range(6))
    rewritten_bottom = "".join(f"    stage_{i} = run_{i}(value)\n" for i in range(6, 11))
    new = f"def pipeline(value):\n{rewritten_top}{kept}{rewritten_bottom}    return value\n"
    record(repo, claude_edit(repo, "pipe.py", original, new))

    events = [json.loads(line) for line in repo.read(".foureyes/ledger.jsonl").splitlines()]
    assert len(events) == 2 and events[0]["edit"] == events[1]["edit"]  # two runs, one edit
    [unit] = units(repo)
    assert span(unit) == (5, 16)
    assert unit["context_lines"] == [11]  # the kept line is context, not AI
    assert 11 not in unit["lines"]["ai"]
    assert unit["replaced"] == 11
    reasons = [reason["message"] for reason in unit["risk"]["reasons"]]
    assert any("replaced 11 lines of existing code" in message for message in reasons), reasons
    packet = repo.foureyes("review-packet", "pipe.py:5").out
    assert "removed or rewrote 11 lines" in packet
    assert "11   " + kept.rstrip("\n") in packet  # the kept line: context, no `+`
    assert "10 +     stage_5 = run_5(value)" in packet


async def test_the_editor_and_the_cli_show_the_same_units_and_states(repo: GitRepo) -> None:
    start(repo, "calc.py", "import os\nimport shutil\nimport subprocess\n")
    record(repo, claude_edit(repo, "calc.py", "", "\n\n" + MUL))
    approve(repo, "sam@example.com", "calc.py:6")
    act_as(repo, "jay@example.com")
    record(repo, claude_edit(repo, "calc.py", "", "\n\n" + PURGE))
    approve(repo, "sam@example.com", "calc.py:12")
    act_as(repo, "jay@example.com")
    third = "def add(a, b):\n    return a + b\n"
    record(repo, claude_edit(repo, "calc.py", "", "\n\n" + third))
    act_as(repo, "jay@example.com")
    asked = repo.foureyes("request-review", "calc.py:18", "--reviewer", "ria@example.com")
    assert asked.code == 0, asked.err

    cli = {(span(u), u["review"]["state"]) for u in units(repo)}
    assert cli == {((6, 8), "approved"), ((11, 15), "partially-approved"),
                   ((18, 19), "review-requested")}  # fmt: skip
    queue, shown = await _in_the_editor(repo, "calc.py")
    assert {((u["start_line"], u["end_line"]), u["review"]["state"]) for u in queue} == cli
    # Diagnostics: one per unit that is not approved, coded by its state.
    assert shown == {((11, 15), "ai-partially-approved"), ((18, 19), "ai-review-requested")}
    # The gate's SARIF and the review packet say the same.
    sarif = repo.foureyes("check", "--base", "main", "--format", "sarif")
    assert sarif.code == 1, sarif.err
    gate = {
        ((r["locations"][0]["physicalLocation"]["region"]["startLine"],
          r["locations"][0]["physicalLocation"]["region"]["endLine"]), r["properties"]["state"])
        for r in sarif.json()["runs"][0]["results"]
    }  # fmt: skip
    assert gate == {item for item in cli if item[1] != "approved"}
    packet = repo.foureyes("review-packet", "calc.py:12").out
    assert "partially-approved" in packet and "1 of 2 senior approvals" in packet
    # The text view says the same words.
    status = repo.foureyes("status").out
    assert "partially-approved" in status and "review-requested" in status
    assert "asked ria@example.com" in status


async def _in_the_editor(
    repo: GitRepo, path: str
) -> tuple[list[dict[str, Any]], set[tuple[tuple[int, int], str]]]:
    """The real server's review queue and its diagnostics for `path`, over stdio."""
    async with language_server(repo.root, "neovim@v0.11.0") as client:
        uri = open_document(client, repo, path)
        found = await diagnostics(client, uri, lambda d: len(d) == 2)
        shown = {
            ((d.range.start.line + 1, d.range.end.line + 1), str(d.code))
            for d in found
            if d.source == "foureyes"
        }
        queue = await client.protocol.send_request_async("foureyes/reviewQueue", {})
    regions = [
        {"start_line": u.start_line, "end_line": u.end_line, "review": {"state": u.review.state}}
        for u in queue.regions
    ]
    return regions, shown
