"""Benchmark: `foureyes scan` on a repository with 5,000 commits and 1,000 files.

The repository is generated with `git fast-import` (`common.generate_history`): one
commit creates 1,000 Python files of about 100 lines, then 4,999 commits each rewrite
and insert lines in three random files. About 40% of the commits are marked as AI
the ways agents mark them (Claude's Co-Authored-By, the Copilot agent as author,
aider's "(aider)" suffix, `Assisted-by:`); a quarter of those also carry a git-ai note
(`refs/notes/ai`) listing the lines they wrote; the rest are human.

Measured, each as a fresh process the way a user runs it:
- baseline: plain `git blame --porcelain HEAD -- FILE` for every file, one after the
  other, and the same spread over as many parallel workers as `scan` uses;
- `foureyes scan --json` cold (its caches deleted first) and warm (run again);
- a scan after one more commit that touched three files (only those are re-blamed).

Targets: cold / plain blame <= 1.5; warm <= 10% of cold. Results go to
bench/results/history_scale.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import (
    FOUREYES,
    HistoryShape,
    child_env,
    generate_history,
    git,
    make_repo,
    save,
    summary,
)

SHAPE = HistoryShape(
    files=int(os.environ.get("BENCH_FILES", 1_000)),
    commits=int(os.environ.get("BENCH_COMMITS", 5_000)),
)
COLD_RUNS = 3
WARM_RUNS = 5


def generate(root: Path) -> dict[str, int]:
    return generate_history(root, SHAPE)


def blame_all(root: Path, paths: list[str], workers: int) -> float:
    def one(path: str) -> None:
        subprocess.run(
            ["git", "blame", "--porcelain", "HEAD", "--", path], cwd=root,
            stdout=subprocess.DEVNULL, check=True,
        )  # fmt: skip

    started = time.perf_counter()
    if workers == 1:
        for path in paths:
            one(path)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, paths))
    return time.perf_counter() - started


def run_scan(root: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run(
        [FOUREYES, "scan", "--json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
    )
    return time.perf_counter() - started, json.loads(done.stdout)


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="foureyes-history-")) / "repo"
    make_repo(root)
    started = time.perf_counter()
    made = generate(root)
    generate_s = time.perf_counter() - started
    print(f"generated {made} in {generate_s:.1f} s", file=sys.stderr)
    paths = [p for p in git(root, "ls-files").splitlines() if p]
    workers = min(8, os.cpu_count() or 2)
    sequential = [blame_all(root, paths, 1) for _ in range(2)]
    parallel = [blame_all(root, paths, workers) for _ in range(2)]
    cold, warm = [], []
    result: dict = {}
    for _ in range(COLD_RUNS):
        # The cache lives in the git directory (a run before that moved there deleted
        # only .foureyes/, and measured a warm scan as cold).
        shutil.rmtree(root / ".git" / "foureyes", ignore_errors=True)
        elapsed, result = run_scan(root)
        cold.append(elapsed)
        print(f"cold scan {elapsed:.2f} s", file=sys.stderr)
    for _ in range(WARM_RUNS):
        elapsed, warm_result = run_scan(root)
        assert warm_result["incremental"]["resolved"] == 0, warm_result["incremental"]
        assert warm_result["summary"] == result["summary"]
        warm.append(elapsed)
    # One more commit touching three files: every file is resolved again (HEAD is part
    # of the key), but only those three are blamed again.
    for path in paths[:3]:
        with (root / path).open("a") as handle:
            handle.write("    tail_added_by_hand = 1\n")
    git(root, "commit", "-q", "-am", "A person's change")
    after_commit, after = run_scan(root)
    assert after["incremental"]["resolved"] == len(paths), after["incremental"]
    cold_s, warm_s = summary(cold), summary(warm)
    blame_seq, blame_par = summary(sequential), summary(parallel)
    cold_ms = cold_s["median_ms"]
    save(
        "history_scale",
        {
            "repository": {**made, "tracked_files": len(paths), "generate_s": round(generate_s, 1)},
            "scan_workers": workers,
            "plain_blame_sequential": blame_seq,
            "plain_blame_parallel": blame_par,
            "scan_cold": cold_s,
            "scan_warm": warm_s,
            "scan_after_one_commit_ms": round(after_commit * 1000, 2),
            "ratios": {
                "cold_over_sequential_blame": round(cold_ms / blame_seq["median_ms"], 3),
                "cold_over_parallel_blame": round(cold_ms / blame_par["median_ms"], 3),
                "warm_over_cold": round(warm_s["median_ms"] / cold_ms, 4),
                "cold_over_warm": round(cold_ms / warm_s["median_ms"], 1),
            },
            "targets": {"cold_over_plain_blame": 1.5, "warm_over_cold": 0.10},
            "summary_of_scan": result["summary"],
        },
    )


if __name__ == "__main__":
    main()
