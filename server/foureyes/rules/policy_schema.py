"""The shape of a policy table as TOML gives it, and the cattrs converter that checks it.

`structure` turns the parsed `.foureyes.toml` (or `[tool.foureyes]`) into a `RawPolicy`
whose every value has its field's type and passed its check (policy_fields.py), or
raises `SchemaError` with the key path the user must fix. Unknown keys are errors: a
typo such as `senoirs` must not silently drop the seniors. A field typed
`Annotated[T, check]` is `check(value)` structured as T. Rules that join several
keys (seniors without CODEOWNERS, signing without a file) are policy.py's. This
module must not know about files, lines or the Policy value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, Literal, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from foureyes.risk.catalog import LEVEL_THRESHOLDS, RULES
from foureyes.rules import policy_fields as check

Level = Literal["low", "medium", "high", "critical"]
Severity = Literal["error", "warning", "information", "hint", "off"]
Flag = Annotated[bool, check.flag]
Count = Annotated[int, check.approvals]
Score = Annotated[int, check.score]
Strings = Annotated[tuple[str, ...], check.strings]
Patterns = Annotated[tuple[str, ...], check.patterns]


def _rule(key: object) -> str:
    if key not in RULES:
        raise check.UnknownKey(tuple(RULES))
    return str(key)


@attrs.frozen
class RawReview:
    seniors: Annotated[tuple[str, ...], check.entries] | None = None  # None: by codeowners
    codeowners: Flag = False
    approvals: RawApprovals = attrs.field(factory=lambda: RawApprovals())
    mixed_lines: Literal["review", "ignore"] = "review"


@attrs.frozen
class RawApprovals:
    low: Count | None = None
    medium: Count | None = None
    high: Count | None = None
    critical: Count | None = None


@attrs.frozen
class RawPaths:
    critical: Patterns = ()
    ignored: Patterns = ()


@attrs.frozen
class RawSeverity:
    low: Severity | None = None
    medium: Severity | None = None
    high: Severity | None = None
    critical: Severity | None = None


@attrs.frozen
class RawSigning:
    required: Flag = False
    allowed_signers: Annotated[str, check.signers_path] | None = None
    key: Annotated[str, check.key_path] | None = None


@attrs.frozen
class RawCheck:
    fail_at: Level = "low"
    ledger_problems: Literal["warn", "fail"] = "warn"


@attrs.frozen
class RawWebhook:
    url: Annotated[str, check.url]
    timeout: Annotated[float, check.timeout] = 3.0


@attrs.frozen
class RawNotify:
    webhooks: Annotated[tuple[RawWebhook, ...], check.tables] = ()


@attrs.frozen
class RawLevels:
    medium: Score = LEVEL_THRESHOLDS["medium"]
    high: Score = LEVEL_THRESHOLDS["high"]
    critical: Score = LEVEL_THRESHOLDS["critical"]


@attrs.frozen
class RawRisk:
    weights: Annotated[dict[Annotated[str, _rule], Score], check.table] = attrs.field(factory=dict)
    levels: RawLevels = attrs.field(factory=lambda: RawLevels())


@attrs.frozen
class RawHistory:
    enabled: Flag = True
    ai_markers: Annotated[tuple[str, ...], check.markers] = ()


@attrs.frozen
class RawDependencies:
    python: Annotated[str, check.python] | None = None


People = dict[Annotated[str, check.handle], Annotated[tuple[str, ...], check.emails]]
Teams = dict[Annotated[str, check.team], Annotated[tuple[str, ...], check.members]]


@attrs.frozen
class RawPolicy:
    version: Annotated[int, check.version] = 1
    review: RawReview = attrs.field(factory=lambda: RawReview())
    people: Annotated[People, check.table] = attrs.field(factory=dict)
    teams: Annotated[Teams, check.table] = attrs.field(factory=dict)
    paths: RawPaths = attrs.field(factory=lambda: RawPaths())
    severity: RawSeverity = attrs.field(factory=lambda: RawSeverity())
    signing: RawSigning = attrs.field(factory=lambda: RawSigning())
    check: RawCheck = attrs.field(factory=lambda: RawCheck())
    notify: RawNotify = attrs.field(factory=lambda: RawNotify())
    risk: RawRisk = attrs.field(factory=lambda: RawRisk())
    history: RawHistory = attrs.field(factory=lambda: RawHistory())
    dependencies: RawDependencies = attrs.field(factory=lambda: RawDependencies())


class SchemaError(Exception):
    """What is wrong and where: `key` is the path in the policy table ("review",
    "approvals", "low") and `problem` finishes the sentence that starts with it."""

    def __init__(self, key: tuple[str, ...], problem: str, hint: str | None) -> None:
        super().__init__(problem)
        self.key, self.problem, self.hint = key, problem, hint


Hook = Callable[[Any, Any], Any]


def _converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)

    def checked(annotated: Any) -> Hook:
        base_type, test = get_args(annotated)[0], annotated.__metadata__[0]
        base = converter.get_structure_hook(base_type)
        return lambda value, _: base(test(value), base_type)

    def literal(choices: Any) -> Hook:
        allowed = get_args(choices)
        return lambda value, _: check.choice(value, allowed)

    def table_class(cls: type) -> Hook:
        structure: Hook = make_dict_structure_fn(cls, converter)
        return lambda value, _: structure(check.table(value), cls)

    converter.register_structure_hook_factory(attrs.has, table_class)
    converter.register_structure_hook_factory(lambda t: get_origin(t) is Literal, literal)
    converter.register_structure_hook_factory(
        lambda t: get_origin(t) is Annotated and callable(t.__metadata__[0]), checked
    )
    return converter


_CONVERTER = _converter()


def structure(table: Mapping[str, Any]) -> RawPolicy:
    """The policy table, checked; raises SchemaError for the first thing wrong (an
    unknown key first: a misspelt key explains the errors that follow from it)."""
    try:
        return _CONVERTER.structure(table, RawPolicy)
    except (ClassValidationError, IterableValidationError) as group:
        found = list(_leaves(group, ()))
        path, error = next(
            (
                leaf
                for leaf in found
                if isinstance(leaf[1], ForbiddenExtraKeysError | check.UnknownKey)
            ),
            found[0],
        )
        raise _explain(table, path, error) from None


def _leaves(
    error: BaseException, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], BaseException]]:
    """Every failure in cattrs' exception tree, with the key path it happened at."""
    if not isinstance(error, ClassValidationError | IterableValidationError):
        yield path, error
        return
    for inner in error.exceptions:
        step: tuple[str | int, ...] = ()
        for note in getattr(inner, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                step = (note.name,)
            elif isinstance(note, IterableValidationNote):
                step = (note.index,)
        yield from _leaves(inner, (*path, *step))


def _explain(
    table: Mapping[str, Any], path: tuple[str | int, ...], error: BaseException
) -> SchemaError:
    keys = tuple(str(p) for p in path if not isinstance(p, int))
    indices = [p for p in path if isinstance(p, int)]
    entry = indices[0] + 1 if indices else None
    if isinstance(error, ForbiddenExtraKeysError):
        known = tuple(field.name for field in attrs.fields(error.cl))
        here = _at(table, path)
        unknown = [key for key in here if key in error.extra_fields] if here else []
        if entry is not None:
            return SchemaError(
                keys, f"entry {entry} has unknown keys: {', '.join(sorted(error.extra_fields))}",
                f"known keys: {', '.join(known)} (see docs/policy.md)",
            )  # fmt: skip
        return _unknown((*keys, (unknown or sorted(error.extra_fields))[0]), known)
    if isinstance(error, check.UnknownKey):
        return _unknown(keys, error.known)
    if isinstance(error, check.FieldError):
        return _at_entry(keys, error.problem, error.hint, entry, path)
    if isinstance(error, KeyError):
        return _at_entry(keys, "is missing", None, entry, path)
    return SchemaError(keys, f"cannot be read: {error}", None)


def _at_entry(
    keys: tuple[str, ...],
    problem: str,
    hint: str | None,
    entry: int | None,
    path: tuple[str | int, ...],
) -> SchemaError:
    """In a list of tables, the key is the list's and the problem names the entry's key."""
    if entry is None:
        return SchemaError(keys, problem, hint)
    index = next(i for i, p in enumerate(path) if isinstance(p, int))
    inner = ".".join(str(p) for p in path[index + 1 :])
    outer = tuple(str(p) for p in path[:index])
    said = f"entry {entry}: {inner} {problem}" if inner else f"entry {entry} {problem}"
    return SchemaError(outer, said, hint)


def _unknown(key: tuple[str, ...], known: tuple[str, ...]) -> SchemaError:
    where = key[:-1]
    return SchemaError(
        key, "is not a policy key",
        f"known keys{' in [' + '.'.join(where) + ']' if where else ''}: "
        f"{', '.join(known)} (see docs/policy.md)",
    )  # fmt: skip


def _at(table: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        try:
            table = table[step]
        except (KeyError, IndexError, TypeError):
            return None
    return table if isinstance(table, dict) else None
