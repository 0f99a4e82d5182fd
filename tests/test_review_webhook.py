"""Webhook notifications on review requests, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from conftest import GitRepo, code_lines


class Receiver:
    """A local HTTP server that records POSTs and answers with a chosen status."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 204
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's naming
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                receiver.received.append(
                    {"body": body, "type": self.headers.get("Content-Type"), "path": self.path}
                )
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # a handler still sleeping must not hold the test
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/secret-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def setup(repo: GitRepo, url: str, timeout: float = 2) -> None:
    repo.write(
        ".foureyes.toml",
        '[review]\nseniors = ["sam@example.com"]\n'
        f'[[notify.webhooks]]\nurl = "{url}"\ntimeout = {timeout}\n',
    )
    repo.write("app.py", "\n".join(code_lines("app", 8)) + "\n")
    assert repo.foureyes("mark", "--ai", "app.py:2-5", "--agent", "claude-code").code == 0


def requests_in_ledger(repo: GitRepo) -> int:
    ledger = (repo.root / ".foureyes/ledger.jsonl").read_text().splitlines()
    return sum(1 for line in ledger if json.loads(line)["kind"] == "review-request")


def test_a_review_request_posts_json_to_the_webhook(repo: GitRepo, receiver: Receiver) -> None:
    setup(repo, receiver.url)
    result = repo.foureyes("request-review", "app.py:3", "--note", "please look at retries")
    assert result.code == 0 and result.err == ""
    assert len(receiver.received) == 1
    post = receiver.received[0]
    assert post["type"] == "application/json" and post["path"] == "/hooks/secret-token"
    body = post["body"]
    assert body["event"] == "review-requested"
    assert body["requested_by"]["email"] == "dana@example.com"
    request = body["requests"][0]
    assert (request["path"], request["start_line"], request["end_line"]) == ("app.py", 2, 5)
    assert request["reviewers"] == ["sam@example.com"] and request["risk"] == "low"
    assert request["note"] == "please look at retries"
    assert request["approvals_required"] == 1


def test_a_failing_webhook_is_reported_and_the_request_kept(
    repo: GitRepo, receiver: Receiver
) -> None:
    receiver.status = 500
    setup(repo, receiver.url)
    result = repo.foureyes("request-review", "app.py:3")
    assert result.code == 0
    assert "the webhook http://127.0.0.1" in result.err and "HTTP 500" in result.err
    assert "secret-token" not in result.err  # the URL's path may be a secret
    assert "recorded all the same" in result.err
    assert requests_in_ledger(repo) == 1


def test_an_unreachable_or_slow_webhook_does_not_hold_the_request(
    repo: GitRepo, receiver: Receiver
) -> None:
    receiver.delay = 2
    setup(repo, receiver.url, timeout=0.5)
    result = repo.foureyes("request-review", "app.py:3")
    assert result.code == 0 and "the webhook" in result.err
    closed = Receiver()
    url = closed.url
    closed.close()  # nothing listens there any more
    setup(repo, url)
    result = repo.foureyes("request-review", "app.py:4")
    assert result.code == 0 and "could not be reached" in result.err
    assert requests_in_ledger(repo) == 2


def test_no_webhook_means_no_network(repo: GitRepo) -> None:
    repo.write("app.py", "\n".join(code_lines("app", 8)) + "\n")
    repo.foureyes("mark", "--ai", "app.py:2-5", "--agent", "claude-code")
    result = repo.foureyes("request-review", "app.py:3")
    assert result.code == 0 and result.err == ""
