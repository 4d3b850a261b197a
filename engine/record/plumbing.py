"""Git plumbing for the audit store: write objects and move one ref, never the work tree.

Objects are written in-process as loose objects (blobs, trees and commits serialised here, as
git does; gitpython's odb would start a `git hash-object` per object). The ref moves with
`git update-ref NEW OLD`, an atomic compare-and-swap, so two writers never lose each other's
record. Bulk reads go through one `git cat-file --batch` process. Nothing here touches the
index, the work tree or HEAD.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

import git
from git.objects.fun import tree_to_stream

from engine.errors import EngineError

ZERO = "0" * 40
BLOB_MODE, TREE_MODE = 0o100644, 0o040000


class GitError(EngineError):
    """git itself failed (not a repository, a corrupt object, a failed command)."""


class RefMoved(GitError):
    """The ref is no longer where the writer read it: someone else appended first."""


@dataclass(frozen=True)
class TreeEntry:
    name: str
    mode: int
    sha: str  # hex

    def sort_key(self) -> bytes:
        """git orders tree entries by name, a sub-tree's name as if it ended in '/'."""
        return self.name.encode() + (b"/" if self.mode == TREE_MODE else b"")


@dataclass(frozen=True)
class CommitMeta:
    sha: str
    parents: tuple[str, ...]
    message: str


def open_repo(path: Path) -> git.Repo:
    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{path}: not a git repository (the audit trail lives in git)") from None


def run(repo: git.Repo, *args: str, stdin: bytes | None = None, check: bool = True) -> bytes:
    proc = subprocess.run(
        ["git", "--git-dir", repo.git_dir, *args],
        input=stdin,
        capture_output=True,
        check=False,
    )
    if check and proc.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def write_object(repo: git.Repo, kind: str, data: bytes) -> str:
    """A loose object, written in-process the way git does (zlib, temp file, rename); one that
    exists already is not written again."""
    body = f"{kind} {len(data)}\0".encode() + data
    sha = hashlib.sha1(body, usedforsecurity=False).hexdigest()
    target = Path(repo.git_dir, "objects", sha[:2], sha[2:])
    if not target.exists():
        target.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix="tmp_obj_")
        with os.fdopen(fd, "wb") as out:
            out.write(zlib.compress(body, 1))
        Path(tmp).chmod(0o444)
        Path(tmp).replace(target)
    return sha


def write_blob(repo: git.Repo, text: str) -> str:
    return write_object(repo, "blob", text.encode())


def write_tree(repo: git.Repo, entries: Iterable[TreeEntry]) -> str:
    buffer = BytesIO()
    ordered = sorted(entries, key=TreeEntry.sort_key)
    tree_to_stream([(bytes.fromhex(e.sha), e.mode, e.name) for e in ordered], buffer.write)
    return write_object(repo, "tree", buffer.getvalue())


def write_commit(
    repo: git.Repo, tree: str, parent: str | None, who: str, when: datetime, message: str
) -> str:
    """`who` is 'Name <email>'; author and committer are the same."""
    stamp = f"{who} {int(when.timestamp())} +0000"
    head = [f"tree {tree}", *([f"parent {parent}"] if parent else [])]
    text = "\n".join([*head, f"author {stamp}", f"committer {stamp}", "", message])
    return write_object(repo, "commit", text.encode())


def read_tree(repo: git.Repo, sha: str) -> dict[str, TreeEntry]:
    """The entries of a tree object, by name."""
    tree = repo.tree(sha)
    return {
        name: TreeEntry(name, mode, binsha.hex())
        for binsha, mode, name in tree._cache  # gitpython's parsed entries
    }


def resolve(repo: git.Repo, ref: str) -> str | None:
    out = run(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return out.decode().strip() or None


def update_ref(repo: git.Repo, ref: str, new: str, old: str | None, reason: str) -> None:
    """Move `ref` to `new` only if it is still at `old` (None: only if it does not exist)."""
    proc = subprocess.run(
        ["git", "--git-dir", repo.git_dir, "update-ref", "-m", reason, ref, new, old or ZERO],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        locked = b".lock" in proc.stderr  # another writer is moving it right now
        if locked or resolve(repo, ref) != old:
            raise RefMoved(f"{ref} moved while a record was being written")
        raise GitError(f"git update-ref {ref}: {proc.stderr.decode(errors='replace').strip()}")


def first_parent_log(repo: git.Repo, ref: str) -> list[CommitMeta]:
    """Commits of `ref` along first parents, oldest first, with their parents and messages."""
    out = run(repo, "log", "--first-parent", "--reverse", "--format=%H %P%x00%B%x00", ref)
    metas = []
    fields = out.decode(errors="replace").split("\0")
    for head, message in zip(fields[0::2], fields[1::2], strict=False):
        shas = head.strip().split()
        metas.append(CommitMeta(shas[0], tuple(shas[1:]), message))
    return metas


def cat_files(repo: git.Repo, names: Sequence[str]) -> Iterator[bytes | None]:
    """Contents of objects named like `<commit>:<path>`, in order; None where there is none."""
    if not names:
        return
    out = run(repo, "cat-file", "--batch", stdin="".join(f"{n}\n" for n in names).encode())
    pos = 0
    for _ in names:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if header[-1] == b"missing" or len(header) != 3:
            pos = end + 1
            yield None
            continue
        size = int(header[2])
        yield out[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1


def trailers(message: str) -> dict[str, list[str]]:
    """`Key: value` lines of a commit message's last paragraph. Example:
    trailers("Fix\\n\\nReviewed-by: Bob <b@x>") -> {"Reviewed-by": ["Bob <b@x>"]}"""
    last = message.strip().split("\n\n")[-1]
    found: dict[str, list[str]] = {}
    for line in last.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key and " " not in key.strip():
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def fields(values: Mapping[str, list[str]], key: str) -> str | None:
    found = values.get(key)
    return found[0] if found else None
