"""Risk signals that need a repository: replaced code, dependencies, the `risk` command."""

from __future__ import annotations

from conftest import GitRepo, code_lines, make_venv
from foureyes.core.anchor import make_anchor
from foureyes.core.model import AiAuthorship, Identity, RiskLevel
from foureyes.core.text import split_lines
from foureyes.risk.assess import Assessor, RegionInput, RiskConfig
from foureyes.risk.dependencies import Dependencies
from foureyes.risk.references import References
from foureyes.store.diskstore import DiskStore
from foureyes.store.ledger import Ledger, new_id, now
from foureyes.store.repo import Repository

TEN_LINES = tuple(code_lines("new", 10))


def test_replacing_human_code_scores_higher_than_adding_fresh_code() -> None:
    assessor = Assessor(dependencies=None)
    fresh = assessor.assess(RegionInput("app.py", 1, TEN_LINES, replaced=0))
    rewrite = assessor.assess(RegionInput("app.py", 1, TEN_LINES, replaced=40))
    assert rewrite.score > fresh.score
    (reason,) = [r for r in rewrite.reasons if r.rule == "replaced-code"]
    assert "replaced 40 lines of existing code" in reason.message


def test_hallucinated_python_dependency(repo: GitRepo) -> None:
    repo.write(
        "pyproject.toml",
        '[project]\nname = "shop"\nversion = "1"\ndependencies = ["requests>=2", "PyYAML"]\n',
    )
    repo.write("shop/helpers.py", "def helper():\n    return 1\n")
    repo.write(".gitignore", ".venv/\n")
    repo.commit("project")
    make_venv(repo.root / ".venv")  # the project's environment, which only jedi can read
    code = (
        "import requestz",
        "import requests",
        "import yaml",
        "import os",
        "from shop import helpers",
    )
    assessor = Assessor(Dependencies(Repository(repo.root)))
    # The fast tier never accuses an import it cannot rule out without jedi.
    fast = assessor.assess(RegionInput("shop/api.py", 1, code), slow=False)
    assert not [r for r in fast.reasons if r.rule == "unknown-dependency"] and not fast.complete
    risk = assessor.assess(RegionInput("shop/api.py", 1, code), slow=True)
    flagged = [r for r in risk.reasons if r.rule == "unknown-dependency"]
    assert [r.message.split()[4] for r in flagged] == ["requestz,"]
    assert flagged[0].start_line == 1 and flagged[0].cwe == "CWE-829" and risk.complete
    # Once jedi has looked, the fast tier reuses its answer.
    again = assessor.assess(RegionInput("shop/api.py", 1, code), slow=False)
    assert [r.rule for r in again.reasons if r.rule == "unknown-dependency"] == [
        "unknown-dependency"
    ]


def test_javascript_go_and_rust_manifests(repo: GitRepo) -> None:
    repo.write(
        "web/package.json",
        '{"dependencies": {"express": "^4"}, "devDependencies": {"@types/node": "*"}}',
    )
    repo.write(
        "svc/go.mod", "module example.com/svc\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.9.0\n)\n"
    )
    repo.write("core/Cargo.toml", '[package]\nname = "core"\n\n[dependencies]\nserde = "1"\n')
    deps = Dependencies(Repository(repo.root))
    js = ["express", "expresss", "fs", "node:path", "./local", "@types/node"]
    assert deps.unknown("javascript", "web/src/app.js", js, slow=False) == (["expresss"], False)
    go = ["fmt", "net/http", "github.com/gin-gonic/gin", "github.com/gin-gonic/gin/render",
          "github.com/gin-gonik/gin", "example.com/svc/internal/db"]  # fmt: skip
    found = deps.unknown("go", "svc/main.go", go, slow=False)
    assert found == (["github.com/gin-gonik/gin"], False)
    rust = ["std", "serde", "serde_jsonn", "crate"]
    assert deps.unknown("rust", "core/src/lib.rs", rust, slow=False) == (["serde_jsonn"], False)


def test_levels_and_weights_are_configurable() -> None:
    code = ("subprocess.run(cmd, shell=True)",)
    default = Assessor(None).assess(RegionInput("x.py", 1, code))
    assert default.level is RiskLevel.HIGH and default.score == 35
    quiet = Assessor(None).assess(RegionInput("x.py", 1, code), RiskConfig({"shell-exec": 5}))
    assert quiet.level is RiskLevel.LOW and quiet.score == 5


def test_a_critical_path_is_critical_risk() -> None:
    region = RegionInput("src/auth/token.py", 1, ("x = 1",), critical_pattern="src/auth/**")
    risk = Assessor(None).assess(region)
    assert risk.level is RiskLevel.CRITICAL
    (reason,) = risk.reasons
    assert reason.rule == "critical-path" and "src/auth/**" in reason.message
    quiet = Assessor(None).assess(region, RiskConfig({"critical-path": 0}))
    assert quiet.level is RiskLevel.CRITICAL and quiet.reasons == ()


def test_unknown_languages_still_get_size_risk() -> None:
    lines = tuple(f"line {i}" for i in range(200))
    risk = Assessor(None).assess(RegionInput("notes.txt", 1, lines))
    assert [r.rule for r in risk.reasons] == ["size"] and risk.complete


def test_risk_command_on_a_recorded_region(repo: GitRepo) -> None:
    lines = [*code_lines("head", 5), "import subprocess",
             "subprocess.run(f'rm -rf {path}', shell=True)", *code_lines("tail", 5)]  # fmt: skip
    repo.write("tool.py", "\n".join(lines) + "\n")
    claim = AiAuthorship(
        id=new_id(), at=now(), by=Identity("Dana", "dana@example.com"), path="tool.py",
        anchor=make_anchor(split_lines(repo.read("tool.py")), 6, 7), agent="claude-code",
        replaced=40,
    )  # fmt: skip
    Ledger(repo.root / ".foureyes/ledger.jsonl").append([claim])
    result = repo.foureyes("risk", "--json", "tool.py")
    assert result.code == 0, result.err
    (region,) = result.json()["regions"]
    assert (region["start_line"], region["end_line"]) == (6, 7)
    assert {r["rule"] for r in region["reasons"]} >= {"shell-exec", "replaced-code"}
    assert region["level"] in ("high", "critical")
    text = repo.foureyes("risk", "tool.py").out
    assert "runs a command through a shell (CWE-78) [line 7]" in text
    audit = repo.foureyes("risk", "--all-lines", "--json", "tool.py").json()
    assert audit["regions"][0]["start_line"] == 1 and audit["regions"][0]["end_line"] == 12
    # The command answers as the engine does: with the policy's critical paths.
    repo.write(".foureyes.toml", "[paths]\ncritical = ['tool.py']\n")
    for args in (("risk", "--json", "tool.py"), ("risk", "--all-lines", "--json", "tool.py")):
        (assessed,) = repo.foureyes(*args).json()["regions"]
        assert assessed["level"] == "critical", args


def test_blast_radius_counts_references_outside_the_region(repo: GitRepo) -> None:
    core = "def helper(x):\n    return x + 1\n\n\ndef lonely():\n    return 2\n"
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/core.py", core)
    for i in range(6):
        repo.write(
            f"pkg/use{i}.py", f"from pkg.core import helper\n\nv = helper({i}) + helper(1)\n"
        )
    repo.commit("project")
    assessor = Assessor(Dependencies(Repository(repo.root)), References(Repository(repo.root)))
    lines = tuple(core.splitlines())
    busy = assessor.assess(RegionInput("pkg/core.py", 1, lines[:2], text=core), slow=True)
    (reason,) = [r for r in busy.reasons if r.rule == "blast-radius"]
    assert "defines helper, which is referenced in 12 places" in reason.message
    quiet = assessor.assess(RegionInput("pkg/core.py", 5, lines[4:], text=core), slow=True)
    assert not [r for r in quiet.reasons if r.rule == "blast-radius"]
    # The fast tier reuses the count the slow tier found: complete, and the same reason.
    fast = assessor.assess(RegionInput("pkg/core.py", 1, lines[:2], text=core), slow=False)
    assert [r for r in fast.reasons if r.rule == "blast-radius"] == [reason] and fast.complete
    # Before any slow pass it has no count: the reason is pending, the risk incomplete.
    cold = Assessor(Dependencies(Repository(repo.root)), References(Repository(repo.root)))
    early = cold.assess(RegionInput("pkg/core.py", 1, lines[:2], text=core), slow=False)
    assert not [r for r in early.reasons if r.rule == "blast-radius"] and not early.complete


class CountingReferences(References):
    """The real References, counting how often it asks jedi (the expensive part)."""

    jedi_calls = 0

    def _jedi_count(self, *args: object) -> int:
        type(self).jedi_calls += 1
        return super()._jedi_count(*args)  # type: ignore[arg-type]


def test_reference_counts_are_redone_only_when_a_mention_changes(repo: GitRepo) -> None:
    body = ["def helper(x):", "    return x + 1", "", *(f"v{i} = helper({i})" for i in range(5))]
    filler = [f"other_{i} = {i}" for i in range(40)]
    text = "\n".join([*body, *filler]) + "\n"
    repo.write("core.py", text)
    repo.commit("project")
    disk = DiskStore(Repository(repo.root).cache_dir, "risk")
    references = CountingReferences(Repository(repo.root), disk)
    CountingReferences.jedi_calls = 0

    def count(text: str, line: int = 1) -> int:
        return references.count("core.py", text, [("helper", line, 4)], (line, line + 1))[0][1]

    assert count(text) == 5 and CountingReferences.jedi_calls == 1
    elsewhere = text.replace("other_7 = 7", "other_7 = 77")  # typing on an unrelated line
    assert count(elsewhere) == 5 and CountingReferences.jedi_calls == 1
    shifted = "import os\n\n" + text  # the region moved down two lines
    assert count(shifted, line=3) == 5 and CountingReferences.jedi_calls == 1
    more = text + "v9 = helper(9)\n"  # a new use: counted again
    assert count(more) == 6 and CountingReferences.jedi_calls == 2
    # Another process (a new References on the same disk cache) asks jedi nothing.
    fresh = CountingReferences(Repository(repo.root), DiskStore(disk.cache_dir, "risk"))
    assert fresh.count("core.py", text, [("helper", 1, 4)], (1, 2)) == [("helper", 5)]
    assert CountingReferences.jedi_calls == 2


def test_a_name_mentioned_too_rarely_to_matter_costs_no_jedi(repo: GitRepo) -> None:
    """Every reference is a mention; with fewer mentions than the blast radius starts
    at, jedi (which reads and infers every candidate file) is not asked."""
    core = "def rare(x):\n    return x + 1\n\n\ndef common(x):\n    return x\n"
    repo.write("core.py", core)
    repo.write("use.py", "from core import rare, common\n\nrare(1)\n" + "common(2)\n" * 6)
    repo.write("notes.txt", "rare rare rare rare rare rare\n")  # not Python: not a mention
    repo.commit("project")
    references = CountingReferences(Repository(repo.root))
    CountingReferences.jedi_calls = 0
    rare = references.count("core.py", core, [("rare", 1, 4)], (1, 2))
    # The mentions (import and call): an upper bound, below the floor either way.
    assert rare == [("rare", 2)] and CountingReferences.jedi_calls == 0
    common = references.count("core.py", core, [("common", 5, 4)], (5, 6))
    assert common == [("common", 6)] and CountingReferences.jedi_calls == 1  # jedi's count
    # Unsaved text counts as written: three more uses in the editor, and jedi is asked.
    typed = core + "rare(2)\nrare(3)\nrare(4)\n"
    assert references.count("core.py", typed, [("rare", 1, 4)], (1, 2))[0][1] == 4  # no import
    assert CountingReferences.jedi_calls == 2
    # A function typed but not saved: no file mentions it (git grep finds nothing).
    unsaved = core + "\n\ndef brand_new(x):\n    return x\n\nbrand_new(1)\n"
    assert references.count("core.py", unsaved, [("brand_new", 9, 4)], (9, 10)) == [
        ("brand_new", 1)
    ]
    assert CountingReferences.jedi_calls == 2


def test_risk_facts_survive_the_process_on_disk(repo: GitRepo) -> None:
    """A CLI run or CI job starts cold: jedi's verdicts and syntax facts come from disk."""
    repo.write("pyproject.toml", '[project]\nname = "x"\nversion = "1"\ndependencies = []\n')
    repo.write("api.py", "import requestz\nimport subprocess\nsubprocess.run(c, shell=True)\n")
    repo.commit("start")
    project = Repository(repo.root)
    store = DiskStore(project.cache_dir, "risk")
    region = RegionInput("api.py", 1, tuple(repo.read("api.py").splitlines()))
    first = Assessor(Dependencies(project, store), None, store).assess(region, slow=True)
    assert {"unknown-dependency", "shell-exec"} <= {r.rule for r in first.reasons}
    # A new process: nothing in memory. The fast tier now knows jedi's verdict from disk.
    fresh = DiskStore(project.cache_dir, "risk")
    again = Assessor(Dependencies(project, fresh), None, fresh).assess(region, slow=False)
    assert [r.rule for r in again.reasons] == [r.rule for r in first.reasons]
    assert repo.git("status", "--porcelain", "--untracked-files=all").strip() == ""
