"""The base a pull request is judged against cannot be chosen by the pull request.

Issue 11 hole 8: in a depth-1 checkout the base branch is not there, and `check` fell
back to HEAD~ (the junior's own commit) or, without a parent, to the working tree's
policy (the junior's own). Issue 17 hole 1: a tag named like the base branch won
`git rev-parse`, so the base, and the policy read from it, became the junior's
commit. A base that was asked for (`--base`, `GITHUB_BASE_REF`) and cannot be
resolved exactly, or whose merge-base with HEAD cannot be computed, is bad input
(exit 2) that says to fetch the base; a resolved base is printed with where it came
from.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml
from pullrequest import (
    JO,
    SAM,
    SUE,
    PullRequest,
    agent_code,
    assert_fails,
    make_pull_request,
    run_check,
)

ROOT = Path(__file__).resolve().parents[2]
LOOSE_POLICY = (
    f'[review]\nseniors = ["{SAM}", "{SUE}", "{JO}"]\n'
    "[review.approvals]\nlow = 0\nmedium = 0\nhigh = 0\ncritical = 0\n"
)


def test_a_shallow_checkout_does_not_judge_the_pull_request_by_its_own_policy(
    tmp_path: Path,
) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.dev.write(".foureyes.toml", LOOSE_POLICY)
    pr.commit_and_push()
    result = pr.ci_check(depth=1)  # actions/checkout's default
    assert_fails(result, "fetch-depth: 0", "main")
    assert result.code == 2
    assert "PASSED" not in result.out


def test_a_shallow_checkout_does_not_fall_back_to_the_previous_commit(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.commit_and_push("agent work")
    pr.dev.write("README.md", "notes\n")
    pr.commit_and_push("a harmless last commit: HEAD~ already holds the AI code")
    result = pr.ci_check(depth=2)
    assert_fails(result, "fetch-depth: 0")
    assert result.code == 2


def test_an_explicit_base_that_is_missing_is_never_replaced(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.dev.write(".foureyes.toml", LOOSE_POLICY)
    pr.commit_and_push()
    result = pr.ci_check("--base", "main", depth=1, env={"GITHUB_BASE_REF": ""})
    assert_fails(result, "main", "fetch-depth: 0")
    assert result.code == 2


def test_a_base_without_a_merge_base_is_refused(tmp_path: Path) -> None:
    """Both tips fetched at depth 1: the base exists but the merge-base is unknown."""
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.dev.write(".foureyes.toml", LOOSE_POLICY)
    pr.commit_and_push("agent work")
    pr.dev.write("README.md", "notes\n")
    pr.commit_and_push("another commit")
    clone = pr.ci_clone(depth=1)
    clone.git("fetch", "-q", "--depth", "1", "origin", "+refs/heads/main:refs/remotes/origin/main")
    result = run_check(clone)
    assert_fails(result, "merge-base", "fetch-depth: 0")
    assert result.code == 2


def test_with_the_history_the_base_is_printed_with_where_it_came_from(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    main = pr.dev.git("rev-parse", "origin/main").strip()
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.commit_and_push()
    result = pr.ci_check()
    assert_fails(result, "billing.py", f"base: refs/remotes/origin/main at {main[:7]}")
    assert result.code == 1
    assert "policy: .foureyes.toml at origin/main" in result.out
    data = pr.ci_check("--format", "json")
    assert data.json()["base"]["source"] == "refs/remotes/origin/main"
    assert data.json()["base"]["commit"] == main


def _tag_own_commit(pr: PullRequest, tag: str) -> None:
    """The junior's commit with AI code and a loosened policy, tagged `tag`, then a
    harmless commit on top: judged from the tag, nothing would have changed."""
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.dev.write(".foureyes.toml", LOOSE_POLICY)
    pr.commit_and_push("agent work")
    pr.dev.git("tag", tag)
    pr.dev.git("push", "-q", "origin", f"refs/tags/{tag}")
    pr.dev.write("README.md", "notes\n")
    pr.commit_and_push("a harmless last commit")


def test_a_tag_named_origin_main_does_not_become_the_base(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    _tag_own_commit(pr, "origin/main")
    result = pr.ci_check()  # GITHUB_BASE_REF=main; a full clone fetches the tag
    assert_fails(result)
    assert "PASSED" not in result.out
    if result.code == 2:
        assert "ambiguous" in result.err
    else:
        assert "billing.py" in result.out


def test_a_tag_named_main_does_not_become_the_base(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    _tag_own_commit(pr, "main")
    for args in (("--base", "main"), ()):
        result = pr.ci_check(*args)
        assert_fails(result, "ambiguous", "refs/tags/main")
        assert result.code == 2
    # Named exactly, the real base is used, and the AI code is found.
    exact = pr.ci_check("--base", "refs/remotes/origin/main")
    assert_fails(exact, "billing.py", "base: refs/remotes/origin/main")
    assert exact.code == 1


def test_the_shipped_action_fetches_the_base_a_shallow_checkout_lacks(tmp_path: Path) -> None:
    """The composite action runs in the caller's checkout, depth 1 by default: its
    fetch step brings the base branch and the history, so check judges the pull
    request (exit 1 here) instead of refusing it (exit 2)."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    steps = {step.get("id"): step for step in action["runs"]["steps"]}
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.dev.write(".foureyes.toml", LOOSE_POLICY)
    pr.commit_and_push("agent work")
    pr.dev.write("README.md", "notes\n")
    pr.commit_and_push("another commit")
    clone = pr.ci_clone(depth=1)
    env = {**os.environ, "GITHUB_BASE_REF": "main", "FOUREYES_BASE": "",
           "FOUREYES_DEFAULT_BRANCH": "main"}  # fmt: skip
    fetched = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", steps["fetch"]["run"]],
                             cwd=clone.root, env=env, capture_output=True, text=True,
                             check=False)  # fmt: skip
    assert fetched.returncode == 0, fetched.stderr
    assert clone.git("rev-parse", "--is-shallow-repository").strip() == "false"
    result = run_check(clone)
    assert_fails(result, "billing.py", "base: refs/remotes/origin/main")
    assert result.code == 1


def test_a_local_branch_named_like_the_base_cannot_become_it(tmp_path: Path) -> None:
    """A local `main` at the change's own commit (ahead of origin/main) is a copy of the
    branch with commits not pushed: origin's copy is the base, so the change is judged.
    Diverged copies stay ambiguous (exit 2)."""
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.dev.write(".foureyes.toml", LOOSE_POLICY)
    pr.commit_and_push()
    clone = pr.ci_clone()
    clone.git("branch", "main", "HEAD")  # ahead of origin/main: the junior's commit
    for args in (("--base", "main"), ()):
        result = run_check(clone, *args)
        assert_fails(result, "billing.py", "base: refs/remotes/origin/main")
        assert result.code == 1
        assert "local main" in result.out and "ahead of origin/main" in result.out
    clone.git("checkout", "-q", "--orphan", "elsewhere")
    clone.git("commit", "-q", "--allow-empty", "-m", "unrelated")
    clone.git("branch", "-f", "main", "HEAD")
    clone.git("checkout", "-q", "feature")
    diverged = run_check(clone, "--base", "main")
    assert_fails(diverged, "ambiguous")
    assert diverged.code == 2
