"""Review units: which AI lines of a file a reviewer reviews together.

A unit is what one capture produced: the lines of one agent edit (all claims that
share an `edit` id, else one claim, else one commit's lines from history), joined with
the edits of the same agent session that touch it directly. It is never merged with
another capture's lines across blank lines, so code an agent adds next to reviewed
code is a unit of its own and never changes what the reviewed one needs.

A unit is split where the syntax says a definition begins that does not sit inside
another one the unit started in (two functions, two classes, two methods of a class
whose header lies outside the unit), and where it would bridge more than `GAP` lines
that are not AI, unless one definition holds both sides. Lines an edit kept in its
middle are inside the unit's span as context, not as its own lines.

Risk is assessed per unit, but never below the risk of the block of AI code the unit
lies in (`risk_blocks`: AI lines with only blank lines between, whoever captured
them, split only where the syntax says a definition begins). Otherwise recording one
risky function as many small claims would give many low-risk units, none blocking.

This module is pure: it knows line verdicts, the text and an outline function (where
definitions begin); not the ledger, git, policies or review.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from foureyes.core.model import AiAuthorship, Contributor, HumanAuthorship, LineAuthorship
from foureyes.risk.outline import Definition

# Old lines an edit may keep between two of its changes and still be one unit where no
# syntax speaks: the distance at which a unified diff joins two hunks (2 x 3 lines).
GAP = 6

Outline = Callable[[str], Sequence[Definition]]


@dataclass(frozen=True, slots=True)
class Unit:
    lines: tuple[LineAuthorship, ...]  # the unit's own (review) lines, in order
    replaced: int = 0  # the old lines its edits removed or rewrote, as far as they lie here

    @property
    def start(self) -> int:
        return self.lines[0].line

    @property
    def end(self) -> int:
        return self.lines[-1].line

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


def review_units(
    attributed: Mapping[int, LineAuthorship],
    texts: Sequence[str],
    needs_review: frozenset[Contributor],
    outline: Outline | None = None,
) -> list[Unit]:
    """The units of a file: `attributed` holds its line verdicts (unknown lines absent),
    `texts` its lines, `needs_review` which contributors need review, `outline` the
    syntax of a piece of code (None for a language foureyes cannot parse)."""
    review = [
        attributed[n] for n in sorted(attributed) if attributed[n].contributor in needs_review
    ]
    pieces: list[list[LineAuthorship]] = []
    for chain in _chains(review):
        pieces.extend(_split(chain, texts, outline))
    trimmed = [piece for piece in (_trim_blank_ends(p, texts) for p in pieces) if piece]
    return _with_replaced(trimmed)


def risk_blocks(
    attributed: Mapping[int, LineAuthorship],
    texts: Sequence[str],
    needs_review: frozenset[Contributor],
    outline: Outline | None = None,
) -> list[tuple[int, int]]:
    """The spans whose risk a unit inside them takes on when it is higher than its own:
    runs of review lines with only blank lines between them (a person's claim on a
    blank line ends one), whoever captured them, cut where a definition begins."""
    runs: list[list[LineAuthorship]] = []
    previous = 0
    for number, verdict in sorted(attributed.items()):
        if verdict.contributor not in needs_review:
            continue
        if not runs or not _only_blank_between(previous, number, attributed, texts):
            runs.append([])
        runs[-1].append(verdict)
        previous = number
    blocks: list[tuple[int, int]] = []
    for run in runs:
        for piece in _split(run, texts, outline):
            trimmed = _trim_blank_ends(piece, texts)
            if trimmed:
                blocks.append((trimmed[0].line, trimmed[-1].line))
    return blocks


def _only_blank_between(
    first: int, last: int, attributed: Mapping[int, LineAuthorship], texts: Sequence[str]
) -> bool:
    for number in range(first + 1, last):
        verdict = attributed.get(number)
        if texts[number - 1].strip() or (verdict and verdict.contributor is Contributor.HUMAN):
            return False
    return True


def _chains(review: Sequence[LineAuthorship]) -> list[list[LineAuthorship]]:
    """Consecutive review lines of one capture, or of one session where they touch."""
    chains: list[list[LineAuthorship]] = []
    previous: LineAuthorship | None = None
    for verdict in review:
        # Most neighbours share their claim object: the common case costs one comparison.
        if previous is not None and (
            (verdict.claim is previous.claim and verdict.claim is not None)
            or _joins(previous, verdict)
        ):
            chains[-1].append(verdict)
        else:
            chains.append([verdict])
        previous = verdict
    return chains


def _joins(previous: LineAuthorship, current: LineAuthorship) -> bool:
    first, second = previous.claim, current.claim
    if first is None or second is None:
        return False
    if _capture(first) == _capture(second):
        return True
    return (
        current.line == previous.line + 1
        and isinstance(first, AiAuthorship)
        and isinstance(second, AiAuthorship)
        and first.session is not None
        and first.session == second.session
        and first.agent == second.agent
    )


def _capture(claim: AiAuthorship | HumanAuthorship) -> str:
    return claim.capture if isinstance(claim, AiAuthorship) else claim.id


def _split(
    chain: list[LineAuthorship], texts: Sequence[str], outline: Outline | None
) -> list[list[LineAuthorship]]:
    """The chain cut where a definition begins at the unit's top level, and at long
    gaps no definition spans."""
    first, last = chain[0].line, chain[-1].line
    definitions: Sequence[Definition] = ()
    if outline is not None and last > first:
        relative = outline("\n".join(texts[first - 1 : last]) + "\n")
        definitions = [Definition(d.start + first, d.end + first, d.depth) for d in relative]
    cuts = {d.start for d in definitions if d.depth == 0 and d.start > first}
    for previous, current in pairwise(chain):
        gap = current.line - previous.line - 1
        if gap > GAP and not any(
            d.start <= previous.line and current.line <= d.end for d in definitions
        ):
            cuts.add(current.line)
    if not cuts:
        return [chain]
    pieces: list[list[LineAuthorship]] = [[]]
    ordered = sorted(cuts)
    at = 0
    for verdict in chain:
        while at < len(ordered) and verdict.line >= ordered[at]:
            at += 1
            if pieces[-1]:
                pieces.append([])
        pieces[-1].append(verdict)
    return [piece for piece in pieces if piece]


def _trim_blank_ends(piece: list[LineAuthorship], texts: Sequence[str]) -> list[LineAuthorship]:
    """A unit starts and ends on code: blank AI lines at its ends are left out."""
    start, end = 0, len(piece)
    while start < end and not texts[piece[start].line - 1].strip():
        start += 1
    while end > start and not texts[piece[end - 1].line - 1].strip():
        end -= 1
    return piece[start:end]


def _with_replaced(pieces: Sequence[list[LineAuthorship]]) -> list[Unit]:
    """Each claim's replaced-line count goes to the units that hold its lines, shared by
    how many of them each holds (largest remainder, so the shares add up): the count
    says where code was rewritten, and a claim split into two units rewrote both."""
    claims: dict[str, AiAuthorship] = {}
    held: Counter[str] = Counter()
    for piece in pieces:
        for verdict in piece:
            if isinstance(verdict.claim, AiAuthorship) and verdict.claim.replaced:
                claims.setdefault(verdict.claim.id, verdict.claim)
                held[verdict.claim.id] += 1
    replaced = [0] * len(pieces)
    for claim_id, claim in claims.items():
        counts = [_count(piece, claim_id) for piece in pieces]
        for index, share in enumerate(_shares(claim.replaced, counts, held[claim_id])):
            replaced[index] += share
    return [Unit(tuple(piece), replaced[i]) for i, piece in enumerate(pieces)]


def _count(piece: Iterable[LineAuthorship], claim_id: str) -> int:
    return sum(1 for v in piece if v.claim is not None and v.claim.id == claim_id)


def _shares(total: int, counts: Sequence[int], whole: int) -> list[int]:
    exact = [total * count / whole for count in counts]
    shares = [int(value) for value in exact]
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in order[: total - sum(shares)]:
        shares[index] += 1
    return shares
