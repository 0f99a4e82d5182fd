"""Webhook notifications for review requests: POST a JSON body to each policy target.

Notifications are best effort by design: each target gets one POST with a short
timeout, and a failure is returned as a sentence for the caller to show. The review
request itself is already in the ledger by then and is never undone. This is the
only place foureyes talks to a network, and only when the policy names a target.
It must not know about faces or the ledger.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

from foureyes import __version__
from foureyes.rules.policy import Webhook


def post_all(webhooks: Sequence[Webhook], payload: Mapping[str, Any]) -> list[str]:
    """POST `payload` to every webhook; returns one problem per target that failed."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return [problem for hook in webhooks if (problem := _post(hook, body)) is not None]


def _post(hook: Webhook, body: bytes) -> str | None:
    request = urllib.request.Request(
        hook.url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": f"foureyes/{__version__}"},
    )
    where = _shown(hook.url)
    try:
        with urllib.request.urlopen(request, timeout=hook.timeout) as response:
            response.read(65536)
            status = response.status
    except urllib.error.HTTPError as error:
        return f"the webhook {where} answered HTTP {error.code} {error.reason}"
    except urllib.error.URLError as error:
        return f"the webhook {where} could not be reached: {error.reason}"
    except (TimeoutError, OSError) as error:
        return f"the webhook {where} failed: {error or type(error).__name__}"
    if not 200 <= status < 300:
        return f"the webhook {where} answered HTTP {status}"
    return None


def _shown(url: str) -> str:
    """The URL without its path and query, which often carry a secret token."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
