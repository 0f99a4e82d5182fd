"""The engine's one query: regions, authorship precedence, review state, caching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conftest import GitRepo, code_lines
from foureyes.core.anchor import make_anchor
from foureyes.core.model import (
    AiAuthorship,
    Approval,
    ChangesRequested,
    Contributor,
    Dismissal,
    HumanAuthorship,
    Identity,
    ReviewRequest,
    ReviewState,
    RiskLevel,
)
from foureyes.core.text import split_lines
from foureyes.engine.engine import Engine
from foureyes.rules.policy import Policy
from foureyes.store.ledger import Ledger, new_id
from foureyes.store.repo import Repository

DANA = Identity("Dana", "dana@example.com")  # brings in the AI code
SAM = Identity("Sam Senior", "sam@example.com")
RIA = Identity("Ria Reviewer", "ria@example.com")
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class World:
    """A repository with one file and a ledger we append claims to directly."""

    def __init__(self, repo: GitRepo, lines: list[str]) -> None:
        self.repo = repo
        self.text = "\n".join(lines) + "\n"
        repo.write("app.py", self.text)
        self.engine = Engine(Repository(repo.root))
        self.ledger = Ledger(self.engine.repo.ledger_path)
        self.clock = T0

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    def anchor(self, start: int, end: int):
        return make_anchor(split_lines(self.text), start, end)

    def ai(self, start: int, end: int, **fields) -> AiAuthorship:
        claim = AiAuthorship(
            id=new_id(), at=self.tick(), by=fields.pop("by", DANA), path="app.py",
            anchor=self.anchor(start, end), agent=fields.pop("agent", "claude-code"), **fields,
        )  # fmt: skip
        self.ledger.append([claim])
        return claim

    def add(self, cls, start: int, end: int, by: Identity, **fields):
        claim = cls(
            id=new_id(), at=self.tick(), by=by, path="app.py", anchor=self.anchor(start, end),
            **fields,
        )  # fmt: skip
        self.ledger.append([claim])
        return claim

    def report(self, text: str | None = None):
        return self.engine.report("app.py", text if text is not None else self.text)


@pytest.fixture
def world(repo: GitRepo) -> World:
    return World(repo, code_lines("line", 30))


def test_separate_captures_are_separate_units_across_blank_lines(repo: GitRepo) -> None:
    lines = [*code_lines("a", 5), "", "   ", *code_lines("b", 3), "", *code_lines("c", 3)]
    w = World(repo, lines)
    w.ai(1, 5)
    w.ai(8, 10)  # separated from the first only by two blank lines
    w.ai(12, 14)
    regions = w.report().regions
    assert [(r.start_line, r.end_line) for r in regions] == [(1, 5), (8, 10), (12, 14)]
    assert all(r.review.state is ReviewState.UNREVIEWED for r in regions)
    assert regions[0].review.approvals_required == 1


def test_one_capture_is_one_unit_across_blank_and_kept_lines(repo: GitRepo) -> None:
    lines = [*code_lines("a", 5), "", "kept = 1", *code_lines("b", 3), "", *code_lines("c", 3)]
    w = World(repo, lines)
    w.ai(1, 5, edit="e1")
    w.ai(8, 10, edit="e1")  # the same edit, which kept line 7 (and a blank line)
    w.ai(12, 14, edit="e1")
    [region] = w.report().regions
    assert (region.start_line, region.end_line) == (1, 14)
    assert region.context_lines == (6, 7, 11)
    assert 7 not in {line.line for line in region.lines}


def test_adjacent_captures_of_one_session_join_but_not_across_blank_lines(
    repo: GitRepo,
) -> None:
    lines = [*code_lines("a", 3), *code_lines("b", 3), "", *code_lines("c", 4)]
    w = World(repo, lines)
    w.ai(1, 3, session="s1")
    w.ai(4, 6, session="s1")  # the next tool call, right below: one unit
    w.ai(8, 10, session="s1")  # below a blank line: its own unit
    w.ai(11, 11, session="s2")  # touching, but another session: its own unit
    regions = w.report().regions
    assert [(r.start_line, r.end_line) for r in regions] == [(1, 6), (8, 10), (11, 11)]


def test_a_human_line_splits_regions_and_blank_ends_are_trimmed(world: World) -> None:
    world.add(HumanAuthorship, 7, 7, DANA)
    world.ai(3, 6)
    world.ai(8, 12)
    regions = world.report().regions
    assert [(r.start_line, r.end_line) for r in regions] == [(3, 6), (8, 12)]
    assert len({r.id for r in regions}) == 2


def test_a_human_claim_over_ai_lines_keeps_them_ai_and_its_author_a_recorder(
    world: World,
) -> None:
    world.ai(3, 12)
    world.add(HumanAuthorship, 7, 7, DANA)
    report = world.report()
    assert [(r.start_line, r.end_line) for r in report.regions] == [(3, 12)]
    assert report.line(7).contributor is Contributor.AI
    assert DANA in report.line(7).also_by and DANA in report.regions[0].review.recorders


def test_latest_authorship_claim_wins(world: World) -> None:
    world.add(HumanAuthorship, 1, 2, DANA)
    world.ai(2, 4)
    world.add(HumanAuthorship, 4, 5, DANA)  # over AI line 4: stays AI, Dana recorded it
    world.ai(3, 3, agent="codex")
    by_line = {line.line: line for line in world.report().lines[:6]}
    assert [by_line[n].contributor for n in range(1, 7)] == [
        Contributor.HUMAN, Contributor.AI, Contributor.AI, Contributor.AI, Contributor.HUMAN,
        Contributor.UNKNOWN,
    ]  # fmt: skip
    assert by_line[3].claim.agent == "codex"  # type: ignore[union-attr]
    assert DANA in by_line[4].also_by and DANA not in by_line[2].also_by


def test_review_request_then_changes_then_approval(world: World) -> None:
    world.ai(5, 9)
    assert world.report().regions[0].review.state is ReviewState.UNREVIEWED
    request = world.add(ReviewRequest, 5, 9, DANA, reviewers=("sam@example.com",))
    review = world.report().regions[0].review
    assert review.state is ReviewState.REVIEW_REQUESTED and review.requests == (request,)
    world.add(ChangesRequested, 6, 6, SAM, note="use a timeout")
    assert world.report().regions[0].review.state is ReviewState.CHANGES_REQUESTED
    world.add(Approval, 5, 9, SAM)
    review = world.report().regions[0].review
    assert review.state is ReviewState.APPROVED
    assert review.approvers == (SAM,)


def test_changes_requested_stands_until_that_reviewer_approves(world: World) -> None:
    world.engine.policy = Policy(approvals=dict.fromkeys(RiskLevel, 2))
    world.ai(5, 9)
    world.add(ChangesRequested, 6, 6, SAM, note="use a timeout")
    world.add(Approval, 5, 9, RIA)  # another reviewer's approval does not clear it
    review = world.report().regions[0].review
    assert review.state is ReviewState.CHANGES_REQUESTED and review.approvals == 1
    world.add(Approval, 5, 9, SAM)  # the reviewer who asked approves after all
    assert world.report().regions[0].review.state is ReviewState.APPROVED


def test_one_approval_of_two_is_partially_approved_whoever_was_asked(world: World) -> None:
    world.engine.policy = Policy(approvals=dict.fromkeys(RiskLevel, 2))
    world.ai(5, 9)
    world.add(Approval, 5, 9, SAM)
    review = world.report().regions[0].review
    assert review.state is ReviewState.PARTIALLY_APPROVED  # nobody was asked: not "requested"
    assert (review.approvals, review.approvals_required, review.asked) == (1, 2, ())


def test_an_approval_of_a_larger_old_region_counts_for_each_unit_it_covers(
    world: World,
) -> None:
    world.ai(5, 9)
    world.ai(12, 14)
    world.add(Approval, 5, 14, SAM)  # as approved when the two were one region
    regions = world.report().regions
    assert [(r.start_line, r.end_line) for r in regions] == [(5, 9), (12, 14)]
    assert all(r.review.state is ReviewState.APPROVED for r in regions)


def test_a_unit_that_grew_keeps_its_approved_lines_approved_line_by_line(world: World) -> None:
    world.ai(5, 9, session="s1")
    world.add(Approval, 5, 9, SAM)
    world.ai(10, 12, session="s1")  # the next tool call right below: it joins the unit
    [region] = world.report().regions
    assert (region.start_line, region.end_line) == (5, 12)
    review = region.review
    assert review.state is ReviewState.PARTIALLY_APPROVED and review.approvals == 0
    assert [(p.approval.by, p.lines, p.of) for p in review.partly] == [(SAM, 5, 8)]
    world.add(Approval, 10, 12, RIA)  # someone reviews only the new lines
    review = world.report().regions[0].review
    assert review.state is ReviewState.APPROVED and review.approvals == 1


def test_changes_requested_lapses_when_the_lines_change(world: World) -> None:
    world.ai(5, 9)
    world.add(ReviewRequest, 5, 9, DANA)
    world.add(ChangesRequested, 6, 6, SAM)
    lines = split_lines(world.text)
    lines[5] = lines[5] + "  # fixed as asked"
    review = world.report("\n".join(lines)).regions[0].review
    assert review.state is ReviewState.REVIEW_REQUESTED


def test_approval_covers_exactly_the_reviewed_text(world: World) -> None:
    world.ai(5, 9)
    world.add(Approval, 5, 9, SAM)
    assert world.report().regions[0].review.state is ReviewState.APPROVED
    lines = split_lines(world.text)
    lines[6] = lines[6].replace("compute", "compute_fast")  # a later change to one line
    changed = world.report("\n".join(lines)).regions[0]
    assert changed.review.state is ReviewState.UNREVIEWED  # approval seen, but void
    assert changed.review.approvals == 0
    assert "changed since" in changed.review.discounted[0].reason
    moved = ["extra_line = 1"] * 3 + split_lines(world.text)  # unchanged text, moved down
    assert world.report("\n".join(moved)).regions[0].review.state is ReviewState.APPROVED


def test_nobody_approves_ai_code_they_brought_in(world: World) -> None:
    world.ai(5, 9)
    world.add(Approval, 5, 9, DANA)
    review = world.report().regions[0].review
    assert review.state is not ReviewState.APPROVED and review.approvals == 0


def test_required_approvals_count_distinct_people_covering_every_line(world: World) -> None:
    world.engine.policy = Policy(approvals=dict.fromkeys(RiskLevel, 2))
    world.ai(5, 9)
    world.add(Approval, 5, 9, SAM)
    world.add(Approval, 5, 9, SAM)  # the same person twice counts once
    assert world.report().regions[0].review.approvals == 1
    world.add(Approval, 5, 7, RIA)  # covers only part of the region
    assert world.report().regions[0].review.state is not ReviewState.APPROVED
    world.add(Approval, 8, 9, RIA)
    review = world.report().regions[0].review
    assert review.state is ReviewState.APPROVED
    assert {i.email for i in review.approvers} == {SAM.email, RIA.email}


def test_dismissal_withdraws_an_approval(world: World) -> None:
    world.ai(5, 9)
    approval = world.add(Approval, 5, 9, SAM)
    assert world.report().regions[0].review.state is ReviewState.APPROVED
    world.ledger.append(
        [Dismissal(id=new_id(), at=world.tick(), by=SAM, targets=(approval.id,), reason="oops")]
    )
    assert world.report().regions[0].review.state is ReviewState.UNREVIEWED


def test_reports_are_cached_by_content_and_refreshed_by_new_claims(world: World) -> None:
    world.ai(5, 9)
    first = world.report()
    assert world.report() is first  # same text, same ledger: no work
    world.ai(20, 21)  # another process could have written this
    second = world.report()
    assert second is not first and len(second.regions) == 2


def test_region_ids_are_stable_across_edits_elsewhere(world: World) -> None:
    world.ai(5, 9)
    before = world.report().regions[0].id
    shifted = "\n".join(["# a new header line", *split_lines(world.text)])
    after = world.report(shifted).regions[0]
    assert after.id == before and after.start_line == 6


def test_unsaved_text_is_resolved_not_the_file_on_disk(world: World) -> None:
    world.ai(5, 9)
    buffer = "\n".join(code_lines("inserted", 10) + split_lines(world.text))
    regions = world.report(buffer).regions
    assert [(r.start_line, r.end_line) for r in regions] == [(15, 19)]


@pytest.mark.parametrize("seed", [11, 12, 13, 14, 15])
def test_reusing_resolutions_across_edits_changes_no_answer(repo: GitRepo, seed: int) -> None:
    """The engine reuses a claim's resolution when an edit cannot affect it; random
    edit sequences must give exactly what a fresh engine computes from scratch."""
    import random

    lines = []
    for number, line in enumerate(code_lines("base", 60)):
        lines += [line, ""] if number % 4 == 3 else [line, "}"] if number % 7 == 5 else [line]
    w = World(repo, lines)
    for start in (1, 15, 28, len(lines) - 6):
        w.ai(start, start + 5)
    w.add(Approval, 15, 20, SAM)
    rng = random.Random(seed)
    current = list(lines)
    for step in range(400):
        kind = rng.choice(["type", "type", "type", "blank", "insert", "delete", "copy"])
        at = rng.randrange(len(current))
        if kind == "type":
            current[at] = current[at] + rng.choice(["x", " ", "(1)"])
        elif kind == "blank":
            current[at] = rng.choice(["", "}", current[at] + "y"])  # lines turn trivial
        elif kind == "insert":
            current.insert(at, rng.choice([f"new_line_{step} = {step}", "", "}", "return None"]))
        elif kind == "delete" and len(current) > 10:
            del current[at]
        elif kind == "copy":
            current.insert(at, rng.choice(current))  # duplicates make resolution ambiguous
        text = "\n".join(current) + "\n"
        reused = w.engine.report("app.py", text)
        fresh = Engine(Repository(repo.root)).report("app.py", text)
        assert reused.attributed == fresh.attributed, step
        assert [(r.start_line, r.end_line, r.review.state) for r in reused.regions] == [
            (r.start_line, r.end_line, r.review.state) for r in fresh.regions
        ], step
