"""Benchmark 4: a ledger of 100,000 events. Resolve one file's regions <= 1 s; peak RSS <= 250 MB.

The ledger is generated with claims spread over 1,000 files (100 per file); the
measured step is a cold process that reads the ledger and resolves one file, as
`foureyes blame` does.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import make_repo, python_file, save, summary

EVENTS = 100_000
FILES = 1_000
RUNS = 5


def generate(root: Path) -> None:
    from foureyes.core.anchor import make_anchor
    from foureyes.core.model import AiAuthorship, Identity
    from foureyes.store.ledger import Ledger, new_id, now

    lines = python_file(1_000)
    (root / "target.py").write_text("\n".join(lines) + "\n")
    who = Identity("Bench", "bench@example.com")
    ledger = Ledger(root / ".foureyes" / "ledger.jsonl")
    batch = []
    for i in range(EVENTS):
        path = "target.py" if i % FILES == 0 else f"pkg/module_{i % FILES}.py"
        start = 1 + (i * 7) % 980
        batch.append(
            AiAuthorship(id=new_id(), at=now(), by=who, path=path, agent="bench",
                         anchor=make_anchor(lines, start, start + 9))
        )  # fmt: skip
        if len(batch) == 5_000:
            ledger.append(batch)
            batch = []
    ledger.append(batch)


PROBE = """
import resource, sys, time
started = time.perf_counter()
from pathlib import Path
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository
engine = Engine(Repository(Path(sys.argv[1])))
report = engine.report("target.py")
elapsed = time.perf_counter() - started
print(elapsed, len(report.regions), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="foureyes-bench-")) / "repo"
    make_repo(root)
    started = time.perf_counter()
    generate(root)
    generation = time.perf_counter() - started
    size = (root / ".foureyes" / "ledger.jsonl").stat().st_size
    times, rss = [], []
    for _ in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True, check=True
        )
        elapsed, regions, max_rss_kb = done.stdout.split()
        times.append(float(elapsed))
        rss.append(int(max_rss_kb) / 1024)
    result = summary(times)
    save(
        "ledger_scale",
        {
            "events": EVENTS,
            "ledger_mb": round(size / 1e6, 1),
            "generate_s": round(generation, 1),
            "resolve_one_file_cold": result,
            "regions_in_file": int(regions),
            "peak_rss_mb": round(max(rss), 1),
            "target": {"resolve_ms": 1000, "peak_rss_mb": 250},
            "meets_target": result["median_ms"] <= 1000 and max(rss) <= 250,
        },
    )
    json.dumps({})
    resource.getrusage(resource.RUSAGE_SELF)


if __name__ == "__main__":
    main()
