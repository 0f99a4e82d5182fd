"""Hover: where an AI region's lines came from and where its review stands.

Must not know how the Markdown reads (`present.hover_markdown`).
"""

from __future__ import annotations

from lsprotocol import types

from foureyes.lsp import answers, positions, present
from foureyes.lsp.server import FoureyesServer


def register(server: FoureyesServer) -> None:
    server.feature(types.TEXT_DOCUMENT_HOVER)(on_hover)


async def on_hover(ls: FoureyesServer, params: types.HoverParams) -> types.Hover | None:
    answer = await answers.report(ls, params.text_document.uri)
    if answer is None:
        return None
    lines = answer.lines
    line = positions.line_of(params.position, lines)
    region = answer.report.region_at(line) if line is not None else None
    if line is None or region is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value=present.hover_markdown(region, line)
        ),
        range=present.region_range(region, lines, answer.document.codec),
    )
