"""The server's settings, read from the client's `foureyes` configuration section.

Invalid values fall back to their defaults with a message naming the key, so a typo
in settings.json never takes the server down. Must not know how settings arrive.

A severity key overrides the policy only when it names a severity: "policy", an empty
string, null or a missing key all leave the region's severity to the policy's
`[severity]` table. Clients send their defaults (VS Code sends every key of its section,
LSP4IJ the template's settings.json), so their defaults must be "policy".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lsprotocol import types

from foureyes.core.model import ReviewState

_SEVERITIES: Mapping[str, types.DiagnosticSeverity | None] = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
    "off": None,
}
FOLLOW_POLICY = "policy"  # a severity value that overrides nothing
_STATE_KEYS: Mapping[str, ReviewState] = {
    "unreviewed": ReviewState.UNREVIEWED,
    "reviewRequested": ReviewState.REVIEW_REQUESTED,
    "partiallyApproved": ReviewState.PARTIALLY_APPROVED,
    "changesRequested": ReviewState.CHANGES_REQUESTED,
}


def _default_severities() -> dict[ReviewState, types.DiagnosticSeverity | None]:
    # No overrides: the policy's severity for the region's risk level decides.
    return {}


SEVERITY_NAMES = _SEVERITIES


@dataclass(frozen=True)
class Settings:
    # Per review state, overriding the policy's severity by risk level; None is "off".
    severity: Mapping[ReviewState, types.DiagnosticSeverity | None] = field(
        default_factory=_default_severities
    )
    code_lens: bool = True
    heuristics: bool = False  # editor-side guesses (large non-pasted insertions) accepted
    docs_url: str | None = None  # where diagnostic codes are explained; None: bundled docs
    python: str | None = None  # the project's Python environment, for judging imports


def parse_settings(raw: object) -> tuple[Settings, list[str]]:
    """Settings from the client's JSON, and one message per value that was ignored."""
    problems: list[str] = []
    if raw is None or raw == []:  # Neovim sends an empty Lua table as a JSON array
        return Settings(), problems
    if not isinstance(raw, Mapping):
        return Settings(), ["foureyes settings must be an object; using defaults"]
    severity = _default_severities()
    raw_severity = raw.get("severity") or {}
    if isinstance(raw_severity, Mapping):
        for key, value in raw_severity.items():
            state = _STATE_KEYS.get(str(key))
            if state is None:
                problems.append(f"foureyes.severity.{key} is not a known review state; ignored")
            elif value is None or (
                isinstance(value, str) and value.strip().lower() in {"", FOLLOW_POLICY}
            ):
                continue  # the policy's severity for the region's risk level decides
            elif not isinstance(value, str) or value.strip().lower() not in _SEVERITIES:
                allowed = ", ".join([FOLLOW_POLICY, *sorted(_SEVERITIES)])
                problems.append(f"foureyes.severity.{key} must be one of {allowed}; ignored")
            else:
                severity[state] = _SEVERITIES[value.strip().lower()]
    else:
        problems.append("foureyes.severity must be an object; ignored")
    code_lens = _flag(raw, "codeLens", True, problems)
    heuristics = _flag(raw, "heuristics", False, problems)
    docs_url = raw.get("docsUrl")
    if docs_url is not None and not isinstance(docs_url, str):
        problems.append("foureyes.docsUrl must be a string; ignored")
        docs_url = None
    python = raw.get("python")
    if python is not None and not isinstance(python, str):
        problems.append("foureyes.python must be a path (a string); ignored")
        python = None
    return (
        Settings(severity, code_lens, heuristics, docs_url or None, (python or "").strip() or None),
        problems,
    )


def _flag(raw: Mapping[str, object], key: str, default: bool, problems: list[str]) -> bool:
    value = raw.get(key, default)
    if isinstance(value, bool):
        return value
    problems.append(f"foureyes.{key} must be true or false; using {str(default).lower()}")
    return default
