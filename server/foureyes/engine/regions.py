"""A file's regions: its AI lines cut into review units, each with its risk and review.

A region is cached by the values it is computed from (its lines' verdicts, the review
events' resolutions, its text and the blocks around it, the policy and what the risk
assessor has learned), so an edit elsewhere, or a ledger event about other lines,
leaves it as it was. Must not know where claims come from, git or the workspace.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial

from foureyes.core.lru import Lru
from foureyes.core.model import (
    AnchoredClaim,
    Approval,
    ChangesRequested,
    Contributor,
    LineAuthorship,
    Region,
    ReviewRequest,
    Risk,
    RiskReason,
    Seniors,
)
from foureyes.core.resolve import LineMatch
from foureyes.core.text import content_key
from foureyes.core.text_index import TextIndex
from foureyes.engine.authorship import AI_LIKE, moved_with
from foureyes.engine.review_state import ApprovalChecks, review
from foureyes.engine.units import Unit, review_units, risk_blocks
from foureyes.risk.assess import Assessor, RegionInput, RiskConfig
from foureyes.risk.catalog import RULES
from foureyes.risk.languages import language_of
from foureyes.risk.outline import knows, outline
from foureyes.rules import four_eyes as rules
from foureyes.rules.policy import Policy

_AI_ONLY = frozenset({Contributor.AI})

Matches = Callable[[AnchoredClaim], dict[int, LineMatch]]


class Regions:
    """Regions of one repository's files. Thread-safe."""

    def __init__(self, assessor: Assessor) -> None:
        self.assessor = assessor
        self.checks = ApprovalChecks()
        self._lock = threading.Lock()
        self._cache: Lru[tuple[object, ...], Region] = Lru(2048)

    def of(
        self,
        path: str,
        attributed: Mapping[int, LineAuthorship],
        claims: Sequence[AnchoredClaim],
        index: TextIndex,
        matches: Matches,
        policy: Policy,
        *,
        complete_risk: bool,
        text: str,
        text_key: str,
        local: frozenset[str],
    ) -> tuple[Region, ...]:
        """The regions of `path` whose lines are `attributed`; `matches` resolves a
        review event against this text, `local` names the files whose events are this
        file's own (the others moved here)."""
        if policy.is_ignored(path):
            return ()
        needs_review = AI_LIKE if policy.mixed_lines_need_review else _AI_ONLY
        language = language_of(path)
        syntax = partial(outline, language) if language is not None and knows(language) else None
        units = review_units(attributed, index.lines, needs_review, syntax)
        if not units:
            return ()
        blocks = risk_blocks(attributed, index.lines, needs_review, syntax)
        reviews = [
            (claim, matches(claim))
            for claim in claims
            if isinstance(claim, ReviewRequest | Approval | ChangesRequested)
        ]
        # An approval that moved here from another file covers only the lines that
        # moved with it, never a copy that has a claim of its own.
        reviews = [
            (claim, found if claim.path in local else moved_with(claim, found, attributed))
            for claim, found in reviews
        ]
        seniors = policy.seniors_for(path)
        critical = policy.critical_match(path)
        config = policy.risk_config()
        regions = []
        learned = self.assessor.generation
        # The slow tier reads the whole text (blast radius); the fast one reuses the
        # counts it found (`learned` grows when it finds more).
        whole = text_key if complete_risk else None
        reviewed = tuple((claim.id, tuple(found.items())) for claim, found in reviews)
        block_starts = [start for start, _ in blocks]  # in order, not overlapping
        for unit in units:
            body = tuple(index.lines[unit.start - 1 : unit.end])
            first = max(bisect_right(block_starts, unit.start) - 1, 0)
            last = bisect_right(block_starts, unit.end)
            around = tuple(
                (start, end, tuple(index.lines[start - 1 : end]))
                for start, end in blocks[first:last]
                if start <= unit.end and unit.start <= end and (start, end) != unit.span
            )
            # Values only: the policy is held (compared by identity, so while it is a
            # key it cannot be another policy at a reused address).
            key = (path, policy, learned, whole, tuple(map(_verdict_key, unit.lines)),
                   unit.replaced, reviewed, body, around)  # fmt: skip
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None:
                regions.append(cached)
                continue
            region = self._region(
                path, unit, body, around, reviews, index, policy, seniors, critical, config,
                complete_risk, text,
            )  # fmt: skip
            with self._lock:
                self._cache.put(key, region)
            regions.append(region)
        return tuple(regions)

    def _region(
        self,
        path: str,
        unit: Unit,
        body: tuple[str, ...],
        around: Sequence[tuple[int, int, tuple[str, ...]]],
        reviews: Sequence[tuple[AnchoredClaim, dict[int, LineMatch]]],
        index: TextIndex,
        policy: Policy,
        seniors: Seniors,
        critical: str | None,
        config: RiskConfig,
        complete_risk: bool,
        text: str,
    ) -> Region:
        region_input = RegionInput(path, unit.start, body, unit.replaced, critical, text)
        risk = self.assessor.assess(region_input, config, slow=complete_risk)
        for start, end, block_body in around:
            # Never less risky than the block of AI code it lies in: splitting one risky
            # function into many small claims must not make many harmless units.
            block = self.assessor.assess(
                RegionInput(path, start, block_body, 0, critical, text), config, slow=complete_risk
            )
            risk = _riskier(risk, block, start, end)
        required = policy.approvals_for(risk.level)
        recorders = rules.recorders(unit.lines)
        found = review(unit.lines, reviews, index, policy, seniors, required, self.checks)
        suggested = policy.suggested_reviewers(path, (*recorders, *found.approvers))
        return Region(
            id=_region_id(unit.lines[0]),
            path=path,
            start_line=unit.start,
            end_line=unit.end,
            lines=unit.lines,
            review=replace(found, suggested=suggested, recorders=recorders),
            risk=risk,
            replaced=unit.replaced,
        )


def _verdict_key(line: LineAuthorship) -> tuple[object, ...]:
    """What a region reads of a line's verdict. A claim is named by its id: the ledger
    refuses two events with one id."""
    claim = line.claim
    return (line.line, line.contributor, claim.id if claim else None, line.claim_line,
            line.also_by)  # fmt: skip


def _riskier(own: Risk, block: Risk, start: int, end: int) -> Risk:
    """The unit's own risk, or its block's when that is higher (with a reason saying so)."""
    complete = own.complete and block.complete
    if (block.level.rank, block.score) <= (own.level.rank, own.score):
        return replace(own, complete=complete)
    sentence = RULES["risky-block"].sentence.format(start=start, end=end, level=block.level.value)
    why = RiskReason("This AI code " + sentence, start, end, "risky-block", 0)
    return replace(block, reasons=(why, *block.reasons), complete=complete)


def _region_id(first: LineAuthorship) -> str:
    """Stable while the region's first line is the same captured line."""
    seed = f"{first.claim.id if first.claim else ''}:{first.claim_line}"
    return content_key(seed, 5)
