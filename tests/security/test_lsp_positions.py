"""The language server answers requests with invalid or out-of-range positions, and
never sends a negative line (issue 11, hole 11b).

A hover or code action with `line: -1` or `character: -5` used to fail while pygls
decoded it: the request was never answered (the editor waits forever) and the
client was shown "Error in server". Now it is InvalidParams (-32602) with a message;
a position past the end of the document gets an empty answer (null hover, no
actions). lsprotocol's client refuses to send negative numbers (LSP positions are
unsigned), so the requests are written as raw JSON-RPC over stdio to the real
`foureyes serve` process (see rawlsp.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rawlsp import RawServer, lines_in

from conftest import GitRepo, code_lines, make_repo

INVALID_PARAMS = -32602


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[RawServer, str, GitRepo]]:
    repo = make_repo(tmp_path / "ws")
    repo.write("app.py", "\n".join(code_lines("app", 8)) + "\n")
    assert repo.foureyes("mark", "--ai", "app.py:3-5", "--agent", "claude-code").code == 0
    repo.commit("base")
    with RawServer(repo.root) as raw:
        uri = raw.open("app.py")
        yield raw, uri, repo


def position(line: int, character: int = 0) -> dict[str, int]:
    return {"line": line, "character": character}


def hover(raw: RawServer, uri: str, line: int, character: int = 0) -> dict[str, Any]:
    return raw.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": position(line, character)},
    )


def code_action(raw: RawServer, uri: str, start: dict[str, int], end: dict[str, int]) -> Any:
    return raw.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": start, "end": end},
            "context": {"diagnostics": []},
        },
    )


def assert_invalid_params(answer: dict[str, Any], *words: str) -> None:
    assert "error" in answer, answer
    assert answer["error"]["code"] == INVALID_PARAMS, answer
    message = answer["error"]["message"]
    assert message, answer
    for word in words:
        assert word in message, (word, message)


def test_negative_positions_are_invalid_params(server: tuple[RawServer, str, GitRepo]) -> None:
    raw, uri, _ = server
    assert_invalid_params(hover(raw, uri, -1), "textDocument/hover", "line", "-1")
    assert_invalid_params(hover(raw, uri, 3, -5), "character", "-5")
    assert_invalid_params(
        code_action(raw, uri, position(-1), position(-1)), "textDocument/codeAction", "line"
    )
    assert_invalid_params(code_action(raw, uri, position(2), position(4, -5)), "character")
    # A code lens to resolve whose range starts at line -1.
    lens = {"range": {"start": position(-1), "end": position(-1)}, "data": None}
    assert_invalid_params(raw.request("codeLens/resolve", lens), "codeLens/resolve", "line")
    # A range that ends before it starts.
    assert_invalid_params(code_action(raw, uri, position(4), position(2)), "before it starts")

    # The server is still there and still right.
    answer = hover(raw, uri, 3)
    assert "**AI-written region** (lines 3-5)" in answer["result"]["contents"]["value"]
    shown = [
        m["params"]["message"] for m in raw.received if m.get("method") == "window/showMessage"
    ]
    assert not any("Error in server" in message for message in shown), shown


def test_positions_past_the_end_get_empty_answers(server: tuple[RawServer, str, GitRepo]) -> None:
    raw, uri, _ = server
    for line in (8, 9, 10_000, 2**31 - 1):
        answer = hover(raw, uri, line, 2**31 - 1)
        assert "error" not in answer and answer["result"] is None, answer
        answer = code_action(raw, uri, position(line), position(line, 3))
        assert answer.get("result") == [], answer
    # Select-all ends past the last line, at character 0: still the whole file.
    titles = [a["title"] for a in code_action(raw, uri, position(0), position(8))["result"]]
    assert "Request senior review of this AI code (lines 3-5)" in titles
    assert "Mark lines 1-8 as AI-generated" in titles
    # A selection running far past the end is clipped to the document.
    titles = [a["title"] for a in code_action(raw, uri, position(5), position(10_000, 7))["result"]]
    assert "Mark lines 6-8 as AI-generated" in titles


def test_nothing_the_server_sends_has_a_negative_line(
    server: tuple[RawServer, str, GitRepo],
) -> None:
    raw, uri, _ = server
    hover(raw, uri, -1)
    hover(raw, uri, 4)
    code_action(raw, uri, position(0), position(8))
    raw.request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    # The editor empties the document; the ledger still has claims for it.
    raw.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": ""}]},
    )
    assert hover(raw, uri, 0)["result"] is None
    assert code_action(raw, uri, position(0), position(0))["result"] == []
    raw.request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    sent = [line for message in raw.received for line in lines_in(message)]
    assert sent and min(sent) >= 0, sent
