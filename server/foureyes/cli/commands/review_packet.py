"""`foureyes review-packet REGION`: a Markdown packet about one AI region to paste into
a chat or a pull request: the code, its provenance, what it replaced, its risk, its
review so far, and who is asked or may approve.

Everything in it that comes from the ledger or git (names, emails, notes, paths,
the code) goes through foureyes.untrusted, so a value stays inside the line the
packet puts it on: a note cannot add an "Approved by:" line of its own.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from foureyes.cli.common import EXIT_OK, Subcommands, add_command
from foureyes.cli.review_common import add_region_argument, find_region, where
from foureyes.core.model import AiAuthorship, Identity, Region, Seniors
from foureyes.core.text import split_lines
from foureyes.core.untrusted import code_line, markdown_code, markdown_text
from foureyes.core.wording import count
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository

_LANGUAGES = {
    ".py": "python", ".js": "javascript", ".jsx": "jsx", ".ts": "typescript",
    ".tsx": "tsx", ".go": "go", ".rs": "rust", ".java": "java", ".kt": "kotlin",
    ".rb": "ruby", ".sh": "bash", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp",
    ".cs": "csharp", ".php": "php", ".sql": "sql", ".lua": "lua", ".swift": "swift",
    ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json", ".md": "markdown",
}  # fmt: skip


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "review-packet", run)
    add_region_argument(sub)


def run(args: argparse.Namespace) -> int:
    engine = Engine(Repository.discover())
    region = find_region(engine, args.region)
    text = engine.repo.read_text(region.path)
    print(packet(region, split_lines(text)), end="")
    return EXIT_OK


def packet(region: Region, lines: Sequence[str]) -> str:
    review = region.review
    kind = "approval" if review.seniors.anyone else "senior approval"
    out: list[str] = [f"## Review request: {markdown_code(where(region))}", ""]
    out.append(
        f"**{len(region.lines)} AI-written line{'s' if len(region.lines) != 1 else ''}**"
        + (f" ({region.mixed_lines} since changed by a person)" if region.mixed_lines else "")
        + f" · risk **{region.risk.level.value}** · {review.state.value} · "
        f"{review.approvals} of {count(review.approvals_required, kind)} · "
        f"region `{region.id}`"
    )
    out += ["", "### Provenance", ""]
    for claim in region.claims:
        out.append(_provenance(claim))
    out += ["", "### What it replaced", ""]
    replaced = region.replaced
    out.append(
        f"The agent's edits removed or rewrote {replaced} line{'s' if replaced != 1 else ''} "
        "of existing code."
        if replaced
        else "Nothing: the agent's edits only added code."
    )
    out += ["", "### Risk", ""]
    if region.risk.reasons:
        out += [f"- {markdown_text(reason.message)}" for reason in region.risk.reasons]
    else:
        out.append(f"{region.risk.level.value.capitalize()}: no specific risk found.")
    out += ["", "### Review", ""]
    out.append(f"- Asked: {_list(review.asked) or 'nobody yet'}")
    for request in review.requests:
        if request.note:
            out.append(
                f"- Note from {markdown_text(request.by.email)}: {markdown_text(request.note)}"
            )
    for change in review.changes_requested:
        note = markdown_text(change.note) if change.note else "(no note)"
        out.append(f"- Changes requested by {markdown_text(change.by.email)}: {note}")
    approvers = _list(p.email for p in review.approvers)
    out.append(f"- Approved by: {approvers or 'nobody yet'}")
    for accepted in review.baselines:
        at = f" as it was at {markdown_code(accepted.commit[:10])}" if accepted.commit else ""
        out.append(f"- Accepted in a baseline{at} by {markdown_text(accepted.by.email)}")
    for part in review.partly:
        out.append(
            f"- Approved in part by {markdown_text(part.approval.by.email)} "
            f"({part.lines} of {part.of} lines)"
        )
    for discounted in review.discounted:
        out.append(
            f"- Not counted: approval by {markdown_text(discounted.approval.by.email)}: "
            f"{markdown_text(discounted.reason)}"
        )
    out.append(f"- May approve: {_may_approve(review.seniors)}")
    out += ["", "### The code", ""]
    body = lines[region.start_line - 1 : region.end_line]
    width = len(str(region.end_line))
    context = set(region.context_lines)
    kept = any(lines[n - 1].strip() for n in context)
    # With kept lines inside, `+` marks the agent's lines, as a diff would.
    numbered = [
        f"{n:>{width}} {' ' if n in context else '+'} {code_line(line)}"
        if kept
        else f"{n:>{width}}  {code_line(line)}"
        for n, line in enumerate(body, start=region.start_line)
    ]
    fence = "`" * max(3, _longest_backticks(body) + 1)
    language = _LANGUAGES.get(PurePosixPath(region.path).suffix.lower(), "")
    if kept:
        out.append("Lines marked `+` are the agent's; the others are existing code its edit kept.")
        out.append("")
    out += [f"{fence}{language}", *numbered, fence, ""]
    at = f"{region.path}:{region.start_line}"
    approve = markdown_code(f"foureyes approve {at}")
    reject = markdown_code(f'foureyes reject {at} --note "..."')
    out.append(f"Approve with {approve}; ask for changes with {reject}.")
    return "\n".join(out) + "\n"


def _may_approve(seniors: Seniors) -> str:
    if seniors.anyone:
        return "anyone but the person who recorded the code (the policy names no seniors)"
    return f"{_list(seniors.entries) or 'nobody'} (never the person who recorded the code)"


def _provenance(claim: AiAuthorship) -> str:
    agent = markdown_text(claim.agent) + (f" ({markdown_text(claim.model)})" if claim.model else "")
    when = claim.at.isoformat(timespec="minutes").replace("+00:00", "Z")
    details = [f"source: {markdown_text(claim.source)}", f"confidence {claim.confidence:g}"]
    if claim.session:
        details.append(f"session {markdown_code(claim.session)}")
    return f"- {agent}, recorded by {_person(claim.by)} on {when} ({'; '.join(details)})"


def _person(who: Identity) -> str:
    """`Name <email>` as the packet writes it, each part escaped on its own."""
    email = f"<{markdown_text(who.email)}>"
    return f"{markdown_text(who.name)} {email}" if who.name else email


def _list(values: Iterable[str]) -> str:
    return ", ".join(markdown_text(value) for value in values)


def _longest_backticks(lines: Sequence[str]) -> int:
    runs = [len(run) for line in lines for run in re.findall(r"`+", line)]
    return max(runs, default=0)
