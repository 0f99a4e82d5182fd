"""Anchors hold against small edits (issue 17, holes 4 and 5), on a pull request as CI
sees it: a comment appended to every AI line plus a dozen lines below keeps the code
AI-derived (mixed) and unapproved, and a trailing-whitespace edit of an approved line
voids the approval."""

from __future__ import annotations

from pathlib import Path

from pullrequest import JO, SAM, agent_code, assert_fails, make_pull_request

BLOCK = agent_code("billing")


def test_comments_on_every_ai_line_and_lines_below_keep_the_code_ai(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.dev.write("billing.py", "import decimal\n\n")
    pr.agent_writes("billing.py", BLOCK)
    pr.dev.write("billing.py", pr.dev.read("billing.py") + "\n\ndef untouched():\n    pass\n")
    pr.commit_and_push("agent work")
    text = pr.dev.read("billing.py").splitlines()
    edited = [f"{line}  # ok" if line in BLOCK else line for line in text]
    at = edited.index(f"{BLOCK[-1]}  # ok") + 1
    edited[at:at] = [f"    audit_step_{i} = record(step={i})" for i in range(12)]
    pr.dev.write("billing.py", "\n".join(edited) + "\n")
    pr.commit_and_push("annotate")
    blame = pr.dev.foureyes("blame", "--json", "billing.py").json()
    kinds = [line["contributor"] for line in blame["lines"]][2 : 2 + len(BLOCK)]
    assert kinds == ["mixed"] * len(BLOCK), kinds
    assert_fails(pr.ci_check(), "billing.py:3", "changed by a person")


def test_trailing_whitespace_on_an_approved_line_voids_the_approval(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", BLOCK)
    pr.act_as(SAM)
    pr.foureyes_ok("approve", "billing.py:1")
    pr.act_as(JO)
    pr.commit_and_push("approved")
    assert pr.ci_check().code == 0
    lines = pr.dev.read("billing.py").splitlines()
    lines[2] += "   "
    pr.dev.write("billing.py", "\n".join(lines) + "\n")
    pr.commit_and_push("whitespace")
    assert_fails(pr.ci_check(), "billing.py:1-6", "approved text has changed")
