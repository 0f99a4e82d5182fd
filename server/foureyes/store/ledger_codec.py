"""The ledger's line codec: one event as one JSON line, and back, validated.

`encode` and `decode` map a claim to the JSON object the format defines and back;
`decode` names the field that is wrong (InvalidEvent), and keeps unknown fields so
a newer writer's events survive an older reader. `parse_line` reads one line's
bytes (strict UTF-8, a byte order mark allowed) and `checked_line` writes one,
refusing an event that every reader would skip. `scan_line` finds a line's path and
id without decoding it, so that a reader can leave most lines undecoded. The format
is documented in docs/ledger-format.md and is a public contract: the messages here
are part of what readers report.

This module knows claims, JSON and bytes; it must not know about files, locking,
which lines were read before, anchoring, git or faces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from foureyes.core.errors import LedgerError
from foureyes.core.model import (
    CLAIM_TYPES,
    AiAuthorship,
    Anchor,
    AnchoredClaim,
    Approval,
    Baseline,
    ChangesRequested,
    Claim,
    Dismissal,
    HumanAuthorship,
    Identity,
    ReviewRequest,
)

FORMAT_VERSION = 1
_COMMON_FIELDS = frozenset({"v", "id", "kind", "at", "by", "path", "anchor"})
# Kind-specific fields, in the order they are written.
_KIND_FIELDS: Mapping[type[Claim], tuple[str, ...]] = {
    AiAuthorship: ("agent", "model", "session", "source", "confidence", "replaced", "edit"),
    HumanAuthorship: ("source", "note"),
    ReviewRequest: ("reviewers", "note"),
    Approval: ("note", "signature"),
    Baseline: ("note", "signature", "commit"),
    ChangesRequested: ("note",),
    Dismissal: ("targets", "reason"),
}


# --- encoding -------------------------------------------------------------------------


def encode(claim: Claim) -> dict[str, Any]:
    """The JSON object for a claim; unknown fields it was read with are written back.

    Raises InvalidEvent if `at` cannot be expressed in UTC (year 1 with a positive offset).
    """
    record: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "id": claim.id,
        "kind": claim.KIND,
        "at": _format_time(claim.at),
        "by": {"name": claim.by.name, "email": claim.by.email},
    }
    if isinstance(claim, AnchoredClaim):
        anchor = claim.anchor
        record["path"] = claim.path
        record["anchor"] = {
            "line": anchor.start_line,
            "lines": list(anchor.lines),
            "exact": list(anchor.exact),
            "before": list(anchor.before),
            "after": list(anchor.after),
        }
        if anchor.raw:
            record["anchor"]["raw"] = list(anchor.raw)
        if anchor.sketch:
            record["anchor"]["sketch"] = list(anchor.sketch)
    for name in _KIND_FIELDS[type(claim)]:
        value = getattr(claim, name)
        if value is not None:
            record[name] = list(value) if isinstance(value, tuple) else value
    for name, value in claim.extra.items():
        record.setdefault(name, value)
    return record


def encode_line(claim: Claim) -> bytes:
    """One ledger line for a claim: compact UTF-8 JSON and a newline.

    Raises ValueError or TypeError for what JSON cannot hold (NaN, an object in `extra`).
    """
    return _dump(encode(claim))


def _dump(record: Mapping[str, Any]) -> bytes:
    # allow_nan=False: NaN and Infinity are not JSON, and other readers would choke on them.
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        # A lone surrogate: a POSIX file name that is not UTF-8, as Python decodes it.
        # Escaping it keeps the line valid UTF-8 and reads back as the same string.
        text = json.dumps(record, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
        return text.encode("ascii") + b"\n"


def _format_time(at: datetime) -> str:
    # A naive time is UTC, as decode reads one. Microseconds are kept when present, so
    # that a claim read back equals the one written (`now()` has them); whole
    # milliseconds keep the shorter form.
    try:
        utc = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:  # year 1 with a positive offset
        raise InvalidEvent(f'"at" cannot be written in UTC: {at}') from None
    spec = "milliseconds" if utc.microsecond % 1000 == 0 else "microseconds"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")


class InvalidEvent(ValueError):
    """A ledger line that is JSON but not a valid event, or a claim that cannot be
    written as one; the message names the field that is wrong."""


def decode(record: object) -> Claim:
    """A claim from a JSON object; raises InvalidEvent naming the field that is wrong."""
    if not isinstance(record, dict):
        raise InvalidEvent("an event must be a JSON object")
    version = record.get("v")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidEvent('"v" (format version) must be a positive integer')
    kind = record.get("kind")
    cls = CLAIM_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise InvalidEvent(f'unknown "kind" {shown(kind)}')
    values: dict[str, Any] = {
        "id": _text(record, "id"),
        "at": _time(record),
        "by": _identity(record),
    }
    if issubclass(cls, AnchoredClaim):
        values["path"] = _text(record, "path")
        values["anchor"] = _anchor(record.get("anchor"))
    for name in _KIND_FIELDS[cls]:
        if name in record and record[name] is not None:
            values[name] = _field(cls, name, record[name])
    if cls is AiAuthorship and "agent" not in values:
        raise InvalidEvent('an "ai" event needs "agent"')
    if cls is Dismissal and "targets" not in values:
        raise InvalidEvent('a "dismissal" event needs "targets"')
    known = _COMMON_FIELDS | set(_KIND_FIELDS[cls])
    extra = {k: v for k, v in record.items() if k not in known}
    try:
        return cls(**values, extra=MappingProxyType(extra))
    except (TypeError, ValueError) as error:
        raise InvalidEvent(str(error)) from None


def _text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f'"{name}" must be a non-empty string')
    return value


def _time(record: Mapping[str, Any]) -> datetime:
    raw = _text(record, "at")
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        # In UTC, as it is written back; a time that cannot be (year 1 with a positive
        # offset) would make encode fail later, so it is invalid here.
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidEvent(f'"at" is not an ISO 8601 time: {shown(raw)}') from None


def shown(value: object) -> str:
    """A value for a problem's reason, cut short: a line may be megabytes long."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _identity(record: Mapping[str, Any]) -> Identity:
    by = record.get("by")
    if not isinstance(by, dict) or not isinstance(by.get("email"), str) or not by["email"]:
        raise InvalidEvent('"by" must be an object with a non-empty "email"')
    name = by.get("name")
    return Identity(name=name if isinstance(name, str) else "", email=by["email"])


def _anchor(raw: object) -> Anchor:
    if not isinstance(raw, dict):
        raise InvalidEvent('"anchor" must be an object')
    line = raw.get("line")
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        raise InvalidEvent('"anchor.line" must be a positive integer')
    parts: dict[str, tuple[str, ...]] = {}
    for name in ("lines", "exact", "before", "after", "raw", "sketch"):
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidEvent(f'"anchor.{name}" must be a list of strings')
        parts[name] = tuple(value)
    try:
        return Anchor(start_line=line, **parts)
    except ValueError as error:
        raise InvalidEvent(f'"anchor": {error}') from None


def _field(cls: type[Claim], name: str, value: object) -> object:
    if name in ("reviewers", "targets"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidEvent(f'"{name}" must be a list of strings')
        return tuple(value)
    if name == "confidence":
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            raise InvalidEvent('"confidence" must be a number from 0 to 1')
        return float(value)
    if name == "replaced":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidEvent('"replaced" must be a non-negative integer')
        return value
    if not isinstance(value, str):
        raise InvalidEvent(f'"{name}" must be a string')
    return value


class Unreadable(ValueError):
    """A ledger line that is not UTF-8 JSON at all; the message says why."""


def checked_line(claim: Claim) -> bytes:
    """The ledger line for a claim, refusing one that every reader would skip."""
    try:
        record = encode(claim)
        decode(record)  # exactly what a reader will check
    except InvalidEvent as error:
        raise LedgerError(
            f"refusing to write an invalid event {shown(claim.id)}: {error}",
            "this is a bug in whatever made the claim; nothing was written",
        ) from None
    try:
        return _dump(record)
    except (TypeError, ValueError) as error:
        raise LedgerError(
            f"cannot write the event {shown(claim.id)} as JSON: {error}",
            "extra fields must be JSON values (no NaN or Infinity); nothing was written",
        ) from None


def parse_line(raw: bytes) -> Claim:
    """The event on one line; raises Unreadable or InvalidEvent saying what is wrong."""
    try:
        # Strictly UTF-8 (json.loads would guess UTF-16 or UTF-32 from bytes); a byte
        # order mark, which some Windows editors add, is allowed.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Unreadable(f"not valid UTF-8 (byte {error.start + 1})") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        # The whole message: "Unterminated string starting at: line 1 column 13 (char 12)".
        raise Unreadable(f"not valid JSON ({error})") from None
    except RecursionError:
        raise Unreadable("not valid JSON (nested too deeply)") from None
    except ValueError:  # an integer of more digits than int() accepts
        raise Unreadable("not valid JSON (a number too long)") from None
    return decode(record)


def scan_line(raw: bytes) -> tuple[str | None, str | None]:
    """The top-level path and id of a line without decoding it; None when unsure.

    A field of that name inside another value could mislead the scan, so a line
    where either name occurs more than once, or a dismissal, is left to the decoder.
    """
    if raw.count(b'"path"') > 1 or raw.count(b'"id"') > 1 or b'"dismissal"' in raw:
        return None, None
    path = _PATH_FIELD.search(raw)
    event_id = _ID_FIELD.search(raw)
    try:
        return (_json_string(path.group(1)) if path else None,
                _json_string(event_id.group(1)) if event_id else None)  # fmt: skip
    except (UnicodeDecodeError, ValueError):
        return None, None


def _json_string(quoted: bytes) -> str:
    # Most paths and ids have no escapes; decoding those directly is much cheaper.
    if b"\\" in quoted:
        return str(json.loads(quoted.decode("utf-8")))
    return quoted[1:-1].decode("utf-8")


_PATH_FIELD = re.compile(rb'"path"\s*:\s*("(?:[^"\\]|\\.)*")')
_ID_FIELD = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.)*")')
