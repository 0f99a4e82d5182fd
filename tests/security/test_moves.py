"""Moving code launders it (issue 11, hole 5): AI authorship follows content across
files. Cutting an unapproved AI block out of one file and pasting it into a new file
or into a human file, or renaming a file while changing most of it (git then sees no
rename), keeps the block's claim, so the gate still fails; an approval follows the
block only while it is intact."""

from __future__ import annotations

from pathlib import Path

from pullrequest import SAM, PullRequest, agent_code, assert_fails, make_pull_request

from conftest import code_lines

BLOCK = agent_code("billing")


def _recorded(tmp_path: Path) -> PullRequest:
    pr = make_pull_request(tmp_path)
    pr.dev.write("billing.py", "\n".join([*code_lines("human_billing", 4), ""]) + "\n")
    pr.agent_writes("billing.py", BLOCK)
    pr.commit_and_push("agent work")
    return pr


def _cut_block(pr: PullRequest) -> None:
    kept = [line for line in pr.dev.read("billing.py").splitlines() if line not in BLOCK]
    pr.dev.write("billing.py", "\n".join(kept) + "\n")


def test_a_block_cut_and_pasted_into_a_new_file_keeps_its_claim(tmp_path: Path) -> None:
    pr = _recorded(tmp_path)
    _cut_block(pr)
    pr.dev.write("helpers.py", "\n".join(["import math", "", *BLOCK]) + "\n")
    pr.commit_and_push("move the helper")
    assert_fails(pr.ci_check(), "helpers.py:3-8", "unreviewed")
    # The other faces say the same: blame in the developer's clone, check --all.
    blame = pr.dev.foureyes("blame", "--json", "helpers.py").json()
    assert [line["contributor"] for line in blame["lines"]][2:] == ["ai"] * len(BLOCK)
    assert_fails(pr.ci_check("--all"), "helpers.py:3-8")


def test_a_block_pasted_into_an_existing_human_file_keeps_its_claim(tmp_path: Path) -> None:
    pr = _recorded(tmp_path)
    _cut_block(pr)
    app = pr.dev.read("app.py").splitlines()
    pr.dev.write("app.py", "\n".join([*app[:3], *BLOCK, *app[3:]]) + "\n")
    pr.commit_and_push("inline the helper")
    assert_fails(pr.ci_check(), "app.py:4-9")


def test_a_rename_git_does_not_see_keeps_the_claim(tmp_path: Path) -> None:
    pr = _recorded(tmp_path)
    pr.dev.git("mv", "billing.py", "payments.py")
    # Most of the file changes in the same commit: git sees a delete and an add.
    pr.dev.write("payments.py", "\n".join([*code_lines("payments", 30), "", *BLOCK]) + "\n")
    pr.commit_and_push("rework billing into payments")
    renames = pr.dev.git("diff", "--name-status", "-M", "origin/main", "HEAD")
    assert "R" not in {line.split("\t")[0][:1] for line in renames.splitlines()}
    assert_fails(pr.ci_check(), "payments.py", "unreviewed")


def test_an_approval_follows_an_intact_block_that_moved(tmp_path: Path) -> None:
    pr = _recorded(tmp_path)
    pr.act_as(SAM)
    pr.foureyes_ok("approve", "billing.py:6")
    pr.commit_and_push("approved")
    pr.act_as("jo@example.com")  # (had Sam committed the move, Sam would have brought it in)
    _cut_block(pr)
    pr.dev.write("helpers.py", "\n".join(BLOCK) + "\n")
    pr.commit_and_push("move it")
    passed = pr.ci_check()
    assert passed.code == 0, passed.out + passed.err
    # Changed on the way, it needs review again.
    moved = pr.dev.read("helpers.py").replace("billing_value_0", "billing_value_9", 1)
    pr.dev.write("helpers.py", moved)
    pr.commit_and_push("tweak")
    assert_fails(pr.ci_check(), "helpers.py")


def test_a_file_added_and_moved_within_the_change_keeps_its_claim(tmp_path: Path) -> None:
    """The claimed file exists at neither end of the change (added in one commit, its
    code moved out in the next): the gate still follows the claim."""
    pr = make_pull_request(tmp_path)
    pr.agent_writes("scratch.py", BLOCK)
    pr.commit_and_push("agent work")
    pr.dev.git("rm", "-q", "scratch.py")
    # Into a file of other code, so that git sees no rename.
    pr.dev.write("helpers.py", "\n".join([*code_lines("helpers", 30), *BLOCK]) + "\n")
    pr.commit_and_push("move it")
    assert_fails(pr.ci_check(), "helpers.py:31-36", "unreviewed")
    blame = pr.dev.foureyes("blame", "--json", "helpers.py").json()  # the developer's view
    assert [line["contributor"] for line in blame["lines"]][30:] == ["ai"] * len(BLOCK)
