"""Fixtures of the command-line tests: the offline sample (tests.cli.offline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.offline import offline_sample


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One offline sample per module: the commands of these tests only read it (drift is
    run with --no-record), so they can share it."""
    return offline_sample(tmp_path_factory.mktemp("offline") / "repo")
