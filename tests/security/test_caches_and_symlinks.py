"""Attacks through foureyes' own files (issue 11, holes 1, 2, 4 and 11a).

- A pull request that commits a crafted cache (`git add -f .foureyes/cache`) must not
  run code in CI or in an editor: caches live under the git directory, which no
  commit controls, and nothing foureyes caches is ever unpickled, wherever it is.
- A committed symlink at `.foureyes/ledger.jsonl` or `.foureyes` must not redirect
  writes outside the repository, nor hide the ledger from the gate.
- An append that fails midway leaves no partial line; an event that reuses another
  event's id is reported, not silently dropped.

Everything runs the installed `foureyes` on real repositories; the only thing faked
is a full disk (see the ENOSPC test).
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import shlex
import shutil
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pullrequest import (
    PullRequest,
    agent_code,
    assert_fails,
    make_pull_request,
    run_check,
)
from rawlsp import RawServer

from conftest import GitRepo, Result
from foureyes.core.errors import LedgerError
from foureyes.core.model import AiAuthorship, Anchor, Identity
from foureyes.store.ledger import Ledger
from foureyes.store.ledger_codec import encode_line
from foureyes.store.repo import Repository

MODE_PICKLE = 4  # diskcache's mode for a pickled value


class _Bomb:
    """Unpickling this runs `touch MARKER`: proof that a cache was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


def bomb(marker: Path) -> bytes:
    return pickle.dumps(_Bomb(marker))


def markers(tmp_path: Path) -> dict[str, Path]:
    """One marker file per crafted cache, after checking that the payload is armed
    (unpickling it does create its marker), so that "never ran" means something."""
    folder = tmp_path / "markers"
    folder.mkdir(exist_ok=True)
    control = folder / "control"
    pickle.loads(bomb(control))  # the one unpickling that is meant to run
    assert control.exists()
    return {name: folder / name for name in ("scan", "risk", "history")}


def assert_never_ran(found: dict[str, Path]) -> None:
    ran = sorted(name for name, marker in found.items() if marker.exists())
    assert not ran, f"a crafted cache was unpickled: {ran}"


def poison_diskcache(source: Path, target: Path, payload: bytes) -> int:
    """Copy the diskcache database in `source` to `target` and make every value row a
    pickle (MODE_PICKLE) that runs code when loaded; the number of rows poisoned."""
    target.mkdir(parents=True, exist_ok=True)
    destination = target / "cache.db"
    if source.resolve() != target.resolve():
        with sqlite3.connect(source / "cache.db") as original:
            with sqlite3.connect(destination) as copy:
                original.backup(copy)
            copy.close()
        original.close()
    with sqlite3.connect(destination) as db:
        count = db.execute(
            "UPDATE Cache SET mode = ?, value = ?, filename = NULL", (MODE_PICKLE, payload)
        ).rowcount
    db.close()
    return int(count)


def junior_with_ai_code(tmp_path: Path) -> PullRequest:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    # Committed: history's cache then holds the record of the agent's commit, which a
    # later HEAD (the one that carries a crafted cache) still asks for.
    pr.commit_and_push()
    return pr


def warm_caches(repo: GitRepo) -> Path:
    """Run foureyes once so that its caches hold real keys; where it keeps them."""
    for command in (("status",), ("scan",)):
        done = repo.foureyes_process(*command)
        assert done.code == 0, done.err
    cache = Repository(repo.root).cache_dir
    for name in ("risk", "history"):
        assert (cache / name / "cache.db").is_file(), f"no {name} cache in {cache}"
    return cache


# --- a language server session over stdio ----------------------------------------------


def editor_diagnostics(root: Path, path: str, log: Path) -> list[dict[str, Any]]:
    """Open `path` in the real language server; the diagnostics it pushes for it (after
    giving the slow tier a moment too)."""
    with RawServer(root, log) as server:
        uri = server.open(path)
        deadline = time.monotonic() + 60
        settle: float | None = None
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            pushed = [
                message["params"].get("diagnostics", [])
                for message in list(server.received)
                if message.get("method") == "textDocument/publishDiagnostics"
                and message.get("params", {}).get("uri") == uri
            ]
            found = pushed[-1] if pushed else []
            if found and settle is None:
                settle = time.monotonic() + 3  # the slow tier may refine them
            if settle is not None and time.monotonic() > settle:
                break
            time.sleep(0.05)
        return found


# --- hole 1: committed caches --------------------------------------------------------------


def test_a_committed_crafted_cache_never_runs_code(tmp_path: Path) -> None:
    pr = junior_with_ai_code(tmp_path)
    found = markers(tmp_path)
    dev = pr.dev
    # Real keys: whatever this version of foureyes asks its caches for.
    cache = warm_caches(dev)
    committed = dev.root / ".foureyes/cache"
    assert poison_diskcache(cache / "risk", committed / "risk", bomb(found["risk"])) > 0
    assert poison_diskcache(cache / "history", committed / "history", bomb(found["history"])) > 0
    (committed / "scan.pickle").write_bytes(bomb(found["scan"]))
    dev.git("add", "-f", ".foureyes/cache")
    pr.commit_and_push("a crafted cache")
    assert "scan.pickle" in pr.ci_clone().git("ls-files", ".foureyes/cache")
    assert_never_ran(found)

    assert_fails(pr.ci_check(), "billing.py", "unreviewed")
    assert_never_ran(found)
    for command in ("scan", "status"):
        done = pr.ci_clone().foureyes_process(command)
        assert done.code == 0, (command, done.err)
        assert "billing.py" in done.out
        assert_never_ran(found)
    clone = pr.ci_clone()
    diagnostics = editor_diagnostics(clone.root, "billing.py", tmp_path / "serve.log")
    assert diagnostics, (tmp_path / "serve.log").read_text()
    assert_never_ran(found)


def test_a_crafted_cache_where_foureyes_keeps_its_cache_never_runs_code(tmp_path: Path) -> None:
    """Defense in depth: even the cache foureyes writes itself is never unpickled, so
    whoever can write there (another tool, an old version) cannot run code either."""
    pr = junior_with_ai_code(tmp_path)
    found = markers(tmp_path)
    dev = pr.dev
    cache = warm_caches(dev)
    assert poison_diskcache(cache / "risk", cache / "risk", bomb(found["risk"])) > 0
    assert poison_diskcache(cache / "history", cache / "history", bomb(found["history"])) > 0
    states = [p for p in cache.iterdir() if p.is_file() and p.name.startswith("scan.")]
    for state in [*states, cache / "scan.pickle"]:
        state.write_bytes(bomb(found["scan"]))

    for command in ("status", "scan"):
        done = dev.foureyes_process(command)
        assert done.code == 0, (command, done.err)
        assert "billing.py" in done.out
    assert_fails(run_check(dev), "billing.py", "unreviewed")
    assert editor_diagnostics(dev.root, "billing.py", tmp_path / "serve.log")
    assert_never_ran(found)
    # And the caches work again afterwards (a miss was rewritten, not an error).
    again = dev.foureyes_process("status")
    assert again.code == 0 and "billing.py" in again.out
    assert_never_ran(found)


def test_the_cache_lives_in_the_git_directory(repo: GitRepo) -> None:
    cache = Repository(repo.root).cache_dir
    assert cache == repo.root / ".git" / "foureyes" / "cache"


# --- hole 2: symlinks redirect writes ------------------------------------------------------

CONTENT = '"""Retry a flaky call a few times."""\n\n\ndef retry(call, attempts=3):\n' + (
    "    for attempt in range(attempts):\n        return call()\n"
)


def claude_write(root: Path, path: str) -> str:
    return json.dumps({
        "session_id": "3f1c9a52", "cwd": str(root), "hook_event_name": "PostToolUse",
        "tool_name": "Write",
        "tool_input": {"file_path": str(root / path), "content": CONTENT},
        "tool_response": {"type": "create", "filePath": str(root / path), "content": CONTENT,
                          "structuredPatch": [], "originalFile": None},
        "tool_use_id": "toolu_01",
    })  # fmt: skip


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}  # fmt: skip


def logged(result: Result) -> str:
    """The hook log `foureyes record` says it wrote to."""
    for line in result.err.splitlines():
        if line.strip().startswith("logged to "):
            return Path(line.strip()[len("logged to ") :]).read_text(encoding="utf-8")
    raise AssertionError(f"record logged nothing:\n{result.err}")


def link_ledger(dev: GitRepo, target: Path) -> None:
    ledger = dev.root / ".foureyes/ledger.jsonl"
    ledger.unlink()
    ledger.symlink_to(target)


def link_directory(dev: GitRepo, target: Path) -> None:
    folder = dev.root / ".foureyes"
    shutil.rmtree(folder)
    folder.symlink_to(target, target_is_directory=True)


@pytest.mark.parametrize("link", ["ledger", "directory"])
def test_a_committed_symlink_never_redirects_writes(tmp_path: Path, link: str) -> None:
    pr = make_pull_request(tmp_path)
    dev = pr.dev
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "ledger.jsonl").write_text("precious, not a ledger\n")
    (outside / "notes.txt").write_text("keep me\n")
    if link == "ledger":
        link_ledger(dev, outside / "ledger.jsonl")
        named = ".foureyes/ledger.jsonl"
    else:
        link_directory(dev, outside)
        named = ".foureyes"
    dev.git("add", "-A")
    dev.git("commit", "-q", "-m", "a symlink")
    before = tree(outside)

    dev.write("billing.py", "\n".join(agent_code("billing")) + "\n")
    marked = dev.foureyes_process("mark", "--ai", "billing.py:1-6", "--agent", "claude-code")
    assert marked.code in (2, 3), marked.err
    assert "Traceback" not in marked.err
    assert "symbolic link" in marked.err and named in marked.err, marked.err
    assert tree(outside) == before

    dev.write("src/retry.py", CONTENT)  # the hook runs after the agent's Write
    recorded = dev.foureyes_process(
        "record", "--agent", "claude-code", stdin=claude_write(dev.root, "src/retry.py")
    )
    assert recorded.code == 0, recorded.err  # never break the agent
    assert "symbolic link" in recorded.err and named in recorded.err, recorded.err
    log = logged(recorded)
    assert "symbolic link" in log and named in log
    assert tree(outside) == before
    assert not list(outside.glob(".gitignore")) and not (outside / "cache").exists()


@pytest.mark.parametrize("link", ["ledger", "directory"])
def test_the_gate_fails_on_a_symlinked_ledger(tmp_path: Path, link: str) -> None:
    """Pointing the ledger at an empty file hides every claim; the gate must not pass."""
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "ledger.jsonl").write_text("")
    if link == "ledger":
        link_ledger(pr.dev, empty / "ledger.jsonl")
        named = ".foureyes/ledger.jsonl"
    else:
        link_directory(pr.dev, empty)
        named = ".foureyes"
    pr.commit_and_push("hide the claims")
    result = pr.ci_check()
    said = result.out + result.err
    # Exit 2 (CI reads the commit, whose ledger is a link: refused) or 3 (the working
    # tree's ledger cannot be read); the action fails the step on any exit code but 0.
    assert result.code in (2, 3), f"expected the gate to fail, got {result.code}:\n{said}"
    assert "Traceback" not in said
    assert "symbolic link" in said and named in said, said


# --- hole 11a: a failed append leaves no partial line ---------------------------------------

DANA = Identity("Dana", "dana@example.com")
AT = datetime(2025, 3, 14, 15, 9, 26, 535000, tzinfo=UTC)


def claim(id: str, agent: str = "claude-code", path: str = "src/app.py") -> AiAuthorship:
    anchor = Anchor(start_line=1, lines=("w1", "w2"), exact=("x1", "x2"), before=(), after=())
    return AiAuthorship(id=id, at=AT, by=DANA, path=path, anchor=anchor, agent=agent)


def test_a_failed_append_is_truncated_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real full disk cannot be made here (no loop device or quota in a test), so the
    failure is injected: `os.write` writes part of the event, then fails with ENOSPC."""
    ledger = Ledger(tmp_path / ".foureyes/ledger.jsonl")
    ledger.append([claim("first")])
    before = ledger.path.read_bytes()
    real_write = os.write

    def full_disk(fd: int, data: Any) -> int:
        if b"second" not in bytes(data):
            return real_write(fd, data)
        real_write(fd, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(LedgerError, match="No space left"):
        ledger.append([claim("second")])
    monkeypatch.setattr(os, "write", real_write)
    assert ledger.path.read_bytes() == before
    ledger.append([claim("third")])
    snapshot = Ledger(ledger.path).snapshot()
    assert [c.id for c in snapshot.claims] == ["first", "third"] and snapshot.problems == ()


# --- hole 4: an id reused by a different event ---------------------------------------------


def test_an_id_reused_by_a_different_event_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    first, human_claim = claim("shared"), claim("mine", agent="aider")
    disguised = claim("shared", agent="aider", path="src/other.py")  # another event, same id
    # A union merge repeats `first` (a true duplicate: dropped quietly); `disguised`
    # reuses its id for a different claim (reported, with both lines).
    path.write_bytes(b"".join(encode_line(c) for c in (first, human_claim, first, disguised)))
    snapshot = Ledger(path).snapshot()
    assert [c.id for c in snapshot.claims] == ["shared", "mine"]
    assert snapshot.claims[0] == first
    assert [str(p) for p in snapshot.problems] == [
        "line 4: id 'shared' is already used by line 1 for a different event; skipped"
    ]
    assert snapshot.for_path("src/other.py") == ()
    # A last line without its newline is held to the same rule.
    with path.open("ab") as handle:
        handle.write(encode_line(claim("mine", agent="cursor")).rstrip(b"\n"))
    problems = Ledger(path).snapshot().problems
    assert [p.line for p in problems] == [4, 5]
    assert "already used by line 2" in str(problems[1])
