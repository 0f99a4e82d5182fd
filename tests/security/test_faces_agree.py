"""One question, one answer (issue 11, hole 3): which files hold AI code is decided by
the engine alone, so every face lists exactly the same regions.

One pull request mixes every source of AI authorship: a ledger claim, a commit with a
`Co-authored-by: Claude` trailer, a git-ai note and an Agent Trace record. `status`,
`queue`, `check --all`, `check --base`, SARIF and the language server's review queue
must all list the same (path, first line, last line) regions. Before the fix, the
gate and the queues looked only at the ledger's paths, and history-only AI code
passed."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

from pullrequest import PullRequest, make_pull_request, run_check

from conftest import FOUREYES, GitRepo, code_lines, language_server

Regions = set[tuple[str, int, int]]


def _commit(repo: GitRepo, message: str) -> str:
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", message)
    return repo.git("rev-parse", "HEAD").strip()


def _every_source(tmp_path: Path) -> PullRequest:
    pr = make_pull_request(tmp_path)
    dev = pr.dev
    # 1. A ledger claim.
    dev.write("ledger_ai.py", "\n".join(code_lines("ledger", 5)) + "\n")
    pr.foureyes_ok("mark", "--ai", "ledger_ai.py:2-4", "--agent", "claude-code")
    _commit(dev, "ledger claim")
    # 2. A commit with an AI trailer (history only).
    dev.write("trailer_ai.py", "\n".join(code_lines("trailer", 4)) + "\n")
    _commit(dev, "Add trailer code\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>")
    # 3. A git-ai note on a commit (history only): lines 2-3 of notes_ai.py.
    dev.write("notes_ai.py", "\n".join(code_lines("notes", 5)) + "\n")
    noted = _commit(dev, "Add notes code")
    note = tmp_path / "note.txt"
    note.write_text("notes_ai.py\n  d9978a8723e02b52 2-3\n---\n{}")
    dev.git("notes", "--ref=ai", "add", "-F", str(note), noted)
    # 4. An Agent Trace record naming a commit (history only): lines 1-2 of trace_ai.py.
    dev.write("trace_ai.py", "\n".join(code_lines("trace", 4)) + "\n")
    traced = _commit(dev, "Add trace code")
    record = {
        "version": "0.1.0", "id": str(uuid.uuid4()), "timestamp": "2026-12-01T10:00:00Z",
        "vcs": {"type": "git", "revision": traced}, "tool": {"name": "cursor"},
        "files": [{"path": "trace_ai.py", "conversations": [{
            "contributor": {"type": "ai", "model_id": "gpt-5"},
            "ranges": [{"start_line": 1, "end_line": 2}]}]}],
    }  # fmt: skip
    dev.write(".agent-trace/traces.jsonl", json.dumps(record) + "\n")
    _commit(dev, "trace records")
    dev.git("push", "-q", "-f", "origin", "HEAD:refs/heads/feature")
    dev.git("push", "-q", "-f", "origin", "refs/notes/ai:refs/notes/ai")
    return pr


EXPECTED: Regions = {
    ("ledger_ai.py", 2, 4),
    ("trailer_ai.py", 1, 4),
    ("notes_ai.py", 2, 3),
    ("trace_ai.py", 1, 2),
}


def _regions(items: list[dict[str, object]]) -> Regions:
    return {(str(r["path"]), int(r["start_line"]), int(r["end_line"])) for r in items}  # type: ignore[call-overload]


def _json(result: object) -> dict[str, object]:
    out = result.out  # type: ignore[attr-defined]
    return json.loads(out)  # type: ignore[no-any-return]


async def test_every_face_lists_the_same_regions(tmp_path: Path) -> None:
    pr = _every_source(tmp_path)
    clone = pr.ci_clone()
    clone.git("fetch", "-q", "origin", "refs/notes/ai:refs/notes/ai")

    def cli(*args: str) -> dict[str, object]:
        done = subprocess.run([FOUREYES, *args], cwd=clone.root, capture_output=True,
                              text=True, check=False)  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    status = _regions(cli("status", "--json")["regions"])  # type: ignore[arg-type]
    queue = _regions(cli("queue", "--json")["regions"])  # type: ignore[arg-type]
    every = run_check(clone, "--all", "--format", "json")
    changed = run_check(clone, "--format", "json")
    sarif = run_check(clone, "--format", "sarif")
    assert every.code == changed.code == sarif.code == 1
    check_all = _regions([f["region"] for f in _json(every)["findings"]])  # type: ignore[index, union-attr]
    check_base = _regions([f["region"] for f in _json(changed)["findings"]])  # type: ignore[index, union-attr]
    results = _json(sarif)["runs"][0]["results"]  # type: ignore[index]
    in_sarif = {
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
         r["locations"][0]["physicalLocation"]["region"]["startLine"],
         r["locations"][0]["physicalLocation"]["region"]["endLine"])
        for r in results if r["ruleId"] == "foureyes/unapproved-ai-code"
    }  # fmt: skip
    in_editor = await _language_server_queue(clone)
    assert status == EXPECTED
    assert queue == status
    assert check_all == status
    assert check_base == status
    assert in_sarif == status
    assert in_editor == status


async def _language_server_queue(repo: GitRepo) -> Regions:
    """The language server's workspace review queue, over stdio from the real server."""
    async with language_server(repo.root) as client:
        queue = await client.protocol.send_request_async("foureyes/reviewQueue", {})
    return {(r.path, r.start_line, r.end_line) for r in queue.regions}
