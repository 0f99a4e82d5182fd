"""The review rules, decided once for every face: who brought code in, who may approve
it, whose approvals count (people, not addresses), and who may withdraw an event.

The engine applies these while it builds a region's review; the CLI, the gate and the
language server ask the same functions when they explain or offer an action, so a
rule cannot differ between faces. This module must not read files or git, and must
not know about the ledger's format, argv or LSP.
"""

from __future__ import annotations

from collections.abc import Iterable

from foureyes.core.model import (
    AiAuthorship,
    AnchoredClaim,
    Dismissal,
    Identity,
    LineAuthorship,
    Region,
    ReviewState,
    Seniors,
)


def recorders(lines: Iterable[LineAuthorship]) -> tuple[Identity, ...]:
    """Everyone who brought these lines in: the AI claims' authors, whoever relabelled
    them as human, and the author and committer of the commits that brought them."""
    found: dict[Identity, None] = {}
    for line in lines:
        for person in line.recorders:
            if person.email:
                found.setdefault(person, None)
    return tuple(found)


def brought_in(person: Identity, line: LineAuthorship, seniors: Seniors) -> bool:
    """Whether `person` is one of those who brought `line` in (four eyes)."""
    who = seniors.person(person)
    return any(seniors.person(recorder) == who for recorder in line.recorders if recorder.email)


def approval_refusal(region: Region, person: Identity) -> str | None:
    """Why `person` may not approve `region`, or None when they may.

    Uses only what the engine put in the region (its recorders, the seniors for its
    path and who already approved), so the language server can show it as the reason
    an action is disabled. Signing is checked when the approval is made.
    """
    seniors = region.review.seniors
    who = seniors.person(person)
    brought = [r for r in region.review.recorders if seniors.person(r) == who]
    if brought:
        return (
            "four eyes: you brought this AI code in, so someone else has to approve it "
            f"({', '.join(sorted({r.email for r in brought}))})"
        )
    if not seniors.includes(person):
        named = ", ".join(seniors.entries) or "nobody (no seniors, no CODEOWNERS owner)"
        return (
            f"only seniors approve: {person.email} is not a senior reviewer for "
            f"{region.path} in the review policy (seniors here: {named})"
        )
    if any(seniors.person(approver) == who for approver in region.review.approvers):
        return "you have already approved this exact text"
    return None


def nobody_asked(region: Region) -> bool:
    """Whether a region still needs someone asked to review it: not approved, no
    reviewer's request for changes standing, and no review request pointing at it."""
    review = region.review
    if review.state in (ReviewState.APPROVED, ReviewState.CHANGES_REQUESTED):
        return False
    return not review.requests


def may_dismiss(dismissal: Dismissal, target: AnchoredClaim, seniors: Seniors) -> bool:
    """Whether `dismissal` withdraws `target`.

    An AI authorship claim is withdrawn only by a senior who did not record it (the
    recorder withdrawing it would turn AI lines into unknown ones alone). Any other
    event is withdrawn by its own author or by a senior for its path.
    """
    who = seniors.person(dismissal.by)
    author = seniors.person(target.by)
    senior = seniors.includes(dismissal.by)
    if isinstance(target, AiAuthorship):
        return senior and who != author
    return who == author or senior
