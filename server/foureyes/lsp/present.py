"""Turn engine answers into LSP values: diagnostics, hovers, code lenses, ranges.

Pure functions of a report, the document's lines and the position codec, so they
run in worker threads and are easy to test. Must not send anything or touch the
ledger. Agent and model names, identities, notes and reviewers come from ledger
lines: plain strings show them through foureyes.untrusted.one_line, the hover's
Markdown through markdown_text, so a value cannot add a line of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

import foureyes
from foureyes.core.lru import Lru
from foureyes.core.model import (
    AiAuthorship,
    Contributor,
    FileReport,
    Identity,
    Region,
    Review,
    ReviewState,
    RiskLevel,
)
from foureyes.core.untrusted import markdown_code, markdown_text, one_line
from foureyes.lsp.settings import SEVERITY_NAMES, Settings

SOURCE = "foureyes"
# Shipped inside the package (pyproject.toml's package data: a link to docs/diagnostics.md
# in a checkout, the file itself in a wheel), so the link exists for every install.
_DOCS = Path(foureyes.__file__).resolve().parent / "docs" / "diagnostics.md"

_STATE_WORDS = {
    ReviewState.UNREVIEWED: "not reviewed",
    ReviewState.REVIEW_REQUESTED: "review requested",
    ReviewState.PARTIALLY_APPROVED: "partially approved",
    ReviewState.CHANGES_REQUESTED: "changes requested",
    ReviewState.APPROVED: "approved",
}


def diagnostic_code(state: ReviewState) -> str:
    return f"ai-{state.value}"


def region_range(region: Region, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    """From the start of the region's first line to the end of its last, in client units.
    Lines count from 1; a line below 1 is shown on the first line, never at line -1."""
    first = max(region.start_line - 1, 0)
    last = max(region.end_line - 1, first)
    end_text = lines[last] if last < len(lines) else ""
    return types.Range(
        start=types.Position(line=first, character=0),
        end=types.Position(line=last, character=codec.client_num_units(end_text)),
    )


def line_range(line: int, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    index = max(line - 1, 0)
    text = lines[index] if index < len(lines) else ""
    return types.Range(
        start=types.Position(line=index, character=0),
        end=types.Position(line=index, character=codec.client_num_units(text)),
    )


def age(then: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or datetime.now(UTC)) - then).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def provenance(region: Region) -> str:
    """'claude-code (claude-opus-4-6)' or 'claude-code, cursor'."""
    who = ", ".join(one_line(agent) for agent in region.agents) or "an AI agent"
    models = ", ".join(one_line(model) for model in region.models)
    return f"{who} ({models})" if region.models else who


def severity_of(
    region: Region, settings: Settings, by_risk: Mapping[RiskLevel, str]
) -> types.DiagnosticSeverity | None:
    """The user's setting for the review state if any, else the policy's for the risk
    level; a request for changes is never quieter than information. None: no diagnostic."""
    state = region.review.state
    if state in settings.severity:
        return settings.severity[state]
    severity = SEVERITY_NAMES.get(by_risk.get(region.risk.level, "hint"))
    if state is ReviewState.CHANGES_REQUESTED and severity is not None:
        severity = min(severity, types.DiagnosticSeverity.Information)
    return severity


def diagnostics(
    report: FileReport,
    lines: Sequence[str],
    codec: PositionCodec,
    settings: Settings,
    uri: str,
    by_risk: Mapping[RiskLevel, str],
) -> list[types.Diagnostic]:
    """One diagnostic per AI region that is not fully approved."""
    found: list[types.Diagnostic] = []
    for region in report.regions:
        state = region.review.state
        severity = severity_of(region, settings, by_risk)
        if state is ReviewState.APPROVED or severity is None:
            continue
        # The engine hands out the same Region object while nothing about it changed;
        # its diagnostic then only depends on the lines it spans and its age.
        first = min((c.at for c in region.claims), default=None)
        span = tuple(lines[region.start_line - 1 : region.end_line])
        when = age(first) if first else ""
        key = (id(region), severity, uri, codec.encoding, settings.docs_url, when, span)
        cached = _DIAGNOSTICS.get(key)
        if cached is not None and cached[0] is region:
            found.append(cached[1])
            continue
        code = diagnostic_code(state)
        found.append(
            types.Diagnostic(
                range=region_range(region, lines, codec),
                message=diagnostic_message(region),
                severity=severity,
                code=code,
                code_description=_code_description(code, settings),
                source=SOURCE,
                related_information=_related(region, lines, codec, uri) or None,
                data={"region": region.id, "path": region.path},
            )
        )
        # The cached value holds the region, so its id cannot be reused meanwhile.
        _DIAGNOSTICS.put(key, (region, found[-1]))
    return found


_DIAGNOSTICS: Lru[tuple[object, ...], tuple[Region, types.Diagnostic]] = Lru(4096)


def diagnostic_message(region: Region) -> str:
    review = region.review
    first = min((c.at for c in region.claims), default=None)
    when = f", {age(first)}" if first else ""
    parts = [
        f"AI-written by {provenance(region)}{when}: {_STATE_WORDS[review.state]}",
        f"{review.approvals}/{review.approvals_required} approvals",
        f"{region.risk.level.value} risk ({region.risk.score})",
    ]
    for reason in region.risk.top_reasons[:2]:
        parts.append(one_line(reason.message.removeprefix("This AI code ")))
    if region.mixed_lines:
        lines = "line" if region.mixed_lines == 1 else "lines"
        parts.append(f"{region.mixed_lines} {lines} changed by a person since")
    replaced = region.replaced
    if replaced and not any(r.rule == "replaced-code" for r in region.risk.top_reasons[:2]):
        parts.append(f"replaced {replaced} existing lines")
    return "; ".join(parts) + "."


def _related(
    region: Region, lines: Sequence[str], codec: PositionCodec, uri: str
) -> list[types.DiagnosticRelatedInformation]:
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri, range=line_range(reason.start_line, lines, codec)),
            message=one_line(reason.message) + (f" ({reason.cwe})" if reason.cwe else ""),
        )
        for reason in region.risk.top_reasons
        if reason.start_line is not None and reason.start_line <= len(lines)
    ]
    related += [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri, range=line_range(line.line, lines, codec)),
            message="written by the agent, then changed by a person: still needs review",
        )
        for line in region.lines
        if line.contributor is Contributor.MIXED
    ]
    return related


def _code_description(code: str, settings: Settings) -> types.CodeDescription | None:
    if settings.docs_url:
        return types.CodeDescription(href=f"{settings.docs_url.rstrip('#')}#{code}")
    if _DOCS.exists():
        return types.CodeDescription(href=f"{_DOCS.as_uri()}#{code}")
    return None


def hover_markdown(region: Region, line: int) -> str:
    review = region.review
    out = [
        f"**AI-written region** (lines {region.start_line}-{region.end_line}): "
        f"{_STATE_WORDS[review.state]}, {review.approvals}/{review.approvals_required} approvals",
        "",
    ]
    risk = region.risk
    out.append(f"**Risk: {risk.level.value}** ({risk.score}/100)")
    out.extend(
        f"- {markdown_text(reason.message)}" + (f" ({reason.cwe})" if reason.cwe else "")
        + (f", line {reason.start_line}" if reason.start_line else "")
        for reason in risk.top_reasons
    )  # fmt: skip
    if not risk.complete:
        out.append("- *(dependency checks still running)*")
    out.append("")
    for claim in region.claims:
        out.extend(_claim_rows(claim))
        out.append("")
    verdict = next((v for v in region.lines if v.line == line), None)
    if verdict is not None and verdict.contributor is Contributor.MIXED:
        out.append("*This line* was written by the agent and later changed by a person.")
        out.append("")
    elif verdict is None and region.contains(line):
        out.append("*This line* is existing code the agent's edit kept: context, not AI.")
        out.append("")
    if review.approvers:
        out.append("Approved by " + ", ".join(_person(person) for person in review.approvers))
    for accepted in review.baselines:
        at = f" as it was at {markdown_code(accepted.commit[:10])}" if accepted.commit else ""
        out.append(f"Accepted in a baseline{at} by {_person(accepted.by)}")
    for part in review.partly:
        out.append(
            f"Approved in part by {_person(part.approval.by)} ({part.lines} of {part.of} lines)"
        )
    for request in review.requests:
        asked = ", ".join(markdown_text(who) for who in request.reviewers) or "any senior reviewer"
        note = f": {markdown_text(request.note)}" if request.note else ""
        out.append(f"Review requested by {_person(request.by)} from {asked}{note}")
    for change in review.changes_requested:
        note = f": {markdown_text(change.note)}" if change.note else ""
        out.append(f"Changes requested by {_person(change.by)}{note}")
    return "\n".join(out).strip() + "\n"


def _person(who: Identity) -> str:
    """`Name <email>` in Markdown, each part escaped on its own."""
    email = f"<{markdown_text(who.email)}>"
    return f"{markdown_text(who.name)} {email}" if who.name else email


def _claim_rows(claim: AiAuthorship) -> list[str]:
    """One claim's provenance as a list: a table with an empty header row renders as
    raw pipes in Neovim's hover, a list renders in every editor."""
    when = claim.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        f"- **agent**: {markdown_text(claim.agent)}",
        f"- **model**: {markdown_text(claim.model) if claim.model else 'unknown'}",
    ]
    if claim.session:
        rows.append(f"- **session**: {markdown_code(claim.session)}")
    rows += [
        f"- **recorded**: {when} ({age(claim.at)}) by {_person(claim.by)}",
        f"- **source**: {markdown_text(claim.source)}, confidence {claim.confidence:.2f}",
        f"- **lines this edit replaced**: {claim.replaced}",
    ]
    return rows


def code_lenses(
    report: FileReport, uri: str, approval_refusals: dict[str, str | None]
) -> list[types.CodeLens]:
    """A status lens per region with one click to the next step, and Approve when allowed."""
    lenses: list[types.CodeLens] = []
    for region in report.regions:
        position = types.Position(line=max(region.start_line - 1, 0), character=0)
        where = types.Range(start=position, end=position)
        review = region.review
        status = (
            f"AI: {provenance(region)} · {_lens_state(review)} · "
            f"{review.approvals}/{review.approvals_required} approvals · "
            f"{region.risk.level.value} risk"
        )
        arguments: list[object] = [{"uri": uri, "line": region.start_line}]
        if review.state is ReviewState.APPROVED:
            lenses.append(types.CodeLens(range=where, command=_command(status, "", arguments)))
            continue
        # Asked already: the click asks again, as a reminder, rather than "request review".
        again = "remind" if _waiting(review) else "request review"
        lenses.append(
            types.CodeLens(
                range=where,
                command=_command(f"{status} · {again}", "foureyes.requestReview", arguments),
            )
        )
        if approval_refusals.get(region.id) is None:
            lenses.append(
                types.CodeLens(
                    range=where, command=_command("Approve", "foureyes.approve", arguments)
                )
            )
    return lenses


def _waiting(review: Review) -> bool:
    """A live review request stands and no reviewer has asked for changes since."""
    done = (ReviewState.APPROVED, ReviewState.CHANGES_REQUESTED)
    return bool(review.requests) and review.state not in done


def _lens_state(review: Review, shown: int = 2) -> str:
    """The review state, and whom review was requested from while a request stands:
    `review requested from lee@example.com, kim@example.com` (the first `shown` names,
    then how many more), `review requested` for a request to any senior reviewer."""
    words = _STATE_WORDS[review.state]
    if not _waiting(review):
        return words
    asked = [one_line(who) for who in review.asked]
    names = ", ".join(asked[:shown])
    if len(asked) > shown:
        names += f" and {len(asked) - shown} more"
    requested = f"review requested from {names}" if names else "review requested"
    return requested if review.state is ReviewState.REVIEW_REQUESTED else f"{words}, {requested}"


def _command(title: str, name: str, arguments: list[object]) -> types.Command:
    return types.Command(title=title, command=name, arguments=arguments)
