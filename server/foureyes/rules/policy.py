"""The review policy: who is senior, how many approvals each risk level needs, which
paths are critical or ignored, severities, signing, what `check` fails on, webhooks.

Read from `.foureyes.toml` at the repository root, or from `[tool.foureyes]` in
`pyproject.toml` (docs/policy.md has every key and a complete example). With neither,
the documented defaults apply (`DEFAULT_POLICY`). A policy that cannot be read or
has a wrong key is a `PolicyError` naming the file, the line where it can be found,
the key and what is wrong: a broken policy never falls back to "allow".

Files are read through a `Reader` (repository-relative path -> bytes or None), so
the same code reads the working tree or a commit (`check` reads the policy of the
base it compares against, so a change cannot approve itself by editing the policy).
This module must not know about claims, the engine or faces.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import attrs

from foureyes.core.errors import UsageError
from foureyes.core.model import Identity, RiskLevel, Seniors
from foureyes.core.text import content_key
from foureyes.risk.assess import RiskConfig
from foureyes.risk.catalog import LEVEL_THRESHOLDS
from foureyes.rules import codeowners, identity, policy_schema
from foureyes.rules.codeowners import Codeowners
from foureyes.rules.patterns import first_match
from foureyes.rules.policy_lines import line_of
from foureyes.rules.policy_schema import RawSigning, SchemaError
from foureyes.store.repo import file_stamp

POLICY_FILE = ".foureyes.toml"
PYPROJECT = "pyproject.toml"

_T = TypeVar("_T")
Reader = Callable[[str], bytes | None]


class PolicyError(UsageError):
    """The policy cannot be used as written; the message names file, line and key."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where to POST a JSON notification when someone asks for review."""

    url: str
    timeout: float = 3.0


@dataclass(frozen=True, slots=True)
class Signing:
    required: bool = False
    allowed_signers: str | None = None  # as written in the policy (repository-relative)
    allowed_signers_text: str | None = None  # its content, read with the policy
    key: str | None = None  # a signing key for everyone (overrides git's user.signingkey)


@dataclass(frozen=True, eq=False)
class Policy:
    """A validated policy. Compared and hashed by identity: the engine uses it as a
    cache key, and a loader hands out the same object until its files change."""

    source: str | None = None  # "where it came from" for messages; None: the defaults
    seniors: tuple[str, ...] = (identity.ANYONE,)
    codeowners: bool = False
    codeowners_file: Codeowners | None = None
    people: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "@handle" -> emails
    teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "@org/team" -> entries
    approvals: Mapping[RiskLevel, int] = field(
        default_factory=lambda: {
            RiskLevel.LOW: 1, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2, RiskLevel.CRITICAL: 2,
        }
    )  # fmt: skip
    mixed_lines: str = "review"  # "ignore": lines a person changed need no review
    critical_paths: tuple[str, ...] = ()
    ignored_paths: tuple[str, ...] = ()
    severity: Mapping[RiskLevel, str] = field(
        default_factory=lambda: {
            RiskLevel.LOW: "hint", RiskLevel.MEDIUM: "information",
            RiskLevel.HIGH: "warning", RiskLevel.CRITICAL: "error",
        }
    )  # fmt: skip
    signing: Signing = field(default_factory=Signing)
    fail_at: RiskLevel = RiskLevel.LOW  # `check` fails on unapproved regions from this level up
    ledger_problems: str = "warn"  # "fail": `check` fails when the ledger has bad lines
    webhooks: tuple[Webhook, ...] = ()
    risk_weights: Mapping[str, int] = field(default_factory=dict)  # rule -> weight ([risk])
    risk_levels: Mapping[str, int] = field(default_factory=lambda: dict(LEVEL_THRESHOLDS))
    history: bool = True  # lines from AI-marked commits, git-ai notes, Agent Trace count
    ai_markers: tuple[str, ...] = ()  # extra regexes that mark a commit as AI ([history])
    python: str | None = None  # the environment imports are judged by ([dependencies])
    problems: tuple[str, ...] = ()  # things that do not break the policy but deserve a word
    _seniors_cache: dict[str, Seniors] = field(default_factory=dict, repr=False)

    # --- questions ---

    def risk_config(self) -> RiskConfig:
        return RiskConfig(weights=self.risk_weights, thresholds=self.risk_levels)

    @property
    def mixed_lines_need_review(self) -> bool:
        return self.mixed_lines == "review"

    def approvals_for(self, level: RiskLevel) -> int:
        return self.approvals[level]

    def is_ignored(self, path: str) -> bool:
        return first_match(self.ignored_paths, path) is not None

    def critical_match(self, path: str) -> str | None:
        """The first critical-path pattern covering `path`, or None."""
        return first_match(self.critical_paths, path)

    def owners_of(self, path: str) -> tuple[str, ...]:
        if not self.codeowners or self.codeowners_file is None:
            return ()
        return self.codeowners_file.owners_of(path)

    def seniors_for(self, path: str) -> Seniors:
        """Who may approve AI code in `path`: the seniors, plus its CODEOWNERS owners
        when the policy counts them."""
        found = self._seniors_cache.get(path)
        if found is None:
            entries = (*self.seniors, *self.owners_of(path))
            found = identity.resolve(entries, self.people, self.teams)
            self._seniors_cache[path] = found
        return found

    def suggested_reviewers(self, path: str, excluded: tuple[Identity, ...]) -> tuple[str, ...]:
        """Whom to ask: the path's CODEOWNERS owners who are senior (all of them when
        the policy counts owners as seniors), else the seniors; never a person in
        `excluded` (who recorded the code, or already approved all of it), never "*"."""
        owners = self.codeowners_file.owners_of(path) if self.codeowners_file else ()
        seniors = self.seniors_for(path)
        senior_owners = tuple(owner for owner in owners if self._is_senior(owner, seniors))
        candidates = senior_owners or self.seniors
        return tuple(
            entry
            for entry in candidates
            if entry != identity.ANYONE
            and not any(identity.refers_to(entry, person, seniors) for person in excluded)
        )

    def _is_senior(self, entry: str, seniors: Seniors) -> bool:
        if self.codeowners or seniors.anyone:
            return True
        named = identity.resolve((entry,), self.people, self.teams)
        return bool(named.emails & seniors.emails or named.handles & seniors.handles)


DEFAULT_POLICY = Policy()


# --- loading ------------------------------------------------------------------------------


def worktree_reader(root: Path) -> Reader:
    def read(relpath: str) -> bytes | None:
        path = root / relpath
        try:
            return path.read_bytes() if path.is_file() else None
        except OSError as error:
            raise PolicyError(
                f"cannot read {relpath}: {error.strerror or error}",
                "make sure it is a regular file you may read",
            ) from None

    return read


def load_policy(read: Reader) -> Policy:
    """The policy the files say, or the defaults when there is none; raises PolicyError."""
    own = read(POLICY_FILE)
    pyproject = read(PYPROJECT)
    table: dict[str, Any] | None = None
    source: _Source | None = None
    if pyproject is not None:
        data = _parse_toml(PYPROJECT, pyproject)
        tool = data.get("tool")
        if isinstance(tool, dict) and "foureyes" in tool:
            table = tool["foureyes"]
            source = _Source(PYPROJECT, _text(pyproject), ("tool", "foureyes"))
            if not isinstance(table, dict):
                raise source.error((), "must be a table ([tool.foureyes])")
    if own is not None:
        if source is not None:
            raise PolicyError(
                f"two review policies: {POLICY_FILE} and [tool.foureyes] in {PYPROJECT}",
                "keep one of them; foureyes will not guess which one you meant",
            )
        table = _parse_toml(POLICY_FILE, own)
        source = _Source(POLICY_FILE, _text(own), ())
    if table is None or source is None:
        # The defaults; a CODEOWNERS file still tells whom to suggest as reviewers.
        owners_file = codeowners.find(read)
        return DEFAULT_POLICY if owners_file is None else Policy(codeowners_file=owners_file)
    return _build(table, source, read)


class PolicyLoader:
    """Loads a working tree's policy and reloads it only when one of its files changes.

    Thread-safe enough for the engine: the worst case of a race is loading twice.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._key: tuple[object, ...] | None = None
        self._policy: Policy | None = None
        self._error: PolicyError | None = None

    def load(self) -> Policy:
        key = self._fingerprint()
        if key != self._key:
            try:
                self._policy, self._error = load_policy(worktree_reader(self.root)), None
            except PolicyError as error:
                self._policy, self._error = None, error
            self._key = key
        if self._error is not None:
            raise self._error
        assert self._policy is not None
        return self._policy

    def _fingerprint(self) -> tuple[object, ...]:
        names = [POLICY_FILE, PYPROJECT, *codeowners.LOCATIONS]
        if self._policy is not None and self._policy.signing.allowed_signers:
            names.append(self._policy.signing.allowed_signers)
        return tuple(file_stamp(self.root / name) for name in names)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _parse_toml(name: str, data: bytes) -> dict[str, Any]:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise PolicyError(
            f"{name}: not valid UTF-8 (byte {error.start + 1})", "save the file as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as error:
        # tomllib's message ends "(at line N, column M)": put the line where editors look.
        found = re.search(r"\(at line (\d+), column \d+\)", str(error))
        where = f"{name}:{found.group(1)}" if found else name
        raise PolicyError(
            f"{where}: not valid TOML: {error}",
            "fix the syntax there; https://toml.io describes the format",
        ) from None


@dataclass(frozen=True, slots=True)
class _Source:
    """Where a policy table came from, to point errors at a file, line and key."""

    name: str
    text: str
    prefix: tuple[str, ...]  # ("tool", "foureyes") inside pyproject.toml

    def error(self, key: tuple[str, ...], problem: str, hint: str | None = None) -> PolicyError:
        dotted = ".".join((*self.prefix, *key)) or "(top level)"
        line = line_of(self.text, (*self.prefix, *key))
        where = f"{self.name}:{line}" if line else self.name
        return PolicyError(f"{where}: {dotted} {problem}", hint or "see docs/policy.md")


# --- the rules that join several keys (each key alone is policy_schema.py's) ----------


def _build(table: dict[str, Any], src: _Source, read: Reader) -> Policy:
    try:
        raw = policy_schema.structure(table)
    except SchemaError as error:
        raise src.error(error.key, error.problem, error.hint) from None
    review = raw.review
    problems: list[str] = []
    teams = {team.lower(): members for team, members in raw.teams.items()}

    # Read even when owners do not count as seniors: senior owners are suggested first.
    owners_file = codeowners.find(read)
    if review.codeowners:
        if owners_file is None:
            raise src.error(
                ("review", "codeowners"),
                "is true, but there is no CODEOWNERS file",
                f"add one at {', '.join(codeowners.LOCATIONS)}, or set codeowners = false",
            )
        problems.extend(owners_file.problems)
    seniors = review.seniors
    if seniors is None:
        seniors = () if review.codeowners else (identity.ANYONE,)
    if not seniors and not review.codeowners:
        raise src.error(
            ("review", "seniors"),
            "is empty and CODEOWNERS is not used, so nobody could ever approve AI code",
            'name seniors (emails, @handles, @org/teams), set codeowners = true, or use ["*"] '
            "for anyone but the person who recorded the code",
        )
    for entry in seniors:
        if identity.is_team(entry) and entry.lower() not in teams:
            problems.append(
                f"{src.name}: senior team {entry} is not listed in [teams], so it has no "
                "members foureyes can recognise"
            )

    levels = attrs.asdict(raw.risk.levels)
    if not levels["medium"] <= levels["high"] <= levels["critical"]:
        raise src.error(
            ("risk", "levels"),
            f"must rise from medium to critical, not {levels}",
            "for example medium = 15, high = 35, critical = 70",
        )

    return Policy(
        source=".".join(src.prefix) + f" in {src.name}" if src.prefix else src.name,
        seniors=seniors, codeowners=review.codeowners, codeowners_file=owners_file,
        people={handle.lower(): emails for handle, emails in raw.people.items()},
        teams=teams, approvals=_by_level(review.approvals, DEFAULT_POLICY.approvals),
        mixed_lines=review.mixed_lines, critical_paths=raw.paths.critical,
        ignored_paths=raw.paths.ignored,
        severity=_by_level(raw.severity, DEFAULT_POLICY.severity),
        signing=_signing(raw.signing, src, read), fail_at=RiskLevel(raw.check.fail_at),
        ledger_problems=raw.check.ledger_problems,
        webhooks=tuple(Webhook(url=hook.url, timeout=hook.timeout)
                       for hook in raw.notify.webhooks),
        risk_weights=raw.risk.weights, risk_levels=levels, history=raw.history.enabled,
        ai_markers=raw.history.ai_markers, python=raw.dependencies.python,
        problems=tuple(problems),
    )  # fmt: skip


def _by_level(raw: object, defaults: Mapping[RiskLevel, _T]) -> dict[RiskLevel, _T]:
    """The defaults, with the levels the policy sets (None: left out) replaced."""
    found = dict(defaults)
    for level in RiskLevel:
        value = getattr(raw, level.value)
        if value is not None:
            found[level] = value
    return found


def _signing(raw: RawSigning, src: _Source, read: Reader) -> Signing:
    allowed = raw.allowed_signers
    text: str | None = None
    if allowed:
        if Path(allowed).is_absolute() or ".." in Path(allowed).parts:
            raise src.error(
                ("signing", "allowed_signers"),
                f"is {allowed!r}; it must be a path inside the repository",
                "keep the allowed-signers file in the repository (for example "
                ".foureyes/allowed_signers) so that CI and every reviewer use the same one",
            )
        data = read(allowed)
        if data is None:
            raise src.error(
                ("signing", "allowed_signers"),
                f"names {allowed}, which does not exist",
                'create it: one line per person, `EMAIL namespaces="foureyes-approval" '
                "ssh-ed25519 AAAA...` (the format of git's gpg.ssh.allowedSignersFile)",
            )
        text = _text(data)
    if raw.required and not allowed:
        raise src.error(
            ("signing", "required"),
            "is true, but signing.allowed_signers does not name the allowed-signers file",
            "set signing.allowed_signers to a file in the repository listing each "
            "senior's public key",
        )
    return Signing(required=raw.required, allowed_signers=allowed,
                   allowed_signers_text=text, key=raw.key)  # fmt: skip


def digest(text: str | None) -> str:
    """A short hash of some policy input, for cache keys."""
    return content_key(text or "", 8)
