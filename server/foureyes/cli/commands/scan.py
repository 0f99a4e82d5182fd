"""`foureyes scan [--json]`: how much of the repository agents wrote, file by file.

Resolves every tracked text file (ledger claims and git history) but those the
policy ignores (`paths.ignored`, as `status` does) with a progress bar on a terminal
(stderr; nothing when stderr is not a terminal) and prints a summary.
Incremental: a second scan of an unchanged repository reads no file and runs no git
(see app/scan.py), which is also why the repository is found without git here.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from foureyes.app.scan import ScanResult, discover_root, scan
from foureyes.app.scan_state import FileSummary
from foureyes.cli.common import EXIT_OK, Subcommands, add_command, print_json
from foureyes.core.wording import count
from foureyes.rules.policy import PolicyLoader

TOP_FILES = 10


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "scan", run)
    sub.add_argument("--json", action="store_true", help="print JSON (see docs/capture.md)")
    sub.add_argument(
        "--jobs", type=int, metavar="N", help="files resolved in parallel (default: CPUs, max 8)"
    )


def run(args: argparse.Namespace) -> int:
    repo = discover_root()
    bar = _Bar(sys.stderr) if sys.stderr.isatty() else None
    policy = PolicyLoader(repo.root).load()  # file reads, no git; a broken one is exit 2
    try:
        result = scan(repo, progress=bar.update if bar else None,
                      extra_markers=policy.ai_markers, workers=args.jobs,
                      ignored=policy.is_ignored)  # fmt: skip
    finally:
        if bar:
            bar.close()
    if args.json:
        print_json(scan_json(result))
    else:
        render(result, sys.stdout)
    return EXIT_OK


def scan_json(result: ScanResult) -> dict[str, object]:
    return {
        "summary": result.totals(),
        "files": [_file_json(item) for item in result.files if item.ai or item.mixed or item.human],
        "skipped": [{"path": path, "reason": why} for path, why in result.skipped],
        "incremental": {
            "reused": result.reused,
            "resolved": result.resolved,
            "listed_by_git": result.listed_by_git,
        },
        "seconds": round(result.seconds, 3),
    }


def _file_json(item: FileSummary) -> dict[str, object]:
    return {
        "path": item.path,
        "lines": item.lines,
        "ai": item.ai,
        "mixed": item.mixed,
        "human": item.human,
        "blocks": item.blocks,
        "by_source": item.by_source,
        "by_agent": item.by_agent,
        "regions_by_review": item.review,
    }


def render(result: ScanResult, out: TextIO) -> None:
    totals = result.totals()
    lines = int(totals["lines"])
    ai_lines = int(totals["ai_lines"]) + int(totals["mixed_lines"])
    share = f"{100 * ai_lines / lines:.1f}%" if lines else "0%"
    out.write(
        f"Scanned {count(totals['files'], 'file')}, {count(lines, 'line')} in "
        f"{result.seconds:.2f} s ({result.resolved} resolved, {result.reused} unchanged "
        "since the last scan)\n"
    )
    out.write(
        f"AI-written: {count(ai_lines, 'line')} ({share}) in "
        f"{count(totals['files_with_ai'], 'file')}, {count(totals['ai_blocks'], 'block')}; "
        f"{totals['mixed_lines']:,} of them changed by a person\n"
    )
    for label, name in (("by source", "by_source"), ("by agent", "by_agent")):
        counts = totals[name]
        if counts:
            shown = ", ".join(f"{k} {v:,}" for k, v in counts.items())
            out.write(f"  {label}: {shown}\n")
    if totals["human_lines"]:
        out.write(f"Stated as written by a person: {count(totals['human_lines'], 'line')}\n")
    review = totals["regions_by_review"]
    if review:
        shown = ", ".join(f"{v} {k}" for k, v in review.items())
        out.write(f"Review of recorded regions: {shown}\n")
    ranked = sorted(result.files, key=lambda f: (-(f.ai + f.mixed), f.path))
    ranked = [f for f in ranked if f.ai + f.mixed][:TOP_FILES]
    if ranked:
        out.write("Most AI-written files:\n")
        width = max(len(f.path) for f in ranked)
        for item in ranked:
            of = count(item.lines, "line")
            out.write(f"  {item.path:<{width}}  {item.ai + item.mixed:>6} of {of}\n")
    if result.skipped:
        out.write(f"Skipped {count(len(result.skipped), 'file')} (binary or over 8 MiB)\n")


class _Bar:
    """A one-line progress bar on a terminal, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last = 0.0
        self.drawn = False

    def update(self, done: int, total: int, path: str) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = width * done // total if total else width
        name = path if len(path) <= 40 else "..." + path[-37:]
        self.stream.write(f"\r\x1b[K[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
