"""The LSP4IJ template in jetbrains-client/: the shape LSP4IJ reads (template.json,
settings.json, initializationOptions.json, README.md), mappings that cover the
languages foureyes analyses, and a command line that really starts the server.

No IntelliJ IDE can run here, so the import itself is not exercised; the keys checked
are the ones LSP4IJ's template reader uses (id, name, programArgs per OS key,
fileTypeMappings[].fileType.patterns / .name and languageId, languageMappings).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from conftest import FOUREYES
from foureyes.lsp.settings import parse_settings
from foureyes.risk.languages import _EXTENSIONS, language_of

TEMPLATE = Path(__file__).resolve().parents[1] / "jetbrains-client"
OS_KEYS = {"default", "windows", "mac", "unix"}  # what LSP4IJ picks programArgs by
LANGUAGE_IDS = {  # extension -> the LSP language id editors send
    ".py": "python", ".js": "javascript", ".jsx": "javascriptreact", ".ts": "typescript",
    ".tsx": "typescriptreact", ".go": "go", ".rs": "rust", ".java": "java",
}  # fmt: skip


def load(name: str) -> Any:
    path = TEMPLATE / name
    assert path.is_file(), f"{path} is missing"
    return json.loads(path.read_text(encoding="utf-8"))


def pattern_languages(template: dict[str, Any]) -> dict[str, str]:
    """Each file name pattern and the language id it is mapped to."""
    found: dict[str, str] = {}
    for mapping in template.get("fileTypeMappings", []):
        for pattern in mapping["fileType"].get("patterns", []):
            assert pattern not in found, f"{pattern} is mapped twice"
            found[pattern] = mapping["languageId"]
    return found


def test_template_json_has_what_lsp4ij_reads() -> None:
    template = load("template.json")
    assert template["id"] == "foureyes" and template["name"]
    assert set(template["programArgs"]) <= OS_KEYS and "default" in template["programArgs"]
    for mapping in template["fileTypeMappings"]:
        file_type = mapping["fileType"]
        assert file_type.get("patterns") or file_type.get("name"), mapping
        assert isinstance(mapping["languageId"], str) and mapping["languageId"], mapping
    for mapping in template.get("languageMappings", []):
        assert mapping["language"] and mapping["languageId"], mapping


@pytest.mark.parametrize("os_key", ["default", "windows"])
def test_every_command_line_runs_foureyes_serve(os_key: str) -> None:
    words = shlex.split(load("template.json")["programArgs"][os_key])
    # Through a shell (`sh -c "foureyes serve"`, `cmd /c foureyes serve`) or directly.
    command = shlex.split(words[-1]) if words[:2] == ["sh", "-c"] else words
    assert Path(command[-2]).name in {"foureyes", "foureyes.exe"} and command[-1] == "serve"


def test_mappings_cover_the_languages_foureyes_supports() -> None:
    mapped = pattern_languages(load("template.json"))
    for extension, language_id in LANGUAGE_IDS.items():
        assert mapped.get(f"*{extension}") == language_id, f"*{extension} -> {language_id}"
    # Every extension the server's language table knows is mapped, and nothing else.
    assert {p.removeprefix("*") for p in mapped} == set(_EXTENSIONS)
    assert all(language_of(f"file{p.removeprefix('*')}") for p in mapped)


def test_settings_are_the_servers_section_and_valid() -> None:
    settings = load("settings.json")
    assert set(settings) == {"foureyes"}  # LSP4IJ answers workspace/configuration by section
    parsed, problems = parse_settings(settings["foureyes"])
    assert problems == []
    assert parsed.code_lens is True
    assert isinstance(load("initializationOptions.json"), dict)
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    assert "Import from custom template" in readme and "foureyes serve" in readme


def test_the_default_command_line_starts_a_working_server(tmp_path: Path) -> None:
    """Run the template's Linux/macOS command as LSP4IJ would (foureyes on PATH) and
    complete an LSP initialize handshake with it."""
    command = shlex.split(load("template.json")["programArgs"]["default"])
    env = {**os.environ, "PATH": f"{Path(FOUREYES).parent}{os.pathsep}{os.environ['PATH']}"}
    server = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=tmp_path, env=env,
    )  # fmt: skip
    watchdog = threading.Timer(30, server.kill)
    watchdog.start()
    try:
        send(server, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {},
        }})  # fmt: skip
        reply = receive(server, 1)
        assert reply["result"]["serverInfo"]["name"] == "foureyes"
        provider = reply["result"]["capabilities"]["executeCommandProvider"]
        assert "foureyes.approve" in provider["commands"]
        send(server, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        receive(server, 2)
        send(server, {"jsonrpc": "2.0", "method": "exit"})
        assert server.wait(timeout=10) == 0
    finally:
        watchdog.cancel()
        if server.poll() is None:
            server.kill()
        server.wait()
        for stream in (server.stdin, server.stdout, server.stderr):
            if stream:
                stream.close()


def send(server: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    assert server.stdin is not None
    server.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    server.stdin.flush()


def receive(server: subprocess.Popen[bytes], request_id: int) -> dict[str, Any]:
    """The response to `request_id`, skipping the server's notifications and requests."""
    assert server.stdout is not None
    while True:
        length = None
        while (line := server.stdout.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        assert length is not None, "the server closed its output (killed after 30 s?)"
        message = json.loads(server.stdout.read(length))
        if message.get("id") == request_id and "method" not in message:
            return message
