"""The review workflow through the real CLI: seniority, four eyes, risk-based approval
counts, approvals voided by edits, request-review, reject, queue and review packets."""

from __future__ import annotations

import json

import pytest

from conftest import GitRepo, code_lines
from foureyes.cli.review_common import EXIT_REFUSED
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository

POLICY = """\
[review]
seniors = ["sam@example.com", "@ria"]

[people]
"@ria" = "ria@example.com"

[paths]
critical = ["src/auth/**"]
ignored = ["vendor/**"]
"""


def act_as(repo: GitRepo, email: str) -> None:
    repo.git("config", "user.email", email)
    repo.git("config", "user.name", email.split("@")[0].capitalize())


@pytest.fixture
def team(repo: GitRepo) -> GitRepo:
    """A main branch with the policy and two human files; a feature branch where Jay,
    a junior, records agent code in both."""
    repo.write(".foureyes.toml", POLICY)
    repo.write("app.py", "\n".join(code_lines("app", 12)) + "\n")
    repo.write("src/auth/token.py", "\n".join(code_lines("tok", 12)) + "\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    act_as(repo, "jay@example.com")
    # The agent rewrites lines 3-6 of app.py and 2-5 of token.py.
    for path, prefix, start, end in (("app.py", "app", 3, 6), ("src/auth/token.py", "tok", 2, 5)):
        lines = repo.read(path).splitlines()
        lines[start - 1 : end] = code_lines(f"{prefix}_ai", end - start + 1)
        repo.write(path, "\n".join(lines) + "\n")
    assert repo.foureyes("mark", "--ai", "app.py:3-6", "--agent", "claude-code").code == 0
    assert repo.foureyes("mark", "--ai", "src/auth/token.py:2-5", "--agent", "codex").code == 0
    repo.commit("agent work")
    return repo


def check(repo: GitRepo, *args: str):
    return repo.foureyes("check", "--format", "json", *args)


def blocking(result) -> list[str]:
    data = result.json()
    return [f"{f['region']['path']}:{f['region']['start_line']}" for f in data["findings"]
            if f["blocking"]]  # fmt: skip


def test_done_when_juniors_seniors_risk_and_four_eyes(team: GitRepo) -> None:
    # A junior records agent code: check fails.
    result = check(team)
    assert result.code == 1, result.err
    assert blocking(result) == ["src/auth/token.py:2", "app.py:3"]  # riskiest first
    assert result.json()["base"]["ref"] == "main"

    # The junior (who did not record it) approves: refused, naming the rule.
    act_as(team, "kim@example.com")
    refused = team.foureyes("approve", "app.py:4")
    assert refused.code == EXIT_REFUSED
    assert "only seniors approve" in refused.err and "kim@example.com" in refused.err
    # The person who recorded it: refused by four eyes.
    act_as(team, "jay@example.com")
    assert "four eyes" in team.foureyes("approve", "app.py:4").err

    # A senior approves: the low-risk region passes, the critical one still blocks.
    act_as(team, "sam@example.com")
    assert team.foureyes("approve", "app.py:5").code == 0
    approved = team.foureyes("approve", "src/auth/token.py:3")
    assert approved.code == 0 and "1 of 2 approvals" in approved.out
    result = check(team)
    assert result.code == 1 and blocking(result) == ["src/auth/token.py:2"]
    finding = result.json()["findings"][0]
    assert finding["region"]["risk"]["level"] == "critical"
    assert finding["region"]["review"]["approvals_required"] == 2
    # The same senior again does not count twice.
    again = team.foureyes("approve", "src/auth/token.py:3")
    assert again.code == EXIT_REFUSED and "already approved" in again.err

    # A second senior (named by handle) approves: check passes.
    act_as(team, "ria@example.com")
    assert team.foureyes("approve", "src/auth/token.py:2").code == 0
    result = team.foureyes("check")
    assert result.code == 0, result.out
    assert "PASSED" in result.out


def test_the_recorder_cannot_approve_even_when_senior(team: GitRepo) -> None:
    act_as(team, "sam@example.com")
    team.write("lib.py", "\n".join(code_lines("lib", 6)) + "\n")
    team.foureyes("mark", "--ai", "lib.py:1-4", "--agent", "claude-code")
    result = team.foureyes("approve", "lib.py:2")
    assert result.code == EXIT_REFUSED and "four eyes" in result.err
    # An approval Sam appends anyway (by hand, through the engine's writer) never counts.
    engine = Engine(Repository(team.root))
    region = engine.report("lib.py").regions[0]
    from foureyes.core.anchor import make_anchor
    from foureyes.core.model import Approval, Identity
    from foureyes.core.text import split_lines
    from foureyes.store.ledger import new_id, now

    forged = Approval(
        id=new_id(), at=now(), by=Identity("Sam", "sam@example.com"), path="lib.py",
        anchor=make_anchor(split_lines(team.read("lib.py")), 1, 4),
    )  # fmt: skip
    engine.ledger.append([forged])
    review = engine.report("lib.py").regions[0].review
    assert review.approvals == 0 and region.review.state.value == "unreviewed"
    assert "brought this code in" in review.discounted[0].reason


def test_editing_an_approved_line_makes_check_fail_again(team: GitRepo) -> None:
    act_as(team, "sam@example.com")
    assert team.foureyes("approve", "app.py:3").code == 0
    act_as(team, "ria@example.com")
    team.foureyes("approve", "src/auth/token.py:3")
    act_as(team, "sam@example.com")
    team.foureyes("approve", "src/auth/token.py:3")
    assert team.foureyes("check").code == 0
    lines = team.read("app.py").splitlines()
    lines[4] = lines[4].replace("compute_app", "compute_app_faster")  # line 5, approved
    team.write("app.py", "\n".join(lines) + "\n")
    result = check(team)
    assert result.code == 1 and blocking(result) == ["app.py:3"]
    reasons = result.json()["findings"][0]["reasons"]
    assert any("approved text has changed" in reason for reason in reasons)
    assert any("changed by a person" in reason for reason in reasons)  # a mixed line


def test_only_approvals_by_seniors_count_in_the_engine(team: GitRepo) -> None:
    act_as(team, "kim@example.com")
    engine = Engine(Repository(team.root))
    from foureyes.core.anchor import make_anchor
    from foureyes.core.model import Approval, Identity
    from foureyes.core.text import split_lines
    from foureyes.store.ledger import new_id, now

    # A junior writes an approval into the ledger directly: it is seen, and not counted.
    engine.ledger.append([
        Approval(id=new_id(), at=now(), by=Identity("Kim", "kim@example.com"), path="app.py",
                 anchor=make_anchor(split_lines(team.read("app.py")), 3, 6))
    ])  # fmt: skip
    review = engine.report("app.py").regions[0].review
    # Nobody was asked and no approval counts: still unreviewed, the approval explained.
    assert review.approvals == 0 and review.state.value == "unreviewed"
    assert "not a senior" in review.discounted[0].reason


def test_ignored_paths_have_no_regions_and_mixed_lines_can_be_relaxed(team: GitRepo) -> None:
    team.write("vendor/lib.py", "\n".join(code_lines("ven", 4)) + "\n")
    team.foureyes("mark", "--ai", "vendor/lib.py:1-4", "--agent", "claude-code")
    assert team.foureyes("status", "--json").json()["summary"]["regions"] == 2
    lines = team.read("app.py").splitlines()
    for index in range(2, 6):  # every AI line of app.py edited by a person: all mixed
        lines[index] += "  # tuned"
    team.write("app.py", "\n".join(lines) + "\n")
    assert "app.py:3" in blocking(check(team, "--policy", "worktree"))
    team.write(".foureyes.toml", POLICY.replace("[people]", 'mixed_lines = "ignore"\n\n[people]'))
    assert "app.py:3" not in blocking(check(team, "--policy", "worktree"))


def test_request_review_suggests_seniors_and_reject_requests_changes(team: GitRepo) -> None:
    result = team.foureyes("request-review", "app.py:4", "--note", "new retry loop")
    assert result.code == 0, result.err
    assert "sam@example.com, @ria" in result.out  # the seniors, not Jay who recorded it
    region_id = team.foureyes("queue", "--json").json()["regions"][1]["id"]
    assert team.foureyes("request-review", region_id, "--reviewer", "ria@example.com").code == 0

    act_as(team, "jay@example.com")
    assert team.foureyes("reject", "app.py:4").code == EXIT_REFUSED  # four eyes
    act_as(team, "sam@example.com")
    result = team.foureyes("reject", "app.py:4", "--note", "add a timeout")
    assert result.code == 0, result.err
    status = team.foureyes("status", "--json").json()
    states = {r["path"]: r["review"]["state"] for r in status["regions"]}
    assert states["app.py"] == "changes-requested"
    reasons = check(team).json()["findings"][1]["reasons"]
    assert "changes requested by sam@example.com: add a timeout" in reasons


def test_region_arguments_are_checked(team: GitRepo) -> None:
    assert team.foureyes("approve", "app.py:11").code == 2  # not inside an AI region
    missing = team.foureyes("approve", "deadbeef00")
    assert missing.code == 2 and "no AI region has the id" in missing.err
    assert team.foureyes("approve", "abc").code == 2  # too short to be an id
    assert team.foureyes("approve", "app.py").code == 2


def test_queue_lists_what_awaits_review_riskiest_first(team: GitRepo) -> None:
    out = team.foureyes("queue").out.splitlines()
    assert "src/auth/token.py:2-5" in out[0] and "critical" in out[0]
    assert "app.py:3-6" in out[1] and "ask: sam@example.com, @ria" in out[1]
    act_as(team, "kim@example.com")
    assert "Nothing awaits your review" in team.foureyes("queue", "--mine").out
    act_as(team, "ria@example.com")
    mine = team.foureyes("queue", "--mine", "--json").json()["regions"]
    assert len(mine) == 2 and mine[0]["review"]["seniors"] == ["sam@example.com", "@ria"]
    team.foureyes("approve", "app.py:3")
    assert len(team.foureyes("queue", "--json").json()["regions"]) == 1


def test_review_packet_is_markdown_with_code_provenance_and_reviewers(team: GitRepo) -> None:
    team.foureyes("request-review", "src/auth/token.py:3", "--note", "touches tokens")
    result = team.foureyes("review-packet", "src/auth/token.py:4")
    assert result.code == 0, result.err
    packet = result.out
    assert packet.startswith("## Review request: `src/auth/token.py:2-5`")
    assert "risk **critical**" in packet and "0 of 2 senior approvals" in packet
    assert "- codex, recorded by Jay <jay@example.com>" in packet
    assert "is in a critical path named in the policy" in packet
    assert "- Asked: sam@example.com, @ria" in packet  # in the order they were asked
    assert "- Note from jay@example.com: touches tokens" in packet
    assert "```python\n2  tok_ai_value_0" in packet
    assert "foureyes approve src/auth/token.py:2" in packet


def test_the_language_server_rule_reflects_seniority(team: GitRepo) -> None:
    """approval_refusal is what the editor shows as the disabled reason."""
    from foureyes.app.review import approval_refusal
    from foureyes.core.model import Identity

    region = Engine(Repository(team.root)).report("app.py").regions[0]
    kim = approval_refusal(region, Identity("Kim", "kim@example.com"))
    assert kim is not None and kim.startswith("only seniors approve")
    assert approval_refusal(region, Identity("Ria", "ria@example.com")) is None
    assert "four eyes" in (approval_refusal(region, Identity("J", "jay@example.com")) or "")


def test_a_broken_policy_fails_commands_with_exit_2_never_allows(team: GitRepo) -> None:
    team.write(".foureyes.toml", "[review]\nseniors = 'sam@example.com' x\n")
    for args in (("status",), ("approve", "app.py:3"), ("queue",),
                 ("check", "--policy", "worktree")):  # fmt: skip
        result = team.foureyes(*args)
        assert result.code == 2, (args, result.out, result.err)
        assert ".foureyes.toml:2: not valid TOML" in result.err


def test_json_of_a_region_carries_risk_seniors_and_discounted(team: GitRepo) -> None:
    act_as(team, "sam@example.com")
    team.foureyes("approve", "src/auth/token.py:2")
    data = check(team).json()
    region = data["findings"][0]["region"]
    assert region["risk"]["reasons"][0]["message"].startswith("This AI code is in a critical path")
    assert region["review"]["approvers"] == ["sam@example.com"]
    # Whom to ask for the second approval: not Sam, who approved already.
    assert region["review"]["suggested_reviewers"] == ["@ria"]
    assert json.dumps(data)  # plain JSON all the way down
