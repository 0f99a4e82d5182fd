"""Benchmark 6: what an agent's hook costs per tool call, as whole processes.

Agent hooks run `foureyes record --agent NAME` after every tool call, so its start-up
is paid on every edit. In one run this times, RUNS times each and interleaved so that
machine noise falls on all three alike:

- `python -c pass` with the same interpreter (the floor: interpreter and site start-up),
- `foureyes --version` (the console script and the top-level parser),
- `foureyes record --agent claude-code` with a real-shaped Claude Code Edit payload
  (tests/payloads/claude-code/edit.json: 10 lines replaced by 30) on stdin. Before each
  run the file is put back to its text before the edit and the edit made again, as the
  agent would have, and each run must add its claim to the ledger.

Target: record's median <= 100 ms. The children run without PYTHONDONTWRITEBYTECODE,
after one untimed warm-up each, so bytecode caches exist as they do for users and CI.
To measure another checkout, point PYTHONPATH at its `server/` directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from common import FOUREYES, git, make_repo, save, summary

RUNS = 30
TARGET_MS = 100
PAYLOAD = Path(__file__).parent.parent / "tests/payloads/claude-code/edit.json"
PATH = "src/billing.py"


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' and CI's runs write and reuse .pyc
    return env


def run(command: Sequence[str], root: Path, stdin: bytes = b"") -> float:
    """Seconds for one whole process; exits the benchmark if it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=root, input=stdin, capture_output=True, env=child_env(),
                          check=False)  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or done.stderr:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


class Hook:
    """A repository with billing.py committed, and the Edit payload that rewrites it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        make_repo(root)
        git(root, "config", "commit.gpgsign", "false")
        text = PAYLOAD.read_text(encoding="utf-8").replace("__ROOT__", json.dumps(str(root))[1:-1])
        self.payload = text.encode("utf-8")
        data = json.loads(text)
        self.before: str = data["tool_response"]["originalFile"]
        edit = data["tool_input"]
        self.after = self.before.replace(edit["old_string"], edit["new_string"], 1)
        (root / "src").mkdir()
        (root / PATH).write_text(self.before, encoding="utf-8")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "billing")
        self.ledger = root / ".foureyes/ledger.jsonl"

    def claims(self) -> int:
        return len(self.ledger.read_bytes().splitlines()) if self.ledger.exists() else 0

    def record(self) -> float:
        """One `foureyes record`, timed, of the edit made again; it must add one claim."""
        (self.root / PATH).write_text(self.before, encoding="utf-8")
        (self.root / PATH).write_text(self.after, encoding="utf-8")
        claims = self.claims()
        elapsed = run([FOUREYES, "record", "--agent", "claude-code", "--strict"], self.root,
                      self.payload)  # fmt: skip
        if self.claims() != claims + 1:
            sys.exit("foureyes record did not add its claim to the ledger")
        return elapsed


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="foureyes-bench-")) / "repo"
    hook = Hook(root)
    bare = [sys.executable, "-c", "pass"]
    version = [FOUREYES, "--version"]
    # Warm-up: bytecode caches, and the first record sets up the ledger as `init` would.
    run(bare, root)
    run(version, root)
    hook.record()
    samples: dict[str, list[float]] = {"python": [], "version": [], "record": []}
    for _ in range(RUNS):
        samples["python"].append(run(bare, root))
        samples["version"].append(run(version, root))
        samples["record"].append(hook.record())
    python, version_result, record = (summary(samples[name]) for name in samples)
    save(
        "hook_startup",
        {
            "runs": RUNS,
            "payload": "claude-code Edit, 10 lines replaced by 30",
            "python_pass": python,
            "foureyes_version": version_result,
            "foureyes_record": record,
            "ratio_record_to_python": round(record["median_ms"] / python["median_ms"], 2),
            "ratio_version_to_python": round(version_result["median_ms"] / python["median_ms"], 2),
            "target": {"record_median_ms": TARGET_MS},
            "meets_target": record["median_ms"] <= TARGET_MS,
        },
    )


if __name__ == "__main__":
    main()
