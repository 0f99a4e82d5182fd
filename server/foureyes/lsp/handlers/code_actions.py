"""Code actions over AI regions (and their lazy resolve), and the commands they run.

What actions a region offers is `lsp/actions.py`'s; this module routes the requests,
runs commands in the latency lane and tells the person what happened. Must not write
claims itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsprotocol import types

from foureyes.core.errors import FoureyesError
from foureyes.lsp import actions, answers, positions
from foureyes.lsp.handlers import diagnostics
from foureyes.lsp.server import FoureyesServer


def register(server: FoureyesServer) -> None:
    server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[actions.REVIEW_KIND, actions.MARK_KIND, actions.FILE_KIND],
            resolve_provider=True,
        ),
    )(on_code_action)
    server.feature(types.CODE_ACTION_RESOLVE)(on_code_action_resolve)
    for name in actions.COMMANDS:
        server.command(name)(_command_handler(name))


async def on_code_action(
    ls: FoureyesServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    answer = await answers.report(ls, uri)
    if answer is None:
        return None
    selected = positions.selection(params.range, answer.lines)
    if selected is None:
        return []  # the selection starts past the end of the document
    return await ls.scheduler.latency(_build, ls, answer, selected, params.context.diagnostics)


def _build(
    ls: FoureyesServer,
    answer: answers.Answer,
    selected: types.Range,
    related: list[types.Diagnostic],
) -> list[types.CodeAction]:
    """In a worker: git's identity is read each time."""
    identity = ls.session.identity(answer.located.engine)
    return actions.build(answer.document.uri, answer.report, selected, related, identity, ls.client)


def on_code_action_resolve(ls: FoureyesServer, action: types.CodeAction) -> types.CodeAction:
    return actions.resolve(action)


def _command_handler(name: str) -> Callable[..., Any]:
    async def handler(ls: FoureyesServer, *arguments: Any) -> dict[str, Any]:
        # pygls 2 passes command arguments as positional parameters; ours is one object.
        payload = arguments[0] if arguments else {}
        if not isinstance(payload, dict):
            payload = {key: getattr(payload, key) for key in getattr(payload, "_fields", ())}
        uri = payload.get("uri")
        quiet = name == actions.MARK_AI_HEURISTIC  # a background guess, not a user's act
        if quiet and not ls.settings.heuristics:
            return {"ok": False, "message": "heuristics are off (foureyes.heuristics)"}
        try:
            if not isinstance(uri, str) or uri not in ls.workspace.text_documents:
                raise FoureyesError(f"{name} needs the uri of an open document")
            located = await answers.locate(ls, uri)
            if located is None:
                raise FoureyesError(f"{uri} is not inside a git repository")
            text = answers.snapshot(ls, uri).text
            warnings: list[str] = []
            message = await ls.scheduler.latency(
                actions.run_command, name, located, payload, text, warnings.append
            )
        except FoureyesError as error:
            ls.show(types.MessageType.Error, error.message)
            return {"ok": False, "message": error.message}
        for warning in warnings:  # shown from the event loop, not the worker thread
            ls.show(types.MessageType.Warning, warning)
        if not quiet:
            ls.show(types.MessageType.Info, message)
        diagnostics.refresh_all(ls)
        return {"ok": True, "message": message}

    handler.__name__ = name.replace(".", "_")
    return handler
