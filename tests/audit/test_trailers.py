"""The one trailer parser (engine.record.plumbing.trailers) reads messages exactly as git does:
each message is also given to `git interpret-trailers --parse`, and both must agree."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from engine.record.plumbing import Trailers, trailers

CASES = [
    "Fix the banner\n\nReviewed-by: Bob <b@x>\nApproved-by: Carol <c@x>\n",
    "Fix\n\nreviewed-by:Bob\nAPPROVED-BY : Carol\n",  # any case, blanks before ":", none after
    "Reviewed-by: Bob <b@x>\n",  # the title is never a trailer
    "leaf01: drop the baseline\n",
    "Fix\n\nReviewed-by: Bob\nnot a trailer line\n",  # a block must be all trailers...
    "Fix\n\nSigned-off-by: Al <a@x>\nfree text\nmore text\nReviewed-by: Bob\n",  # ...or 1/4 of
    # them with one git writes itself
    "Fix\n\nKey word: no\nReviewed-by: Bob\n",  # a token is one word
    "Fix\n\nReviewed-by: Bob\n  and Carol\n\tand Dan\n",  # folded values are unfolded
    "Fix\n\nReviewed-by: Bob\n# a comment\nApproved-by: Carol\n",
    "Fix\n\nReviewed-by: Bob\n---\nApproved-by: not in the message, in the patch\n",
    "Fix\n\nReviewed-by: Bob\n\n# trailing comment\n\n",
    "Fix\n\nReviewed-by: Bob\n\nConflicts:\n\tfile.txt\n",
    "Fix\n\nReviewed-by: Bob\n# ------------------------ >8 ------------------------\nX: y\n",
    "Fix\n\nReviewed-by:\nhttp://example.com/x\n",  # empty values, URLs: as git reads them
    "Fix\n\nReviewed-by: Bob\n\nApproved-by: Carol\n",  # only the last paragraph
    "underlay audit: apply finished at 0123456789ab (2 confirmed)\n\nRecord: apply-1\n"
    "Record-Seq: 0\nRecord-Hash: 5e1f\nPrevious: none\n",
]
PIECES = [
    "Fix the thing", "", "Reviewed-by: Bob <b@x>", "reviewed-by:Carol", "Approved-By : Dan",
    "Key word: no", " continued here", "\tcontinued tab", "# a comment",
    "Signed-off-by: Al <a@x>", "(cherry picked from commit abc)", "free text line", "---",
    "--- ", "diff --git a b", "Conflicts:", "\tfile.txt", "http://example.com", "Key:",
    ":nokey", "-: dash", "X-Y-Z: v", "Ke_y: underscore", "a:b:c", "  ", "\r",
]


def _random_messages(count: int) -> list[str]:
    rng = random.Random(12)
    return [
        "\n".join(rng.choice(PIECES) for _ in range(rng.randint(1, 9))) + rng.choice(["", "\n"])
        for _ in range(count)
    ]


def _git(message: str, home: Path) -> str:
    env = os.environ | {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": ""}
    done = subprocess.run(
        ["git", "interpret-trailers", "--parse"],
        input=message.encode(), env=env, capture_output=True, check=True, timeout=10,
    )
    return done.stdout.decode()


@pytest.mark.parametrize("message", CASES + _random_messages(300))
def test_trailers_are_read_as_git_reads_them(message: str, tmp_path: Path) -> None:
    ours = "".join(f"{key}: {value}\n" for key, value in trailers(message).items)
    assert ours == _git(message, tmp_path)


def test_keys_compare_in_any_case_and_trailers_add_up() -> None:
    commit = trailers("Fix\n\nreviewed-by: Bob\nReviewed-By: Carol\n")
    merge = trailers("Merge\n\nAPPROVED-BY: Dan\n")
    both = commit + merge
    assert both.all("Reviewed-by") == ("Bob", "Carol")
    assert both.first("approved-by") == "Dan" and both.first("Signed-off-by") is None
    assert trailers("Reviewed-by: Bob") == Trailers()
