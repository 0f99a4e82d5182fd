"""A region's risk level until the risk engine (tree-sitter, jedi) lands.

Stand-in, on purpose small: `provisional_risk` is the one place that decides a
region's level today, and the risk engine replaces it (keeping the signature, or
the engine's single call site). Until then a region is "critical" when its path
matches one of the policy's critical paths, and "low" otherwise. It must not know
about faces or the ledger.
"""

from __future__ import annotations

from foureyes.model import Risk, RiskLevel, RiskReason
from foureyes.review.policy import Policy


def provisional_risk(policy: Policy, path: str) -> Risk:
    """Critical for a critical path (with the pattern as its reason), else low.

    Replaced by the risk engine; see the module docstring.
    """
    pattern = policy.critical_match(path)
    if pattern is None:
        return Risk(RiskLevel.LOW)
    reason = RiskReason(f"{path} is a critical path in the policy (matches {pattern!r})")
    return Risk(RiskLevel.CRITICAL, (reason,))
