"""Benchmark 5: `foureyes check` on a change that touches 200 files. Target <= 3 s.

The base commit has 200 Python files; the change rewrites a block in each and
records it as AI-written (one claim per file), so check has 200 changed files with
AI regions to resolve, assess and judge.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import FOUREYES, git, make_repo, python_file, save, summary

FILES = 200
RUNS = 5


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="foureyes-bench-")) / "repo"
    make_repo(root)
    for n in range(FILES):
        (root / "pkg").mkdir(exist_ok=True)
        (root / "pkg" / f"module_{n}.py").write_text("\n".join(python_file(300, seed=n)) + "\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "change")
    ranges = []
    for n in range(FILES):
        path = root / "pkg" / f"module_{n}.py"
        lines = path.read_text().splitlines()
        lines[100:110] = [f"    changed_{n}_{i} = compute_new({i}, total_{i})" for i in range(12)]
        path.write_text("\n".join(lines) + "\n")
        ranges.append(f"pkg/module_{n}.py:101-112")
    subprocess.run([FOUREYES, "mark", "--ai", *ranges, "--agent", "bench"], cwd=root, check=True,
                   capture_output=True)  # fmt: skip
    git(root, "add", "-A")
    git(root, "commit", "-qm", "agent change")
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        done = subprocess.run([FOUREYES, "check", "--base", "main", "--format", "json"], cwd=root,
                              capture_output=True, text=True, check=False)  # fmt: skip
        samples.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            sys.exit(f"check failed: {done.stderr}")
    result = summary(samples)
    save(
        "check_gate",
        {
            "changed_files": FILES,
            "exit_code": done.returncode,
            "check": result,
            "target": {"check_ms": 3000},
            "meets_target": result["median_ms"] <= 3000,
        },
    )


if __name__ == "__main__":
    main()
