"""GitHub CODEOWNERS: who owns a path (the last matching line wins).

The file is looked for where GitHub looks, in its order: `.github/CODEOWNERS`,
`CODEOWNERS`, `docs/CODEOWNERS`. Each line is a pattern (see patterns.py) and
owners (`@user`, `@org/team`, emails); a pattern with no owners clears ownership.
Lines GitHub would skip (negation, character ranges) are skipped here too and
reported, so a user can see why a line has no effect.

This module parses and answers "who owns this path"; it must not know what an
owner may do (that is the policy's business).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from foureyes.rules.patterns import PatternError, compile_pattern

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


@dataclass(frozen=True, slots=True)
class CodeownersRule:
    line: int  # 1-based line in the file
    pattern: str
    owners: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Codeowners:
    """A parsed CODEOWNERS file; `problems` are lines that were skipped, and why."""

    path: str  # repository-relative, e.g. ".github/CODEOWNERS"
    rules: tuple[CodeownersRule, ...]
    problems: tuple[str, ...] = ()

    def owners_of(self, path: str) -> tuple[str, ...]:
        """The owners of a repository-relative path: the last matching rule's owners."""
        for rule in reversed(self.rules):
            if compile_pattern(rule.pattern).fullmatch(path):
                return rule.owners
        return ()


def parse(text: str, path: str = "CODEOWNERS") -> Codeowners:
    rules: list[CodeownersRule] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens = _tokens(raw)
        if not tokens:
            continue
        pattern, owners = tokens[0], tuple(tokens[1:])
        try:
            compile_pattern(pattern)
        except PatternError as error:
            problems.append(f"{path}:{number}: {error}; the line is skipped")
            continue
        bad = [owner for owner in owners if not _is_owner(owner)]
        if bad:
            problems.append(
                f"{path}:{number}: {', '.join(bad)} is not an owner (@user, @org/team or an "
                "email); the line is skipped"
            )
            continue
        rules.append(CodeownersRule(number, pattern, owners))
    return Codeowners(path, tuple(rules), tuple(problems))


def find(read: Callable[[str], bytes | None]) -> Codeowners | None:
    """The repository's CODEOWNERS file, read through `read` (a repo-relative path reader)."""
    for location in LOCATIONS:
        data = read(location)
        if data is not None:
            return parse(data.decode("utf-8", errors="replace"), location)
    return None


def _tokens(line: str) -> list[str]:
    """Whitespace-separated tokens up to a comment; `\\#` is a literal `#` in a pattern."""
    tokens: list[str] = []
    for token in line.split():
        if token.startswith("#"):
            break
        tokens.append(token.replace("\\#", "#"))
    return tokens


def _is_owner(owner: str) -> bool:
    if owner.startswith("@"):
        return len(owner) > 1 and owner.count("/") <= 1
    local, at, domain = owner.partition("@")
    return bool(local and at and domain)
