"""What the client can do, resolved once at `initialize` into one frozen value.

Handlers ask this value, never the raw `ClientCapabilities`, so each decision about a
client (push or pull, which refreshes it answers, progress) is made here, once, and
its reason is written down once. Must not know about the engine or the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types


@dataclass(frozen=True, slots=True)
class Capabilities:
    # Diagnostics are pulled, not pushed: the client pulls and can be asked to pull again.
    pull_diagnostics: bool = False
    diagnostic_refresh: bool = False  # workspace/diagnostic/refresh is answered
    lens_refresh: bool = False  # workspace/codeLens/refresh is answered
    configuration: bool = False  # workspace/configuration is answered
    work_done_progress: bool = False  # the server may create progress tokens
    code_action_resolve_command: bool = False  # the client resolves `command` lazily
    code_action_disabled: bool = False  # the client shows disabled actions with a reason


def resolve(capabilities: types.ClientCapabilities) -> Capabilities:
    text = capabilities.text_document
    workspace = capabilities.workspace
    diagnostic_refresh = bool(
        workspace and workspace.diagnostics and workspace.diagnostics.refresh_support
    )
    code_action = text.code_action if text else None
    resolvable = code_action.resolve_support.properties if code_action and (
        code_action.resolve_support
    ) else []  # fmt: skip
    return Capabilities(
        # Pull only when we can also ask the client to pull again (claims written by
        # another process must show up without an edit); otherwise push.
        pull_diagnostics=bool(text and text.diagnostic) and diagnostic_refresh,
        diagnostic_refresh=diagnostic_refresh,
        lens_refresh=bool(
            workspace and workspace.code_lens and workspace.code_lens.refresh_support
        ),
        configuration=bool(workspace and workspace.configuration),
        work_done_progress=bool(capabilities.window and capabilities.window.work_done_progress),
        code_action_resolve_command=bool(
            code_action and "command" in resolvable and code_action.data_support
        ),
        code_action_disabled=bool(code_action and code_action.disabled_support),
    )
