"""Value types shared by every layer: claims, anchors, line authorship, regions, review state.

This module is pure data. It must not know how claims are stored (store/ledger.py), how
anchors are resolved (anchor.py), or who shows the results (lsp/, cli/). Everything
here is immutable so that results can be cached and shared between threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar


class Contributor(StrEnum):
    """Who wrote a line, in Agent Trace's vocabulary."""

    AI = "ai"
    MIXED = "mixed"  # AI-written, later changed by a person: still needs review
    HUMAN = "human"
    UNKNOWN = "unknown"


class ReviewState(StrEnum):
    """Where an AI region stands in review, from least to most settled."""

    UNREVIEWED = "unreviewed"
    REVIEW_REQUESTED = "review-requested"  # someone was asked
    PARTIALLY_APPROVED = "partially-approved"  # some approvals count, fewer than needed
    CHANGES_REQUESTED = "changes-requested"
    APPROVED = "approved"


class RiskLevel(StrEnum):
    """How much could go wrong with a region; the policy maps each level to approvals."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RISK_ORDER.index(self)


_RISK_ORDER = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL)


@dataclass(frozen=True, slots=True)
class Identity:
    """A person as git knows them. The email is the key; the name is for display."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else f"<{self.email}>"


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a claim sits, by content: hashes of the claimed lines plus a little context.

    `lines` holds whitespace-insensitive hashes (used to find the lines again),
    `exact` holds hashes of the exact text (used to tell whether a found line was
    changed since). `before` and `after` hash up to a few neighbouring lines, nearest
    last and nearest first respectively. `start_line` is 1-based and only a hint.
    """

    start_line: int
    lines: tuple[str, ...]
    exact: tuple[str, ...]
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    # Per claimed line, optional (older anchors have none): `raw` hashes the text with
    # its trailing whitespace, so an approval covers exactly the text reviewed;
    # `sketch` holds a few token hashes, to recognise a line a person edited.
    raw: tuple[str, ...] = ()
    sketch: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.lines) != len(self.exact):
            raise ValueError("an anchor needs one exact hash per line hash")
        for name in ("raw", "sketch"):
            if getattr(self, name) and len(getattr(self, name)) != len(self.lines):
                raise ValueError(f"an anchor's {name} needs one entry per line")
        if not self.lines:
            raise ValueError("an anchor must cover at least one line")

    @property
    def line_count(self) -> int:
        return len(self.lines)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimBase:
    """Fields every event in the ledger carries.

    `extra` keeps fields this version does not know, so that a newer writer's
    information survives being read and re-written by an older reader.
    """

    KIND: ClassVar[str] = ""

    id: str
    at: datetime
    by: Identity
    extra: Mapping[str, object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnchoredClaim(ClaimBase):
    """A claim about specific lines of one file."""

    path: str
    anchor: Anchor


@dataclass(frozen=True, slots=True, kw_only=True)
class AiAuthorship(AnchoredClaim):
    """These lines were written by an AI agent."""

    KIND: ClassVar[str] = "ai"

    agent: str
    model: str | None = None
    session: str | None = None
    source: str = "manual"
    confidence: float = 1.0
    replaced: int = 0  # lines of existing code that the edit removed or rewrote
    # Claims one agent edit produced share this id (an edit that kept old lines in its
    # middle is recorded as several claims): they form one review unit. None: the claim
    # is its own edit.
    edit: str | None = None

    @property
    def capture(self) -> str:
        """What produced these lines: the agent edit they came from, else this claim."""
        return self.edit or self.id


@dataclass(frozen=True, slots=True, kw_only=True)
class HumanAuthorship(AnchoredClaim):
    """A person states that they wrote these lines (overrides earlier AI claims)."""

    KIND: ClassVar[str] = "human"

    source: str = "manual"
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewRequest(AnchoredClaim):
    """Someone asks for these lines to be reviewed."""

    KIND: ClassVar[str] = "review-request"

    reviewers: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Approval(AnchoredClaim):
    """A reviewer approves exactly the text these lines had when they approved."""

    KIND: ClassVar[str] = "approval"

    note: str | None = None
    signature: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Baseline(Approval):
    """A senior accepts AI code that was already there at `commit` (merged long ago,
    reviewed before foureyes): it needs no review until it changes. It counts as all
    the approvals its lines need, under every rule an approval is under (seniors only,
    never code its author brought in, exactly the text accepted, signed when required)."""

    KIND: ClassVar[str] = "baseline"

    commit: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangesRequested(AnchoredClaim):
    """A reviewer asks for changes to these lines."""

    KIND: ClassVar[str] = "changes-requested"

    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Dismissal(ClaimBase):
    """Withdraws earlier events by id (a revoked approval, a cancelled request)."""

    KIND: ClassVar[str] = "dismissal"

    targets: tuple[str, ...]
    reason: str | None = None


Authorship = AiAuthorship | HumanAuthorship
ReviewClaim = ReviewRequest | Approval | ChangesRequested
Claim = AiAuthorship | HumanAuthorship | ReviewRequest | Approval | ChangesRequested | Dismissal

CLAIM_TYPES: Mapping[str, type[Claim]] = {
    cls.KIND: cls
    for cls in (
        AiAuthorship, HumanAuthorship, ReviewRequest, Approval, Baseline, ChangesRequested,
        Dismissal,
    )
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class LineAuthorship:
    """The verdict for one line of the current text.

    `claim` is the authorship claim that decided it (None for unknown lines and for
    lines a person inserted into an AI block). `claim_line` is the index of the line
    inside that claim's anchor, so callers can tell which captured line this is.
    """

    line: int  # 1-based
    contributor: Contributor
    claim: Authorship | None = None
    claim_line: int | None = None
    # Others who brought this line in besides `claim.by`: whoever relabelled it as human
    # (that needs someone else's approval), the author and committer of its commit.
    also_by: tuple[Identity, ...] = ()

    @property
    def recorders(self) -> tuple[Identity, ...]:
        """Everyone who may not approve this line (four eyes)."""
        own = (self.claim.by,) if self.claim is not None else ()
        return (*own, *self.also_by)


@dataclass(frozen=True, slots=True)
class Seniors:
    """Who may approve a region: the policy's seniors for its path, already resolved.

    `entries` are as the policy and CODEOWNERS wrote them (emails, @handles,
    @org/teams, "*"), for display. `emails` and `handles` are what they resolve to
    (teams expanded, handles mapped to emails where the policy says so); a handle
    also matches GitHub's no-reply address for it. `anyone` means the policy names
    no seniors: every person but the one who recorded the code may approve.
    """

    entries: tuple[str, ...] = ("*",)
    emails: frozenset[str] = frozenset()
    handles: frozenset[str] = frozenset()
    anyone: bool = True
    # email -> "@handle" from the policy's [people]: who is the same person (see person()).
    aliases: Mapping[str, str] = field(default_factory=dict, compare=False)

    def includes(self, person: Identity) -> bool:
        if self.anyone:
            return True
        email = person.email.strip().lower()
        if email in self.emails or _without_tag(email) in self.emails:
            return True
        key = self.person(person)
        return key.startswith("@") and key[1:] in self.handles

    def person(self, who: Identity) -> str:
        """Who `who` is as a person, not an address: the key four-eyes rules and
        approval counts compare. Two addresses are one person when the policy's
        [people] maps both to one handle, when one is GitHub's no-reply address for
        that handle, or when they differ only in a `+tag` (me+agent@ is me@)."""
        email = who.email.strip().lower()
        for candidate in (email, _without_tag(email)):
            if candidate in self.aliases:
                return self.aliases[candidate]
        handle = github_handle(email)
        if handle is not None:
            return f"@{handle}"
        return _without_tag(email)


_NOREPLY = "@users.noreply.github.com"


def _without_tag(email: str) -> str:
    """`me+agent@example.com` -> `me@example.com` (sub-addressing names one mailbox)."""
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    return f"{local.partition('+')[0] or local}@{domain}"


def github_handle(email: str) -> str | None:
    """The GitHub login in a no-reply address (`123+login@users.noreply.github.com`)."""
    email = email.strip().lower()
    if not email.endswith(_NOREPLY):
        return None
    local = email[: -len(_NOREPLY)]
    return local.partition("+")[2] or local or None


@dataclass(frozen=True, slots=True)
class DiscountedApproval:
    """An approval of some of a region's lines that does not count, and why."""

    approval: Approval
    reason: str


@dataclass(frozen=True, slots=True)
class PartialApproval:
    """An approval that counts for some of a region's lines only (`lines` of `of`):
    the region changed shape since (a neighbour joined it, say)."""

    approval: Approval
    lines: int
    of: int


@dataclass(frozen=True, slots=True)
class Review:
    """The review situation of one region.

    Approvals count per line: `approvals` is the smallest number of distinct people
    whose approval counts on a line, over the region's lines, so the region is
    approved when each of its lines has what the region's risk needs.
    """

    state: ReviewState
    approvals_required: int
    approvals: int = 0
    approvers: tuple[Identity, ...] = ()  # distinct people whose approval covers every line
    requests: tuple[ReviewRequest, ...] = ()
    changes_requested: tuple[ChangesRequested, ...] = ()
    seniors: Seniors = field(default_factory=Seniors)  # who may approve this region
    discounted: tuple[DiscountedApproval, ...] = ()  # approvals seen that do not count
    suggested: tuple[str, ...] = ()  # reviewers to ask (CODEOWNERS seniors, else seniors)
    recorders: tuple[Identity, ...] = ()  # who brought the code in: none of them approves it
    partly: tuple[PartialApproval, ...] = ()  # approvals that count on some lines only
    baselines: tuple[Baseline, ...] = ()  # baselines that count on its lines

    @property
    def asked(self) -> tuple[str, ...]:
        """Everyone a live review request asked, in the order they were asked."""
        return tuple(dict.fromkeys(r for request in self.requests for r in request.reviewers))


@dataclass(frozen=True, slots=True)
class RiskReason:
    """One reason a region is risky: a sentence, what it adds to the score, and the
    lines it points at when it points at code. Rules are listed in docs/risk.md."""

    message: str
    start_line: int | None = None
    end_line: int | None = None
    rule: str = ""
    weight: int = 0
    cwe: str | None = None


@dataclass(frozen=True, slots=True)
class Risk:
    """A region's risk: a score from 0 to 100, its level, and the reasons for it.

    `complete` is False while slow signals (those that need jedi) are still pending.
    """

    level: RiskLevel = RiskLevel.LOW
    reasons: tuple[RiskReason, ...] = ()
    score: int = 0
    complete: bool = True

    @property
    def top_reasons(self) -> tuple[RiskReason, ...]:
        return tuple(sorted(self.reasons, key=lambda reason: -reason.weight))


@dataclass(frozen=True, slots=True)
class Region:
    """A review unit: the AI lines one capture produced (one agent edit, or adjacent edits
    of one agent session), split where a top-level definition begins (see engine/units.py).

    Its span (`start_line`..`end_line`) can hold lines that are not AI: old lines an
    edit kept in its middle. Those are context, not part of `lines`.
    """

    id: str
    path: str
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    lines: tuple[LineAuthorship, ...]  # the ai and mixed lines, in order
    review: Review
    risk: Risk = field(default_factory=Risk)
    replaced: int = 0  # old lines the edits that wrote this unit removed or rewrote here

    @property
    def claims(self) -> tuple[AiAuthorship, ...]:
        seen: dict[str, AiAuthorship] = {}
        for line in self.lines:
            if isinstance(line.claim, AiAuthorship):
                seen.setdefault(line.claim.id, line.claim)
        return tuple(seen.values())

    @property
    def agents(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(claim.agent for claim in self.claims))

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.model for c in self.claims if c.model))

    @property
    def mixed_lines(self) -> int:
        return sum(1 for line in self.lines if line.contributor is Contributor.MIXED)

    def contains(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line

    @property
    def context_lines(self) -> tuple[int, ...]:
        """Lines inside the span that are not the unit's own: kept old code, blank lines."""
        own = {line.line for line in self.lines}
        return tuple(n for n in range(self.start_line, self.end_line + 1) if n not in own)


@dataclass(frozen=True, slots=True)
class FileReport:
    """The engine's answer for one file: every line's authorship and the AI regions.

    Only lines with a known contributor are stored (`attributed`); every other line
    is unknown. That keeps a report of a large, mostly human file small.
    """

    path: str
    line_count: int
    attributed: Mapping[int, LineAuthorship]  # 1-based line -> verdict; unknown lines absent
    regions: tuple[Region, ...]
    # The text the report is for, split as LSP splits it (faces need it for ranges).
    text_lines: Sequence[str] = field(default=(), compare=False, repr=False)

    def line(self, number: int) -> LineAuthorship:
        return self.attributed.get(number) or LineAuthorship(number, Contributor.UNKNOWN)

    @property
    def lines(self) -> tuple[LineAuthorship, ...]:
        return tuple(self.line(number) for number in range(1, self.line_count + 1))

    def region_at(self, line: int) -> Region | None:
        return next((r for r in self.regions if r.contains(line)), None)
