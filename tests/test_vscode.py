"""VS Code: the extension in vscode-client/, built, unit-tested and run end to end in a
real VS Code.

The end-to-end test packages the .vsix, installs code-server (VS Code in the browser,
from the npm registry; see vscode-client/e2e/install-code-server.sh) into a cache
outside the repository, and runs vscode-client/e2e/run.mjs, which drives Debian's
chromium through playwright-core against a fixture repository made with
`foureyes mark`. Screenshots and logs land in vscode-client/e2e/artifacts/ (ignored).

Without node, npm or chromium these tests skip with the reason, except under CI=true,
where anything missing is a failure, never a silently green run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import RUNNING_IN_CI
from foureyes.lsp.settings import parse_settings

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "vscode-client"
CODE_SERVER_VERSION = "4.100.3"  # the last code-server that runs on Node 20
# Read at import time: the autouse fixture in conftest.py points HOME at a temporary
# directory during each test, and these caches must survive between runs.
_HOME = Path.home()
CACHE = Path(
    os.environ.get("FOUREYES_VSCODE_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or _HOME / ".cache") / "foureyes-vscode"
)
NPM_CACHE = next(
    (value for key, value in os.environ.items() if key.lower() == "npm_config_cache"),
    str(_HOME / ".npm"),
)
CODE_SERVER_DIR = CACHE / f"code-server-{CODE_SERVER_VERSION}"
CODE_SERVER = CODE_SERVER_DIR / "node_modules" / ".bin" / "code-server"
CHROMIUM = os.environ.get("FOUREYES_E2E_CHROMIUM", "/usr/bin/chromium")
E2E_SECONDS = 240  # the hard limit for the browser run; it normally takes 30-40 s
INSTALL_SECONDS = 900  # code-server: about 75 s with a cold npm cache, 35 s warm


E2E = CLIENT / "e2e" / "run.mjs"
SEVERITY_KEYS = {"unreviewed", "reviewRequested", "partiallyApproved", "changesRequested"}


def e2e_region() -> tuple[str, str, int, int]:
    """The AI region of the VS Code end-to-end test: (path, text, first line, last line),
    read from run.mjs, so the Neovim and JetBrains tests check the very same region."""
    source = E2E.read_text(encoding="utf-8")
    app = re.search(r"^const APP = `(.*?)`;$", source, re.DOTALL | re.MULTILINE)
    region = re.search(r"^const REGION = \{ start: (\d+), end: (\d+) \};", source, re.MULTILINE)
    opened = re.search(r"openFile\('([^']+)'\)", source)
    assert app and region and opened, "run.mjs no longer has APP, REGION and openFile(...)"
    text = app.group(1).replace("\\`", "`")
    assert "\\" not in text and "${" not in text, "APP is no longer a plain template literal"
    return opened.group(1), text, int(region.group(1)), int(region.group(2))


def vscode_default_section() -> dict[str, Any]:
    """The `foureyes` section as the extension sends it when nobody set anything: every
    key of package.json's configuration at its default, nested at its dots."""
    package = json.loads((CLIENT / "package.json").read_text(encoding="utf-8"))
    section: dict[str, Any] = {}
    for key, spec in package["contributes"]["configuration"]["properties"].items():
        *parents, leaf = key.removeprefix("foureyes.").split(".")
        node = section
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = spec.get("default")
    return section


def test_vscode_severity_defaults_follow_the_policy() -> None:
    """VS Code sends its whole section, defaults included: those must override nothing,
    so the policy's [severity] table decides, as in Neovim and the JetBrains template."""
    section = vscode_default_section()
    assert set(section["severity"]) == SEVERITY_KEYS
    assert set(section["severity"].values()) == {"policy"}
    settings, problems = parse_settings(section)
    assert problems == []
    assert dict(settings.severity) == {}  # no override: the policy's severity by risk level
    assert settings.docs_url is None  # the docs shipped with the server
    # A value the user picks still overrides the policy for that review state.
    picked, problems = parse_settings({**section, "severity": {"unreviewed": "hint"}})
    assert problems == [] and len(picked.severity) == 1


def _in_ci() -> bool:
    return RUNNING_IN_CI


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"{reason} (CI must run the VS Code tests: .ci/run installs what they need)")
    pytest.skip(reason)


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "npm_config_cache": NPM_CACHE,
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
    }


def _run(command: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=CLIENT, env=_env(), capture_output=True, text=True, timeout=timeout,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{what} took longer than {timeout} s\n{error.stdout}\n{error.stderr}")
    seconds = time.monotonic() - started
    report = f"--- stdout ---\n{done.stdout[-6000:]}\n--- stderr ---\n{done.stderr[-6000:]}"
    assert done.returncode == 0, f"{what} failed (exit {done.returncode})\n{report}"
    print(f"{what}: {seconds:.1f} s")
    return done


@pytest.fixture(scope="module")
def npm() -> str:
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm (Node.js 20) are needed to build the VS Code extension")
    version = subprocess.run(
        [str(node), "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    match = re.match(r"v(\d+)\.", version)
    if match is None or int(match.group(1)) < 20:
        _unavailable(f"the VS Code extension needs Node.js 20 or newer, found {version!r}")
    return str(npm)


@pytest.fixture(scope="module")
def node_modules(npm: str) -> Path:
    """`npm ci`, skipped when node_modules matches package-lock.json already."""
    lock = hashlib.sha256((CLIENT / "package-lock.json").read_bytes()).hexdigest()
    stamp = CLIENT / "node_modules" / ".foureyes-lock-sha256"
    if not stamp.exists() or stamp.read_text().strip() != lock:
        # --ignore-scripts: no install script of ours needs the network or anything else.
        _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], 600, "npm ci")
        stamp.write_text(lock)
    return CLIENT / "node_modules"


@pytest.fixture(scope="module")
def vsix(npm: str, node_modules: Path) -> Path:
    """Type-check, bundle and package the extension with vsce."""
    target = CLIENT / "foureyes.vsix"
    target.unlink(missing_ok=True)
    _run([npm, "run", "package"], 300, "npm run package")
    assert target.exists(), "vsce produced no foureyes.vsix"
    return target


def test_the_vsix_has_the_extension_icon(vsix: Path) -> None:
    """package.json names a PNG icon (VS Code takes no SVG there), and the packaged
    extension carries it: a real PNG, square, at least the 128 px the Extensions view
    and the Marketplace show."""
    package = json.loads((CLIENT / "package.json").read_text(encoding="utf-8"))
    icon = package.get("icon")
    assert isinstance(icon, str) and icon.endswith(".png"), f"package.json icon: {icon!r}"
    with zipfile.ZipFile(vsix) as archive:
        names = archive.namelist()
        assert f"extension/{icon}" in names, f"{icon} is not in the .vsix: {sorted(names)}"
        data = archive.read(f"extension/{icon}")
        manifest = archive.read("extension.vsixmanifest").decode("utf-8")
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    assert width == height >= 128, (width, height)
    assert data == (CLIENT / icon).read_bytes()
    # vsce lists it as the extension's icon asset, which is what VS Code shows.
    assert "Microsoft.VisualStudio.Services.Icons.Default" in manifest
    assert f'Path="extension/{icon}"' in manifest


def test_code_server_installs_wait_for_each_other(tmp_path: Path) -> None:
    """Two test runs at once must not both install code-server into the shared cache
    (the install starts by deleting the folder): the second waits for the first's lock,
    then finds the install done. The install itself is faked by a finished one."""
    dest = tmp_path / "code-server"
    binary = dest / "node_modules" / ".bin" / "code-server"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    (dest / f".installed-code-server-{CODE_SERVER_VERSION}").write_text("")
    script = CLIENT / "e2e" / "install-code-server.sh"
    import fcntl

    with open(f"{dest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run is installing
        waiting = subprocess.run(["timeout", "2", "bash", str(script), str(dest)],
                                 capture_output=True, text=True, check=False)  # fmt: skip
        assert waiting.returncode == 124, waiting.stderr  # it waited, and did nothing
        assert binary.exists()
    done = subprocess.run(["bash", str(script), str(dest)], capture_output=True, text=True,
                          check=False, timeout=30)  # fmt: skip
    assert done.returncode == 0, done.stderr  # the lock is free: the install is there
    assert binary.exists()


def test_vscode_client_unit_tests(npm: str, node_modules: Path) -> None:
    done = _run([npm, "test"], 300, "npm test (node:test)")
    assert re.search(r"^# fail 0$", done.stdout, re.MULTILINE), done.stdout[-3000:]
    passed = re.search(r"^# pass (\d+)$", done.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) > 0, "the unit tests ran no test"


@pytest.fixture(scope="module")
def code_server(npm: str) -> Path:
    if not CODE_SERVER.exists() or not any(CODE_SERVER_DIR.glob(".installed-code-server-*")):
        for tool, package in (("rg", "ripgrep"), ("pkg-config", "pkg-config"),
                              ("krb5-config", "libkrb5-dev")):  # fmt: skip
            if shutil.which(tool) is None:
                _unavailable(f"installing code-server needs {tool} (apt install {package})")
        _run(
            ["bash", str(CLIENT / "e2e" / "install-code-server.sh"), str(CODE_SERVER_DIR)],
            INSTALL_SECONDS,
            f"install code-server {CODE_SERVER_VERSION}",
        )
    return CODE_SERVER


@pytest.fixture(scope="module")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} not found (apt install chromium)")
    return CHROMIUM


def test_vscode_end_to_end(chromium: str, vsix: Path, code_server: Path) -> None:
    # `chromium` first: without a browser, skip before building and installing anything.
    command = ["node", str(CLIENT / "e2e" / "run.mjs")]
    if shutil.which("timeout"):
        command = ["timeout", "-k", "10", str(E2E_SECONDS), *command]
    env = {
        **_env(),
        "FOUREYES_E2E_CODE_SERVER": str(code_server),
        "FOUREYES_E2E_CHROMIUM": chromium,
        "FOUREYES_E2E_VSIX": str(vsix),
        "FOUREYES_E2E_PYTHON": sys.executable,
    }
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=CLIENT, env=env, capture_output=True, text=True,
        timeout=E2E_SECONDS + 30, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    report = (
        f"exit {done.returncode} after {seconds:.0f} s; screenshots and logs in "
        f"{CLIENT / 'e2e' / 'artifacts'}\n--- stderr ---\n{done.stderr[-8000:]}\n"
        f"--- stdout ---\n{done.stdout[-4000:]}"
    )
    assert done.returncode != 124, f"the VS Code e2e hit the {E2E_SECONDS} s limit\n{report}"
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"e2e"')]
    assert done.returncode == 0, f"the VS Code e2e failed\n{report}"
    assert results and results[-1]["e2e"] == "passed", f"the e2e printed no result\n{report}"
    print(f"VS Code e2e: {results[-1]['seconds']} s, steps {results[-1]['steps']}")
