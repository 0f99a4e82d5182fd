"""Benchmark: `foureyes status` on a 300-file repository, cold and with nothing changed.

The repository holds 300 real modules of CPython's standard library (its top-level
modules, then its packages' modules: real definitions, imports and calls, always
present where Python is), each with two AI regions of 12 lines starting at a `def`,
recorded with `foureyes mark`. Measured as whole processes, the way a user runs them,
interleaved with `git status` as a reference:

- cold: foureyes' caches deleted first (jedi counts the blast radius of every region);
- warm: run again with nothing changed (target: <= 1 s);
- one file edited: a line typed into one module, then `status` again.

Results go to bench/results/status_warm.json.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path

from common import FOUREYES, child_env, git, make_repo, save, summary, timed_process

FILES = int(os.environ.get("FOUREYES_BENCH_FILES", "300"))  # fewer: to profile quickly
WARM_RUNS = 7
TARGET_WARM_S = 1.0
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def modules() -> list[Path]:
    """300 standard-library modules (top level first, then packages) with at least two
    functions; tests, site-packages and IDLE are left out."""
    skip = {"test", "tests", "site-packages", "idlelib", "lib2to3", "__pycache__"}
    candidates = sorted(STDLIB.glob("*.py")) + sorted(
        path for path in STDLIB.glob("*/**/*.py") if not skip & set(path.parts)
    )
    found = []
    for path in candidates:
        text = path.read_text(encoding="utf-8", errors="replace")
        if len(re.findall(r"^\s*def \w+", text, re.M)) >= 2 and "\x00" not in text:
            found.append(path)
    return found[:FILES]


def ai_ranges(name: str, text: str) -> list[str]:
    lines = text.splitlines()
    starts = [i + 1 for i, line in enumerate(lines) if re.match(r"\s*def \w+", line)]
    chosen = [starts[len(starts) // 3], starts[2 * len(starts) // 3]]
    return [f"{name}:{start}-{min(start + 11, len(lines))}" for start in chosen]


def build(root: Path) -> int:
    """The repository, its AI regions recorded; returns how many ranges were marked."""
    make_repo(root)
    ranges: list[str] = []
    for source in modules():
        name = source.relative_to(STDLIB).as_posix()
        target = root / "lib" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8", errors="replace")
        target.write_text(text, encoding="utf-8")
        ranges += ai_ranges(f"lib/{name}", text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "300 real modules")
    subprocess.run([FOUREYES, "mark", "--ai", *ranges, "--agent", "bench"], cwd=root,
                   env=child_env(), check=True, capture_output=True)  # fmt: skip
    return len(ranges)


def main() -> None:
    # FOUREYES_BENCH_REPO=DIR builds the repository there once and keeps it (to profile).
    kept = os.environ.get("FOUREYES_BENCH_REPO")
    root = Path(kept) if kept else Path(tempfile.mkdtemp(prefix="foureyes-bench-")) / "repo"
    ranges = build(root) if not (root / ".git").exists() else 0
    status = [FOUREYES, "status"]
    shutil.rmtree(root / ".git" / "foureyes" / "cache", ignore_errors=True)
    cold = timed_process(status, root)[0]
    warm, reference = [], []
    for _ in range(WARM_RUNS):
        warm.append(timed_process(status, root)[0])
        reference.append(timed_process(["git", "status", "--porcelain"], root)[0])
    edited = root / "lib" / modules()[0].relative_to(STDLIB)
    edited.write_text(edited.read_text(encoding="utf-8") + "# typed\n", encoding="utf-8")
    one_changed = timed_process(status, root)[0]
    if not kept:
        shutil.rmtree(root.parent, ignore_errors=True)
    result = summary(warm)
    save(
        "status_warm",
        {
            "files": FILES,
            "ranges_marked": ranges,
            "cold_s": round(cold, 2),
            "warm": result,
            "one_file_changed_s": round(one_changed, 2),
            "git_status": summary(reference),
            "target": {"warm_s": TARGET_WARM_S},
            "meets_target": result["median_ms"] / 1000 <= TARGET_WARM_S,
        },
    )


if __name__ == "__main__":
    main()
