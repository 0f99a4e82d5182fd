"""Review actions shared by every face: request review, approve, request changes.

Each action names a region by a line inside it, anchors the region's current lines,
checks the rules (four eyes: nobody approves AI code they recorded), and appends
one claim to the ledger. A refusal raises `ReviewRefused` naming the rule. This
module must not know about argv, terminals or LSP.
"""

from __future__ import annotations

from collections.abc import Sequence

from foureyes.anchor import make_anchor, split_lines
from foureyes.engine import Engine
from foureyes.errors import FoureyesError, UsageError
from foureyes.initialise import initialise
from foureyes.ledger import new_id, now
from foureyes.model import (
    Anchor,
    Approval,
    ChangesRequested,
    Identity,
    Region,
    ReviewRequest,
    ReviewState,
)


class ReviewRefused(FoureyesError):
    """A rule forbids the action; the message names the rule."""


def region_at(engine: Engine, path: str, line: int, text: str | None = None) -> Region:
    """The AI region containing `line` (1-based) of the file's current text."""
    report = engine.report(path, text)
    region = report.region_at(line)
    if region is None:
        raise UsageError(
            f"{path}:{line} is not inside an AI-written region",
            f"`foureyes status` lists the regions; `foureyes blame {path}` shows each line",
        )
    return region


def approval_refusal(region: Region, identity: Identity) -> str | None:
    """Why `identity` may not approve `region`, or None when they may."""
    recorders = {claim.by.email for claim in region.claims}
    if identity.email in recorders:
        return (
            "four eyes: you recorded this AI code, so someone else has to approve it "
            f"({identity.email} brought it in)"
        )
    if any(person.email == identity.email for person in region.review.approvers):
        return "you have already approved this exact text"
    return None


def request_review(
    engine: Engine,
    path: str,
    line: int,
    *,
    reviewers: Sequence[str] = (),
    note: str | None = None,
    text: str | None = None,
) -> ReviewRequest:
    region = region_at(engine, path, line, text)
    claim = ReviewRequest(
        id=new_id(), at=now(), by=engine.repo.identity(), path=path,
        anchor=_anchor(engine, region, text), reviewers=tuple(reviewers), note=note or None,
    )  # fmt: skip
    _append(engine, claim)
    return claim


def request_review_for_file(
    engine: Engine, path: str, *, note: str | None = None, text: str | None = None
) -> list[ReviewRequest]:
    """Ask for review of every region in the file that nobody was asked about yet."""
    report = engine.report(path, text)
    identity = engine.repo.identity()
    at = now()
    claims = [
        ReviewRequest(
            id=new_id(),
            at=at,
            by=identity,
            path=path,
            anchor=_anchor(engine, region, text),
            note=note or None,
        )
        for region in report.regions
        if region.review.state is ReviewState.UNREVIEWED
    ]
    _append(engine, *claims)
    return claims


def approve(
    engine: Engine, path: str, line: int, *, note: str | None = None, text: str | None = None
) -> Approval:
    region = region_at(engine, path, line, text)
    identity = engine.repo.identity()
    refusal = approval_refusal(region, identity)
    if refusal:
        where = f"{path}:{region.start_line}-{region.end_line}"
        raise ReviewRefused(f"cannot approve {where}: {refusal}")
    claim = Approval(
        id=new_id(), at=now(), by=identity, path=path, anchor=_anchor(engine, region, text),
        note=note or None,
    )  # fmt: skip
    _append(engine, claim)
    return claim


def request_changes(
    engine: Engine, path: str, line: int, *, note: str | None = None, text: str | None = None
) -> ChangesRequested:
    region = region_at(engine, path, line, text)
    identity = engine.repo.identity()
    if identity.email in {claim.by.email for claim in region.claims}:
        raise ReviewRefused(
            "four eyes: you recorded this AI code; change it yourself, or ask for review"
        )
    claim = ChangesRequested(
        id=new_id(), at=now(), by=identity, path=path, anchor=_anchor(engine, region, text),
        note=note or None,
    )  # fmt: skip
    _append(engine, claim)
    return claim


def _anchor(engine: Engine, region: Region, text: str | None) -> Anchor:
    current = text if text is not None else engine.repo.read_text(region.path)
    return make_anchor(split_lines(current), region.start_line, region.end_line)


def _append(engine: Engine, *claims: ReviewRequest | Approval | ChangesRequested) -> None:
    if not claims:
        return
    initialise(engine.repo)
    engine.ledger.append(claims)
