"""Benchmark 1: time from a didChange to the diagnostics that reflect it.

A 10,000-line Python file with 100 AI regions; 200 single-character edits spread
over the file, each waiting for the diagnostics of its version, through a real LSP
client over stdio. Target: p50 <= 15 ms, p95 <= 50 ms.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from common import FOUREYES, Client, make_repo, python_file, save, summary
from lsprotocol import types

LINES = 10_000
REGIONS = 100
EDITS = 200


async def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="foureyes-bench-")) / "repo"
    make_repo(root)
    lines = python_file(LINES)
    (root / "big.py").write_text("\n".join(lines) + "\n")
    ranges = [f"big.py:{start}-{start + 19}" for start in range(50, LINES, LINES // REGIONS)][
        :REGIONS
    ]
    import subprocess

    subprocess.run([FOUREYES, "mark", "--ai", *ranges, "--agent", "bench"], cwd=root, check=True,
                   capture_output=True)  # fmt: skip
    client = Client()
    # FOUREYES_BENCH_WRAP="py-spy record -o prof.svg --" profiles the server under load.
    wrap = os.environ.get("FOUREYES_BENCH_WRAP", "").split()
    await client.start([*wrap, FOUREYES, "serve"], root)
    uri = (root / "big.py").as_uri()
    first = client.expect(uri, 1)
    client.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text="\n".join(lines) + "\n"
            )
        )
    )
    await asyncio.wait_for(first, 30)
    assert len(client.latest[uri]) == REGIONS, len(client.latest[uri])
    samples = await client.type_and_time(uri, LINES, EDITS, seed=7, character=4, text="x")
    await client.stop()
    result = summary(samples)
    save(
        "edit_to_diagnostics",
        {
            "file_lines": LINES,
            "regions": REGIONS,
            "edits": EDITS,
            "latency": result,
            "target": {"p50_ms": 15, "p95_ms": 50},
            "meets_target": result["median_ms"] <= 15 and result["p95_ms"] <= 50,
        },
    )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
