"""`foureyes baseline`: a senior accepts the AI code history already holds, and the
gate holds them to it (issue 14). Real git repositories, the real CLI."""

from __future__ import annotations

from dataclasses import replace

from conftest import GitRepo, code_lines
from foureyes.cli.review_common import EXIT_REFUSED
from foureyes.core.anchor import make_anchor
from foureyes.core.model import Approval, Baseline, Identity
from foureyes.rules import signing
from foureyes.store.ledger import new_id, now

POLICY = '[review]\nseniors = ["sam@example.com", "sue@example.com"]\n'
TRAILER = "\n\nCo-authored-by: Claude <noreply@anthropic.com>"


def act_as(repo: GitRepo, email: str) -> None:
    repo.git("config", "user.email", email)
    repo.git("config", "user.name", email.split("@")[0].capitalize())


def old_project(repo: GitRepo) -> GitRepo:
    """Two years of history: a human module, two commits an agent co-authored (one
    merged by Jo, one by Sam himself), before anyone ran foureyes."""
    repo.write(".foureyes.toml", POLICY)
    repo.write("core.py", "\n".join(code_lines("core", 6)) + "\n")
    repo.commit("a human module")
    act_as(repo, "jo@example.com")
    repo.write("billing.py", "\n".join(code_lines("billing", 8)) + "\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "billing" + TRAILER)
    act_as(repo, "sam@example.com")
    repo.write("search.py", "\n".join(code_lines("search", 5)) + "\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "search" + TRAILER)
    return repo


def check_all(repo: GitRepo):
    return repo.foureyes("check", "--all", "--format", "json")


def blocking(result) -> list[str]:
    return sorted(f["region"]["path"] for f in result.json()["findings"] if f["blocking"])


def test_a_senior_baselines_old_ai_code_and_a_later_change_needs_review(repo: GitRepo) -> None:
    old_project(repo)
    init = repo.foureyes("init")
    assert init.code == 0, init.err
    assert "found 2 AI-written regions in 2 files" in init.out
    assert "foureyes baseline" in init.out
    assert blocking(check_all(repo)) == ["billing.py", "search.py"]

    # A junior may not baseline anything.
    act_as(repo, "jo@example.com")
    refused = repo.foureyes("baseline")
    assert refused.code == EXIT_REFUSED and "only seniors approve" in refused.out

    # Sam baselines: Jo's billing code is accepted; Sam's own search code is not (four
    # eyes), and is listed as such.
    act_as(repo, "sam@example.com")
    result = repo.foureyes("baseline", "--note", "reviewed when merged")
    assert result.code == 0, result.err
    assert "baselined 1 AI region in 1 file" in result.out
    assert "not baselined: search.py:1-5: four eyes" in result.out
    assert blocking(check_all(repo)) == ["search.py"]
    # Sue baselines the rest.
    act_as(repo, "sue@example.com")
    assert repo.foureyes("baseline").code == 0
    act_as(repo, "jo@example.com")
    repo.commit("baseline")
    assert check_all(repo).code == 0
    status = repo.foureyes("status", "--json").json()
    assert {r["review"]["state"] for r in status["regions"]} == {"approved"}
    packet = repo.foureyes("review-packet", "billing.py:1").out
    assert "- Accepted in a baseline as it was at `" in packet and "sam@example.com" in packet

    # A later change to a baselined line needs review again; the other file stays.
    lines = repo.read("billing.py").splitlines()
    lines[3] = lines[3] + "  # changed"
    repo.write("billing.py", "\n".join(lines) + "\n")
    assert blocking(check_all(repo)) == ["billing.py"]


def test_baseline_of_an_older_commit_accepts_its_text_only(repo: GitRepo) -> None:
    old_project(repo)
    first_ai = repo.git("rev-parse", "HEAD~1").strip()  # billing only, as Jo merged it
    lines = repo.read("billing.py").splitlines()
    lines[0] = "billing_value_0 = recomputed()  # an unreviewed later change"
    act_as(repo, "jo@example.com")
    repo.write("billing.py", "\n".join(lines) + "\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "later agent change" + TRAILER)
    act_as(repo, "sue@example.com")
    result = repo.foureyes("baseline", first_ai)
    assert result.code == 0, result.err
    assert first_ai[:10] in result.out
    # The line changed since that commit is not covered: billing.py still blocks.
    assert "billing.py" in blocking(check_all(repo))


def test_nothing_to_baseline_says_so(repo: GitRepo) -> None:
    repo.write(".foureyes.toml", POLICY)
    repo.write("core.py", "x = 1\n")
    repo.commit("human only")
    act_as(repo, "sam@example.com")
    result = repo.foureyes("baseline")
    assert result.code == 0 and "nothing to baseline" in result.out
    bad = repo.foureyes("baseline", "no-such-rev")
    assert bad.code == 2 and "is not a commit" in bad.err


def test_an_approval_signature_never_verifies_as_a_baseline() -> None:
    anchor = make_anchor(["a = 1", "b = 2"], 1, 2)
    approval = Approval(id=new_id(), at=now(), by=Identity("Sam", "sam@example.com"),
                        path="app.py", anchor=anchor)  # fmt: skip
    relabelled = Baseline(id=approval.id, at=approval.at, by=approval.by, path=approval.path,
                          anchor=approval.anchor)  # fmt: skip
    assert signing.canonical(approval) != signing.canonical(relabelled)
    assert signing.canonical(replace(relabelled, commit="abc")) != signing.canonical(relabelled)
