"""Path patterns as CODEOWNERS and the policy's `paths` write them (gitignore-like).

- `*` matches within one path segment, `?` one character of a segment, `**`
  any number of segments (including none).
- A pattern that starts with `/` or has a `/` before its end is anchored at the
  repository root; otherwise it matches at any depth (`*.py`, `secrets`).
- A pattern whose last segment has no wildcard also matches everything beneath a
  directory of that name (`docs`, `/build/`); a trailing `/` matches only that.
  A last segment with a wildcard matches one level only: `docs/*` matches
  `docs/a.md` but not `docs/sub/b.md`, as GitHub documents for CODEOWNERS.
- `!` negation and `[ ]` ranges are not supported: `compile_pattern` refuses them.

This module knows patterns and repository-relative POSIX paths; it must not know
where a pattern came from or what matching it means.
"""

from __future__ import annotations

import re
from functools import lru_cache


class PatternError(ValueError):
    """A pattern this syntax does not support; the message says which part."""


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A regex that fully matches the repository paths `pattern` covers."""
    if not pattern or not pattern.strip():
        raise PatternError("an empty pattern matches nothing")
    if pattern.startswith("!"):
        raise PatternError("'!' negation is not supported")
    if "[" in pattern or "]" in pattern:
        raise PatternError("'[ ]' character ranges are not supported")
    directory_only = pattern.endswith("/")
    body = pattern.strip("/")
    if not body:
        raise PatternError("'/' alone matches nothing")
    anchored = pattern.startswith("/") or "/" in body
    segments = body.split("/")
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            # `a/**/b`: zero or more directories; a trailing `a/**`: anything beneath.
            parts.append(".*" if last else "(?:[^/]*/)*")
            continue
        translated = "".join(
            "[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char)
            for char in segment
        )
        parts.append(translated if last else translated + "/")
    regex = "".join(parts)
    last_segment = segments[-1]
    if directory_only:
        regex += "/.*"
    elif last_segment != "**" and not any(c in last_segment for c in "*?"):
        regex += "(?:/.*)?"  # a file of that name, or anything in a directory of that name
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(prefix + regex)


def matches(pattern: str, path: str) -> bool:
    """Whether `pattern` covers the repository-relative POSIX `path`."""
    return compile_pattern(pattern).fullmatch(path) is not None


def first_match(patterns: tuple[str, ...], path: str) -> str | None:
    """The first pattern that covers `path`, or None."""
    return next((pattern for pattern in patterns if matches(pattern, path)), None)
