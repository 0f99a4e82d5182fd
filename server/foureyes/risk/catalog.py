"""The catalogue of risk rules: id, the sentence a reviewer reads, CWE, default weight.

Pure data. Syntax rules are matched by the tree-sitter queries in risk/queries/
(a capture named after the rule id marks the code); the other rules are computed in
risk/assess.py. Weights and level thresholds can be overridden by the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

# Bump when rules or weights change: cached assessments include it in their key.
RULES_VERSION = 1


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    sentence: str  # completes "This AI code ..."
    weight: int  # added to the score (0-100) once per region
    cwe: str | None = None


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("replaced-code", "replaced {count} lines of existing code", 0),  # weight computed
        Rule("shell-exec", "runs a command through a shell", 35, "CWE-78"),
        Rule("dynamic-code", "evaluates dynamically built code", 35, "CWE-95"),
        Rule("unsafe-deserialization", "deserialises data in a format that can run code", 35, "CWE-502"),
        Rule("sql-injection", "builds SQL from strings instead of query parameters", 40, "CWE-89"),
        Rule("fs-delete", "deletes files or directories", 20, "CWE-73"),
        Rule("permission-change", "changes file permissions or ownership", 20, "CWE-732"),
        Rule("tls-disabled", "turns off TLS certificate verification", 40, "CWE-295"),
        Rule("weak-crypto", "uses a weak hash or cipher", 25, "CWE-327"),
        Rule("insecure-random", "makes a secret with a non-cryptographic random generator", 25, "CWE-330"),
        Rule("hardcoded-secret", "contains what looks like a hard-coded secret", 40, "CWE-798"),
        Rule("auth-code", "touches authentication or permission code", 20, "CWE-287"),
        Rule("unsafe-code", "uses an unsafe block", 20, "CWE-119"),
        Rule("swallowed-error", "swallows an error silently", 15, "CWE-390"),
        Rule("placeholder", "leaves a placeholder or stub behind", 10),
        Rule("skipped-test", "disables or skips a test", 15),
        Rule("unknown-dependency", "imports {name}, which is neither part of the project nor declared as a dependency{judged}", 30, "CWE-829"),
        Rule("size", "is large ({count} lines)", 0),  # weight computed
        Rule("nesting", "nests {count} levels deep", 0),  # weight computed
        Rule("blast-radius", "defines {name}, which is referenced in {count} places", 0),  # weight computed
        Rule("critical-path", "is in a critical path named in the policy ({pattern})", 35),
        # A unit takes on the risk of the block of AI code it lies in (see engine/units.py).
        Rule("risky-block", "is part of a block of AI code (lines {start}-{end}) that is {level} risk as a whole", 0),
    )
}  # fmt: skip

# Score thresholds for the levels (a score is 0-100).
LEVEL_THRESHOLDS: dict[str, int] = {"medium": 15, "high": 35, "critical": 70}


def replaced_weight(count: int) -> int:
    """Replacing existing code is the strongest single signal: it grows with the amount."""
    return 0 if count <= 0 else min(45, 10 + count)


def size_weight(lines: int) -> int:
    return 0 if lines <= 30 else min(20, (lines - 30) // 10 * 2 + 2)


def nesting_weight(depth: int) -> int:
    return 0 if depth < 4 else min(15, 5 + 3 * (depth - 4))


BLAST_RADIUS_FLOOR = 5  # fewer references than this add no weight


def blast_weight(references: int) -> int:
    return 0 if references < BLAST_RADIUS_FLOOR else min(25, 5 + references // 5)
