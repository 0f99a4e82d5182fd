"""Append events to a ledger from a separate OS process, for tests/test_ledger.py.

Usage: python ledger_writer.py LEDGER WRITER COUNT READY_DIR START_FILE

The writer announces itself by creating READY_DIR/WRITER, waits until START_FILE
exists (so that every writer starts at the same moment and their appends really
overlap), then appends COUNT events one `append` call at a time. Event ids are
`w<WRITER>-<n>` so the test can tell which writer wrote what, and in what order.
The kinds cycle through every claim kind, and every 50th event carries a note of
about 10 KB so that some writes are larger than a pipe buffer or a page.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from foureyes.core.model import (
    AiAuthorship,
    Anchor,
    Approval,
    ChangesRequested,
    Claim,
    Dismissal,
    HumanAuthorship,
    Identity,
    ReviewRequest,
)
from foureyes.store.ledger import Ledger

START_TIMEOUT_SECONDS = 60.0


def event(writer: int, n: int) -> Claim:
    """The n-th event of one writer; deterministic apart from its time."""
    common = {
        "id": event_id(writer, n),
        "at": datetime.now(UTC),
        "by": Identity(name=f"Writer {writer}", email=f"writer{writer}@example.com"),
    }
    anchored = {
        **common,
        "path": f"src/module_{writer % 5}.py",
        "anchor": Anchor(start_line=n + 1, lines=(f"l{n}",), exact=(f"e{n}",)),
    }
    note = "x" * 10_000 if n % 50 == 0 else f"note {n}"
    match n % 6:
        case 0:
            return AiAuthorship(**anchored, agent="writer-agent", model="m", confidence=0.5)
        case 1:
            return HumanAuthorship(**anchored, note=note)
        case 2:
            return ReviewRequest(**anchored, reviewers=("a@example.com",), note=note)
        case 3:
            return Approval(**anchored, note=note)
        case 4:
            return ChangesRequested(**anchored, note=note)
        case _:
            return Dismissal(**common, targets=("not-an-event",), reason=note)


def event_id(writer: int, n: int) -> str:
    return f"w{writer:02d}-{n:05d}"


def main(argv: list[str]) -> int:
    ledger_path, writer, count, ready_dir, start_file = argv
    ledger = Ledger(Path(ledger_path))
    Path(ready_dir, writer).touch()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not Path(start_file).exists():
        if time.monotonic() > deadline:
            print("ledger_writer: never told to start", file=sys.stderr)
            return 2
        time.sleep(0.001)
    for n in range(int(count)):
        ledger.append([event(int(writer), n)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
