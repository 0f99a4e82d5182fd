"""The ledger watcher: notices claims that other processes (an agent hook, the CLI)
appended, and refreshes open documents. It starts once the client is initialized.

It polls each repository's ledger generation in the latency lane. Must not know what
a refresh sends (`diagnostics.refresh_all`).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from foureyes.lsp.handlers import diagnostics
from foureyes.lsp.server import FoureyesServer

log = logging.getLogger("foureyes.lsp")
LEDGER_POLL_SECONDS = 0.4


def start(ls: FoureyesServer) -> None:
    ls.scheduler.spawn(_watch(ls))  # cancelled at shutdown with the scheduler's tasks


async def _watch(ls: FoureyesServer) -> None:
    generations: dict[Path, int] = {}  # repository root -> ledger generation last seen
    while True:
        await asyncio.sleep(LEDGER_POLL_SECONDS)
        try:
            changed = False
            for engine in ls.session.engines():
                generation = (await ls.scheduler.latency(engine.snapshot)).generation
                root = engine.repo.root
                # The first sight of a ledger counts as a change: claims may have
                # landed between a document's first diagnostics and this poll.
                if generations.get(root) != generation:
                    changed = True
                generations[root] = generation
            if changed:
                diagnostics.refresh_all(ls)
        except Exception:
            log.exception("watching the ledger failed")
