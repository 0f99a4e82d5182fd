"""Benchmark 1b: how long the slow risk reasons (jedi) take to reach the editor.

The first diagnostics come from the fast tier; jedi's verdict on an import that
exists nowhere arrives later without delaying them. Measures, through a real LSP
client over stdio, the time from didOpen to the first diagnostics and to the
refined ones naming the import. Each run is a fresh server and repository (jedi's
answers are cached on disk per repository). No target in the issue: recorded for
reference.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import FOUREYES, Client, make_repo, python_file, save, summary
from lsprotocol import types

RUNS = 5


async def once() -> tuple[float, float]:
    root = Path(tempfile.mkdtemp(prefix="foureyes-bench-")) / "repo"
    make_repo(root)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = []\n'
    )
    lines = ["import requestz", "", *python_file(200)]
    text = "\n".join(lines) + "\n"
    (root / "app.py").write_text(text)
    subprocess.run([FOUREYES, "mark", "--ai", "app.py:1-40", "--agent", "bench"], cwd=root,
                   check=True, capture_output=True)  # fmt: skip
    client = Client()
    await client.start([FOUREYES, "serve"], root)
    uri = (root / "app.py").as_uri()
    first = client.expect(uri, 1)
    opened = time.perf_counter()
    client.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    fast = await asyncio.wait_for(first, 30) - opened
    while not any("requestz" in d.message for d in client.latest.get(uri, [])):
        if time.perf_counter() - opened > 60:
            raise SystemExit("the jedi reason never arrived")
        await asyncio.sleep(0.005)
    refined = time.perf_counter() - opened
    await client.stop()
    return fast, refined


async def main() -> None:
    fast, refined = [], []
    for _ in range(RUNS):
        first, later = await once()
        fast.append(first)
        refined.append(later)
    save(
        "jedi_reasons",
        {
            "runs": RUNS,
            "open_to_first_diagnostics": summary(fast),
            "open_to_jedi_reasons": summary(refined),
        },
    )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
