"""Which commits say an AI helped write them: trailers, author names, known agent identities.

A commit is AI-marked when its message carries a trailer naming an agent
(`Co-authored-by: Claude ... <noreply@anthropic.com>`, `Co-authored-by: aider (gpt-4o)
<noreply@aider.chat>`, `Assisted-by: AGENT:MODEL`, `Generated-by: ...`), when aider
wrote it (" (aider)" appended to the author or committer name), or when the GitHub
Copilot coding agent is its author. Teams add their own patterns (the policy's
`extra_markers`). Such a mark says only that an AI took part in the commit, so lines
from it get a lower confidence than a hook's record.

This module is pure: it reads a commit's message and identities; it must not know
about git, blame, files or the ledger.

Commit messages and identities come from whoever pushed the commits, and the
policy's markers from whoever edited the policy: neither may make matching slow.
The policy's markers run under RE2, which matches in time linear in the text
(Python's `re` backtracks, and `(a+)+$` against a long line never finishes); the
built-in expressions here are written so that they cannot backtrack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import re2

from foureyes.core.model import Identity

# How sure a commit-level mark makes us of each line of the commit: an agent took
# part, but a person may have written some of the lines it touched.
TRAILER_CONFIDENCE = 0.6

# Applied to stripped lines, so the value ends where the line does (no lazy `.*?` with
# a `\s*$` after it, which takes time quadratic in a run of inner spaces).
_TRAILER = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(?P<value>\S.*)$")
_AIDER_NAME = re.compile(r"^aider\s*(?:\((?P<model>[^)]*)\))?$", re.IGNORECASE)
_AIDER_SUFFIX = re.compile(r"\s\(aider\)\s*$", re.IGNORECASE)
_COPILOT_AGENT_EMAIL = re.compile(r"^\d+\+copilot@users\.noreply\.github\.com$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AiMark:
    """An AI took part in a commit: which agent and model, and the evidence (for display)."""

    agent: str
    model: str | None
    evidence: str  # the trailer or identity line that said so


def trailers(message: str) -> list[tuple[str, str]]:
    """`Key: value` lines of a commit message's last paragraph (git's trailer block).

    Lenient where git is strict: any line of the last paragraph that looks like a
    trailer counts, even when other text shares the paragraph ("Generated with Claude
    Code" above the Co-Authored-By line is common).
    """
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return []
    found = []
    for line in paragraphs[-1].splitlines():
        match = _TRAILER.match(line.strip())
        if match:
            found.append((match["key"], match["value"]))
    return found


def ai_mark(
    message: str,
    author: Identity,
    committer: Identity | None = None,
    extra_markers: Sequence[str] = (),
) -> AiMark | None:
    """Why this commit counts as AI-assisted, or None. See the module docstring."""
    found = trailers(message)
    for key, value in found:
        lowered = key.lower()
        if lowered == "co-authored-by":
            mark = _co_author(value)
        elif lowered in ("assisted-by", "generated-by"):
            mark = _policy_trailer(value)
        else:
            continue
        if mark is not None:
            return AiMark(mark[0], mark[1], f"{key}: {value}")
    for who, role in ((author, "Author"), (committer, "Committer")):
        if who is None:
            continue
        if _AIDER_SUFFIX.search(who.name):
            return AiMark("aider", None, f"{role}: {who.name} <{who.email}>")
        if role == "Author" and _is_copilot_agent(who):
            return AiMark("copilot", None, f"{role}: {who.name} <{who.email}>")
    if extra_markers:
        lines = [f"{key}: {value}" for key, value in found]
        lines.append(f"Author: {author.name} <{author.email}>")
        if committer is not None:
            lines.append(f"Committer: {committer.name} <{committer.email}>")
        for pattern in compile_markers(extra_markers):
            for line in lines:
                match = pattern.search(line)
                if match:
                    groups = match.groupdict()
                    agent = groups.get("agent") or "unspecified"
                    return AiMark(agent.strip().lower(), groups.get("model"), line)
    return None


MARKER_SYNTAX_HINT = (
    "ai_markers use RE2 syntax (linear-time matching): no backreferences (\\1), no "
    "lookahead or lookbehind ((?=, (?!, (?<=, (?<!), no atomic groups or possessive "
    "quantifiers, and \\z instead of \\Z; see the [history] section of docs/policy.md"
)


class MarkerError(ValueError):
    """A policy marker RE2 cannot compile; `hint` says what RE2 accepts."""

    def __init__(self, message: str, hint: str = MARKER_SYNTAX_HINT) -> None:
        super().__init__(message)
        self.hint = hint


def compile_markers(patterns: Iterable[str]) -> list[re2._Regexp]:
    """Policy patterns, matched case-insensitively against `Key: value` lines (trailers,
    and `Author: Name <email>` / `Committer: ...`). Named groups `agent` and `model`,
    when present, say who. Compiled by RE2, so matching takes time linear in the line
    whatever the pattern. Raises MarkerError naming a pattern RE2 cannot compile
    (not a regex, or a feature RE2 lacks such as a backreference or lookaround)."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(_compiled(pattern))
        except re2.error as error:
            reason = error.args[0] if error.args else "cannot be compiled"
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            raise MarkerError(
                f"AI marker pattern {pattern!r} is not a valid regex for RE2: {reason}"
            ) from None
    return compiled


_COMPILED: dict[str, re2._Regexp] = {}


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # the error is raised to the caller, not printed by RE2
    return options


_OPTIONS = _options()


def _compiled(pattern: str) -> re2._Regexp:
    found = _COMPILED.get(pattern)
    if found is None:
        found = _COMPILED[pattern] = re2.compile(pattern, _OPTIONS)
    return found


def _split_ident(value: str) -> Identity:
    """`Name <email>` (the last `<...>` at the end), else a bare name. Done with string
    methods: a lazy regex here took time quadratic in a run of spaces in the name."""
    text = value.strip()
    if text.endswith(">"):
        opening = text.rfind("<")
        email = text[opening + 1 : -1]
        if opening >= 0 and ">" not in email:
            return Identity(text[:opening].strip(), email.strip())
    return Identity(text, "")


def _co_author(value: str) -> tuple[str, str | None] | None:
    """The agent a Co-authored-by trailer names, or None for a person."""
    who = _split_ident(value)
    name, email = who.name, who.email.lower()
    lowered = name.lower()
    aider = _AIDER_NAME.match(name)
    if aider or email == "noreply@aider.chat":
        model = aider["model"] if aider and aider["model"] else None
        return "aider", model.strip() if model else None
    if (
        "claude" in lowered.split()
        or lowered.startswith("claude")
        or email == "noreply@anthropic.com"
    ):
        return "claude-code", _claude_model(name)
    if "copilot" in lowered or _is_copilot_agent(who) or email == "copilot@github.com":
        return "copilot", None
    if (
        lowered.startswith("cursor")
        or email.endswith("@cursor.com")
        or email.endswith("@cursor.sh")
    ):
        return "cursor", None
    if "codex" in lowered:
        return "codex", None
    if "gemini" in lowered:
        return "gemini", None
    return None


def _claude_model(name: str) -> str | None:
    """'Claude Opus 4.6' -> 'claude-opus-4.6'; plain 'Claude' says no model."""
    words = name.split()
    if len(words) < 2 or words[0].lower() != "claude":
        return None
    return "-".join(word.lower() for word in words)


_KNOWN_AGENTS = {
    "claude": "claude-code", "claude-code": "claude-code", "claude code": "claude-code",
    "copilot": "copilot", "github copilot": "copilot", "cursor": "cursor", "codex": "codex",
    "gemini": "gemini", "gemini-cli": "gemini", "aider": "aider",
}  # fmt: skip


def _policy_trailer(value: str) -> tuple[str, str | None] | None:
    """`Assisted-by: AGENT:MODEL` (Linux kernel, Fedora) or `Generated-by: TOOL ...`."""
    text = _split_ident(value).name if "<" in value else value.strip()
    agent, _, model = text.partition(":")
    agent = agent.strip()
    if not agent:
        return None
    lowered = agent.lower()
    known = _KNOWN_AGENTS.get(lowered)
    if known is None:
        # "SomeTool 2.0", "acme-bot v3": the first word names the tool.
        first = lowered.split()[0]
        known = _KNOWN_AGENTS.get(first, first)
    return known, model.strip() or None


def _is_copilot_agent(who: Identity) -> bool:
    name = who.name.strip().lower()
    return (name == "copilot" and bool(_COPILOT_AGENT_EMAIL.match(who.email))) or name.startswith(
        "copilot-swe-agent"
    )
