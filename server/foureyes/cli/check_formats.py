"""How `foureyes check` prints its verdict: text, JSON, SARIF 2.1.0, GitHub annotations.

Pure formatting of gate answers; the decisions are made in foureyes.app.gate.
Reasons, reviewers, paths and notes carry ledger and git text: the text and GitHub
formats show them through foureyes.untrusted.one_line (one line, no escape
sequences), and GitHub workflow commands are escaped as GitHub documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from foureyes import __version__
from foureyes.app.gate import Finding, Unchecked
from foureyes.app.ledger_change import LedgerChange
from foureyes.cli.review_common import region_review_json, where
from foureyes.core.untrusted import one_line
from foureyes.core.wording import count
from foureyes.store.base import Base
from foureyes.store.ledger_snapshot import LedgerProblem

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
RULE_UNAPPROVED = "foureyes/unapproved-ai-code"
RULE_LEDGER = "foureyes/ledger-problem"
RULE_LEDGER_CHANGED = "foureyes/ledger-changed"
RULE_UNCHECKED = "foureyes/unchecked-file"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything `check` found, ready to print."""

    passed: bool
    scope: str  # "changed" or "all"
    base: Base | None
    files: tuple[str, ...]  # the files with AI claims that were checked
    regions: int  # AI regions in them
    findings: tuple[Finding, ...]
    ledger_path: str  # repository-relative
    ledger_problems: tuple[LedgerProblem, ...]
    ledger_blocks: bool
    policy: str  # where the policy came from
    notes: tuple[str, ...]  # things worth a word that do not change the verdict
    # Base events the ledger lost or changed, invalid lines and reused ids it gained:
    # each blocks, whatever check.ledger_problems says.
    ledger_changes: tuple[LedgerChange, ...] = ()
    unchecked: tuple[Unchecked, ...] = ()  # files with AI claims that could not be read


def _scope_text(verdict: Verdict) -> str:
    files = f"{len(verdict.files)} file{'s' if len(verdict.files) != 1 else ''}"
    if verdict.scope == "all":
        return f"{files} with AI code (all files)"
    base = verdict.base
    since = f"since {base.ref} ({base.commit[:10]})" if base else "(no base commit)"
    return f"{files} with AI code changed {since}"


def text(verdict: Verdict) -> str:
    out: list[str] = []
    blocking = [f for f in verdict.findings if f.blocking]
    regions = f"{verdict.regions} AI region{'s' if verdict.regions != 1 else ''}"
    out.append(f"foureyes check: {regions} in {_scope_text(verdict)}; policy: {verdict.policy}")
    if verdict.base is not None:
        out.append(f"base: {one_line(verdict.base.summary)}")
    for finding in verdict.findings:
        region = finding.region
        mark = "BLOCKS" if finding.blocking else "note"
        out.append("")
        out.append(
            f"{mark}  {one_line(where(region))}  {region.risk.level.value} risk, "
            f"{region.review.state.value}, {region.review.approvals} of "
            f"{count(region.review.approvals_required, 'approval')}  [{region.id}]"
        )
        out += [f"  - {one_line(reason)}" for reason in finding.reasons]
        out.append(f"  can approve: {one_line(finding.may_approve)}")
        out.append(f"  approve with: foureyes approve {one_line(region.path)}:{region.start_line}")
    if verdict.ledger_problems:
        out.append("")
        label = "BLOCKS" if verdict.ledger_blocks else "warning"
        for problem in verdict.ledger_problems:
            out.append(f"{label}  {one_line(verdict.ledger_path)}, {one_line(str(problem))}")
    if verdict.unchecked or verdict.ledger_changes:
        out.append("")
    for file in verdict.unchecked:
        out.append(f"BLOCKS  {one_line(file.path)} could not be checked: {one_line(file.reason)}")
    for change in verdict.ledger_changes:
        out.append(f"BLOCKS  {one_line(verdict.ledger_path)}, {one_line(str(change))}")
    for note in verdict.notes:
        out.append(f"note: {one_line(note)}")
    out.append("")
    if verdict.passed:
        out.append("PASSED: every AI region checked has the approvals the policy requires.")
    else:
        problems = []
        if blocking:
            plural = len(blocking) != 1
            problems.append(
                f"{len(blocking)} AI region{'s' if plural else ''} "
                f"lack{'' if plural else 's'} the approvals the policy requires"
            )
        if verdict.unchecked:
            plural = len(verdict.unchecked) != 1
            problems.append(
                f"{len(verdict.unchecked)} file{'s' if plural else ''} with AI claims could "
                "not be checked"
            )
        if verdict.ledger_changes:
            problems.append(
                "the ledger does not keep the base's events as they were, or gained lines "
                "that are not valid events"
            )
        if verdict.ledger_blocks and verdict.ledger_problems:
            problems.append('the ledger has invalid lines (check.ledger_problems = "fail")')
        out.append(f"FAILED: {'; '.join(problems)}.")
    return "\n".join(out) + "\n"


def json_data(verdict: Verdict) -> dict[str, Any]:
    base = verdict.base
    return {
        "passed": verdict.passed,
        "scope": verdict.scope,
        "base": {
            "ref": base.ref,
            "commit": base.commit,
            "how": base.how,
            "source": base.source,
            "tip": base.tip,
            "merge_base": base.merge_base,
        }
        if base
        else None,
        "policy": verdict.policy,
        "files": list(verdict.files),
        "regions": verdict.regions,
        "findings": [
            {
                "blocking": finding.blocking,
                "reasons": list(finding.reasons),
                "may_approve": finding.may_approve,
                "region": region_review_json(finding.region),
            }
            for finding in verdict.findings
        ],
        "ledger_problems": [
            {"line": problem.line, "reason": problem.reason} for problem in verdict.ledger_problems
        ],
        "ledger_changes": [
            {
                "line": change.line,
                "at_base": change.at_base,
                "event": change.event_id,
                "reason": change.reason,
            }
            for change in verdict.ledger_changes
        ],
        "unchecked": [{"path": file.path, "reason": file.reason} for file in verdict.unchecked],
        "notes": list(verdict.notes),
    }


def sarif(verdict: Verdict) -> dict[str, Any]:
    """A SARIF 2.1.0 log that GitHub code scanning accepts."""
    rules = [
        {
            "id": RULE_UNAPPROVED,
            "name": "UnapprovedAiCode",
            "shortDescription": {"text": "AI-written code lacks the senior approvals it needs"},
            "fullDescription": {
                "text": "An AI agent wrote these lines and they do not have the number of "
                "approvals by distinct senior reviewers that the review policy requires "
                "for their risk level. Changing an approved line voids its approval."
            },
            "help": {
                "text": "Ask a senior reviewer: foureyes request-review PATH:LINE. A senior "
                "approves with: foureyes approve PATH:LINE."
            },
            "defaultConfiguration": {"level": "error"},
        },
        {
            "id": RULE_LEDGER,
            "name": "LedgerProblem",
            "shortDescription": {"text": "A line of the foureyes ledger is invalid"},
            "defaultConfiguration": {"level": "warning"},
        },
        {
            "id": RULE_LEDGER_CHANGED,
            "name": "LedgerChanged",
            "shortDescription": {
                "text": "The ledger lost or changed an event of the base, or gained a line "
                "that is not a valid event"
            },
            "defaultConfiguration": {"level": "error"},
        },
        {
            "id": RULE_UNCHECKED,
            "name": "UncheckedFile",
            "shortDescription": {
                "text": "A file with AI-written code could not be checked (binary or too large)"
            },
            "defaultConfiguration": {"level": "error"},
        },
    ]
    results: list[dict[str, Any]] = []
    for finding in verdict.findings:
        region = finding.region
        results.append(
            {
                "ruleId": RULE_UNAPPROVED,
                "ruleIndex": 0,
                "level": "error" if finding.blocking else "note",
                "message": {
                    "text": f"AI-written code ({region.risk.level.value} risk) lacks senior "
                    f"approval: {'; '.join(finding.reasons)}. Can approve: "
                    f"{finding.may_approve}."
                },
                "locations": [_location(region.path, region.start_line, region.end_line)],
                "partialFingerprints": {"foureyesRegion/v1": region.id},
                "properties": {
                    "risk": region.risk.level.value,
                    "state": region.review.state.value,
                    "approvals": region.review.approvals,
                    "approvalsRequired": region.review.approvals_required,
                    "agents": list(region.agents),
                },
            }
        )
    for problem in verdict.ledger_problems:
        results.append(
            {
                "ruleId": RULE_LEDGER,
                "ruleIndex": 1,
                "level": "error" if verdict.ledger_blocks else "warning",
                "message": {"text": problem.reason},
                "locations": [_location(verdict.ledger_path, problem.line, problem.line)],
            }
        )
    for change in verdict.ledger_changes:
        location = (
            _location(verdict.ledger_path, None, None)
            if change.at_base
            else _location(verdict.ledger_path, change.line, change.line)
        )
        results.append(
            {
                "ruleId": RULE_LEDGER_CHANGED,
                "ruleIndex": 2,
                "level": "error",
                "message": {"text": str(change)},
                "locations": [location],
            }
        )
    for file in verdict.unchecked:
        results.append(
            {
                "ruleId": RULE_UNCHECKED,
                "ruleIndex": 3,
                "level": "error",
                "message": {"text": f"{file.path} could not be checked: {file.reason}"},
                "locations": [_location(file.path, None, None)],
            }
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "foureyes",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if verdict.base is not None:
        run["properties"] = {
            "base": verdict.base.commit,
            "baseSource": verdict.base.source,
            "scope": verdict.scope,
        }
    else:
        run["properties"] = {"scope": verdict.scope}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _location(path: str, start: int | None, end: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": _uri(path), "uriBaseId": "%SRCROOT%"},
    }
    if start is not None and end is not None:
        physical["region"] = {"startLine": start, "endLine": end}
    return {"physicalLocation": physical}


def _uri(path: str) -> str:
    """A relative URI reference for a repository path (spaces and the like escaped)."""
    return quote(path, safe="/")


def github(verdict: Verdict) -> str:
    """GitHub Actions workflow commands: one annotation per finding, then a summary."""
    lines: list[str] = []
    for finding in verdict.findings:
        region = finding.region
        command = "error" if finding.blocking else "notice"
        title = (
            f"AI code needs {region.review.approvals_required - region.review.approvals} more "
            f"senior approval(s) ({region.risk.level.value} risk)"
        )
        # One line per reason: the line breaks are ours, never a value's.
        reasons = [one_line(reason) for reason in finding.reasons]
        message = "\n".join([*reasons, f"Can approve: {one_line(finding.may_approve)}"])
        lines.append(
            _command(
                command,
                message,
                file=region.path,
                line=region.start_line,
                endLine=region.end_line,
                title=title,
            )
        )
    for problem in verdict.ledger_problems:
        command = "error" if verdict.ledger_blocks else "warning"
        lines.append(
            _command(
                command,
                one_line(problem.reason),
                file=verdict.ledger_path,
                line=problem.line,
                title="Invalid foureyes ledger line",
            )
        )
    for change in verdict.ledger_changes:
        place: dict[str, object] = {"file": verdict.ledger_path}
        if not change.at_base:
            place["line"] = change.line
        lines.append(
            _command("error", one_line(str(change)), **place, title="foureyes ledger changed")
        )
    for file in verdict.unchecked:
        lines.append(
            _command(
                "error",
                one_line(f"{file.path} could not be checked: {file.reason}"),
                file=file.path,
                title="File with AI code could not be checked",
            )
        )
    lines.append(text(verdict).rstrip("\n").splitlines()[-1])
    return "\n".join(lines) + "\n"


def _command(name: str, message: str, **properties: object) -> str:
    """A workflow command; GitHub's escaping keeps a value inside its message or property
    (https://docs.github.com/actions/reference/workflow-commands-for-github-actions)."""
    shown = ",".join(
        f"{key}={_escape_property(one_line(str(value)))}" for key, value in properties.items()
    )
    return f"::{name} {shown}::{_escape_data(message)}"


def _escape_data(value: str) -> str:
    """The message: `%`, CR and LF (a line break would end the command)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    """A property value: also `:` (ends the properties) and `,` (starts the next one)."""
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


FORMATS: Sequence[str] = ("text", "json", "sarif", "github")
