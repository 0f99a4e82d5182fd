"""The risk rules against a corpus of small files per language: each dangerous case must
get its expected reason, each safe look-alike must get none. Prints precision and
recall per language.

Cases live in tests/risk_corpus/<language>.<ext>.txt, separated by lines
`=== NAME: RULE[, RULE]` (or `none`). Each case is assessed as a file with that
extension, as `foureyes risk --all-lines` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from foureyes.risk.assess import Assessor, RegionInput

CORPUS = Path(__file__).parent / "risk_corpus"
# Reasons about the code's shape or provenance, not about a construct in it.
STRUCTURAL = {"size", "nesting", "unknown-dependency", "replaced-code", "critical-path"}


@dataclass
class Case:
    language: str
    name: str
    path: str
    expected: set[str]
    code: str


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for corpus in sorted(CORPUS.glob("*.txt")):
        language, extension, _ = corpus.name.split(".")
        name, expected, lines = None, set(), []
        for line in [*corpus.read_text().splitlines(), "=== end: none"]:
            if line.startswith("=== "):
                if name is not None:
                    path = f"case_{name}.{extension}"
                    cases.append(Case(language, name, path, expected, "\n".join(lines)))
                name, _, rules = line[4:].partition(":")
                expected = {r.strip() for r in rules.split(",")} - {"none", ""}
                lines = []
            else:
                lines.append(line)
    return cases


CASES = load_cases()


def found_rules(case: Case) -> set[str]:
    risk = Assessor(dependencies=None).assess(
        RegionInput(case.path, 1, tuple(case.code.splitlines())), slow=True
    )
    return {reason.rule for reason in risk.reasons} - STRUCTURAL


@pytest.mark.parametrize("case", CASES, ids=[f"{c.language}-{c.name}" for c in CASES])
def test_case(case: Case) -> None:
    found = found_rules(case)
    if case.expected:
        assert case.expected <= found, f"missing {case.expected - found}"
    else:
        assert found == set(), f"false reasons on a safe look-alike: {found}"


def test_precision_and_recall_per_language(capsys: pytest.CaptureFixture[str]) -> None:
    table: dict[str, list[int]] = {}
    for case in CASES:
        found = found_rules(case)
        counts = table.setdefault(case.language, [0, 0, 0])  # true pos, false pos, false neg
        counts[0] += len(found & case.expected)
        counts[1] += len(found - case.expected)
        counts[2] += len(case.expected - found)
    with capsys.disabled():
        print("\nlanguage     precision  recall   (cases)")
        for language, (tp, fp, fn) in sorted(table.items()):
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            cases = sum(1 for c in CASES if c.language == language)
            print(f"{language:<12} {precision:>9.2f}  {recall:>6.2f}   ({cases})")
    assert set(table) >= {"python", "javascript", "typescript", "go", "rust", "java"}
    for language, (_, _, fn) in table.items():
        assert fn == 0, f"{language}: {fn} expected reasons missed"
