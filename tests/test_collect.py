"""Collection without devices: the Nornir inventory built from the models, the lab guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli.lab_plug import credential_store
from engine.collect.hosts import nornir_inventory
from engine.collect.task import CONNECTION
from engine.lab import LabNotUpError
from engine.secrets import CredentialStore
from engine.validate import validate
from tests.conftest import REPO_ROOT


def test_nornir_inventory_from_models(tmp_path: Path) -> None:
    inventory = validate(REPO_ROOT).inventory
    env = {
        "UNDERLAY_CREDENTIALS_LAB_USERNAME": "netops",
        "UNDERLAY_CREDENTIALS_LAB_KEY_FILE": "/keys/netops",
        "UNDERLAY_SECRETS_FILE": str(tmp_path / "none.yaml"),
    }
    store = CredentialStore(REPO_ROOT, inventory, env=env)
    nornir = nornir_inventory(inventory, ["fra1-leaf01", "fra1-db01"], store, timeout=7)
    leaf = nornir.hosts["fra1-leaf01"]
    assert (leaf.hostname, leaf.port, leaf.platform, leaf.username) == (
        str(inventory.devices["fra1-leaf01"].management.address),
        22,
        "frr",
        "netops",
    )
    options = leaf.get_connection_parameters(CONNECTION)
    assert options.extras == {
        "key_file": "/keys/netops",
        "timeout": 7,
        "netns": None,
        "known_hosts": (str(REPO_ROOT / "inventory/known_hosts"),),
    }
    assert [g.name for g in nornir.hosts["fra1-db01"].groups] == ["platform:linux", "site:fra1"]
    assert nornir.hosts["fra1-db01"].data == {"kind": "server"}


def test_lab_guard_before_any_contact(tmp_path: Path) -> None:
    inventory = validate(REPO_ROOT).inventory
    with pytest.raises(LabNotUpError, match=r"the lab is not running: run `underlay lab up`"):
        credential_store(REPO_ROOT, inventory, tmp_path / "no-lab").resolve("lab")
