"""Benchmark 2: from starting `foureyes serve` to the first diagnostics of an opened file.

Target <= 1.0 s. As a reference, jedi-language-server's start-to-initialized time is
measured in the same run (install it with `pip install jedi-language-server`; the
benchmark says so when it is missing).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import FOUREYES, Client, make_repo, python_file, save, summary
from lsprotocol import types

RUNS = 7


async def foureyes_once(root: Path, uri: str, text: str) -> tuple[float, float]:
    client = Client()
    started = time.perf_counter()
    initialized = await client.start([FOUREYES, "serve"], root)
    waiter = client.expect(uri, 1)
    client.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    await asyncio.wait_for(waiter, 30)
    first = time.perf_counter() - started
    await client.stop()
    return initialized, first


async def reference_once(command: list[str], root: Path) -> float:
    client = Client()
    initialized = await client.start(command, root)
    await client.stop()
    return initialized


async def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="foureyes-bench-")) / "repo"
    make_repo(root)
    lines = python_file(2_000)
    text = "\n".join(lines) + "\n"
    (root / "app.py").write_text(text)
    marks = ["app.py:100-140", "app.py:900-950"]
    subprocess.run([FOUREYES, "mark", "--ai", *marks, "--agent", "bench"], cwd=root, check=True,
                   capture_output=True)  # fmt: skip
    uri = (root / "app.py").as_uri()
    initialized, first = [], []
    for _ in range(RUNS):
        init, diag = await foureyes_once(root, uri, text)
        initialized.append(init)
        first.append(diag)
    # jedi-language-server from this venv, or anywhere on PATH (a venv of its own is
    # best: it may want another pygls than foureyes).
    reference = shutil.which(
        "jedi-language-server", path=str(Path(sys.executable).parent)
    ) or shutil.which("jedi-language-server")
    jls = [await reference_once([reference], root) for _ in range(RUNS)] if reference else []
    first_summary = summary(first)
    save(
        "startup",
        {
            "runs": RUNS,
            "foureyes_initialize": summary(initialized),
            "foureyes_first_diagnostics": first_summary,
            "jedi_language_server_initialize": summary(jls)
            if jls
            else "not installed (pip install jedi-language-server)",
            "ratio_first_diagnostics_to_jls_initialize": round(
                first_summary["median_ms"] / summary(jls)["median_ms"], 2
            )
            if jls
            else None,
            "target": {"first_diagnostics_ms": 1000},
            "meets_target": first_summary["median_ms"] <= 1000,
        },
    )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
