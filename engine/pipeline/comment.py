"""Posting the plan to the pull request: one comment, updated in place on every push.

Only when GITHUB_TOKEN, GITHUB_REPOSITORY and a pull request number are known (UNDERLAY_PR, or
the event file GitHub Actions writes); elsewhere the outcome just says where the file is.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import EngineError

MARKER = "<!-- underlay:plan -->"
LIMIT = 60_000  # GitHub refuses comments over 65,536 characters
DEFAULT_API = "https://api.github.com"


class CommentError(EngineError):
    """The GitHub API refused or could not be reached."""


@dataclass(frozen=True)
class Target:
    api: str
    repository: str
    number: int
    token: str


@dataclass(frozen=True)
class Outcome:
    posted: bool
    message: str


def target(env: Mapping[str, str]) -> Target | None:
    token, repository = env.get("GITHUB_TOKEN", ""), env.get("GITHUB_REPOSITORY", "")
    number = _pr_number(env)
    if not token or not repository or number is None:
        return None
    return Target(env.get("GITHUB_API_URL", DEFAULT_API).rstrip("/"), repository, number, token)


def _pr_number(env: Mapping[str, str]) -> int | None:
    explicit = env.get("UNDERLAY_PR", "")
    if explicit.isdigit():
        return int(explicit)
    event = env.get("GITHUB_EVENT_PATH", "")
    if not event or not Path(event).is_file():
        return None
    number = json.loads(Path(event).read_text(encoding="utf-8")).get("pull_request", {}).get(
        "number"
    )
    return number if isinstance(number, int) else None


def body(text: str) -> str:
    if len(text) > LIMIT:
        text = text[:LIMIT] + "\n\n... (truncated: the whole plan is in the workflow's artifacts)\n"
    return f"{MARKER}\n{text}"


def post(file: Path, text: str, env: Mapping[str, str]) -> Outcome:
    """Post `text` (the content of `file`, as the caller had it redacted) to the PR."""
    where = target(env)
    if where is None:
        return Outcome(False, f"not a pull request build: the plan is in {file}")
    existing = _find(where)
    payload = {"body": body(text)}
    if existing is None:
        _call(where, "POST", f"issues/{where.number}/comments", payload)
        return Outcome(True, f"posted the plan to pull request #{where.number}")
    _call(where, "PATCH", f"issues/comments/{existing}", payload)
    return Outcome(True, f"updated the plan comment on pull request #{where.number}")


def _find(where: Target) -> int | None:
    comments = _call(where, "GET", f"issues/{where.number}/comments?per_page=100")
    for comment in comments if isinstance(comments, list) else []:
        if str(comment.get("body", "")).startswith(MARKER):
            return int(comment["id"])
    return None


def _call(where: Target, method: str, path: str, payload: dict[str, str] | None = None) -> Any:
    url = f"{where.api}/repos/{where.repository}/{path}"
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {where.token}",
        "Accept": "application/vnd.github+json",
        "Content-Type": "application/json",
    })
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except OSError as exc:
        raise CommentError(f"GitHub API {method} {path}: {exc}") from exc
