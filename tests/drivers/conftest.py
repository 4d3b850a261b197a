"""The driver contract suite runs against the converged sample lab, built once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.drivers.samplelab import SampleLab, sample_lab


@pytest.fixture(scope="module")
def lab_devices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleLab]:
    with sample_lab(tmp_path_factory) as built:
        yield built
