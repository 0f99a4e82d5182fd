"""Parse the `PATH:START-END` arguments the CLI takes into repository line ranges."""

from __future__ import annotations

import re

from foureyes.app.mark import LineRange
from foureyes.core.errors import UsageError
from foureyes.store.repo import Repository

_SPAN = re.compile(r"^(?P<start>\d+)(?:-(?P<end>\d+))?$")


def parse_range(repo: Repository, argument: str) -> LineRange:
    """`src/app.py:10-20` or `src/app.py:7` (one line), relative to cwd or absolute."""
    path, colon, span = argument.rpartition(":")
    match = _SPAN.match(span) if colon else None
    if not path or match is None:
        raise UsageError(
            f"{argument!r} is not PATH:START-END",
            "name lines like src/app.py:10-20 (or src/app.py:7 for one line)",
        )
    start = int(match["start"])
    end = int(match["end"] or start)
    if start < 1 or end < start:
        raise UsageError(f"{argument!r}: lines count from 1 and END must not be before START")
    return LineRange(repo.relpath(path), start, end)
