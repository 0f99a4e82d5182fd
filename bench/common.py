"""Shared by the benchmarks: timing statistics, results files, a real LSP client, fixtures.

Benchmarks measure, they do not assert: each prints median and p95 (and a ratio to a
baseline measured in the same run where one exists) and writes bench/results/NAME.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


def child_env() -> dict[str, str]:
    """The environment for timed child processes: bytecode caches written and reused, as
    users' and CI's runs have them (this machine's shells set PYTHONDONTWRITEBYTECODE)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def python_file(lines: int, seed: int = 1) -> list[str]:
    """Code-like, mostly distinct lines with blank lines and common filler mixed in."""
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


# --- a generated git history with AI-marked commits and git-ai notes -------------------

# The ways agents mark their commits: (trailer, author); the committer is a person
# except for aider, which commits as its author.
AI_STYLES = (
    ("Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>", None),
    (None, "Copilot <198982749+Copilot@users.noreply.github.com>"),
    (None, "Dana (aider) <dana@example.com>"),
    ("Assisted-by: gemini:gemini-2.5-pro", None),
    ("Co-authored-by: aider (openai/gpt-4o) <noreply@aider.chat>", None),
)
HUMAN = "Sam Human <sam@example.com>"


def history_line(rng: random.Random, tag: str, i: int) -> str:
    words = ("total", "count", "index", "value", "result", "name", "item", "data")
    target, source = rng.choice(words), rng.choice(words)
    return f"    {target}_{tag}_{i} = compute_{source}({i}, {rng.randrange(99)})"


def short_line(rng: random.Random, tag: str, i: int) -> str:
    """About 25 characters: a 200,000-line file of these stays under foureyes' 8 MiB."""
    words = ("total", "count", "index", "value", "item", "data")
    return f"    {rng.choice(words)}_{tag}{i} = {rng.randrange(99)}"


@dataclass(frozen=True)
class HistoryShape:
    """What `generate_history` makes: commit 1 creates `files` files of `file_lines`
    lines; each later commit rewrites `rewrites` random lines and inserts `inserts`
    lines at one random place in each of `touched` random files. A share `ai_share`
    of those commits is marked as AI (AI_STYLES, in turn at random), and `note_share`
    of the AI commits also carry a git-ai note (`refs/notes/ai`) listing exactly the
    lines they wrote; the rest are human."""

    files: int = 1_000
    commits: int = 5_000
    file_lines: int = 100
    touched: int = 3
    rewrites: int = 2
    inserts: int = 3
    ai_share: float = 0.4
    note_share: float = 0.25
    seed: int = 7
    line: Callable[[random.Random, str, int], str] = history_line

    def describe(self) -> dict[str, object]:
        """The shape as JSON (for results files, and to tell whether a kept repository
        was made with it)."""
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {**fields, "line": self.line.__name__}


def generate_history(root: Path, shape: HistoryShape) -> dict[str, int]:
    """Write the history through one `git fast-import` (streamed: large files are
    written whole in every commit that touches them); returns what it made. The same
    shape and seed make the same repository."""
    rng = random.Random(shape.seed)
    line = shape.line
    width = len(str(shape.files - 1))
    files = {
        f"pkg{i // 100:02d}/module_{i:0{max(4, width)}d}.py": [
            line(rng, f"f{i}", n) for n in range(shape.file_lines)
        ]
        for i in range(shape.files)
    }
    paths = sorted(files)
    importer = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=root, stdin=subprocess.PIPE)
    assert importer.stdin is not None
    write = importer.stdin.write

    def data(text: str) -> None:
        raw = text.encode()
        write(b"data %d\n" % len(raw) + raw + b"\n")

    notes: list[tuple[int, str]] = []
    stamp = 1_700_000_000
    ai_commits = noted = 0
    touched = min(shape.touched, len(paths))
    for number in range(1, shape.commits + 1):
        chosen = paths if number == 1 else rng.sample(paths, touched)
        changed: dict[str, list[int]] = {}
        if number > 1:
            for path in chosen:
                lines = files[path]
                written = set()
                for _ in range(shape.rewrites):
                    at = rng.randrange(len(lines))
                    lines[at] = line(rng, f"c{number}", at)
                    written.add(at)
                at = rng.randrange(len(lines) + 1)
                lines[at:at] = [line(rng, f"n{number}", at + k) for k in range(shape.inserts)]
                moved = {w + shape.inserts if w >= at else w for w in written}
                written = moved | set(range(at, at + shape.inserts))
                changed[path] = sorted(w + 1 for w in written)
        ai = number > 1 and rng.random() < shape.ai_share
        trailer = author = None
        if ai:
            ai_commits += 1
            trailer, author = rng.choice(AI_STYLES)
        who = author or HUMAN
        committer = who if "(aider)" in who else HUMAN
        stamp += 60
        write(b"commit refs/heads/main\nmark :%d\n" % number)
        write(f"author {who} {stamp} +0000\ncommitter {committer} {stamp} +0000\n".encode())
        data(f"Change {number}" + (f"\n\n{trailer}" if trailer else ""))
        if number > 1:
            write(b"from :%d\n" % (number - 1))
        for path in chosen:
            write(f"M 100644 inline {path}\n".encode())
            data("\n".join(files[path]) + "\n")
        if ai and rng.random() < shape.note_share:
            noted += 1
            notes.append((number, gitai_note(changed, number)))
    stamp += 60
    write(b"commit refs/notes/ai\n")
    write(f"committer {HUMAN} {stamp} +0000\n".encode())
    data("git-ai notes")
    for mark, text in notes:
        write(b"N inline :%d\n" % mark)
        data(text)
    importer.stdin.close()
    if importer.wait() != 0:
        raise RuntimeError("git fast-import failed")
    git(root, "reset", "--hard", "-q", "main")
    return {"files": shape.files, "commits": shape.commits, "ai_commits": ai_commits,
            "noted": noted}  # fmt: skip


def timed_process(command: Sequence[str], root: Path) -> tuple[float, bytes]:
    """Wall time of one whole process run in `root` (bytecode caches as users have
    them), and its output; a failure ends the benchmark with the command's error."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, env=child_env(), check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed, done.stdout


def generated_repository(shape: HistoryShape, prefix: str) -> tuple[Path, dict[str, object]]:
    """A repository with `shape`'s history; with BENCH_REPO=DIR it is made there once
    and reused (refused when it holds another shape)."""
    kept = os.environ.get("BENCH_REPO")
    root = Path(kept) if kept else Path(tempfile.mkdtemp(prefix=prefix)) / "repo"
    shape_file = root / ".git" / "bench-shape.json"
    if kept and shape_file.exists():
        made = json.loads(shape_file.read_text())
        if made.get("shape") == shape.describe():
            return root, made
        sys.exit(f"{root} holds another shape; remove it or point BENCH_REPO elsewhere")
    make_repo(root)
    started = time.perf_counter()
    made = {**generate_history(root, shape), "generate_s": round(time.perf_counter() - started, 1)}
    print(f"generated {made}", file=sys.stderr)
    shape_file.write_text(json.dumps({**made, "shape": shape.describe()}))
    return root, made


def gitai_note(changed: dict[str, list[int]], number: int) -> str:
    """A git-ai authorship note (authorship/3.0.0) saying one cursor session wrote
    `changed` (path -> 1-based line numbers in the commit)."""
    session = f"s_{number:014x}"
    lines = []
    for path, written in changed.items():
        lines.append(path)
        lines.append(f"  {session}::t_{number:014x} {_ranges(written)}")
    metadata = {
        "schema_version": "authorship/3.0.0",
        "base_commit_sha": "0" * 40,
        "prompts": {},
        "sessions": {session: {"agent_id": {"tool": "cursor", "id": f"c{number}",
                                            "model": "claude-4.5-sonnet"}}},
    }  # fmt: skip
    return "\n".join(lines) + "\n---\n" + json.dumps(metadata)


def _ranges(numbers: list[int]) -> str:
    """1,2,3,7 -> "1-3,7" (git-ai writes ranges)."""
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


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
