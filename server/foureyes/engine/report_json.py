"""The public JSON shapes of engine answers, shared by `--json` output and editor requests.

Documented in docs/cli.md; keep field names stable and only add fields. It must not
know who prints or sends the JSON.
"""

from __future__ import annotations

import json
from typing import Any

from foureyes.core.model import AiAuthorship, Contributor, FileReport, LineAuthorship, Region


def _time(claim: AiAuthorship | object) -> str | None:
    at = getattr(claim, "at", None)
    return at.isoformat(timespec="seconds").replace("+00:00", "Z") if at else None


def line_json(line: LineAuthorship, region: Region | None) -> dict[str, Any]:
    claim = line.claim
    record: dict[str, Any] = {
        "line": line.line,
        "contributor": line.contributor.value,
        "claim": claim.id if claim else None,
        "by": claim.by.email if claim else None,
        "at": _time(claim) if claim else None,
    }
    if isinstance(claim, AiAuthorship):
        record.update(
            agent=claim.agent,
            model=claim.model,
            session=claim.session,
            source=claim.source,
            confidence=claim.confidence,
        )
    record["region"] = region.id if region else None
    record["review"] = region.review.state.value if region else None
    return record


def region_json(region: Region) -> dict[str, Any]:
    review = region.review
    return {
        "id": region.id,
        "path": region.path,
        "start_line": region.start_line,
        "end_line": region.end_line,
        "ai_lines": len(region.lines) - region.mixed_lines,
        "mixed_lines": region.mixed_lines,
        # The region's own lines by contributor (blank lines between them excluded),
        # so a client can mark exactly those and not human lines inside the span.
        "lines": {
            "ai": [v.line for v in region.lines if v.contributor is Contributor.AI],
            "mixed": [v.line for v in region.lines if v.contributor is Contributor.MIXED],
        },
        # Lines inside the span that are not the unit's own: old code an edit kept.
        "context_lines": list(region.context_lines),
        "agents": list(region.agents),
        "models": list(region.models),
        "claims": [claim.id for claim in region.claims],
        "replaced": region.replaced,
        "recorded_by": sorted({person.email for person in region.review.recorders}),
        "recorded_at": min(_time(c) or "" for c in region.claims) if region.claims else None,
        "review": {
            "state": review.state.value,
            "approvals": review.approvals,
            "approvals_required": review.approvals_required,
            "approvers": [identity.email for identity in review.approvers],
            "partly_approved_by": [
                {"email": part.approval.by.email, "lines": part.lines, "of": part.of}
                for part in review.partly
            ],
            "reviewers_requested": list(review.asked),
            "suggested_reviewers": list(review.suggested),
        },
        "risk": risk_json(region),
    }


def risk_json(region: Region) -> dict[str, Any]:
    risk = region.risk
    return {
        "level": risk.level.value,
        "score": risk.score,
        "complete": risk.complete,
        "reasons": [
            {
                "rule": reason.rule,
                "message": reason.message,
                "weight": reason.weight,
                "cwe": reason.cwe,
                "start_line": reason.start_line,
                "end_line": reason.end_line,
            }
            for reason in risk.top_reasons
        ],
    }


def file_json(report: FileReport) -> dict[str, Any]:
    region_of = {line: r for r in report.regions for line in range(r.start_line, r.end_line + 1)}
    return {
        "path": report.path,
        "lines": [line_json(line, region_of.get(line.line)) for line in report.lines],
        "regions": [region_json(region) for region in report.regions],
    }


def file_json_text(report: FileReport) -> str:
    """`json.dumps(file_json(report), indent=2, ensure_ascii=False)`, the same text, made
    without a dict per line and json's pure-Python indenting encoder for each: a
    200,000-line file took seconds that way. An unknown line's record differs from
    another's in the same region only by its number, so it is formatted once per region.
    """
    region_of = {line: r for r in report.regions for line in range(r.start_line, r.end_line + 1)}
    templates: dict[str | None, tuple[str, str]] = {}
    rows = []
    for number in range(1, report.line_count + 1):
        verdict = report.attributed.get(number)
        region = region_of.get(number)
        if verdict is not None:
            rows.append(_nested(line_json(verdict, region), "    "))
            continue
        key = region.id if region is not None else None
        template = templates.get(key)
        if template is None:
            text = _nested(line_json(LineAuthorship(0, Contributor.UNKNOWN), region), "    ")
            head, tail = text.split('"line": 0', 1)
            template = templates[key] = (head + '"line": ', tail)
        rows.append(f"{template[0]}{number}{template[1]}")
    lines = "[\n    " + ",\n    ".join(rows) + "\n  ]" if rows else "[]"
    regions = _nested([region_json(region) for region in report.regions], "  ")
    path = json.dumps(report.path, ensure_ascii=False)
    return f'{{\n  "path": {path},\n  "lines": {lines},\n  "regions": {regions}\n}}'


def _nested(value: object, indent: str) -> str:
    """`value` as json.dumps(indent=2) writes it `indent` deep (no JSON string holds a
    raw line break, so every line break is the encoder's)."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)
