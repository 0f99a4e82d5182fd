"""Where one review unit stands: which approvals count, which are void and why, who
approved part of it, and the state that follows.

An approval covers the block it reviewed, intact; it counts on each line of the unit
it still covers unchanged, by a senior who did not bring that line in, and (when the
policy says so) only with a valid signature over exactly that text. Must not know
how claims were resolved, about risk, git or the ledger's storage.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence

from foureyes.core.errors import EnvironmentProblem
from foureyes.core.lru import Lru
from foureyes.core.model import (
    AnchoredClaim,
    Approval,
    Baseline,
    ChangesRequested,
    DiscountedApproval,
    Identity,
    LineAuthorship,
    PartialApproval,
    Review,
    ReviewRequest,
    ReviewState,
    Seniors,
)
from foureyes.core.resolve import LineMatch, Match
from foureyes.core.text_index import TextIndex
from foureyes.rules import four_eyes as rules
from foureyes.rules import signing
from foureyes.rules.policy import Policy, digest

_PRESENT = frozenset({Match.SAME, Match.REFORMATTED, Match.EDITED})
_UNCHANGED = frozenset({Match.SAME, Match.REFORMATTED})

Reviews = Iterable[tuple[AnchoredClaim, dict[int, LineMatch]]]


class ApprovalChecks:
    """Whether an approval counts at all, before its lines are looked at; signature
    verdicts are remembered (ssh-keygen is a process). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (claim id, signature, allowed signers' digest) -> (why it does not count,)
        self._signatures: Lru[tuple[str, str, str], tuple[str | None]] = Lru(4096)

    def problem(self, claim: Approval, seniors: Seniors, policy: Policy) -> str | None:
        """Why an approval does not count at all, or None (line checks come after)."""
        if not seniors.includes(claim.by):
            return f"{claim.by.email} is not a senior reviewer for this path in the policy"
        if not policy.signing.required:
            return None
        if not claim.signature:
            return "it is not signed, and the policy requires signed approvals"
        allowed = policy.signing.allowed_signers_text or ""
        key = (claim.id, claim.signature, digest(allowed))
        with self._lock:
            known = self._signatures.get(key)
        if known is not None:
            return known[0]
        try:
            verdict = signing.verify(
                signing.canonical(claim), claim.signature, claim.by.email, allowed
            )
        except EnvironmentProblem as error:
            # Unverifiable is not valid; not cached, so it is retried once ssh-keygen exists.
            return f"its signature cannot be checked: {error.message}"
        if verdict is None and signing.digests_of(claim) is None:
            verdict = "it is signed but carries no line digests, so it cannot be tied to text"
        with self._lock:
            self._signatures.put(key, (verdict,))
        return verdict


def review(
    unit_lines: Sequence[LineAuthorship],
    reviews: Reviews,
    index: TextIndex,
    policy: Policy,
    seniors: Seniors,
    required: int,
    checks: ApprovalChecks,
) -> Review:
    """A unit's review. Approvals count per line: each line counts the people whose
    approval covers it unchanged (an approval covers the block it reviewed, intact),
    and the unit has the smallest of those counts. So approved lines stay approved
    whatever joins them, and a new line needs its own approvals."""
    positions = {line.line - 1: line for line in unit_lines}
    # Approvals are counted per person (policy aliases, +tags), never per address.
    approvers_per_line: dict[int, dict[str, Identity]] = {p: {} for p in positions}
    latest: dict[str, AnchoredClaim] = {}  # per person: their last counted verdict
    requests: list[ReviewRequest] = []
    changes: list[ChangesRequested] = []
    discounted: list[DiscountedApproval] = []
    counted_lines: list[tuple[Approval, int]] = []
    baselined: set[int] = set()  # lines a counting baseline accepted
    baselines: list[Baseline] = []
    for claim, matches in reviews:  # in ledger order: a later event is a later verdict
        overlapping = [(p, m) for p, m in matches.items() if p in positions]
        if not overlapping:
            continue
        if isinstance(claim, ReviewRequest):
            if any(m.match in _PRESENT for _, m in overlapping):
                requests.append(claim)
            continue
        if isinstance(claim, ChangesRequested):
            if any(m.match in _UNCHANGED for _, m in overlapping):
                changes.append(claim)
                latest[seniors.person(claim.by)] = claim
            continue
        if not isinstance(claim, Approval):
            continue
        reason = checks.problem(claim, seniors, policy)
        if reason is None:
            reason = approval_damage(claim, matches)
        if reason is not None:
            discounted.append(DiscountedApproval(claim, reason))
            continue
        digests = signing.digests_of(claim) if policy.signing.required else None
        approver = seniors.person(claim.by)
        counted = changed = 0
        for position, match in overlapping:
            if rules.brought_in(claim.by, positions[position], seniors):
                continue  # four eyes: never code one brought in oneself
            # A signed approval covers exactly the text whose digest was signed.
            if digests is None or _digest_matches(digests, match.claim_line, index.lines[position]):
                approvers_per_line[position][approver] = claim.by
                counted += 1
                if isinstance(claim, Baseline):
                    baselined.add(position)
            else:
                changed += 1
        if counted and isinstance(claim, Baseline):
            baselines.append(claim)
        if counted:
            counted_lines.append((claim, counted))
            latest[approver] = claim
        elif changed:
            reason = f"the approved text has changed since ({changed} line(s))"
            discounted.append(DiscountedApproval(claim, reason))
        else:
            reason = "it is by a person who brought this code in (four eyes)"
            discounted.append(DiscountedApproval(claim, reason))
    # A baselined line has all it needs (it was accepted as it is).
    approvals = min(
        max(len(people), required) if position in baselined else len(people)
        for position, people in approvers_per_line.items()
    )
    common = set.intersection(*(set(people) for people in approvers_per_line.values()))
    everyone = {e: i for line in approvers_per_line.values() for e, i in line.items()}
    approvers = tuple(everyone[person] for person in sorted(common))
    partly = _partial_approvals(counted_lines, common, seniors, len(positions))
    if approvals >= required:
        state = ReviewState.APPROVED
    elif any(isinstance(verdict, ChangesRequested) for verdict in latest.values()):
        state = ReviewState.CHANGES_REQUESTED  # until that reviewer approves, or it changes
    elif everyone:
        state = ReviewState.PARTIALLY_APPROVED
    elif requests:
        state = ReviewState.REVIEW_REQUESTED
    else:
        state = ReviewState.UNREVIEWED
    return Review(
        state=state,
        approvals_required=required,
        approvals=approvals,
        approvers=approvers,
        requests=tuple(requests),
        changes_requested=tuple(changes),
        seniors=seniors,
        discounted=tuple(discounted),
        partly=partly,
        baselines=tuple(baselines),
    )


def approval_damage(approval: Approval, matches: Mapping[int, LineMatch]) -> str | None:
    """Why the approved block is not all there as it was reviewed, or None when it is:
    every line unchanged, in the same order, nothing inserted between. An approval
    covers the block, so reordering its lines or deleting one voids it, not only
    changing one."""
    found = [m for m in matches.values() if m.claim_line is not None]
    changed = sum(1 for m in found if m.match is not Match.SAME)
    offsets = {p - m.claim_line for p, m in matches.items() if m.claim_line is not None}
    if len(matches) == len(found) == approval.anchor.line_count and len(offsets) == 1:
        if not changed:
            return None
        return f"the approved text has changed since ({changed} line(s))"
    return (
        "the approved block has changed since it was reviewed (lines were removed, "
        "moved or inserted)"
    )


def _partial_approvals(
    counted: Sequence[tuple[Approval, int]], common: set[str], seniors: Seniors, size: int
) -> tuple[PartialApproval, ...]:
    """Per person whose approvals count on some of the unit's lines but not all: the
    approval that covers most of them."""
    best: dict[str, tuple[Approval, int]] = {}
    for approval, lines in counted:
        person = seniors.person(approval.by)
        if person not in common and lines > best.get(person, (approval, 0))[1]:
            best[person] = (approval, lines)
    return tuple(PartialApproval(a, lines, size) for a, lines in best.values())


def _digest_matches(digests: Sequence[str], claim_line: int | None, text: str) -> bool:
    if claim_line is None or not 0 <= claim_line < len(digests):
        return False
    return digests[claim_line] == signing.line_digest(text)
