"""Claims a person makes by hand: "these lines were written by an AI" or "by me".

Used by `foureyes mark` and by the editor actions of the same name. It anchors the
named lines of the file's current text and appends the claims; it must not know
about argv, terminals or LSP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from foureyes.core.anchor import make_anchor
from foureyes.core.errors import UsageError
from foureyes.core.model import AiAuthorship, HumanAuthorship
from foureyes.core.text import split_lines
from foureyes.core.wording import count, span
from foureyes.store.initialise import append_claims
from foureyes.store.ledger import new_id, now
from foureyes.store.repo import Repository


@dataclass(frozen=True, slots=True)
class LineRange:
    """Lines `start`..`end` of `path`, 1-based and inclusive."""

    path: str
    start: int
    end: int

    def __str__(self) -> str:
        return span(self.path, self.start, self.end)


def mark(
    repo: Repository,
    ranges: Sequence[LineRange],
    *,
    ai: bool,
    agent: str | None = None,
    model: str | None = None,
    texts: dict[str, str] | None = None,
    source: str = "manual",
    confidence: float = 1.0,
) -> list[AiAuthorship | HumanAuthorship]:
    """Record who wrote each range (AI or the acting person) and return the claims written.

    `texts` supplies unsaved text per path (an editor buffer); otherwise the
    working-tree file is read. Every range is checked before anything is written.
    `source` and `confidence` describe AI claims that are guesses (an editor heuristic).
    """
    identity = repo.identity()
    at = now()
    claims: list[AiAuthorship | HumanAuthorship] = []
    for line_range in ranges:
        text = (texts or {}).get(line_range.path)
        lines = split_lines(text if text is not None else repo.read_text(line_range.path))
        if not 1 <= line_range.start <= line_range.end <= len(lines):
            raise UsageError(
                f"{line_range} is outside the file, which has {count(len(lines), 'line')}",
                "give lines as PATH:START-END with 1 <= START <= END <= the file's length",
            )
        anchor = make_anchor(lines, line_range.start, line_range.end)
        if ai:
            claims.append(
                AiAuthorship(
                    id=new_id(), at=at, by=identity, path=line_range.path, anchor=anchor,
                    agent=agent or "unspecified", model=model, source=source,
                    confidence=confidence,
                )
            )  # fmt: skip
        else:
            claims.append(
                HumanAuthorship(
                    id=new_id(), at=at, by=identity, path=line_range.path, anchor=anchor,
                    source="manual",
                )
            )  # fmt: skip
    append_claims(repo, claims)
    return claims
