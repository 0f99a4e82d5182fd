"""Agent Trace: records in history, `foureyes import --agent-trace`, `foureyes export
--agent-trace`, in real git repositories through the real CLI.

Exported records are checked against the shape the Agent Trace spec's JSON schema
requires (written out below from the spec: required fields, enums, uuid, RFC 3339
with Z, no unknown properties).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import GitRepo, code_lines, contributors
from foureyes.core.model import Contributor
from foureyes.sources import history
from foureyes.sources.agent_trace import hash_matches, murmur3_32, read_traces
from foureyes.sources.history import history_authorship
from foureyes.store.repo import Repository


@pytest.fixture(autouse=True)
def _fresh_views() -> None:
    history._VIEWS.clear()


def write_lines(repo: GitRepo, path: str, lines: list[str]) -> None:
    repo.write(path, "\n".join(lines) + "\n")


def record(
    path: str,
    ranges: list[dict[str, Any]],
    *,
    revision: str | None = None,
    contributor: dict[str, Any] | None = None,
    tool: str = "cursor",
    record_id: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": "0.1.0",
        "id": record_id or str(uuid.uuid4()),
        "timestamp": "2026-01-25T10:00:00Z",
        "tool": {"name": tool, "version": "2.4.0"},
        "files": [
            {
                "path": path,
                "conversations": [
                    {
                        "url": "https://example.com/conversations/1",
                        "contributor": contributor
                        or {"type": "ai", "model_id": "anthropic/claude-opus-4-5"},
                        "ranges": ranges,
                    }
                ],
            }
        ],
    }
    if revision:
        data["vcs"] = {"type": "git", "revision": revision}
    return data


def write_traces(
    repo: GitRepo, *records: dict[str, Any], name: str = ".agent-trace/traces.jsonl"
) -> Path:
    target = repo.root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a") as handle:
        for item in records:
            handle.write(json.dumps(item) + "\n")
    return target


# --- in history (the spec's rule: blame -> revision -> range) ----------------------------------


def test_records_for_a_commit_decide_its_lines(repo: GitRepo) -> None:
    write_lines(repo, "a.py", code_lines("base", 5))
    repo.commit("Start")
    write_lines(repo, "a.py", code_lines("base", 5) + code_lines("agent", 4))
    second = repo.commit("Work\n\nCo-authored-by: Copilot <copilot@github.com>")
    write_traces(repo, record("a.py", [{"start_line": 6, "end_line": 7}], revision=second))
    repo.commit("traces")
    lines = repo.read("a.py").splitlines()
    write_lines(repo, "a.py", ["# moved down by a person", *lines])
    repo.commit("Human header")
    found = history_authorship(Repository(repo.root), "a.py", repo.read("a.py"))
    # 7-8 from the record; 9-10 came from the same commit, which the record speaks for,
    # so its Copilot trailer adds nothing.
    assert sorted(found) == [7, 8]
    assert found[7].source == "agent-trace" and found[7].agent == "cursor"
    assert found[7].model == "anthropic/claude-opus-4-5"
    assert found[7].contributor is Contributor.AI


# --- import ---------------------------------------------------------------------------------


def test_import_the_reference_implementations_shape(repo: GitRepo) -> None:
    """HEAD from before the edit as revision, line numbers of the edited working tree."""
    write_lines(repo, "src/app.py", code_lines("base", 6))
    head = repo.commit("Start")
    lines = code_lines("base", 3) + code_lines("agent", 3) + code_lines("base", 6)[3:]
    write_lines(repo, "src/app.py", lines)
    write_traces(
        repo,
        record("src/app.py", [{"start_line": 4, "end_line": 6}], revision=head),
        record(".shell-history", [{"start_line": 1, "end_line": 1}], revision=head),
    )
    result = repo.foureyes("import", "--agent-trace")
    assert result.code == 0, result.err
    assert "imported 1 claim for 1 file" in result.out
    assert contributors(repo, "src/app.py") == {4: "ai", 5: "ai", 6: "ai"}
    again = repo.foureyes("import", "--agent-trace")
    assert "imported 0 claims for 0 files" in again.out and "1 range imported before" in again.out
    claims = [
        json.loads(x) for x in (repo.root / ".foureyes/ledger.jsonl").read_text().splitlines()
    ]
    assert [(c["agent"], c["model"], c["source"]) for c in claims] == [
        ("cursor", "anthropic/claude-opus-4-5", "agent-trace")
    ]
    assert claims[0]["session"] == "https://example.com/conversations/1"


def test_import_the_specs_shape_follows_the_code(repo: GitRepo) -> None:
    """Positions at an older revision; the file changed since: the claim follows content."""
    lines = code_lines("base", 4) + code_lines("agent", 3)
    write_lines(repo, "a.py", lines)
    old = repo.commit("Agent work")
    write_lines(repo, "a.py", ["# new header", "# by a person", *lines])
    repo.commit("Header")
    write_traces(repo, record("a.py", [{"start_line": 5, "end_line": 7}], revision=old))
    assert repo.foureyes("import", "--agent-trace").code == 0
    assert contributors(repo, "a.py") == {7: "ai", 8: "ai", 9: "ai"}


def test_content_hashes_choose_and_reject(repo: GitRepo) -> None:
    lines = code_lines("x", 6)
    write_lines(repo, "a.py", lines)
    head = repo.commit("Start")
    text = "\n".join(lines[1:3])
    good = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    murmur = f"murmur3:{murmur3_32(chr(10).join(lines[3:5]).encode()):08x}"
    write_traces(
        repo,
        record("a.py", [{"start_line": 2, "end_line": 3, "content_hash": good}], revision=head),
        record("a.py", [{"start_line": 4, "end_line": 5, "content_hash": murmur}], revision=head),
        record(
            "a.py", [{"start_line": 1, "end_line": 1, "content_hash": "sha256:00"}], revision=head
        ),
        record("a.py", [{"start_line": 40, "end_line": 41}], revision=head),
    )
    result = repo.foureyes("import", "--agent-trace")
    assert result.code == 0, result.err
    assert contributors(repo, "a.py") == {2: "ai", 3: "ai", 4: "ai", 5: "ai"}
    assert "content_hash matches neither" in result.err
    assert "beyond the end of the file" in result.err


def test_murmur3_known_values() -> None:
    # Reference values of MurmurHash3_x86_32 with seed 0.
    assert murmur3_32(b"") == 0
    assert murmur3_32(b"hello") == 0x248BFA47
    assert murmur3_32(b"The quick brown fox jumps over the lazy dog") == 0x2E4FF723


@pytest.mark.parametrize(
    ("data", "seed", "expected"),
    [
        (b"", 1, 0x514E28B7),
        (b"", 0xFFFFFFFF, 0x81F16F39),
        (b"\0\0\0\0", 0, 0x2362F9DE),
        (b"aaaa", 0x9747B28C, 0x5A97808A),
        (b"abc", 0, 0xB3DD93FA),  # a 3-byte tail
        (b"Hello, world!", 0x9747B28C, 0x24884CBA),
    ],
)
def test_murmur3_known_values_with_seeds(data: bytes, seed: int, expected: int) -> None:
    """SMHasher's MurmurHash3_x86_32 vectors: the hash is unsigned, with seeds and tails."""
    assert murmur3_32(data, seed) == expected


def test_a_murmur3_content_hash_is_checked_with_or_without_a_final_newline() -> None:
    assert hash_matches("murmur3:248bfa47", "hello") is True
    assert hash_matches("MURMUR3_32:2E4FF723", "The quick brown fox jumps over the lazy dog")
    with_newline = murmur3_32(b"a\nb\n")
    assert hash_matches(f"murmur3:{with_newline:08x}", "a\nb") is True
    assert hash_matches("murmur3:248bfa48", "hello") is False
    assert hash_matches("murmur3:0", "") is True  # the empty text hashes to 0, unpadded


def test_human_and_unknown_contributors(repo: GitRepo) -> None:
    write_lines(repo, "a.py", code_lines("x", 4))
    head = repo.commit("Start")
    write_traces(
        repo,
        record("a.py", [{"start_line": 1, "end_line": 2}], revision=head,
               contributor={"type": "human"}),
        record("a.py", [{"start_line": 3, "end_line": 4}], revision=head,
               contributor={"type": "unknown"}),
    )  # fmt: skip
    result = repo.foureyes("import", "--agent-trace")
    assert result.code == 0
    assert contributors(repo, "a.py") == {1: "human", 2: "human"}
    assert "contributor unknown" in result.err


def test_import_names_a_missing_file_and_tolerates_bad_lines(repo: GitRepo) -> None:
    write_lines(repo, "a.py", code_lines("x", 2))
    head = repo.commit("Start")
    missing = repo.foureyes("import", "--agent-trace", "nope.jsonl")
    assert missing.code == 2 and "nope.jsonl does not exist" in missing.err
    target = repo.root / "t.jsonl"
    target.write_text(
        "not json\n" + json.dumps(record("a.py", [{"start_line": 1, "end_line": 1}], revision=head))
        + "\n" + json.dumps({"files": []}) + "\n"
    )  # fmt: skip
    result = repo.foureyes("import", "--agent-trace", "t.jsonl")
    assert result.code == 0
    assert "t.jsonl:1: not valid JSON; skipped" in result.err
    assert 't.jsonl:3: "id" must be a non-empty string; skipped' in result.err
    assert contributors(repo, "a.py") == {1: "ai"}


def test_read_traces_accepts_both_versions(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    one = record("a.py", [{"start_line": 1, "end_line": 2}])
    two = {**record("b.py", [{"start_line": 3, "end_line": 3}]), "version": "1.0"}
    del two["tool"]["version"]  # the spec's files disagree on whether it is required
    path.write_text(json.dumps(one) + "\n" + json.dumps(two) + "\n")
    found = read_traces(path)
    assert [(r.path, r.start, r.end) for r in found.ranges] == [("a.py", 1, 2), ("b.py", 3, 3)]
    assert found.problems == []


# --- export ---------------------------------------------------------------------------------

CONTRIBUTOR = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"enum": ["human", "ai", "mixed", "unknown"]},
        "model_id": {"type": "string", "maxLength": 250},
    },
    "additionalProperties": False,
}
RECORD_SCHEMA = {
    "type": "object",
    "required": ["version", "id", "timestamp", "files"],
    "additionalProperties": False,
    "properties": {
        "version": {"type": "string", "pattern": r"^[0-9]+\.[0-9]+$"},
        "id": {
            "type": "string",
            "pattern": r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        },
        "timestamp": {
            "type": "string",
            "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$",
        },
        "vcs": {
            "type": "object",
            "required": ["type", "revision"],
            "additionalProperties": False,
            "properties": {
                "type": {"enum": ["git", "jj", "hg", "svn"]},
                "revision": {"type": "string"},
            },
        },
        "tool": {
            "type": "object",
            "required": ["name", "version"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
        },
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "conversations"],
                "additionalProperties": False,
                "properties": {
                    "path": {"type": "string"},
                    "conversations": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ranges"],
                            "additionalProperties": False,
                            "properties": {
                                "url": {"type": "string"},
                                "contributor": CONTRIBUTOR,
                                "ranges": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["start_line", "end_line"],
                                        "additionalProperties": False,
                                        "properties": {
                                            "start_line": {"type": "integer", "minimum": 1},
                                            "end_line": {"type": "integer", "minimum": 1},
                                            "content_hash": {"type": "string"},
                                            "contributor": CONTRIBUTOR,
                                        },
                                    },
                                },
                                "related": {"type": "array"},
                            },
                        },
                    },
                },
            },
        },
        "metadata": {"type": "object"},
    },
}


def test_export_writes_valid_records_for_our_claims(repo: GitRepo) -> None:
    write_lines(repo, "clean.py", code_lines("c", 6))
    write_lines(repo, "dirty.py", code_lines("d", 6))
    repo.commit("Start")
    assert repo.foureyes("mark", "--ai", "clean.py:2-4", "--agent", "claude-code",
                         "--model", "claude-opus-4-6").code == 0  # fmt: skip
    assert repo.foureyes("mark", "--ai", "dirty.py:1-2", "--agent", "aider").code == 0
    head = repo.commit("Claims")
    lines = repo.read("dirty.py").splitlines()
    lines[1] = "d_value_1 = changed_by_a_person(1)"
    write_lines(repo, "dirty.py", lines)
    result = repo.foureyes("export", "--agent-trace")
    assert result.code == 0, result.err
    records = [json.loads(line) for line in result.out.splitlines()]
    assert len(records) == 2
    for item in records:
        jsonschema.validate(item, RECORD_SCHEMA)
    by_path = {r["files"][0]["path"]: r for r in records}
    clean = by_path["clean.py"]
    assert clean["vcs"] == {"type": "git", "revision": head}
    conversation = clean["files"][0]["conversations"][0]
    assert conversation["contributor"] == {"type": "ai", "model_id": "anthropic/claude-opus-4-6"}
    [span] = conversation["ranges"]
    assert (span["start_line"], span["end_line"]) == (2, 4)
    text = "\n".join(repo.read("clean.py").splitlines()[1:4])
    assert span["content_hash"] == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert clean["metadata"]["dev.foureyes"]["conversations"][0]["agent"] == "claude-code"
    dirty = by_path["dirty.py"]
    assert "vcs" not in dirty  # uncommitted changes: positions are not those of HEAD
    ranges = dirty["files"][0]["conversations"][0]["ranges"]
    assert [(r["start_line"], r["end_line"], r.get("contributor")) for r in ranges] == [
        (1, 1, None),
        (2, 2, {"type": "mixed"}),
    ]


def test_export_to_a_file_then_import_elsewhere(repo: GitRepo, tmp_path: Path) -> None:
    write_lines(repo, "a.py", code_lines("a", 5))
    repo.commit("Start")
    assert repo.foureyes("mark", "--ai", "a.py:2-3", "--agent", "codex").code == 0
    repo.commit("Claims")
    out = repo.foureyes("export", "--agent-trace", "--output", "out/traces.jsonl")
    assert out.code == 0 and "wrote 1 Agent Trace record to" in out.err
    # Our own export is never imported back into the same ledger...
    again = repo.foureyes("import", "--agent-trace", "out/traces.jsonl")
    assert "imported 0 claims" in again.out
    # ...and says why, instead of a bare "imported 0 claims" (issue 14).
    assert "1 range exported by foureyes itself, so already in the ledger" in again.out
    # ...but another tool reading it sees the ranges.
    [item] = read_traces(repo.root / "out/traces.jsonl").ranges
    assert (item.start, item.end, item.tool) == (2, 3, "foureyes")


def test_export_needs_a_format(repo: GitRepo) -> None:
    result = repo.foureyes("export")
    assert result.code == 2 and "foureyes export --agent-trace" in result.err
