"""Score one AI region: collect its reasons, weigh them, name a level.

Two tiers. The fast tier (syntax rules, replaced lines, size, nesting, critical
paths, imports decidable from manifests) is cheap and cached by the region's
content, so it can run on every keystroke. The slow tier adds what needs jedi
(imports that might be installed; blast radius) and is meant for worker threads.
Must not know about LSP, terminals or the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from foureyes.core.lru import Lru
from foureyes.core.model import Risk, RiskLevel, RiskReason
from foureyes.core.text import content_key
from foureyes.risk.catalog import (
    LEVEL_THRESHOLDS,
    RULES,
    RULES_VERSION,
    blast_weight,
    nesting_weight,
    replaced_weight,
    size_weight,
)
from foureyes.risk.dependencies import Dependencies
from foureyes.risk.languages import language_of
from foureyes.risk.references import References
from foureyes.risk.syntax import EMPTY, Definition, Finding, SyntaxFacts, analyse
from foureyes.store.diskstore import DiskStore


@dataclass(frozen=True)
class RiskConfig:
    """Weights and thresholds; the policy may override any of them."""

    weights: Mapping[str, int] = field(default_factory=dict)
    thresholds: Mapping[str, int] = field(default_factory=lambda: dict(LEVEL_THRESHOLDS))

    def weight(self, rule: str, default: int) -> int:
        return self.weights.get(rule, default)

    def level(self, score: int) -> RiskLevel:
        if score >= self.thresholds.get("critical", 70):
            return RiskLevel.CRITICAL
        if score >= self.thresholds.get("high", 35):
            return RiskLevel.HIGH
        if score >= self.thresholds.get("medium", 15):
            return RiskLevel.MEDIUM
        return RiskLevel.LOW


@dataclass(frozen=True, slots=True)
class RegionInput:
    """What the assessor needs to know about a region, independent of the engine's types."""

    path: str
    first_line: int  # 1-based
    lines: tuple[str, ...]  # the region's text, line by line
    replaced: int = 0  # existing lines the agent's edits replaced
    critical_pattern: str | None = None  # the policy's critical-path pattern that matched
    text: str | None = None  # the whole file's current text, for reference counting


class Assessor:
    """Assess regions of one repository, caching by content. Thread-safe."""

    def __init__(
        self,
        dependencies: Dependencies | None,
        references: References | None = None,
        disk: DiskStore | None = None,
    ) -> None:
        self.dependencies = dependencies
        self.references = references
        self.disk = disk
        self._facts: Lru[tuple[str, str], SyntaxFacts] = Lru(4096)

    def assess(
        self, region: RegionInput, config: RiskConfig | None = None, *, slow: bool = False
    ) -> Risk:
        config = config or RiskConfig()
        language = language_of(region.path)
        facts = self._syntax(language, region.lines) if language else EMPTY
        reasons, pending = self._reasons(region, language, facts, config, slow=slow)
        score = min(100, sum(r.weight for r in reasons))
        # Complete unless a signal only jedi can give (the slow tier) is still unknown.
        complete = slow or not pending
        level = config.level(score)
        if region.critical_pattern:
            # A path the policy calls critical is critical whatever its code looks like.
            level = RiskLevel.CRITICAL
        return Risk(level, tuple(reasons), score, complete)

    def _syntax(self, language: str, lines: Sequence[str]) -> SyntaxFacts:
        text = "\n".join(lines)
        key = (
            language,
            content_key(f"{RULES_VERSION}\0{text}"),
        )
        found = self._facts.get(key)
        if found is not None:
            return found
        found = _facts_from_json(self.disk.get(("syntax", *key))) if self.disk else None
        if found is None:
            found = analyse(language, text)
            if self.disk:
                self.disk.set(("syntax", *key), _facts_to_json(found))
        self._facts.put(key, found)
        return found

    def _reasons(
        self,
        region: RegionInput,
        language: str | None,
        facts: SyntaxFacts,
        config: RiskConfig,
        *,
        slow: bool,
    ) -> tuple[list[RiskReason], bool]:
        """The reasons, and whether some are still pending (jedi has not looked yet:
        the fast tier reuses every verdict and count the slow tier already found)."""
        reasons: list[RiskReason] = []
        pending = False
        first = region.first_line

        def add(
            rule: str, weight: int, lines: tuple[int, int] | None = None, **values: object
        ) -> None:
            entry = RULES[rule]
            weight = config.weight(rule, weight)
            if weight <= 0:
                return
            message = "This AI code " + entry.sentence.format(**values)
            start, end = lines if lines else (None, None)
            reasons.append(RiskReason(message, start, end, rule, weight, entry.cwe))

        if region.replaced:
            add("replaced-code", replaced_weight(region.replaced), count=region.replaced)
        by_rule: dict[str, list[tuple[int, int]]] = {}
        for finding in facts.findings:
            by_rule.setdefault(finding.rule, []).append(
                (first + finding.first_line, first + finding.last_line)
            )
        for rule, places in by_rule.items():
            if rule not in RULES:
                continue
            add(rule, RULES[rule].weight, places[0])
            if len(places) > 1:
                reasons[-1] = _with_count(reasons[-1], len(places))
        if self.dependencies is not None and language and facts.imports:
            names, pending = self.dependencies.unknown(
                language, region.path, facts.imports, slow=slow
            )
            judged = self.dependencies.judged_by(language) if names else ""
            for name in names:
                add(
                    "unknown-dependency",
                    RULES["unknown-dependency"].weight,
                    _import_line(region, name),
                    name=name,
                    judged=judged,
                )
        python = language == "python"
        if python and self.references is not None and region.text is not None and facts.definitions:
            definitions = [(d.name, first + d.line, d.column) for d in facts.definitions]
            last = first + len(region.lines) - 1
            counts = self.references.count(
                region.path, region.text, definitions, (first, last), known_only=not slow
            )
            pending = pending or counts is None
            if counts:
                name, references = max(counts, key=lambda item: item[1])
                reason = blast_radius_reason(name, references, config)
                if reason is not None:
                    reasons.append(reason)
        code_lines = sum(1 for line in region.lines if line.strip())
        add("size", size_weight(code_lines), count=code_lines)
        add("nesting", nesting_weight(facts.nesting), count=facts.nesting)
        if region.critical_pattern:
            add("critical-path", RULES["critical-path"].weight, pattern=region.critical_pattern)
        return reasons, pending

    @property
    def generation(self) -> tuple[int, int]:
        """Grows whenever jedi's verdicts or counts become known: fast answers that
        reused them are cached under it."""
        return (
            self.dependencies.generation if self.dependencies else 0,
            self.references.generation if self.references else 0,
        )


def _with_count(reason: RiskReason, count: int) -> RiskReason:
    return replace(reason, message=f"{reason.message} ({count} places)")


def _import_line(region: RegionInput, name: str) -> tuple[int, int] | None:
    for offset, line in enumerate(region.lines):
        if name in line and ("import" in line or "require" in line or "use " in line):
            return (region.first_line + offset, region.first_line + offset)
    return None


def blast_radius_reason(
    name: str, references: int, config: RiskConfig | None = None
) -> RiskReason | None:
    """A reason for code that many places depend on (computed by the caller with jedi)."""
    weight = (config or RiskConfig()).weight("blast-radius", blast_weight(references))
    if weight <= 0:
        return None
    message = "This AI code " + RULES["blast-radius"].sentence.format(name=name, count=references)
    return RiskReason(message, rule="blast-radius", weight=weight)


# --- syntax facts on disk (plain JSON: a disk cache never holds pickles) --------------------


def _facts_to_json(facts: SyntaxFacts) -> dict[str, object]:
    return {
        "findings": [[f.rule, f.first_line, f.last_line, f.text] for f in facts.findings],
        "imports": list(facts.imports),
        "nesting": facts.nesting,
        "definitions": [[d.name, d.line, d.column] for d in facts.definitions],
    }


def _facts_from_json(value: object) -> SyntaxFacts | None:
    """Facts read back from disk; None (a miss) unless `value` has exactly their shape."""
    if not isinstance(value, dict):
        return None
    findings, imports = value.get("findings"), value.get("imports")
    nesting, definitions = value.get("nesting"), value.get("definitions")
    if not (isinstance(findings, list) and isinstance(definitions, list)):
        return None
    if not (isinstance(imports, list) and all(type(name) is str for name in imports)):
        return None
    if type(nesting) is not int:
        return None
    if not all(_shaped(f, (str, int, int, str)) and f[0] in RULES for f in findings):
        return None
    if not all(_shaped(d, (str, int, int)) for d in definitions):
        return None
    return SyntaxFacts(
        findings=tuple(Finding(*f) for f in findings),
        imports=tuple(imports),
        nesting=nesting,
        definitions=tuple(Definition(*d) for d in definitions),
    )


def _shaped(item: object, kinds: tuple[type, ...]) -> bool:
    return (
        isinstance(item, list)
        and len(item) == len(kinds)
        and all(type(value) is kind for value, kind in zip(item, kinds, strict=True))
    )
