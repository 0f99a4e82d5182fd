"""The review policy: defaults, loading, precise errors, seniors, CODEOWNERS, paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import GitRepo
from foureyes.core.model import Identity, RiskLevel
from foureyes.rules import codeowners
from foureyes.rules.patterns import matches
from foureyes.rules.policy import (
    DEFAULT_POLICY,
    PolicyError,
    PolicyLoader,
    load_policy,
    worktree_reader,
)

SAM = Identity("Sam", "sam@example.com")
DANA = Identity("Dana", "dana@example.com")


def load(repo: GitRepo):
    return load_policy(worktree_reader(repo.root))


def error_of(repo: GitRepo) -> str:
    with pytest.raises(PolicyError) as caught:
        load(repo)
    return str(caught.value)


def test_no_policy_file_gives_the_documented_defaults(repo: GitRepo) -> None:
    policy = load(repo)
    assert policy is DEFAULT_POLICY and policy.source is None
    assert {level: policy.approvals_for(level) for level in RiskLevel} == {
        RiskLevel.LOW: 1, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2, RiskLevel.CRITICAL: 2,
    }  # fmt: skip
    assert policy.seniors_for("any.py").includes(SAM)  # anyone (but the recorder, elsewhere)
    assert policy.mixed_lines_need_review and not policy.signing.required
    assert policy.fail_at is RiskLevel.LOW and policy.webhooks == ()


def test_a_complete_policy_file_is_read(repo: GitRepo) -> None:
    repo.write(".github/CODEOWNERS", "* @owner\n/src/auth/ @acme/security\n")
    repo.write(".foureyes/allowed_signers", "sam@example.com ssh-ed25519 AAAA\n")
    repo.write(
        ".foureyes.toml",
        """
version = 1
[review]
seniors = ["sam@example.com", "@ria", "@acme/platform"]
codeowners = true
mixed_lines = "ignore"
approvals = { low = 1, medium = 2, high = 3, critical = 4 }

[people]
"@ria" = "ria@example.com"
"@owner" = ["olive@example.com"]

[teams]
"@acme/platform" = ["pat@example.com", "@quinn"]
"@acme/security" = ["sec@example.com"]

[paths]
critical = ["src/auth/**", "*.sql"]
ignored = ["vendor/"]

[severity]
low = "off"
critical = "error"

[signing]
required = true
allowed_signers = ".foureyes/allowed_signers"

[check]
fail_at = "medium"
ledger_problems = "fail"

[[notify.webhooks]]
url = "https://chat.example.com/hook"
timeout = 2
""",
    )
    policy = load(repo)
    assert policy.source == ".foureyes.toml"
    assert policy.approvals_for(RiskLevel.CRITICAL) == 4
    assert not policy.mixed_lines_need_review
    assert policy.is_ignored("vendor/lib/x.py") and not policy.is_ignored("src/vendor.py")
    assert policy.critical_match("src/auth/login.py") == "src/auth/**"
    assert policy.critical_match("db/migrations/001.sql") == "*.sql"
    assert policy.severity[RiskLevel.LOW] == "off"
    assert policy.severity[RiskLevel.HIGH] == "warning"  # default kept
    assert policy.signing.required and "sam@example.com" in policy.signing.allowed_signers_text
    assert policy.fail_at is RiskLevel.MEDIUM and policy.ledger_problems == "fail"
    assert policy.webhooks[0].url == "https://chat.example.com/hook"
    assert policy.webhooks[0].timeout == 2.0

    app = policy.seniors_for("src/app.py")
    assert app.includes(SAM)
    assert app.includes(Identity("Ria", "ria@example.com"))  # handle mapped in [people]
    assert app.includes(Identity("Pat", "PAT@example.com"))  # team member, any case
    assert app.includes(Identity("Q", "12345+quinn@users.noreply.github.com"))  # handle
    assert app.includes(Identity("Olive", "olive@example.com"))  # CODEOWNERS owner (*)
    assert not app.includes(DANA)
    assert not app.includes(Identity("Sec", "sec@example.com"))  # owns src/auth/ only
    auth = policy.seniors_for("src/auth/login.py")
    assert auth.includes(Identity("Sec", "sec@example.com"))
    assert not auth.includes(Identity("Olive", "olive@example.com"))  # last match wins
    assert auth.includes(SAM)  # seniors are senior everywhere


def test_pyproject_tool_table_is_read_and_two_policies_are_refused(repo: GitRepo) -> None:
    repo.write(
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.foureyes.review]\nseniors = ["sam@example.com"]\n',
    )
    policy = load(repo)
    assert policy.source == "tool.foureyes in pyproject.toml"
    assert policy.seniors_for("a.py").includes(SAM)
    assert not policy.seniors_for("a.py").includes(DANA)
    repo.write(".foureyes.toml", "[review]\nseniors = ['*']\n")
    message = error_of(repo)
    assert "two review policies" in message and "keep one" in message


def test_pyproject_without_a_foureyes_table_means_defaults(repo: GitRepo) -> None:
    repo.write("pyproject.toml", '[project]\nname = "x"\n')
    assert load(repo) is DEFAULT_POLICY


def test_without_a_policy_codeowners_are_suggested_but_anyone_may_approve(repo: GitRepo) -> None:
    repo.write(".github/CODEOWNERS", "*.py @ria\n")
    policy = load(repo)
    assert policy.source is None and not policy.codeowners
    assert policy.suggested_reviewers("a.py", ()) == ("@ria",)
    assert policy.seniors_for("a.py").includes(DANA)


def test_a_toml_syntax_error_names_the_file_and_line(repo: GitRepo) -> None:
    repo.write(".foureyes.toml", "[review]\nseniors = ['sam@example.com'] x\n")
    message = error_of(repo)
    assert message.startswith(".foureyes.toml:2: not valid TOML") and "line 2" in message
    repo.write(".foureyes.toml", "[review]\nseniors = ['sam@example.com'\n")
    assert error_of(repo).startswith(".foureyes.toml: not valid TOML")  # at end of document


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[review]\nsenoirs = ['a@b.c']\n", ".foureyes.toml:2: review.senoirs is not a policy key"),
        ("[review]\napprovals = { low = 'one' }\n",
         ".foureyes.toml:2: review.approvals.low must be a whole number"),
        ("[review]\napprovals = { high = 99 }\n", "review.approvals.high must be from 0 to 20"),
        ("[review]\napprovals = { urgent = 1 }\n", "review.approvals.urgent is not a policy key"),
        ("[review]\nseniors = []\n", "review.seniors is empty and CODEOWNERS is not used"),
        ("[review]\nseniors = ['sam']\n", "which is not an email, an @handle"),
        ("[review]\nseniors = { a = 1 }\n",
         "review.seniors must be a list of non-empty strings, not a table"),
        ("[review]\ncodeowners = 'yes'\n", "review.codeowners must be true or false"),
        ("[review]\ncodeowners = true\n", "is true, but there is no CODEOWNERS file"),
        ("[review]\nmixed_lines = 'maybe'\n", "it must be one of: review, ignore"),
        ("review = 3\n", ".foureyes.toml:1: review must be a table"),
        ("version = 2\n", "this foureyes reads version 1"),
        ("[paths]\ncritical = ['!src/**']\n", "'!' negation is not supported"),
        ("[paths]\nignored = 'vendor/'\n[severity]\nhigh = 'loud'\n",
         ".foureyes.toml:4: severity.high is 'loud'"),
        ("[signing]\nrequired = true\n", "signing.allowed_signers does not name"),
        ("[signing]\nallowed_signers = 'keys/none'\n", "names keys/none, which does not exist"),
        ("[signing]\nallowed_signers = '/etc/passwd'\n", "must be a path inside the repository"),
        ("[check]\nfail_at = 'severe'\n", "check.fail_at is 'severe'"),
        ('[people]\n"sam" = "sam@example.com"\n', 'people.sam must be an @handle'),
        ('[teams]\n"@acme/x" = 3\n', "teams.@acme/x must be a string or a list of strings"),
        ("[[notify.webhooks]]\nurl = 'ftp://x'\n", "url must be an http:// or https:// URL"),
        ("[[notify.webhooks]]\nurl = 'http://x'\ntimeout = 0\n", "timeout must be seconds"),
    ],
)  # fmt: skip
def test_a_broken_policy_is_a_precise_error(repo: GitRepo, text: str, expected: str) -> None:
    repo.write(".foureyes.toml", text)
    message = error_of(repo)
    assert expected in message, message
    assert "hint:" in message


def test_errors_in_pyproject_name_the_tool_key_and_line(repo: GitRepo) -> None:
    repo.write("pyproject.toml", '[project]\nname = "x"\n\n[tool.foureyes.check]\nfail_at = 1\n')
    assert "pyproject.toml:5: tool.foureyes.check.fail_at is 1" in error_of(repo)


def test_the_loader_reloads_when_the_policy_changes_and_never_falls_back(repo: GitRepo) -> None:
    loader = PolicyLoader(repo.root)
    assert loader.load() is DEFAULT_POLICY
    repo.write(".foureyes.toml", "[review]\nseniors = ['sam@example.com']\n")
    first = loader.load()
    assert loader.load() is first  # unchanged files: the same object (a cache key)
    assert not first.seniors_for("x").includes(DANA)
    repo.write(".foureyes.toml", "[review]\nseniors = [\n")  # broken: an error, every time
    for _ in range(2):
        with pytest.raises(PolicyError):
            loader.load()


def test_suggested_reviewers_prefer_owners_and_never_the_recorder(repo: GitRepo) -> None:
    repo.write("CODEOWNERS", "/src/ @ria dana@example.com\n")
    repo.write(
        ".foureyes.toml",
        "[review]\nseniors = ['sam@example.com', 'dana@example.com']\ncodeowners = true\n"
        "[people]\n'@ria' = 'ria@example.com'\n",
    )
    policy = load(repo)
    assert policy.suggested_reviewers("src/a.py", (DANA,)) == ("@ria",)
    assert policy.suggested_reviewers("lib/a.py", (DANA,)) == ("sam@example.com",)
    ria = Identity("Ria", "ria@example.com")
    assert policy.suggested_reviewers("src/a.py", (ria,)) == ("dana@example.com",)
    # Owners that do not count as seniors are suggested only when they are seniors.
    repo.write(".foureyes.toml", "[review]\nseniors = ['sam@example.com', 'dana@example.com']\n")
    policy = load(repo)
    assert policy.suggested_reviewers("src/a.py", ()) == ("dana@example.com",)
    assert not policy.seniors_for("src/a.py").includes(ria)


def test_codeowners_last_match_wins_and_unowned_lines_clear() -> None:
    parsed = codeowners.parse(
        "# comment\n*       @global\n*.js    @js-owner  # inline comment\n"
        "/build/logs/ @doctocat\ndocs/*  docs@example.com\napps/   @octocat\n"
        "/apps/github\n!secret.txt @x\n[ab].py @y\n"
    )
    assert parsed.owners_of("README.md") == ("@global",)
    assert parsed.owners_of("web/app.js") == ("@js-owner",)
    assert parsed.owners_of("build/logs/x.log") == ("@doctocat",)
    assert parsed.owners_of("docs/getting-started.md") == ("docs@example.com",)
    assert parsed.owners_of("docs/build-app/troubleshooting.md") == ("@global",)
    assert parsed.owners_of("deep/apps/x.py") == ("@octocat",)
    assert parsed.owners_of("apps/github/x.py") == ()  # a pattern without owners clears
    assert len(parsed.problems) == 2 and "negation" in parsed.problems[0]


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("src/auth/**", "src/auth/a/b.py", True),
        ("src/auth/**", "src/authz/b.py", False),
        ("**/secrets/*", "a/b/secrets/k.txt", True),
        ("a/**/b.py", "a/b.py", True),
        ("a/**/b.py", "a/x/y/b.py", True),
        ("*.py", "deep/down/x.py", True),
        ("/*.py", "deep/x.py", False),
        ("/*.py", "x.py", True),
        ("migrations", "db/migrations/001.sql", True),
        ("vendor/", "vendor", False),
        ("src/?.py", "src/a.py", True),
    ],
)
def test_path_patterns(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


def test_risk_weights_and_levels(repo: GitRepo) -> None:
    repo.write(".foureyes.toml", "[risk.weights]\nshell-exec = 5\n\n[risk.levels]\nhigh = 50\n")
    config = load(repo).risk_config()
    assert config.weight("shell-exec", 35) == 5 and config.weight("tls-disabled", 40) == 40
    assert config.level(45) is RiskLevel.MEDIUM and config.level(50) is RiskLevel.HIGH
    repo.write(".foureyes.toml", "[risk.weights]\nshel-exec = 5\n")
    assert "shel-exec" in error_of(repo) and "shell-exec" in error_of(repo)
    repo.write(".foureyes.toml", "[risk.levels]\nmedium = 60\nhigh = 40\n")
    assert "must rise from medium to critical" in error_of(repo)
    repo.write(".foureyes.toml", "[risk.weights]\nshell-exec = 500\n")
    assert "from 0 to 100" in error_of(repo)


def test_unlisted_team_is_reported_not_fatal(repo: GitRepo) -> None:
    repo.write(".foureyes.toml", "[review]\nseniors = ['@acme/ghosts', 'sam@example.com']\n")
    policy = load(repo)
    assert any("@acme/ghosts" in problem for problem in policy.problems)
    assert policy.seniors_for("a").includes(SAM)


def test_the_complete_example_in_the_docs_is_a_valid_policy(repo: GitRepo) -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "policy.md").read_text()
    example = docs.split("```toml\n# .foureyes.toml\n", 1)[1].split("```", 1)[0]
    repo.write(".foureyes.toml", example)
    repo.write(".github/CODEOWNERS", "* @olive\n")
    repo.write(".foureyes/allowed_signers", "sam@example.com ssh-ed25519 AAAA\n")
    policy = load(repo)
    assert policy.codeowners and policy.signing.required
    assert policy.critical_match("db/migrations/001.py") == "migrations/"
    assert policy.is_ignored("api/v1/user_pb2.py")
    assert policy.seniors_for("x.py").includes(Identity("Q", "9+quinn@users.noreply.github.com"))
    assert policy.webhooks[0].timeout == 3.0
