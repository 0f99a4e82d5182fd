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
from typing import Any

from foureyes.core.errors import UsageError
from foureyes.core.model import Identity, RiskLevel, Seniors
from foureyes.core.text import content_key
from foureyes.risk.assess import RiskConfig
from foureyes.risk.catalog import LEVEL_THRESHOLDS, RULES
from foureyes.rules import codeowners, identity
from foureyes.rules.codeowners import Codeowners
from foureyes.rules.patterns import PatternError, compile_pattern, first_match
from foureyes.sources.trailers import MarkerError, compile_markers
from foureyes.store.repo import file_stamp

POLICY_FILE = ".foureyes.toml"
PYPROJECT = "pyproject.toml"
SEVERITIES = ("error", "warning", "information", "hint", "off")
MIXED_CHOICES = ("review", "ignore")
LEDGER_PROBLEM_CHOICES = ("warn", "fail")
MAX_APPROVALS = 20
MAX_WEBHOOK_TIMEOUT = 30.0

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
        line = _line_of(self.text, (*self.prefix, *key))
        where = f"{self.name}:{line}" if line else self.name
        return PolicyError(f"{where}: {dotted} {problem}", hint or "see docs/policy.md")


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9_.-]+)\s*=')


def _line_of(text: str, key: tuple[str, ...]) -> int | None:
    """Best effort: the line where a dotted key is set or its table starts."""
    if not key:
        return None
    table: tuple[str, ...] = ()
    want_table = key
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = tuple(_unquote(p) for p in header.group(1).split("."))
            if table == want_table:
                return number
            continue
        found = _KEY.match(line)
        if found:
            full = (*table, *(_unquote(p) for p in found.group(1).split(".")))
            if full == key or (len(full) < len(key) and key[: len(full)] == full):
                return number  # the key itself, or an inline table that holds it
    return None if len(key) == 1 else _line_of(text, key[:-1])


def _unquote(part: str) -> str:
    part = part.strip()
    return part[1:-1] if len(part) >= 2 and part[0] == part[-1] == '"' else part


# --- validation ---------------------------------------------------------------------------

_TOP_KEYS = ("version", "review", "people", "teams", "paths", "severity", "signing", "check",
             "notify", "risk", "history", "dependencies")  # fmt: skip
_REVIEW_KEYS = ("seniors", "codeowners", "approvals", "mixed_lines")
_LEVELS = tuple(level.value for level in RiskLevel)


def _build(table: dict[str, Any], src: _Source, read: Reader) -> Policy:
    _known(table, (), _TOP_KEYS, src)
    version = table.get("version", 1)
    if version != 1 or isinstance(version, bool):
        raise src.error(("version",), f"is {version!r}; this foureyes reads version 1")
    review = _table(table, ("review",), src)
    _known(review, ("review",), _REVIEW_KEYS, src)
    problems: list[str] = []

    people = {
        handle.lower(): emails
        for handle, emails in _mapping(table, "people", src, _check_handle, _emails_of).items()
    }
    teams = {
        team.lower(): members
        for team, members in _mapping(table, "teams", src, _check_team, _members_of).items()
    }

    use_codeowners = _bool(review, ("review", "codeowners"), False, src)
    # Read even when owners do not count as seniors: senior owners are suggested first.
    owners_file = codeowners.find(read)
    if use_codeowners:
        if owners_file is None:
            raise src.error(
                ("review", "codeowners"),
                "is true, but there is no CODEOWNERS file",
                f"add one at {', '.join(codeowners.LOCATIONS)}, or set codeowners = false",
            )
        problems.extend(owners_file.problems)
    default_seniors: tuple[str, ...] = () if use_codeowners else (identity.ANYONE,)
    seniors = _entries(review, ("review", "seniors"), default_seniors, src)
    if not seniors and not use_codeowners:
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

    approvals = dict(DEFAULT_POLICY.approvals)
    raw_approvals = _table(review, ("review", "approvals"), src)
    _known(raw_approvals, ("review", "approvals"), _LEVELS, src)
    for level in RiskLevel:
        if level.value in raw_approvals:
            key = ("review", "approvals", level.value)
            value = raw_approvals[level.value]
            if not isinstance(value, int) or isinstance(value, bool):
                raise src.error(key, f"must be a whole number, not {value!r}")
            if not 0 <= value <= MAX_APPROVALS:
                raise src.error(key, f"must be from 0 to {MAX_APPROVALS}, not {value}")
            approvals[level] = value

    mixed = _choice(review, ("review", "mixed_lines"), MIXED_CHOICES, "review", src)

    paths = _table(table, ("paths",), src)
    _known(paths, ("paths",), ("critical", "ignored"), src)
    critical = _patterns(paths, ("paths", "critical"), src)
    ignored = _patterns(paths, ("paths", "ignored"), src)

    raw_severity = _table(table, ("severity",), src)
    _known(raw_severity, ("severity",), _LEVELS, src)
    severity = dict(DEFAULT_POLICY.severity)
    for level in RiskLevel:
        if level.value in raw_severity:
            severity_key = ("severity", level.value)
            severity[level] = _choice(raw_severity, severity_key, SEVERITIES, severity[level], src)

    signing = _signing(_table(table, ("signing",), src), src, read)

    check = _table(table, ("check",), src)
    _known(check, ("check",), ("fail_at", "ledger_problems"), src)
    fail_at = RiskLevel(_choice(check, ("check", "fail_at"), _LEVELS, "low", src))
    ledger_problems = _choice(
        check, ("check", "ledger_problems"), LEDGER_PROBLEM_CHOICES, "warn", src
    )

    notify = _table(table, ("notify",), src)
    _known(notify, ("notify",), ("webhooks",), src)
    webhooks = _webhooks(notify, src)

    risk_weights, risk_levels = _risk(_table(table, ("risk",), src), src)

    history = _table(table, ("history",), src)
    _known(history, ("history",), ("enabled", "ai_markers"), src)
    history_enabled = _bool(history, ("history", "enabled"), True, src)
    ai_markers = _strings(history, ("history", "ai_markers"), src)
    try:
        compile_markers(ai_markers)
    except MarkerError as error:
        raise src.error(("history", "ai_markers"), str(error), error.hint) from None

    dependencies = _table(table, ("dependencies",), src)
    _known(dependencies, ("dependencies",), ("python",), src)
    python = dependencies.get("python")
    if python is not None and not (isinstance(python, str) and python.strip()):
        raise src.error(
            ("dependencies", "python"),
            "must be a non-empty string",
            'a virtual environment\'s folder or an interpreter, e.g. ".venv"',
        )

    return Policy(
        source=".".join(src.prefix) + f" in {src.name}" if src.prefix else src.name,
        seniors=seniors, codeowners=use_codeowners, codeowners_file=owners_file,
        people=people, teams=teams, approvals=approvals, mixed_lines=mixed,
        critical_paths=critical, ignored_paths=ignored, severity=severity, signing=signing,
        fail_at=fail_at, ledger_problems=ledger_problems, webhooks=webhooks,
        risk_weights=risk_weights, risk_levels=risk_levels, history=history_enabled,
        ai_markers=ai_markers, python=python.strip() if python else None,
        problems=tuple(problems),
    )  # fmt: skip


def _risk(table: dict[str, Any], src: _Source) -> tuple[dict[str, int], dict[str, int]]:
    """[risk]: weights per rule (0 turns a rule off) and the scores where levels start."""
    _known(table, ("risk",), ("weights", "levels"), src)
    weights: dict[str, int] = {}
    raw_weights = _table(table, ("risk", "weights"), src)
    _known(raw_weights, ("risk", "weights"), tuple(RULES), src)
    for rule, value in raw_weights.items():
        weights[rule] = _score(value, ("risk", "weights", rule), src)
    levels = dict(LEVEL_THRESHOLDS)
    raw_levels = _table(table, ("risk", "levels"), src)
    _known(raw_levels, ("risk", "levels"), tuple(LEVEL_THRESHOLDS), src)
    for level, value in raw_levels.items():
        levels[level] = _score(value, ("risk", "levels", level), src)
    if not levels["medium"] <= levels["high"] <= levels["critical"]:
        raise src.error(
            ("risk", "levels"),
            f"must rise from medium to critical, not {levels}",
            "for example medium = 15, high = 35, critical = 70",
        )
    return weights, levels


def _score(value: object, key: tuple[str, ...], src: _Source) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise src.error(key, f"must be a whole number from 0 to 100, not {value!r}")
    return value


def _known(
    table: Mapping[str, Any], where: tuple[str, ...], known: tuple[str, ...], src: _Source
) -> None:
    for key in table:
        if key not in known:
            raise src.error(
                (*where, key), "is not a policy key",
                f"known keys{' in [' + '.'.join(where) + ']' if where else ''}: "
                f"{', '.join(known)} (see docs/policy.md)",
            )  # fmt: skip


def _table(parent: Mapping[str, Any], key: tuple[str, ...], src: _Source) -> dict[str, Any]:
    value = parent.get(key[-1], {})
    if not isinstance(value, dict):
        raise src.error(key, f"must be a table, not {_kind(value)}")
    return value


def _bool(parent: Mapping[str, Any], key: tuple[str, ...], default: bool, src: _Source) -> bool:
    value = parent.get(key[-1], default)
    if not isinstance(value, bool):
        raise src.error(key, f"must be true or false, not {value!r}")
    return value


def _choice(
    parent: Mapping[str, Any],
    key: tuple[str, ...],
    choices: tuple[str, ...],
    default: str,
    src: _Source,
) -> str:
    value = parent.get(key[-1], default)
    if not isinstance(value, str) or value.lower() not in choices:
        raise src.error(key, f"is {value!r}; it must be one of: {', '.join(choices)}")
    return value.lower()


def _strings(parent: Mapping[str, Any], key: tuple[str, ...], src: _Source) -> tuple[str, ...]:
    value = parent.get(key[-1], [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise src.error(key, "must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _entries(
    parent: Mapping[str, Any], key: tuple[str, ...], default: tuple[str, ...], src: _Source
) -> tuple[str, ...]:
    if key[-1] not in parent:
        return default
    entries = _strings(parent, key, src)
    for entry in entries:
        if not (entry == identity.ANYONE or identity.is_email(entry) or entry.startswith("@")):
            raise src.error(
                key, f'has {entry!r}, which is not an email, an @handle, an @org/team or "*"'
            )
    return entries


def _patterns(parent: Mapping[str, Any], key: tuple[str, ...], src: _Source) -> tuple[str, ...]:
    patterns = _strings(parent, key, src)
    for pattern in patterns:
        try:
            compile_pattern(pattern)
        except PatternError as error:
            raise src.error(key, f"has the pattern {pattern!r}: {error}") from None
    return patterns


def _mapping(
    table: Mapping[str, Any],
    name: str,
    src: _Source,
    check_key: Callable[[str], str | None],
    value_of: Callable[[object], tuple[str, ...] | None],
) -> dict[str, tuple[str, ...]]:
    raw = _table(table, (name,), src)
    found: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        problem = check_key(key)
        if problem:
            raise src.error((name, key), problem)
        values = value_of(value)
        if values is None:
            raise src.error((name, key), "must be a string or a list of strings")
        found[key] = values
    return found


def _check_handle(key: str) -> str | None:
    return None if identity.is_handle(key) else 'must be an @handle, like "@sam"'


def _check_team(key: str) -> str | None:
    return None if identity.is_team(key) else 'must be an @org/team, like "@acme/platform"'


def _emails_of(value: object) -> tuple[str, ...] | None:
    values = _as_strings(value)
    if values is None or not all(identity.is_email(v) for v in values):
        return None
    return values


def _members_of(value: object) -> tuple[str, ...] | None:
    values = _as_strings(value)
    if values is None or not all(identity.is_email(v) or v.startswith("@") for v in values):
        return None
    return values


def _as_strings(value: object) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return tuple(v.strip() for v in value)


def _signing(table: dict[str, Any], src: _Source, read: Reader) -> Signing:
    _known(table, ("signing",), ("required", "allowed_signers", "key"), src)
    required = _bool(table, ("signing", "required"), False, src)
    allowed = table.get("allowed_signers")
    if allowed is not None and (not isinstance(allowed, str) or not allowed.strip()):
        raise src.error(("signing", "allowed_signers"), "must be a path (a string)")
    key = table.get("key")
    if key is not None and (not isinstance(key, str) or not key.strip()):
        raise src.error(("signing", "key"), "must be a path to an SSH key (a string)")
    text: str | None = None
    if allowed:
        allowed = allowed.strip()
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
    if required and not allowed:
        raise src.error(
            ("signing", "required"),
            "is true, but signing.allowed_signers does not name the allowed-signers file",
            "set signing.allowed_signers to a file in the repository listing each "
            "senior's public key",
        )
    return Signing(required=required, allowed_signers=allowed or None,
                   allowed_signers_text=text, key=key.strip() if key else None)  # fmt: skip


def _webhooks(notify: dict[str, Any], src: _Source) -> tuple[Webhook, ...]:
    raw = notify.get("webhooks", [])
    if not isinstance(raw, list):
        raise src.error(("notify", "webhooks"), "must be a list of tables ([[notify.webhooks]])")
    hooks: list[Webhook] = []
    for number, item in enumerate(raw, start=1):
        key = ("notify", "webhooks")
        if not isinstance(item, dict):
            raise src.error(key, f"entry {number} must be a table with a url")
        unknown = set(item) - {"url", "timeout"}
        if unknown:
            raise src.error(key, f"entry {number} has unknown keys: {', '.join(sorted(unknown))}",
                            "a webhook has url and timeout")  # fmt: skip
        url = item.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise src.error(key, f"entry {number}: url must be an http:// or https:// URL")
        timeout = item.get("timeout", 3.0)
        if (not isinstance(timeout, int | float) or isinstance(timeout, bool)
                or not 0 < timeout <= MAX_WEBHOOK_TIMEOUT):  # fmt: skip
            raise src.error(
                key, f"entry {number}: timeout must be seconds, above 0 and at most "
                f"{MAX_WEBHOOK_TIMEOUT:g}"
            )  # fmt: skip
        hooks.append(Webhook(url=url, timeout=float(timeout)))
    return tuple(hooks)


def _kind(value: object) -> str:
    names = {str: "a string", int: "a number", float: "a number", bool: "true/false",
             list: "a list", dict: "a table"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def digest(text: str | None) -> str:
    """A short hash of some policy input, for cache keys."""
    return content_key(text or "", 8)
