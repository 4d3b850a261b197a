"""Git plumbing for the audit store: write objects and move one ref, never the work tree.

Objects are written in-process as loose objects (blobs, trees and commits serialised here, as
git does; gitpython's odb would start a `git hash-object` per object). The ref moves with
`git update-ref NEW OLD`, an atomic compare-and-swap, so two writers never lose each other's
record. Bulk reads go through one `git cat-file --batch` process. Nothing here touches the
index, the work tree or HEAD. `trailers` is the engine's one reader of commit-message
trailers (Record-Hash here, Reviewed-by / Approved-by for the audit and the report), by git's
own rules.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import GitError

if TYPE_CHECKING:  # gitpython takes 25 ms to import: only where a repository is opened
    import git

ZERO = "0" * 40
BLOB_MODE, TREE_MODE = 0o100644, 0o040000


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
    import git  # noqa: PLC0415 - see TYPE_CHECKING above: a plan opens none

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
    from git.objects.fun import tree_to_stream  # noqa: PLC0415 - see TYPE_CHECKING above

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


# Git's own trailer rules (trailer.c, as `git interpret-trailers --parse` applies them with the
# default configuration: separator ":", comment character "#"). Git's ctype, not Python's.
_SPACE = " \t\n\r"
_TOKEN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_GIT_GENERATED = ("Signed-off-by: ", "(cherry picked from commit ")
_SCISSORS = "# ------------------------ >8 ------------------------\n"


@dataclass(frozen=True)
class Trailers:
    """A commit message's trailers in order; keys compare case-insensitively, as git's do.

    Example: trailers("Fix\\n\\nreviewed-by: Bob <b@x>").all("Reviewed-By") -> ("Bob <b@x>",)
    """

    items: tuple[tuple[str, str], ...] = ()

    def all(self, key: str) -> tuple[str, ...]:
        wanted = key.lower()
        return tuple(value for name, value in self.items if name.lower() == wanted)

    def first(self, key: str) -> str | None:
        found = self.all(key)
        return found[0] if found else None

    def __add__(self, other: Trailers) -> Trailers:
        return Trailers(self.items + other.items)


def trailers(message: str) -> Trailers:
    """The trailers of a commit message, exactly as `git interpret-trailers --parse` reads them:
    the last paragraph (never the title), when all its lines are trailers, or a quarter of them
    with one that git itself writes (Signed-off-by); indented lines continue a value; a patch
    after `---`, trailing comments and an old `Conflicts:` block are not part of the message."""
    lines = _lines(message[: _end_of_message(message)])
    block = lines[_block_start(lines) :]
    return Trailers(tuple(_parsed(block)))


def _lines(text: str) -> list[str]:
    """Lines with their newline (only "\\n" ends a line, as in git)."""
    parts = text.split("\n")
    return [f"{part}\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _end_of_message(text: str) -> int:
    end = len(text)
    at = 0
    for line in _lines(text):
        if line.startswith("---") and line[3:4] != "" and line[3] in _SPACE:
            end = at
            break
        at += len(line)
    return end - _ignored(text, end)


def _ignored(text: str, length: int) -> int:
    """Bytes at the end that are comments, blank lines or an old `Conflicts:` block."""
    cutoff = _scissors(text, length)
    begin, conflicts, at = 0, False, 0
    while at < cutoff:
        newline = text.find("\n", at, length)
        following = length if newline < 0 else newline + 1
        if text[at] in "#\n":
            begin = begin or at
        elif text.startswith("Conflicts:\n", at):
            conflicts, begin = True, begin or at
        elif not (conflicts and text[at] == "\t") and begin:
            begin, conflicts = 0, False
        at = following
    return length - begin if begin else length - cutoff


def _scissors(text: str, length: int) -> int:
    if text.startswith(_SCISSORS):
        return 0
    found = text.find("\n" + _SCISSORS)
    return min(length, found + 1) if found >= 0 else length


def _blank(line: str) -> bool:
    return not line.removesuffix("\n").strip(" \t\r")


def _separator(line: str) -> int:
    """Where the token's ":" is: the token is letters, digits and dashes, then maybe blanks."""
    blanks = False
    for i, char in enumerate(line):
        if char == ":":
            return i
        if not blanks and char in _TOKEN:
            continue
        if i and char in " \t":
            blanks = True
            continue
        return -1
    return -1


def _block_start(lines: list[str]) -> int:
    """Index of the first line of the trailer block (len(lines): there is none)."""
    title = next(
        (i for i, line in enumerate(lines) if not line.startswith("#") and _blank(line)),
        len(lines),
    )
    trailer, other, maybe_continued, recognised, only_blank = 0, 0, 0, False, True
    for i in range(len(lines) - 1, title - 1, -1):
        line = lines[i]
        if line.startswith("#"):
            other, maybe_continued = other + maybe_continued, 0
        elif _blank(line):
            if only_blank:
                continue
            other += maybe_continued
            if (recognised and trailer * 3 >= other) or (trailer and not other):
                return i + 1
            return len(lines)
        elif line.startswith(_GIT_GENERATED):
            only_blank, trailer, maybe_continued, recognised = False, trailer + 1, 0, True
        elif _separator(line) >= 1 and line[0] not in _SPACE:
            only_blank, trailer, maybe_continued = False, trailer + 1, 0
        elif line[0] in _SPACE:
            only_blank, maybe_continued = False, maybe_continued + 1
        else:
            only_blank, other, maybe_continued = False, other + 1 + maybe_continued, 0
    return len(lines)


def _parsed(block: list[str]) -> Iterator[tuple[str, str]]:
    entries: list[str] = []
    continues = False
    for line in block:
        if continues and line[0] in _SPACE:
            entries[-1] += line
            continue
        entries.append(line)
        continues = _separator(line) >= 1
    for entry in entries:
        at = _separator(entry)
        if entry.startswith("#") or at < 1:
            continue
        yield entry[:at].strip(_SPACE), _unfolded(entry[at + 1 :])


def _unfolded(value: str) -> str:
    """Continuation lines joined by one space, as `--unfold` does."""
    return re.sub(r"\n[ \t\n\r]*", " ", value.strip(_SPACE)).strip(_SPACE)
