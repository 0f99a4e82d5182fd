"""`foureyes risk PATH`: why each AI region of a file is risky, with a score and reasons."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from foureyes.cli.common import EXIT_OK, Subcommands, add_command, print_json, warn_about
from foureyes.core.model import Risk
from foureyes.core.text import split_lines
from foureyes.core.wording import span
from foureyes.engine.engine import Engine
from foureyes.risk.assess import RegionInput
from foureyes.risk.languages import language_of
from foureyes.store.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "risk", run)
    sub.add_argument("path", metavar="PATH")
    sub.add_argument("--json", action="store_true", help="print JSON (see docs/risk.md)")
    sub.add_argument(
        "--all-lines",
        action="store_true",
        help="treat the whole file as AI-written (to audit any file)",
    )


def run(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    path = repo.relpath(args.path)
    text = repo.read_text(path)
    lines = split_lines(text)
    engine = Engine(repo)
    policy = engine.policy
    results: list[tuple[str | None, RegionInput, Risk]] = []
    if args.all_lines:
        if lines:
            # Assessed as the engine assesses regions: the policy's weights, levels and
            # critical paths, the slow tier included.
            item = RegionInput(path, 1, tuple(lines), 0, policy.critical_match(path), text)
            results.append(
                (None, item, engine.assessor.assess(item, policy.risk_config(), slow=True))
            )
    else:
        report = engine.report(path, text)
        warn_about(engine.snapshot())
        for region in report.regions:
            body = tuple(lines[region.start_line - 1 : region.end_line])
            results.append((region.id, RegionInput(path, region.start_line, body), region.risk))
    python = language_of(path) == "python"
    environment = engine.dependencies.python_environment() if python else None
    if args.json:
        found: dict[str, Any] = {
            "path": path,
            "regions": [_json(rid, item, risk) for rid, item, risk in results],
        }
        if environment:
            found["python_environment"] = environment.to_json()
        print_json(found)
        return EXIT_OK
    if not results:
        print(f"{path}: no AI-written regions (use --all-lines to assess the whole file)")
    for region_id, item, risk in results:
        last = item.first_line + len(item.lines) - 1
        label = f" ({region_id})" if region_id else ""
        where = span(path, item.first_line, last)
        print(f"{where}{label}  risk {risk.score}/100, {risk.level.value}")
        for reason in risk.top_reasons:
            where = f" [line {reason.start_line}]" if reason.start_line else ""
            cwe = f" ({reason.cwe})" if reason.cwe else ""
            print(f"  +{reason.weight:<3} {reason.message}{cwe}{where}")
    if environment and results:
        print("\n".join(environment.explain()))
    sys.stdout.flush()
    return EXIT_OK


def _json(region_id: str | None, item: RegionInput, risk: Risk) -> dict[str, Any]:
    return {
        "region": region_id,
        "start_line": item.first_line,
        "end_line": item.first_line + len(item.lines) - 1,
        "score": risk.score,
        "level": risk.level.value,
        "reasons": [
            {
                "rule": r.rule,
                "message": r.message,
                "weight": r.weight,
                "cwe": r.cwe,
                "start_line": r.start_line,
                "end_line": r.end_line,
            }
            for r in risk.top_reasons
        ],
    }
