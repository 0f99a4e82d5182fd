"""`foureyes serve` spoken to in raw JSON-RPC over stdio, for the attack tests.

pytest-lsp's client (lsprotocol) refuses to build a request the protocol does not
allow: `types.Position(line=-1)` raises before anything is sent. An attacker's
client is under no such rule, so these tests write the JSON themselves. The server
is the installed command, started the way an editor starts it.
"""

from __future__ import annotations

import itertools
import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

from conftest import FOUREYES

ANSWER_SECONDS = 15.0


class RawServer:
    def __init__(self, root: Path, log: Path | None = None) -> None:
        """`log`, when given, receives the server's stderr (for a failing test's message)."""
        self.root = root
        self._log = log.open("wb") if log is not None else None
        self.process = subprocess.Popen(
            [FOUREYES, "serve"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._log or subprocess.DEVNULL,
        )  # fmt: skip
        self.received: list[dict[str, Any]] = []  # every message the server sent
        self._ids = itertools.count(1)
        self._answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    # --- sending ---

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        with self._lock:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = ANSWER_SECONDS) -> dict[str, Any]:
        """The server's whole response (with "result" or "error"); fails if none comes."""
        request_id = next(self._ids)
        self._send({"id": request_id, "method": method, "params": params})
        while True:
            try:
                answer = self._answers.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(
                    f"the server did not answer {method} in {timeout} s: {params}"
                ) from None
            if answer.get("id") == request_id:
                return answer

    # --- receiving ---

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                key, _, value = line.decode("ascii").partition(":")
                if key.strip().lower() == "content-length":
                    length = int(value)
            if length is None:
                continue
            message = json.loads(stream.read(length))
            self.received.append(message)
            if "method" in message and "id" in message:  # the server asks the client
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [None for _ in message["params"]["items"]]
                self._send({"id": message["id"], "result": result})
            elif "method" not in message:
                self._answers.put(message)

    # --- a session ---

    def initialize(self) -> None:
        uri = self.root.as_uri()
        answer = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": "ws"}],
                "capabilities": {},
                "initializationOptions": {"settings": {"codeLens": True}},
            },
        )
        assert "result" in answer, answer
        self.notify("initialized", {})

    def open(self, path: str) -> str:
        uri = (self.root / path).as_uri()
        text = (self.root / path).read_text(encoding="utf-8")
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
        return uri

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            self.process.wait(timeout=5)
        except (AssertionError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            if self._log is not None:
                self._log.close()

    def __enter__(self) -> RawServer:
        self.initialize()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def lines_in(value: Any) -> list[int]:
    """Every `line` of every position in a JSON value (ranges, positions)."""
    found: list[int] = []
    if isinstance(value, dict):
        if isinstance(value.get("line"), int) and "character" in value:
            found.append(value["line"])
        for inner in value.values():
            found += lines_in(inner)
    elif isinstance(value, list):
        for inner in value:
            found += lines_in(inner)
    return found
