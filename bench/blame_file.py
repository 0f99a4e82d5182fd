"""Benchmark: `foureyes blame FILE`, one process per file, against plain `git blame`.

The repository (`common.generate_history`): 5,000 commits over 200 Python files, each
later commit rewriting and inserting lines in three of them, so a file has about 75
commits in its history and 300 lines; about 40% of the commits are marked as AI the
ways agents mark them, and half of those also carry a git-ai note (`refs/notes/ai`)
listing exactly the lines they wrote (about 1,000 notes).

For each of 20 files spread over the repository, in turn, each a fresh process the way a
user runs it, interleaved so that load on the shared machine falls on all alike:
- plain `git blame --porcelain HEAD -- FILE`;
- `foureyes blame FILE` cold: foureyes' cache (`.git/foureyes/cache`) deleted first;
- plain `git blame` again, then `foureyes blame FILE` warm: nothing changed since the
  cold run (its output must be the cold run's, byte for byte).
Before that, once: the first blame of each file in a repository where foureyes ran
before (the cache deleted once, then each file in turn, each after its git blame).
This is done PASSES times. Each foureyes time is divided by the git time measured just
before it; the ratios' and times' medians, p95 and max are reported. `foureyes
--version`, timed after each warm run, is the floor any command's process pays.

Targets: cold <= 1.5x plain git blame; warm <= 0.3x. Environment: BENCH_FILES,
BENCH_COMMITS, BENCH_SAMPLE (files timed), BENCH_PASSES, BENCH_REPO (a folder to keep
the generated repository in and reuse). Results: bench/results/blame_file.json.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys

from common import (
    FOUREYES,
    HistoryShape,
    generated_repository,
    git,
    save,
    summary,
    timed_process,
)

SHAPE = HistoryShape(
    files=int(os.environ.get("BENCH_FILES", 200)),
    commits=int(os.environ.get("BENCH_COMMITS", 5_000)),
    note_share=0.5,
)
SAMPLE = int(os.environ.get("BENCH_SAMPLE", 20))
PASSES = int(os.environ.get("BENCH_PASSES", 2))
TARGETS = {"cold_over_git_blame": 1.5, "warm_over_git_blame": 0.3}


def ratios(over: list[float], under: list[float]) -> dict[str, float]:
    values = sorted(a / b for a, b in zip(over, under, strict=True))
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return {"median": round(statistics.median(values), 3), "p95": round(p95, 3),
            "max": round(values[-1], 3)}  # fmt: skip


def main() -> None:
    root, made = generated_repository(SHAPE, "foureyes-blame-file-")
    paths = [p for p in git(root, "ls-files").splitlines() if p]
    step = max(1, len(paths) // SAMPLE)
    sample = paths[step // 2 :: step][:SAMPLE]
    cache = root / ".git" / "foureyes"
    timed_process([FOUREYES, "blame", sample[0]], root)  # bytecode caches, as users have them
    # First blame of each file in a repository where foureyes has run before: the cache
    # deleted once, then each file in turn (the notes list, the ledger's commits and
    # the databases are then warm; the file's blame and commits are not).
    shutil.rmtree(cache, ignore_errors=True)
    git_first, first_time = [], []
    for path in sample:
        elapsed, _ = timed_process(["git", "blame", "--porcelain", "HEAD", "--", path], root)
        git_first.append(elapsed)
        elapsed, _ = timed_process([FOUREYES, "blame", path], root)
        first_time.append(elapsed)
    git_cold, cold, git_warm, warm, floor = [], [], [], [], []
    for number in range(PASSES):
        for path in sample:
            elapsed, _ = timed_process(["git", "blame", "--porcelain", "HEAD", "--", path], root)
            git_cold.append(elapsed)
            shutil.rmtree(cache, ignore_errors=True)
            elapsed, first = timed_process([FOUREYES, "blame", path], root)
            cold.append(elapsed)
            elapsed, _ = timed_process(["git", "blame", "--porcelain", "HEAD", "--", path], root)
            git_warm.append(elapsed)
            elapsed, again = timed_process([FOUREYES, "blame", path], root)
            warm.append(elapsed)
            floor.append(timed_process([FOUREYES, "--version"], root)[0])
            if again != first:
                sys.exit(f"warm blame of {path} differs from the cold one")
        print(f"pass {number + 1}: cold {statistics.median(cold):.3f} s, warm "
              f"{statistics.median(warm):.3f} s, git {statistics.median(git_cold):.3f} s",
              file=sys.stderr)  # fmt: skip
    lines = [len((root / path).read_text().splitlines()) for path in sample]
    save(
        "blame_file",
        {
            "repository": {
                **{k: v for k, v in made.items() if k != "shape"},
                "shape": SHAPE.describe(),
            },
            "files_timed": len(sample),
            "passes": PASSES,
            "lines_per_file": {"median": statistics.median(lines), "max": max(lines)},
            "git_blame": summary(git_cold + git_warm + git_first),
            "foureyes_blame_cold": summary(cold),
            "foureyes_blame_first_of_file": summary(first_time),
            "foureyes_blame_warm": summary(warm),
            "foureyes_version": summary(floor),  # the floor: interpreter, CLI, no command
            "ratios": {
                "cold_over_git_blame": ratios(cold, git_cold),
                "first_of_file_over_git_blame": ratios(first_time, git_first),
                "warm_over_git_blame": ratios(warm, git_warm),
            },
            "targets": TARGETS,
        },
    )


if __name__ == "__main__":
    main()
