"""Review actions shared by every face: request review, approve, request changes.

Each action names a region by a line inside it (or by its id), anchors the region's
current lines, checks the rules, and appends one claim to the ledger. The rules:

- four eyes: nobody approves (or asks changes to) AI code they recorded;
- only seniors approve: the policy's seniors for the path, and its CODEOWNERS owners
  when the policy counts them;
- with signing required, an approval must be signed by a key the allowed signers
  list for the approver. Whoever has an SSH signing key (git's user.signingkey with
  gpg.format=ssh, or the policy's signing.key) signs every approval.

A refusal raises `ReviewRefused` naming the rule. A review request notifies the
policy's webhooks; a failed notification is reported, the request is kept. This
module must not know about argv, terminals or LSP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from foureyes.app import notify
from foureyes.core.anchor import make_anchor
from foureyes.core.errors import EnvironmentProblem, FoureyesError, UsageError
from foureyes.core.model import (
    Anchor,
    Approval,
    Baseline,
    ChangesRequested,
    Identity,
    Region,
    ReviewRequest,
    ReviewState,
)
from foureyes.core.text import split_lines
from foureyes.core.wording import span
from foureyes.engine.engine import Engine
from foureyes.rules import four_eyes as rules
from foureyes.rules import signing
from foureyes.rules.policy import Policy, PolicyError
from foureyes.store.files import Commit
from foureyes.store.initialise import append_claims
from foureyes.store.ledger import new_id, now

_log = logging.getLogger("foureyes.app.review")

Warn = Callable[[str], None]
ApprovalT = TypeVar("ApprovalT", Approval, Baseline)


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


def region_by_id(engine: Engine, region_id: str) -> Region:
    """The region with this id (or a unique prefix of at least 4 characters of it)."""
    wanted = region_id.strip().lower()
    if len(wanted) < 4:
        raise UsageError(
            f"{region_id!r} is too short to name a region",
            "give the region's id (as `foureyes queue` or `status --json` prints it) or PATH:LINE",
        )
    found = [
        region
        for path in engine.tracked_paths()
        for region in _regions_or_none(engine, path)
        if region.id.startswith(wanted)
    ]
    if not found:
        raise UsageError(
            f"no AI region has the id {region_id!r}",
            "`foureyes queue` lists regions awaiting review with their ids",
        )
    if len({region.id for region in found}) > 1:
        raise UsageError(f"{region_id!r} matches several regions; give more of the id")
    return found[0]


def _regions_or_none(engine: Engine, path: str) -> tuple[Region, ...]:
    try:
        return engine.report(path).regions
    except PolicyError:
        raise
    except UsageError:  # a tracked file became binary or huge: it has no regions to name
        return ()


def approval_refusal(region: Region, identity: Identity) -> str | None:
    """Why `identity` may not approve `region`, or None (the rule lives in rules/four_eyes.py)."""
    return rules.approval_refusal(region, identity)


def changes_refusal(region: Region, identity: Identity) -> str | None:
    """Why `identity` may not request changes to `region`, or None."""
    who = region.review.seniors.person(identity)
    if any(region.review.seniors.person(r) == who for r in region.review.recorders):
        return "four eyes: you brought this AI code in; change it yourself, or ask for review"
    return None


def request_review(
    engine: Engine,
    path: str,
    line: int,
    *,
    reviewers: Sequence[str] = (),
    note: str | None = None,
    text: str | None = None,
    warn: Warn | None = None,
) -> ReviewRequest:
    """Ask for review of the region at `path:line`. Without `reviewers`, the region's
    suggested reviewers (CODEOWNERS seniors, else the seniors) are asked."""
    region = region_at(engine, path, line, text)
    asked = tuple(reviewers) or region.review.suggested
    claim = ReviewRequest(
        id=new_id(), at=now(), by=engine.repo.identity(), path=path,
        anchor=_anchor(engine, region, text), reviewers=asked, note=note or None,
    )  # fmt: skip
    _append(engine, claim)
    _notify(engine, [(claim, region)], warn)
    return claim


def request_review_for_file(
    engine: Engine,
    path: str,
    *,
    note: str | None = None,
    text: str | None = None,
    warn: Warn | None = None,
) -> list[ReviewRequest]:
    """Ask for review of every region in the file that nobody was asked about yet."""
    report = engine.report(path, text)
    identity = engine.repo.identity()
    at = now()
    made: list[tuple[ReviewRequest, Region]] = []
    for region in report.regions:
        if not rules.nobody_asked(region):
            continue
        claim = ReviewRequest(
            id=new_id(), at=at, by=identity, path=path, anchor=_anchor(engine, region, text),
            reviewers=region.review.suggested, note=note or None,
        )  # fmt: skip
        made.append((claim, region))
    _append(engine, *(claim for claim, _ in made))
    _notify(engine, made, warn)
    return [claim for claim, _ in made]


def approve(
    engine: Engine, path: str, line: int, *, note: str | None = None, text: str | None = None
) -> Approval:
    """Approve the region at `path:line`, signed when the approver has a signing key."""
    region = region_at(engine, path, line, text)
    identity = engine.repo.identity()
    where = span(path, region.start_line, region.end_line)
    refusal = approval_refusal(region, identity)
    if refusal:
        raise ReviewRefused(f"cannot approve {where}: {refusal}")
    policy = engine.policy
    key = _key_for(engine, policy, f"approve {where}")
    current = split_lines(text if text is not None else engine.repo.read_text(path))
    approved = current[region.start_line - 1 : region.end_line]
    digests = [signing.line_digest(line) for line in approved]
    claim = Approval(
        id=new_id(), at=now(), by=identity, path=path, anchor=_anchor(engine, region, text),
        note=note or None, extra={signing.DIGESTS_FIELD: digests},
    )  # fmt: skip
    claim = _signed(claim, key, policy, f"approve {where}")
    _append(engine, claim)
    return claim


def _key_for(engine: Engine, policy: Policy, what: str) -> signing.SigningKey | None:
    """The approver's signing key; refused when the policy requires one and there is none."""
    key = signing_key(engine, policy)
    if policy.signing.required and key is None:
        identity = engine.repo.identity()
        raise ReviewRefused(
            f"cannot {what}: the review policy ({policy.source}) requires signed "
            "approvals, and you have no SSH signing key configured",
            "run: git config gpg.format ssh && git config user.signingkey ~/.ssh/id_ed25519 "
            f"(and make sure {policy.signing.allowed_signers} lists that key for "
            f"{identity.email})",
        )
    return key


def _signed(
    claim: ApprovalT, key: signing.SigningKey | None, policy: Policy, what: str
) -> ApprovalT:
    """The approval signed with `key` (unchanged without one); refused when signing is
    required and the signature would not verify against the allowed signers."""
    if key is None:
        return claim
    payload = signing.canonical(claim)
    claim = replace(claim, signature=signing.sign(payload, key))
    if policy.signing.required:
        problem = signing.verify(
            payload, claim.signature or "", claim.by.email,
            policy.signing.allowed_signers_text or "",
        )  # fmt: skip
        if problem is not None:
            raise ReviewRefused(
                f"cannot {what}: signing is required and this approval would not count: {problem}",
                f"add your public key ({key.spec}) for {claim.by.email} to "
                f"{policy.signing.allowed_signers}",
            )
    return claim


@dataclass(frozen=True, slots=True)
class BaselineResult:
    """What `baseline` accepted, and what it left for review with the reason."""

    commit: str
    accepted: tuple[Baseline, ...]
    skipped: tuple[tuple[Region, str], ...]


def baseline(engine: Engine, rev: str = "HEAD", *, note: str | None = None) -> BaselineResult:
    """Accept, as the current user (a senior), the AI code that exists at commit `rev`:
    one `Baseline` per AI region not yet approved there, anchored to its text at `rev`.

    Each region is refused or accepted by the rule an approval follows (seniors for
    its path only; never code you brought in: those regions are skipped and listed);
    with signing required, every baseline is signed. Nothing is written when none is
    accepted, or when a rule refuses the whole run (no identity, no signing key).
    """
    identity = engine.repo.identity()
    policy = engine.policy
    files = Commit(engine.repo, rev)
    at_rev = Engine(engine.repo, policy, complete_risk=False, files=files)
    commit = files.commit
    key = _key_for(engine, policy, f"baseline {rev}")
    at = now()
    accepted: list[Baseline] = []
    skipped: list[tuple[Region, str]] = []
    for path in at_rev.tracked_paths():
        try:
            report = at_rev.report(path)
        except UsageError as error:
            raise UsageError(f"cannot baseline {path} at {commit[:10]}: {error}") from None
        for region in report.regions:
            if region.review.state is ReviewState.APPROVED:
                continue
            refusal = rules.approval_refusal(region, identity)
            if refusal is not None:
                skipped.append((region, refusal))
                continue
            anchor = make_anchor(report.text_lines, region.start_line, region.end_line)
            lines = report.text_lines[region.start_line - 1 : region.end_line]
            digests = [signing.line_digest(line) for line in lines]
            claim = Baseline(
                id=new_id(), at=at, by=identity, path=path, anchor=anchor, note=note or None,
                commit=commit, extra={signing.DIGESTS_FIELD: digests},
            )  # fmt: skip
            accepted.append(_signed(claim, key, policy, f"baseline {path}"))
    _append(engine, *accepted)
    return BaselineResult(commit, tuple(accepted), tuple(skipped))


def request_changes(
    engine: Engine, path: str, line: int, *, note: str | None = None, text: str | None = None
) -> ChangesRequested:
    region = region_at(engine, path, line, text)
    identity = engine.repo.identity()
    refusal = changes_refusal(region, identity)
    if refusal:
        where = span(path, region.start_line, region.end_line)
        raise ReviewRefused(f"cannot request changes to {where}: {refusal}")
    claim = ChangesRequested(
        id=new_id(), at=now(), by=identity, path=path, anchor=_anchor(engine, region, text),
        note=note or None,
    )  # fmt: skip
    _append(engine, claim)
    return claim


def signing_key(engine: Engine, policy: Policy) -> signing.SigningKey | None:
    """The approver's SSH signing key: the policy's signing.key, else git's
    user.signingkey when gpg.format is ssh; None when there is none."""
    program = _git_config(engine, "gpg.ssh.program")
    if policy.signing.key:
        return signing.key_from(policy.signing.key, engine.repo.root, program)
    if (_git_config(engine, "gpg.format") or "").lower() != "ssh":
        return None
    spec = _git_config(engine, "user.signingkey")
    return signing.key_from(spec, engine.repo.root, program) if spec else None


def _git_config(engine: Engine, key: str) -> str | None:
    try:
        return engine.repo.git("config", "--get", key).strip() or None
    except EnvironmentProblem:  # git exits 1 for an unset key
        return None


def _anchor(engine: Engine, region: Region, text: str | None) -> Anchor:
    current = text if text is not None else engine.repo.read_text(region.path)
    return make_anchor(split_lines(current), region.start_line, region.end_line)


def _append(engine: Engine, *claims: ReviewRequest | Approval | ChangesRequested) -> None:
    append_claims(engine.repo, claims, engine.ledger)


def _notify(
    engine: Engine, made: Sequence[tuple[ReviewRequest, Region]], warn: Warn | None
) -> None:
    hooks = engine.policy.webhooks
    if not hooks or not made:
        return
    for problem in notify.post_all(hooks, request_payload(engine, made)):
        message = f"{problem}; the review request was recorded all the same"
        (warn or _log.warning)(message)


def request_payload(engine: Engine, made: Sequence[tuple[ReviewRequest, Region]]) -> dict[str, Any]:
    """The JSON a webhook receives (documented in docs/policy.md)."""
    first = made[0][0]
    return {
        "event": "review-requested",
        "repository": engine.repo.root.name,
        "requested_by": {"name": first.by.name, "email": first.by.email},
        "at": first.at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "requests": [
            {
                "id": claim.id,
                "region": region.id,
                "path": region.path,
                "start_line": region.start_line,
                "end_line": region.end_line,
                "risk": region.risk.level.value,
                "agents": list(region.agents),
                "reviewers": list(claim.reviewers),
                "note": claim.note,
                "approvals": region.review.approvals,
                "approvals_required": region.review.approvals_required,
            }
            for claim, region in made
        ],
    }
