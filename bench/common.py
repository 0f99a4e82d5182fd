"""Shared by the benchmarks: timing statistics, results files, a real LSP client, fixtures.

Benchmarks measure, they do not assert: each prints median and p95 (and a ratio to a
baseline measured in the same run where one exists) and writes bench/results/NAME.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

RESULTS = Path(__file__).parent / "results"
FOUREYES = str(Path(sys.executable).with_name("foureyes"))


def summary(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "min_ms": round(ordered[0] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def save(name: str, data: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    record = {
        "benchmark": name,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        **data,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def make_repo(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "Bench")


def python_file(lines: int, seed: int = 1) -> list[str]:
    """Code-like, mostly distinct lines with blank lines and common filler mixed in."""
    import random

    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "value", "compute", "total", "name", "data"]
    out = []
    for i in range(lines):
        if i % 9 == 0:
            out.append("")
        elif i % 13 == 0:
            out.append("    return None")
        else:
            target, call, argument = rng.choice(words), rng.choice(words), rng.choice(words)
            out.append(f"    {target}_{i} = {call}({i}, {argument}_{i - 1})")
    return out


class Client:
    """A real LSP client (pygls) talking to `foureyes serve` over stdio, push diagnostics."""

    def __init__(self) -> None:
        self.client = LanguageClient("foureyes-bench", "1")
        self.waiters: dict[tuple[str, int], asyncio.Future[float]] = {}
        self.latest: dict[str, list[types.Diagnostic]] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.latest[params.uri] = list(params.diagnostics)
            waiter = self.waiters.pop((params.uri, params.version or 0), None)
            if waiter and not waiter.done():
                waiter.set_result(time.perf_counter())

        @self.client.feature(types.WORKSPACE_CONFIGURATION)
        def on_configuration(params: types.ConfigurationParams) -> list[Any]:
            return [{} for _ in params.items]

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def on_log(params: types.LogMessageParams) -> None:
            pass

    async def start(self, command: Sequence[str], root: Path) -> float:
        """Start and initialize; returns seconds from process start to initialized."""
        started = time.perf_counter()
        await self.client.start_io(*command, cwd=str(root))
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    text_document=types.TextDocumentClientCapabilities(
                        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                            version_support=True
                        )
                    ),
                    workspace=types.WorkspaceClientCapabilities(configuration=True),
                ),
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="bench")],
            )
        )
        self.client.initialized(types.InitializedParams())
        return time.perf_counter() - started

    async def type_and_time(
        self,
        uri: str,
        lines: int,
        edits: int,
        *,
        seed: int,
        character: int,
        text: str,
        timeout: float = 30.0,
    ) -> list[float]:
        """Insert `text` at `character` of a random line, `edits` times, each waiting for
        the diagnostics of its version; the seconds each took (versions 2, 3, ...)."""
        import random

        rng = random.Random(seed)
        samples = []
        for version in range(2, edits + 2):
            at = types.Position(line=rng.randrange(lines), character=character)
            waiter = self.expect(uri, version)
            sent = time.perf_counter()
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        types.TextDocumentContentChangePartial(
                            range=types.Range(start=at, end=at), text=text
                        )
                    ],
                )
            )
            samples.append(await asyncio.wait_for(waiter, timeout) - sent)
            if version % 20 == 0:
                print(f"{version - 1} edits, last {samples[-1] * 1000:.0f} ms", file=sys.stderr)
        return samples

    def expect(self, uri: str, version: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[(uri, version)] = future
        return future

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 5)
            self.client.exit(None)
        except Exception:
            pass
        await self.client.stop()


def timed(function: Callable[[], Any], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples
