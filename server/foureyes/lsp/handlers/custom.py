"""foureyes' own requests: `foureyes/reviewQueue` (every AI region in the workspace and
whether the person at this editor may approve it) and `foureyes/summary` (counts).

Must not walk repositories itself (`lsp/workspace.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from foureyes.core.model import Identity, Region, ReviewState
from foureyes.engine.report_json import region_json
from foureyes.lsp import actions, answers, workspace
from foureyes.lsp.server import FoureyesServer

REVIEW_QUEUE = "foureyes/reviewQueue"
SUMMARY = "foureyes/summary"


def register(server: FoureyesServer) -> None:
    server.feature(REVIEW_QUEUE)(on_review_queue)
    server.feature(SUMMARY)(on_summary)


async def on_review_queue(ls: FoureyesServer, params: Any) -> dict[str, Any]:
    token = await workspace.server_progress_token(ls)
    regions = await workspace.regions(ls, token)
    # Whether the person at this editor may approve each region: the quick fix's answer.
    identities: dict[int, Identity | None] = {}
    for _, _, engine in regions:
        if id(engine) not in identities:
            identities[id(engine)] = await answers.identity(ls, engine)
    entries = []
    for uri, region, engine in regions:
        refusal = actions.approval_refusal(region, identities[id(engine)])
        entries.append(
            {**region_json(region), "uri": uri, "can_approve": refusal is None,
             "approval_refusal": refusal}
        )  # fmt: skip
    return {"regions": entries}


async def on_summary(ls: FoureyesServer, params: Any) -> dict[str, Any]:
    uri = getattr(params, "uri", None) if params is not None else None
    result: dict[str, Any] = {}
    if isinstance(uri, str) and uri in ls.workspace.text_documents:
        answer = await answers.report(ls, uri)
        result["file"] = _counts(answer.report.regions if answer else ())
    result["workspace"] = _counts([region for _, region, _ in await workspace.regions(ls)])
    return result


def _counts(regions: Sequence[Region]) -> dict[str, Any]:
    by_state = {state.value: 0 for state in ReviewState}
    for region in regions:
        by_state[region.review.state.value] += 1
    return {
        "regions": len(regions),
        "lines": sum(len(r.lines) for r in regions),
        "by_state": by_state,
    }
