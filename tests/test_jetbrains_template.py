"""The LSP4IJ template in jetbrains-client/: the shape LSP4IJ reads (template.json,
settings.json, initializationOptions.json, README.md), mappings that cover the
languages foureyes analyses, and a command line that really starts the server.

No IntelliJ IDE can run here, so the import itself is not exercised; the keys checked
are the ones LSP4IJ's template reader uses (id, name, url, programArgs per OS key,
fileTypeMappings[].fileType.patterns / .name and languageId, languageMappings). The
server is then driven as LSP4IJ drives it: it answers `workspace/configuration` with
settings.json, and the VS Code end-to-end test's high-risk region must get the same
severity as there and in Neovim.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

import foureyes
from conftest import FOUREYES, make_repo
from foureyes.lsp.settings import parse_settings
from foureyes.risk.languages import _EXTENSIONS, language_of
from test_vscode import SEVERITY_KEYS, e2e_region

TEMPLATE = Path(__file__).resolve().parents[1] / "jetbrains-client"
OS_KEYS = {"default", "windows", "mac", "unix"}  # what LSP4IJ picks programArgs by
WARNING = 2  # LSP DiagnosticSeverity
# Without "url", LSP4IJ links its help icon to its own docs/user-defined-ls/<id>.md,
# which does not exist for foureyes.
LSP4IJ_DEFAULT_URL = "https://github.com/redhat-developer/lsp4ij/tree/main/docs/user-defined-ls/"
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
    # The help link: null hides it (there is no public docs address to point at yet); a
    # missing key would make LSP4IJ link to a page of its own that does not exist.
    assert "url" in template
    url = template["url"]
    assert url is None or (url.startswith("https://") and not url.startswith(LSP4IJ_DEFAULT_URL))
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
    # Every severity key is there for people to find, and none overrides the policy.
    assert set(settings["foureyes"]["severity"]) == SEVERITY_KEYS
    assert dict(parsed.severity) == {}
    assert isinstance(load("initializationOptions.json"), dict)
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    assert "Import from custom template" in readme and "foureyes serve" in readme


def test_the_default_command_line_starts_a_working_server(tmp_path: Path) -> None:
    """Run the template's Linux/macOS command as LSP4IJ would (foureyes on PATH), with
    settings.json as the answer to `workspace/configuration`: the VS Code e2e's high-risk
    region is a warning, as there and in Neovim, and its code links to docs that exist."""
    repo = make_repo(tmp_path / "ws")
    path, text, first, last = e2e_region()
    repo.write(path, text)
    assert repo.foureyes("mark", "--ai", f"{path}:{first}-{last}", "--agent", "claude").code == 0
    repo.commit("shell retry")
    uri = (repo.root / path).as_uri()
    section = load("settings.json")["foureyes"]
    shown: list[str] = []

    def answer(request: dict[str, Any]) -> Any:
        if request["method"] == "workspace/configuration":
            return [section for _ in request["params"]["items"]]
        return None

    def note(message: dict[str, Any]) -> None:
        if message.get("method") == "window/showMessage":
            shown.append(message["params"]["message"])

    command = shlex.split(load("template.json")["programArgs"]["default"])
    env = {**os.environ, "PATH": f"{Path(FOUREYES).parent}{os.pathsep}{os.environ['PATH']}"}
    server = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=repo.root, env=env,
    )  # fmt: skip
    watchdog = threading.Timer(60, server.kill)
    watchdog.start()
    try:
        send(server, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": repo.root.as_uri(),
            "workspaceFolders": [{"uri": repo.root.as_uri(), "name": "ws"}],
            "capabilities": {"workspace": {"configuration": True}},
        }})  # fmt: skip
        reply = receive(server, 1)
        assert reply["result"]["serverInfo"]["name"] == "foureyes"
        provider = reply["result"]["capabilities"]["executeCommandProvider"]
        assert "foureyes.approve" in provider["commands"]
        send(server, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        send(server, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text},
        }})  # fmt: skip

        def published(message: dict[str, Any]) -> bool:
            note(message)
            params = message.get("params") or {}
            return (
                message.get("method") == "textDocument/publishDiagnostics"
                and params.get("uri") == uri
                and bool(params.get("diagnostics"))
            )

        (diagnostic,) = read_until(server, published, answer)["params"]["diagnostics"]
        assert diagnostic["code"] == "ai-unreviewed" and "high risk" in diagnostic["message"]
        assert diagnostic["range"]["start"]["line"] == first - 1
        assert diagnostic["range"]["end"]["line"] == last - 1
        assert diagnostic["severity"] == WARNING  # the policy's severity for high risk
        assert not [m for m in shown if "foureyes.severity" in m], shown
        # The code links to diagnostics.md inside the installed package, which exists.
        href = urlparse(diagnostic["codeDescription"]["href"])
        assert href.scheme == "file" and href.fragment == "ai-unreviewed"
        linked = Path(unquote(href.path))
        assert linked.is_file() and "## ai-unreviewed" in linked.read_text(encoding="utf-8")
        assert linked.is_relative_to(Path(foureyes.__file__).resolve().parent)
        send(server, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        receive(server, 2, answer)
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


def read_until(
    server: subprocess.Popen[bytes],
    done: Callable[[dict[str, Any]], bool],
    answer: Callable[[dict[str, Any]], Any] = lambda request: None,
) -> dict[str, Any]:
    """The first message from the server for which `done` holds; requests the server
    sends meanwhile are answered with `answer(request)`, as a client must."""
    assert server.stdout is not None
    while True:
        length = None
        while (line := server.stdout.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        assert length is not None, "the server closed its output (killed by the watchdog?)"
        message = json.loads(server.stdout.read(length))
        if done(message):
            return message
        if "id" in message and "method" in message:
            send(server, {"jsonrpc": "2.0", "id": message["id"], "result": answer(message)})


def receive(
    server: subprocess.Popen[bytes],
    request_id: int,
    answer: Callable[[dict[str, Any]], Any] = lambda request: None,
) -> dict[str, Any]:
    """The response to `request_id`, skipping the server's notifications."""
    return read_until(server, lambda m: m.get("id") == request_id and "method" not in m, answer)
