"""`foureyes check`, the CI gate: scope and base, policy from the base, exit codes, and
its formats (text, JSON, SARIF 2.1.0 validated against the official schema, GitHub
annotations); the pre-commit hook and the composite action that run it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import GitRepo, code_lines

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.json").read_text())


@pytest.fixture(autouse=True)
def _no_pull_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """These repositories have no origin: a GITHUB_BASE_REF from the environment that
    runs the tests would (rightly) be refused as a base that is not there."""
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)


def act_as(repo: GitRepo, email: str) -> None:
    repo.git("config", "user.email", email)


def agent_writes(repo: GitRepo, path: str, prefix: str, count: int = 4) -> None:
    """An agent appends `count` lines to `path` and the junior records them."""
    existing = repo.read(path).splitlines() if (repo.root / path).exists() else []
    repo.write(path, "\n".join([*existing, *code_lines(prefix, count)]) + "\n")
    start = len(existing) + 1
    result = repo.foureyes("mark", "--ai", f"{path}:{start}-{start + count - 1}",
                           "--agent", "claude-code")  # fmt: skip
    assert result.code == 0, result.err


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.write(".foureyes.toml", '[review]\nseniors = ["sam@example.com"]\n'
               '[paths]\ncritical = ["auth/**"]\n')  # fmt: skip
    repo.write("app.py", "\n".join(code_lines("app", 5)) + "\n")
    repo.write("auth/login.py", "\n".join(code_lines("login", 5)) + "\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    act_as(repo, "jay@example.com")
    agent_writes(repo, "app.py", "app_ai")
    agent_writes(repo, "auth/login.py", "login_ai")
    repo.commit("agent work")
    return repo


def test_sarif_output_validates_against_the_sarif_2_1_0_schema(project: GitRepo) -> None:
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    with (project.root / ".foureyes/ledger.jsonl").open("a") as ledger:
        ledger.write("{not json\n")  # a ledger problem is a result too
    result = project.foureyes("check", "--format", "sarif")
    assert result.code == 1
    log = result.json()
    jsonschema.validate(log, SCHEMA)  # raises with the path of the first violation
    results = log["runs"][0]["results"]
    unapproved = [r for r in results if r["ruleId"] == "foureyes/unapproved-ai-code"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in unapproved] == ["auth/login.py", "app.py"]  # fmt: skip
    assert unapproved[0]["level"] == "error"
    assert unapproved[0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 6, "endLine": 9,
    }  # fmt: skip
    assert unapproved[0]["properties"]["risk"] == "critical"
    assert "Can approve: sam@example.com" in unapproved[0]["message"]["text"]
    ledger = [r for r in results if r["ruleId"] == "foureyes/ledger-problem"]
    assert ledger and ledger[0]["level"] == "warning"
    # Added since the base, the bad line also blocks, whatever ledger_problems says.
    changed = [r for r in results if r["ruleId"] == "foureyes/ledger-changed"]
    assert [r["level"] for r in changed] == ["error"]
    assert changed[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert log["runs"][0]["properties"]["baseSource"] == "refs/heads/main"


def test_sarif_for_a_file_that_could_not_be_checked_is_valid(project: GitRepo) -> None:
    with (project.root / "app.py").open("ab") as file:
        file.write(b"\0")
    result = project.foureyes("check", "--format", "sarif")
    assert result.code == 1
    log = result.json()
    jsonschema.validate(log, SCHEMA)
    unchecked = [r for r in log["runs"][0]["results"] if r["ruleId"] == "foureyes/unchecked-file"]
    assert len(unchecked) == 1 and unchecked[0]["level"] == "error"
    location = unchecked[0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"}}
    github = project.foureyes("check", "--format", "github").out
    assert "::error file=app.py,title=File with AI code could not be checked::" in github
    data = project.foureyes("check", "--format", "json").json()
    assert data["unchecked"] == [
        {"path": "app.py", "reason": "app.py is a binary file; foureyes tracks text files only"}
    ]
    assert "1 file with AI claims could not be checked" in project.foureyes("check").out


def test_passing_sarif_is_valid_and_empty(project: GitRepo) -> None:
    act_as(project, "sam@example.com")
    project.foureyes("approve", "app.py:6")
    project.write(".foureyes.toml", "[review]\nseniors = ['sam@example.com']\n")
    project.commit("policy: no critical paths")  # judged by the base's policy still
    result = project.foureyes("check", "--format", "sarif", "--policy", "worktree")
    assert result.code == 1  # auth/login.py is unapproved, if no longer critical
    act_as(project, "sam@example.com")
    project.foureyes("approve", "auth/login.py:7")
    result = project.foureyes("check", "--format", "sarif", "--policy", "worktree")
    assert result.code == 0, result.out
    jsonschema.validate(result.json(), SCHEMA)
    assert result.json()["runs"][0]["results"] == []


def test_github_format_prints_workflow_annotations(project: GitRepo) -> None:
    result = project.foureyes("check", "--format", "github")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].startswith(
        "::error file=auth/login.py,line=6,endLine=9,title=AI code needs 2 more senior "
        "approval(s) (critical risk)::unreviewed: 0 of 2 senior approvals"
    )
    assert "%0A" in lines[0] and "\n" not in lines[0]  # multi-line messages are escaped
    assert lines[1].startswith("::error file=app.py,line=6,endLine=9,")
    assert lines[-1].startswith("FAILED: 2 AI regions lack")


def test_text_output_says_why_and_who_can_approve(project: GitRepo) -> None:
    result = project.foureyes("check")
    assert result.code == 1
    assert "BLOCKS  auth/login.py:6-9  critical risk, unreviewed, 0 of 2 approvals" in result.out
    assert "  - This AI code is in a critical path named in the policy (auth/**)" in result.out
    assert "  can approve: sam@example.com (not jay@example.com, who brought it in)" in result.out
    assert "  approve with: foureyes approve app.py:6" in result.out
    assert "changed since main" in result.out
    main = project.git("rev-parse", "main").strip()
    assert f"\nbase: refs/heads/main at {main[:7]} (the merge-base of HEAD with main)\n" in (
        result.out
    )
    assert "; policy: .foureyes.toml at main\n" in result.out
    worktree = project.foureyes("check", "--policy", "worktree")
    assert "; policy: .foureyes.toml in the working tree\n" in worktree.out


def test_a_tag_cannot_stand_in_for_the_base_branch(project: GitRepo) -> None:
    main = project.git("rev-parse", "main").strip()
    project.git("tag", "main", "HEAD")  # rev-parse main would now be the feature's tip
    ambiguous = project.foureyes("check", "--base", "main")
    assert ambiguous.code == 2 and "ambiguous" in ambiguous.err
    assert "refs/tags/main" in ambiguous.err and "refs/heads/main" in ambiguous.err
    exact = project.foureyes("check", "--base", "refs/heads/main", "--format", "json")
    assert exact.code == 1 and exact.json()["base"]["commit"] == main
    by_id = project.foureyes("check", "--base", main, "--format", "json")
    assert by_id.code == 1 and by_id.json()["base"]["source"] == f"commit {main[:10]}"
    # Without --base, the default branch is looked up as refs/heads/main, not the tag.
    default = project.foureyes("check", "--format", "json").json()
    assert default["base"]["commit"] == main and default["base"]["source"] == "refs/heads/main"


def test_a_pull_request_base_that_is_missing_is_bad_input(
    project: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_BASE_REF", "main")  # no origin here: no origin/main
    found = project.foureyes("check", "--format", "json")  # but a local main: used
    assert found.code == 1 and found.json()["base"]["source"] == "refs/heads/main"
    monkeypatch.setenv("GITHUB_BASE_REF", "release")
    missing = project.foureyes("check")
    assert missing.code == 2 and "GITHUB_BASE_REF=release" in missing.err
    assert "fetch-depth: 0" in missing.err and missing.out == ""
    assert project.foureyes("check", "--all").code == 2  # --all reads the base's policy too


def test_only_changed_files_are_checked_unless_all(project: GitRepo) -> None:
    project.git("checkout", "-q", "main")
    project.git("merge", "-q", "--ff-only", "feature")
    project.git("checkout", "-q", "-b", "next")
    project.write("notes.py", "\n".join(code_lines("notes", 3)) + "\n")
    project.commit("human work")
    result = project.foureyes("check", "--format", "json")
    assert result.code == 0 and result.json()["regions"] == 0  # no AI code changed
    everything = project.foureyes("check", "--all", "--format", "json")
    assert everything.code == 1 and everything.json()["scope"] == "all"
    assert everything.json()["files"] == ["app.py", "auth/login.py"]
    # An explicit base: since the first commit, both files changed.
    first = project.git("rev-list", "--max-parents=0", "HEAD").strip()
    since = project.foureyes("check", "--base", first, "--format", "json").json()
    assert since["base"]["commit"] == first and len(since["findings"]) == 2


def test_on_the_default_branch_the_base_is_the_previous_commit(project: GitRepo) -> None:
    project.git("checkout", "-q", "main")
    project.git("merge", "-q", "--ff-only", "feature")
    result = project.foureyes("check", "--format", "json").json()
    assert result["base"]["ref"] == "HEAD~" and len(result["findings"]) == 2
    project.write("other.py", "x_value = compute_x(1, scale=2)\n")
    project.commit("unrelated")
    assert project.foureyes("check").code == 0  # the last commit added no AI code


def test_a_single_commit_repository_checks_every_file(repo: GitRepo) -> None:
    repo.write("a.py", "\n".join(code_lines("a", 4)) + "\n")
    repo.foureyes("mark", "--ai", "a.py:1-4", "--agent", "aider")
    repo.commit("only commit")
    result = repo.foureyes("check", "--format", "json")
    assert result.code == 1 and result.json()["scope"] == "all"
    assert any("no base commit" in note for note in result.json()["notes"])


def test_a_change_cannot_loosen_the_policy_it_is_judged_by(project: GitRepo) -> None:
    project.write(".foureyes.toml", "[review]\nseniors = ['jay@example.com', 'kim@example.com']\n")
    project.commit("make myself senior")
    act_as(project, "kim@example.com")
    assert project.foureyes("approve", "app.py:6").code == 0  # the working tree says so
    result = project.foureyes("check", "--format", "json")
    assert result.code == 1  # but main's policy decides
    data = result.json()
    assert data["policy"] == ".foureyes.toml at main"
    assert any("policy files differ from main" in note for note in data["notes"])
    discounted = data["findings"][1]["region"]["review"]["discounted"]
    assert "not a senior" in discounted[0]["reason"]
    everything = project.foureyes("check", "--all", "--format", "json")
    assert everything.code == 1 and everything.json()["policy"] == ".foureyes.toml at main"


def test_exit_codes(project: GitRepo, tmp_path: Path) -> None:
    bad_base = project.foureyes("check", "--base", "no-such-branch")
    assert bad_base.code == 2 and "no such commit or ref" in bad_base.err
    assert project.foureyes("check", "--base=-h").code == 2  # never read as an option
    assert project.foureyes_process("check", "--format", "xml").code == 2
    project.write(".foureyes.toml", "[review]\nseniors = 'x'\n")
    broken = project.foureyes("check", "--policy", "worktree")
    assert broken.code == 2 and ".foureyes.toml:2: review.seniors" in broken.err
    project.write(".foureyes.toml", "[review\n")
    project.commit("broken policy on the branch")
    assert project.foureyes("check", "--base", "HEAD").code == 2  # the policy at the base
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    done = subprocess.run(["foureyes", "check"], cwd=outside, capture_output=True, text=True,
                          env={**os.environ, "PATH": _venv_path()}, check=False)  # fmt: skip
    assert done.returncode == 3 and "not inside a git repository" in done.stderr
    help_text = project.foureyes_process("check", "--help").out
    for line in ("0  passed", "1  failed", "2  bad input", "3  environment"):
        assert line in help_text


def test_fail_at_and_ledger_problems_follow_the_policy(project: GitRepo) -> None:
    project.write(".foureyes.toml", '[review]\nseniors = ["sam@example.com"]\n'
                  '[check]\nfail_at = "critical"\nledger_problems = "fail"\n')  # fmt: skip
    result = project.foureyes("check", "--policy", "worktree", "--format", "json")
    assert result.code == 0  # nothing critical without critical paths: notes only
    assert [f["blocking"] for f in result.json()["findings"]] == [False, False]
    with (project.root / ".foureyes/ledger.jsonl").open("a") as ledger:
        ledger.write('{"v": 1, "kind": "ai"}\n')
    result = project.foureyes("check", "--policy", "worktree")
    assert result.code == 1 and "the ledger has invalid lines" in result.out


def test_the_installed_command_runs_the_gate(project: GitRepo) -> None:
    result = project.foureyes_process("check")
    assert result.code == 1 and "FAILED" in result.out


def test_pre_commit_hook_definition_runs_check() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "foureyes-check")
    assert hook["entry"] == "foureyes check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False


def test_composite_action_runs_check_and_writes_sarif(project: GitRepo, tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    output = tmp_path / "github_output"
    sarif = tmp_path / "foureyes.sarif"
    env = {**os.environ, "PATH": _venv_path(), "GITHUB_OUTPUT": str(output),
           "FOUREYES_BASE": "", "FOUREYES_ALL": "false", "FOUREYES_FORMAT": "github",
           "FOUREYES_SARIF": str(sarif)}  # fmt: skip
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project.root, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("::error file=auth/login.py,")
    jsonschema.validate(json.loads(sarif.read_text()), SCHEMA)
    assert output.read_text() == f"sarif-file={sarif}\n"


def _venv_path() -> str:
    return f"{Path(os.sys.executable).parent}:{os.environ.get('PATH', '')}"


# --- the base when none is asked for, and names that are in two places ------------------


def _with_origin(repo: GitRepo, tmp_path: Path) -> None:
    """An origin that has what the repository has, fetched: origin/main, origin/HEAD."""
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.root), str(origin)], check=True)
    repo.git("remote", "add", "origin", str(origin))
    repo.git("fetch", "-q", "origin")
    repo.git("remote", "set-head", "origin", "main")


def test_a_new_branch_without_commits_is_judged_by_its_own_changes(project: GitRepo) -> None:
    """Issue 14: `ai-work`, just made from main, was judged by main's last commit."""
    project.git("checkout", "-q", "main")
    project.git("merge", "-q", "--ff-only", "feature")  # main's last commit holds AI code
    project.git("checkout", "-q", "-b", "ai-work")
    result = project.foureyes("check", "--format", "json")
    assert result.code == 0, result.out
    data = result.json()
    head = project.git("rev-parse", "HEAD").strip()
    assert data["base"]["commit"] == head and data["base"]["source"] == "refs/heads/main"
    assert data["files"] == [] and data["regions"] == 0
    text = project.foureyes("check").out
    assert "ai-work has no commits of its own yet" in text
    assert "HEAD is on the default branch" not in text
    # What the agent writes before the first commit is the branch's change.
    agent_writes(project, "app.py", "more_ai")
    result = project.foureyes("check", "--format", "json")
    assert result.code == 1
    assert {f["region"]["path"] for f in result.json()["findings"]} == {"app.py"}
    # On main itself, the last commit is still the change.
    project.git("stash", "-q", "--include-untracked")
    project.git("checkout", "-q", "main")
    assert project.foureyes("check", "--format", "json").json()["base"]["ref"] == "HEAD~"


def test_the_upstream_branch_is_the_base_before_the_default_branch(
    project: GitRepo, tmp_path: Path
) -> None:
    project.git("checkout", "-q", "-b", "release", "main")
    project.write("release.py", "\n".join(code_lines("release", 3)) + "\n")
    project.commit("release work")
    _with_origin(project, tmp_path)
    release = project.git("rev-parse", "origin/release").strip()
    project.git("checkout", "-q", "-b", "hotfix", "origin/release")  # upstream: origin/release
    agent_writes(project, "app.py", "hotfix_ai")
    project.commit("agent hotfix")
    data = project.foureyes("check", "--format", "json").json()
    assert data["base"]["source"] == "refs/remotes/origin/release"
    assert data["base"]["commit"] == release
    assert "app.py" in data["files"] and "release.py" not in data["files"]
    # Pushed with -u, the upstream is the branch itself on origin: not a base.
    project.git("push", "-q", "-u", "origin", "hotfix")
    pushed = project.foureyes("check", "--format", "json").json()
    main = project.git("rev-parse", "origin/main").strip()
    assert pushed["base"]["source"] == "refs/remotes/origin/main"
    assert pushed["base"]["commit"] == main


def test_a_fresh_branch_from_origin_main_has_nothing_of_its_own(
    project: GitRepo, tmp_path: Path
) -> None:
    project.git("checkout", "-q", "main")
    project.git("merge", "-q", "--ff-only", "feature")
    _with_origin(project, tmp_path)
    project.git("checkout", "-q", "-b", "ai-work", "origin/main")
    data = project.foureyes("check", "--format", "json").json()
    assert data["base"]["source"] == "refs/remotes/origin/main"
    assert data["passed"] and data["files"] == []


def test_base_main_behind_or_ahead_of_origin_main_uses_origin_main(
    project: GitRepo, tmp_path: Path
) -> None:
    """`--base main` with local main and origin/main at different commits: one branch,
    two copies. Origin's is used (a local copy ahead of it would hide its own commits
    from the check), and the output says which and why."""
    project.git("checkout", "-q", "main")
    _with_origin(project, tmp_path)
    old_main = project.git("rev-parse", "main").strip()
    project.write("later.py", "later_value = 1\n")
    project.commit("on main, pushed; the local main is reset behind it")
    project.git("push", "-q", "origin", "main")
    project.git("reset", "-q", "--hard", old_main)
    project.git("fetch", "-q", "origin")
    newer = project.git("rev-parse", "origin/main").strip()
    project.git("checkout", "-q", "feature")
    behind = project.foureyes("check", "--base", "main", "--format", "json")
    assert behind.code == 1, behind.err
    assert behind.json()["base"]["source"] == "refs/remotes/origin/main"
    assert behind.json()["base"]["commit"] == newer
    text = project.foureyes("check", "--base", "main").out
    assert f"local main ({old_main[:7]}) is behind origin/main, so origin/main is used" in text
    # Local main ahead (the agent's commit, not pushed yet): origin/main still, so the
    # commit is checked rather than taken as the base.
    project.git("checkout", "-q", "main")
    project.git("reset", "-q", "--hard", newer)
    agent_writes(project, "app.py", "unpushed_ai")
    project.commit("agent work on main, not pushed")
    ahead = project.foureyes("check", "--base", "main", "--format", "json")
    assert ahead.code == 1
    assert ahead.json()["base"]["source"] == "refs/remotes/origin/main"
    assert {f["region"]["path"] for f in ahead.json()["findings"]} == {"app.py"}
    assert "is ahead of origin/main, so origin/main is used" in ahead.json()["base"]["how"]
    # Diverged: neither is the base a user means; ambiguous, as before.
    project.git("reset", "-q", "--hard", old_main)
    project.write("other.py", "other_value = 1\n")
    project.commit("diverged")
    project.git("checkout", "-q", "feature")
    diverged = project.foureyes("check", "--base", "main")
    assert diverged.code == 2 and "ambiguous" in diverged.err
    assert "refs/heads/main" in diverged.err and "refs/remotes/origin/main" in diverged.err


def test_without_seniors_the_output_says_who_may_approve(repo: GitRepo) -> None:
    """Issue 14: "0 of 2 senior approvals" next to "can approve: anyone"."""
    repo.write("a.py", "\n".join(code_lines("a", 3)) + "\n")
    repo.commit("start")
    agent_writes(repo, "a.py", "ai")
    result = repo.foureyes("check")
    assert result.code == 1
    assert "  - unreviewed: 0 of 1 approval required for low risk\n" in result.out
    assert "senior approval" not in result.out
    assert (
        "  can approve: anyone but dana@example.com, who brought it in "
        "(the policy names no seniors)\n" in result.out
    )
    assert "note: the policy names no seniors, so anyone's approval counts" in result.out
    packet = repo.foureyes("review-packet", "a.py:4").out
    assert "0 of 1 approval · " in packet and "senior approval" not in packet
    assert "- May approve: anyone but the person who recorded the code" in packet
