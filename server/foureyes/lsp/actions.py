"""Code actions over AI regions, and the commands they run.

Building actions is pure (report + who is asking -> CodeAction values). Commands
call the shared review and capture functions; they run in worker threads because
they read git's identity and write the ledger. Must not send LSP messages itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lsprotocol import types

from foureyes.app import review
from foureyes.app.mark import LineRange, mark
from foureyes.core import wording
from foureyes.core.errors import UsageError
from foureyes.core.model import FileReport, Identity, Region, ReviewState
from foureyes.lsp.capabilities import Capabilities
from foureyes.lsp.session import Located
from foureyes.rules import four_eyes as rules

REQUEST_REVIEW = "foureyes.requestReview"
APPROVE = "foureyes.approve"
REQUEST_CHANGES = "foureyes.requestChanges"
MARK_HUMAN = "foureyes.markHuman"
MARK_AI = "foureyes.markAi"
MARK_AI_HEURISTIC = "foureyes.markAiHeuristic"
REQUEST_REVIEW_FILE = "foureyes.requestReviewForFile"
COMMANDS = (
    REQUEST_REVIEW, APPROVE, REQUEST_CHANGES, MARK_HUMAN, MARK_AI, MARK_AI_HEURISTIC,
    REQUEST_REVIEW_FILE,
)  # fmt: skip
HEURISTIC_SOURCE = "editor-heuristic"
MAX_HEURISTIC_CONFIDENCE = 0.5  # a guess never outranks what a hook or a person recorded

REVIEW_KIND: str = types.CodeActionKind.QuickFix
MARK_KIND = "refactor.foureyes"
FILE_KIND = "source.foureyes.requestReview"
NO_IDENTITY = "git does not know who you are (set user.email)"


def build(
    uri: str,
    report: FileReport,
    selection: types.Range,
    diagnostics: Sequence[types.Diagnostic],
    identity: Identity | None,
    support: Capabilities,
) -> list[types.CodeAction]:
    """Actions for the regions touching `selection`, plus marking and the file-wide request."""
    first, last = _selected_lines(selection)
    touched = [r for r in report.regions if r.start_line <= last and r.end_line >= first]
    found: list[types.CodeAction] = []
    for region in touched:
        related = [d for d in diagnostics if _is_for(d, region)]
        args: dict[str, Any] = {"uri": uri, "line": region.start_line}
        where = f"lines {region.start_line}-{region.end_line}"
        found.append(
            _action(f"Request senior review of this AI code ({where})", REQUEST_REVIEW, args,
                    REVIEW_KIND, related, support, preferred=True)
        )  # fmt: skip
        refusal = approval_refusal(region, identity)
        approve = _action(f"Approve this AI code ({where})", APPROVE, args, REVIEW_KIND,
                          related, support)  # fmt: skip
        if refusal is None:
            found.append(approve)
        elif support.code_action_disabled:
            approve.disabled = types.CodeActionDisabled(reason=refusal)
            approve.command = None
            approve.data = None
            found.append(approve)
        if identity and review.changes_refusal(region, identity) is None:
            found.append(
                _action(f"Request changes to this AI code ({where})", REQUEST_CHANGES, args,
                        REVIEW_KIND, related, support)
            )  # fmt: skip
        found.append(
            _action(f"Mark {where} as human-written", MARK_HUMAN, args, MARK_KIND, [], support)
        )
    if not touched or selection.start.line != selection.end.line:
        span = {"uri": uri, "start": first, "end": last}
        lines = f"line {first}" if first == last else f"lines {first}-{last}"
        found.append(
            _action(f"Mark {lines} as AI-generated", MARK_AI, span, MARK_KIND, [], support)
        )
    if any(rules.nobody_asked(region) for region in report.regions):
        found.append(
            _action("Request review for every unreviewed AI region in this file",
                    REQUEST_REVIEW_FILE, {"uri": uri}, FILE_KIND, [], support)
        )  # fmt: skip
    return found


def approval_refusal(region: Region, identity: Identity | None) -> str | None:
    """Why the person at this editor may not approve `region`, or None when they may:
    the one answer the quick fix, the code lens and the review queue all give."""
    return review.approval_refusal(region, identity) if identity else NO_IDENTITY


def resolve(action: types.CodeAction) -> types.CodeAction:
    """Fill in the command of an action that was sent without it."""
    data = action.data if isinstance(action.data, Mapping) else None
    if data and "command" in data and action.command is None:
        action.command = types.Command(
            title=action.title, command=data["command"], arguments=[data["arguments"]]
        )
    return action


def _action(
    title: str,
    command: str,
    arguments: dict[str, Any],
    kind: str,
    related: list[types.Diagnostic],
    support: Capabilities,
    *,
    preferred: bool = False,
) -> types.CodeAction:
    action = types.CodeAction(
        title=title, kind=kind, diagnostics=related or None, is_preferred=preferred or None
    )
    if support.code_action_resolve_command:
        action.data = {"command": command, "arguments": arguments}
    else:
        action.command = types.Command(title=title, command=command, arguments=[arguments])
    return action


def _selected_lines(selection: types.Range) -> tuple[int, int]:
    """1-based first and last line; a selection ending at column 0 excludes that line."""
    first = selection.start.line + 1
    last = selection.end.line + 1
    if last > first and selection.end.character == 0:
        last -= 1
    return first, last


def _is_for(diagnostic: types.Diagnostic, region: Region) -> bool:
    data = diagnostic.data
    return isinstance(data, Mapping) and data.get("region") == region.id


# --- commands -----------------------------------------------------------------------------


def run_command(
    name: str, located: Located, arguments: Mapping[str, Any], text: str, warn: review.Warn
) -> str:
    """Carry out a command against the document's current text; returns what happened.

    `warn` receives problems that did not stop the command (a failed notification).
    """
    engine, path = located.engine, located.path
    note = _optional_text(arguments, "note")
    if name == MARK_AI:
        start, end = _int(arguments, "start"), _int(arguments, "end")
        agent = _optional_text(arguments, "agent")
        model = _optional_text(arguments, "model")
        mark(engine.repo, [LineRange(path, start, end)], ai=True, agent=agent, model=model,
             texts={path: text})  # fmt: skip
        return f"Marked {path}:{start}-{end} as AI-generated"
    if name == MARK_AI_HEURISTIC:
        return _mark_heuristic(located, arguments, text)
    if name == REQUEST_REVIEW_FILE:
        made = review.request_review_for_file(engine, path, note=note, text=text, warn=warn)
        return f"Requested review for {len(made)} AI region(s) in {path}"
    line = _int(arguments, "line")
    region = review.region_at(engine, path, line, text)
    where = f"{path}:{region.start_line}-{region.end_line}"
    if name == REQUEST_REVIEW:
        reviewers = arguments.get("reviewers") or []
        if not isinstance(reviewers, list) or not all(isinstance(r, str) for r in reviewers):
            raise UsageError("reviewers must be a list of strings")
        review.request_review(
            engine, path, line, reviewers=reviewers, note=note, text=text, warn=warn
        )
        return f"Requested senior review of {where}"
    if name == APPROVE:
        review.approve(engine, path, line, note=note, text=text)
        after = review.region_at(engine, path, line, text)
        return f"Approved {where} — {approvals_left(after)}"
    if name == REQUEST_CHANGES:
        review.request_changes(engine, path, line, note=note, text=text)
        return f"Requested changes to {where}"
    if name == MARK_HUMAN:
        mark(engine.repo, [LineRange(path, region.start_line, region.end_line)], ai=False,
             texts={path: text})  # fmt: skip
        return f"Marked {where} as human-written"
    raise UsageError(f"unknown command {name}")


def approvals_left(region: Region) -> str:
    """`1 of 2 senior approvals; 1 more needed` or `fully approved (2 of 2 ...)`; with no
    seniors named (anyone may approve) they are not called senior approvals."""
    state = region.review
    kind = "approval" if state.seniors.anyone else "senior approval"
    have = f"{state.approvals} of {wording.count(state.approvals_required, kind)}"
    if state.state is ReviewState.APPROVED:
        return f"fully approved ({have})"
    missing = max(state.approvals_required - state.approvals, 1)
    return f"{have}; {missing} more needed"


def _mark_heuristic(located: Located, arguments: Mapping[str, Any], text: str) -> str:
    """An editor's guess that lines were AI-written: claimed with low confidence, and
    only for lines no claim speaks about yet (a guess never overrides a record)."""
    engine, path = located.engine, located.path
    start, end = _int(arguments, "start"), _int(arguments, "end")
    confidence = arguments.get("confidence", 0.3)
    if not isinstance(confidence, int | float) or isinstance(confidence, bool):
        raise UsageError("'confidence' must be a number")
    confidence = min(max(float(confidence), 0.0), MAX_HEURISTIC_CONFIDENCE)
    attributed = engine.report(path, text).attributed
    free = [n for n in range(start, end + 1) if n not in attributed]
    runs: list[LineRange] = []
    for number in free:
        if runs and runs[-1].end == number - 1:
            runs[-1] = LineRange(path, runs[-1].start, number)
        else:
            runs.append(LineRange(path, number, number))
    if not runs:
        return f"{path}:{start}-{end} already has claims; nothing guessed"
    mark(engine.repo, runs, ai=True, agent="unknown", texts={path: text},
         source=HEURISTIC_SOURCE, confidence=confidence)  # fmt: skip
    return f"Marked {', '.join(str(r) for r in runs)} as possibly AI-generated"


def _int(arguments: Mapping[str, Any], key: str) -> int:
    value = arguments.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise UsageError(f"the command needs '{key}' as a line number (1-based)")
    return value


def _optional_text(arguments: Mapping[str, Any], key: str) -> str | None:
    value = arguments.get(key)
    if value is not None and not isinstance(value, str):
        raise UsageError(f"'{key}' must be text")
    return value or None
