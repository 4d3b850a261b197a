"""Publishing the audit records: push the audit ref to the remote, when there is one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git

from engine.errors import EngineError
from engine.record import REF

AUDIT_REF = REF  # where engine.record keeps the audit records


class PublishError(EngineError):
    """The push was refused or the remote could not be reached."""


@dataclass(frozen=True)
class Published:
    pushed: bool
    message: str


def push_ref(repo: Path, ref: str = AUDIT_REF, remote: str = "origin") -> Published:
    try:
        handle = git.Repo(repo, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return Published(False, f"{repo} is not a git repository: nothing to push")
    if remote not in [r.name for r in handle.remotes]:
        return Published(False, f"no remote {remote!r}: the audit records stay in {ref} locally")
    try:
        handle.git.rev_parse("--verify", "--quiet", ref)
    except git.GitCommandError:
        return Published(False, f"no audit records yet ({ref} does not exist)")
    try:
        handle.git.push(remote, f"{ref}:{ref}")
    except git.GitCommandError as exc:
        raise PublishError(f"git push {remote} {ref}: {exc.stderr.strip()}") from exc
    return Published(True, f"pushed {ref} to {remote}")
