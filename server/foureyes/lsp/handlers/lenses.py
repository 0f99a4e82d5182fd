"""Code lenses: a status lens per AI region, with its next step and Approve when allowed.

Must not decide who may approve: `actions.approval_refusal` is the one answer.
"""

from __future__ import annotations

from lsprotocol import types

from foureyes.lsp import actions, answers, present
from foureyes.lsp.server import FoureyesServer


def register(server: FoureyesServer) -> None:
    server.feature(types.TEXT_DOCUMENT_CODE_LENS)(on_code_lens)


async def on_code_lens(
    ls: FoureyesServer, params: types.CodeLensParams
) -> list[types.CodeLens] | None:
    await ls.settings_ready.wait()
    if not ls.settings.code_lens:
        return None
    answer = await answers.report(ls, params.text_document.uri)
    if answer is None:
        return None
    return await ls.scheduler.latency(_build, ls, answer)


def _build(ls: FoureyesServer, answer: answers.Answer) -> list[types.CodeLens]:
    """In a worker: git's identity is read each time."""
    identity = ls.session.identity(answer.located.engine)
    report = answer.report
    refusals = {r.id: actions.approval_refusal(r, identity) for r in report.regions}
    return present.code_lenses(report, answer.document.uri, refusals)
