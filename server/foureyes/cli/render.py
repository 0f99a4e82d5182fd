"""Plain-text views of engine answers for a terminal: blame columns and the status list.

Agent and model names and paths come from the ledger and git: shown through
foureyes.untrusted, so they cannot move the cursor or add lines.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from foureyes.core.model import AiAuthorship, Contributor, FileReport, LineAuthorship, Region
from foureyes.core.text import split_lines
from foureyes.core.untrusted import code_line, one_line
from foureyes.core.wording import count, span


def render_blame(report: FileReport, text: str, out: TextIO) -> None:
    # Only attributed lines are looked at one by one: every other line is unknown and
    # has the same columns, so a large, mostly unknown file costs a format per line.
    attributed = report.attributed
    region_of = {line: r for r in report.regions for line in range(r.start_line, r.end_line + 1)}
    width = len(str(report.line_count))
    # A guess (a commit trailer, a trace record, a fuzzy placement) must not read as
    # certain: its confidence gets a column, present only when some line needs it.
    guessed = any(_confidence(verdict) for verdict in attributed.values())
    blank_sure = f"{'':>4} " if guessed else ""
    unknown = f" {Contributor.UNKNOWN.value:<7} {'':<14} {'':<16} {'':<10} {blank_sure}{'':<18} | "
    rows = []
    contents = split_lines(text)
    for number, content in enumerate(contents[: report.line_count], 1):
        verdict = attributed.get(number)
        if verdict is None or (
            verdict.contributor is Contributor.UNKNOWN and verdict.claim is None
        ):
            rows.append(f"{number:>{width}}{unknown}{code_line(content)}\n")
            continue
        claim = verdict.claim
        agent = model = when = state = ""
        if isinstance(claim, AiAuthorship):
            agent, model = one_line(claim.agent), one_line(claim.model or "")
        if claim is not None:
            when = claim.at.date().isoformat()
        region = region_of.get(number)
        if region is not None and verdict.contributor is not Contributor.UNKNOWN:
            state = region.review.state.value
        sure = f"{_confidence(verdict):>4} " if guessed else ""
        rows.append(
            f"{number:>{width}} {verdict.contributor.value:<7} {agent[:14]:<14} "
            f"{model[:16]:<16} {when:<10} {sure}{state:<18} | {code_line(content)}\n"
        )
    out.write("".join(rows))


def _confidence(verdict: LineAuthorship) -> str:
    """The claim's confidence as a percentage when it is below 1, else ""."""
    claim = verdict.claim
    if isinstance(claim, AiAuthorship) and claim.confidence < 1.0:
        return f"{claim.confidence:.0%}"
    return ""


def describe_region(region: Region) -> str:
    review = region.review
    who = ", ".join(one_line(agent) for agent in region.agents) or "unknown agent"
    if region.models:
        who += f" ({', '.join(one_line(model) for model in region.models)})"
    lines = count(len(region.lines), "line")
    if region.mixed_lines:
        lines += f", {region.mixed_lines} changed by a person"
    approvals = f"{review.approvals}/{review.approvals_required} approvals"
    asked = ", ".join(one_line(name) for name in review.asked)
    asked = f"; asked {asked}" if asked else ""
    risk = f"{region.risk.level.value} risk"
    return f"{review.state.value:<18} {risk:<13} {who}; {lines}; {approvals}{asked}"


def render_status(reports: Sequence[FileReport], out: TextIO) -> None:
    regions = [region for report in reports for region in report.regions]
    if not regions:
        out.write(
            "No AI-written code recorded in this repository.\n"
            "Record some with: foureyes mark --ai PATH:START-END --agent NAME\n"
        )
        return
    width = max(len(_where(r)) for r in regions)
    for region in regions:
        where = _where(region)
        out.write(f"{where:<{width}}  {describe_region(region)}\n")
    states = Counter(region.review.state.value for region in regions)
    files = len({region.path for region in regions})
    breakdown = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
    noun = "region" if len(regions) == 1 else "regions"
    files_noun = "file" if files == 1 else "files"
    out.write(f"\n{len(regions)} AI {noun} in {files} {files_noun}: {breakdown}\n")


def _where(region: Region) -> str:
    return one_line(span(region.path, region.start_line, region.end_line))
