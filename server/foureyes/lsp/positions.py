"""Positions a client sends: invalid ones get a JSON-RPC error, ones past the end of
the document an empty answer; nothing the server sends has a negative line.

LSP positions are unsigned. lsprotocol refuses a request whose position has a line
of -1 or a character of -5 while decoding it, and pygls then only logs the failure:
the request is never answered (the editor waits forever) and the client is shown an
"Error in server" message. `Protocol` answers such a request with InvalidParams
(-32602) and what was wrong. The handlers use `line_of` and `selection` for
positions that decode but do not fit the document.

Pure apart from `Protocol`, which only sends the error response; must not know
about the engine, claims or the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

INVALID_PARAMS = JsonRpcInvalidParams.CODE  # -32602

_ANSWERED = object()  # a request already answered with an error: not to be handled


class Protocol(LanguageServerProtocol):
    """pygls' protocol, but a request whose params do not decode is answered."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcInvalidParams as error:
            if not (isinstance(data, dict) and "id" in data and "method" in data):
                raise  # a notification (or a response): nobody waits for an answer
            message = f"invalid params for {data['method']}: {_reasons(error.__cause__)}"
            self._send_response(
                data["id"], error=types.ResponseError(code=INVALID_PARAMS, message=message)
            )
            return _ANSWERED

    def handle_message(self, message: Any) -> None:
        if message is _ANSWERED:
            return
        super().handle_message(message)


def _reasons(error: BaseException | None) -> str:
    """The leaf messages of cattrs' nested validation errors, e.g. "Position.line should
    be in range [0:2147483647], but was -1."."""
    leaves: list[str] = []

    def walk(found: BaseException) -> None:
        if isinstance(found, BaseExceptionGroup):
            for inner in found.exceptions:
                walk(inner)
        elif str(found) not in leaves:
            leaves.append(str(found))

    if error is not None:
        walk(error)
    return "; ".join(leaves) or "they do not match the request's type"


def _check(position: types.Position, name: str) -> None:
    """Refuse a negative position, should one get past decoding."""
    if position.line < 0 or position.character < 0:
        raise JsonRpcInvalidParams(
            f"{name} must not be negative (line {position.line}, character {position.character})"
        )


def line_of(position: types.Position, lines: Sequence[str]) -> int | None:
    """The 1-based line a position is on, or None when it is past the document's end."""
    _check(position, "position")
    return position.line + 1 if position.line < len(lines) else None


def selection(selected: types.Range, lines: Sequence[str]) -> types.Range | None:
    """The selected range clipped to the document, or None when it starts past the end.
    A range that ends before it starts is InvalidParams."""
    start, end = selected.start, selected.end
    _check(start, "range.start")
    _check(end, "range.end")
    if (end.line, end.character) < (start.line, start.character):
        raise JsonRpcInvalidParams(
            f"range ends (line {end.line}, character {end.character}) before it starts "
            f"(line {start.line}, character {start.character})"
        )
    if start.line >= len(lines):
        return None
    if end.line < len(lines):
        return selected
    # Select-all ends on the line after the last one, at character 0: keep the last line.
    return types.Range(start=start, end=types.Position(line=len(lines), character=0))
