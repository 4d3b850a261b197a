"""Drift accepted into YAML: changes computed against a real repository, written with ruamel,
checked with `git diff` and by validating the repository again."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine.load.reader import read_file
from engine.model.layout import Inventory
from engine.onboard.yamledit import (
    MISSING,
    FieldChange,
    apply_changes,
    object_changes,
    render_changes,
)
from engine.validate import validate
from tests.conftest import REPO_ROOT

GIT = ["git", "-c", "user.name=tests", "-c", "user.email=tests@example.com"]
LEAF = "fra1-leaf01"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The sample's inventory in a fresh git repository of one commit."""
    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "inventory", root / "inventory")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "sample"]):
        subprocess.run([*GIT, *args], cwd=root, check=True)
    return root


def _inventory(root: Path) -> Inventory:
    result = validate(root)
    assert result.ok, [str(d) for d in result.diagnostics]
    return result.inventory


def _fields(inventory: Inventory, name: str) -> dict[str, Any]:
    obj = inventory.node(name)
    assert obj is not None
    return obj.model_dump(mode="json", exclude_none=True)


def _changes(root: Path, name: str, live: dict[str, Any]) -> list[FieldChange]:
    inventory = _inventory(root)
    obj = inventory.node(name)
    assert obj is not None
    kind = "devices" if name in inventory.devices else "servers"
    groups = [(group, inventory.groups[group]) for group in obj.groups]
    file = root / "inventory" / kind / f"{name}.yaml"
    return object_changes(file, _fields(inventory, name), live, groups)


def _diff(root: Path) -> list[str]:
    """The changed lines of the work tree, `-` and `+`, without git's headers."""
    out = subprocess.run(
        ["git", "diff", "--unified=0", "--no-color"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        line
        for line in out.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def _live(root: Path, name: str = LEAF) -> dict[str, Any]:
    return copy.deepcopy(_fields(_inventory(root), name))


def test_no_drift_no_change(repo: Path) -> None:
    for name in (LEAF, "fra1-app01"):
        assert _changes(repo, name, _live(repo, name)) == []
    assert apply_changes([]) == []
    assert _diff(repo) == []


def test_description_changed_in_place(repo: Path) -> None:
    live = _live(repo)
    live["interfaces"]["eth2"]["description"] = "to fra1-spine02:eth1 (temporary)"
    changes = _changes(repo, LEAF, live)
    assert [(c.path, c.old, c.new, c.via) for c in changes] == [
        (
            ("interfaces", "eth2", "description"),
            "to fra1-spine02:eth1",
            "to fra1-spine02:eth1 (temporary)",
            None,
        )
    ]
    assert apply_changes(changes) == [repo / "inventory/devices/fra1-leaf01.yaml"]
    assert _diff(repo) == [
        '-    description: "to fra1-spine02:eth1"',
        '+    description: "to fra1-spine02:eth1 (temporary)"',  # the old value's quotes kept
    ]


def test_inherited_value_becomes_an_override(repo: Path) -> None:
    live = _live(repo)
    live["ntp"] = {"servers": ["198.18.0.5"]}
    live["dns"]["domain"] = "lab.northwind.example"
    changes = _changes(repo, LEAF, live)
    assert {(c.path, c.via) for c in changes} == {
        (("ntp", "servers"), "org-baseline"),
        (("dns", "domain"), "org-baseline"),
    }
    apply_changes(changes)
    assert _diff(repo) == [
        "+ntp:",
        "+  servers: [198.18.0.5]",
        "+dns:",
        "+  domain: lab.northwind.example",
    ]
    assert "198.18.0.6" in (repo / "inventory/groups.yaml").read_text()  # the group untouched
    after = _inventory(repo)
    assert _fields(after, LEAF) == live
    assert after.devices["fra1-leaf02"].ntp == _inventory(REPO_ROOT).devices["fra1-leaf02"].ntp


def test_inherited_value_absent_on_the_device_is_null(repo: Path) -> None:
    live = _live(repo)
    del live["banner"]
    changes = _changes(repo, LEAF, live)
    assert [(c.path, c.new, c.via) for c in changes] == [(("banner",), None, "org-baseline")]
    apply_changes(changes)
    assert _diff(repo) == ["+banner: null"]
    assert _inventory(repo).devices[LEAF].banner is None


def test_banner_is_a_block_scalar(repo: Path) -> None:
    live = _live(repo)
    live["banner"] = "Authorised access only\nfra1 lab\n"
    apply_changes(_changes(repo, LEAF, live))
    assert _diff(repo) == ["+banner: |", "+  Authorised access only", "+  fra1 lab"]
    assert _inventory(repo).devices[LEAF].banner == live["banner"]


def test_keyed_neighbors(repo: Path) -> None:
    live = _live(repo)
    neighbors = live["bgp"]["neighbors"]
    neighbors[1]["description"] = "fra1-spine02 (rma)"
    del neighbors[0]
    neighbors.append({"address": "198.18.1.99", "remote_as": 65099})
    changes = _changes(repo, LEAF, live)
    assert [(c.label, c.new is MISSING) for c in changes] == [
        ("bgp.neighbors[198.18.1.8].description", False),
        ("bgp.neighbors[198.18.1.99]", False),
        ("bgp.neighbors[198.18.1.0]", True),
    ]
    apply_changes(changes)
    assert _diff(repo) == [
        "-    - address: 198.18.1.0",
        "-      remote_as: 65001",
        "-      description: fra1-spine01",
        "-      description: fra1-spine02",
        "+      description: fra1-spine02 (rma)",
        "+    - address: 198.18.1.99",
        "+      remote_as: 65099",
    ]
    # validate would refuse 198.18.1.99 (no connected subnet): the file is read back instead
    after = read_file(repo / "inventory/devices/fra1-leaf01.yaml", "leaf").data
    assert after["bgp"]["neighbors"] == [neighbors[0], neighbors[1]]


def test_own_key_removed_with_its_comments(repo: Path) -> None:
    file = repo / "inventory/devices/fra1-leaf01.yaml"
    text = file.read_text().replace(
        "  eth3:\n",
        "  # cabled ports\n\n  # to the hypervisor\n  eth3:  # rack B03\n    # jumbo frames\n",
    )
    text = text.replace("bgp:\n", "# the underlay\nbgp:\n")
    file.write_text(text)
    subprocess.run([*GIT, "commit", "-qam", "comments"], cwd=repo, check=True)
    live = _live(repo)
    del live["interfaces"]["eth3"]
    changes = _changes(repo, LEAF, live)
    assert [(c.path, c.new) for c in changes] == [(("interfaces", "eth3"), MISSING)]
    apply_changes(changes)
    assert _diff(repo) == [
        "-  # to the hypervisor",
        "-  eth3:  # rack B03",
        "-    # jumbo frames",
        '-    description: "to fra1-hv01:eth1"',
        "-    mtu: 9000",
        "-    ipv4: 198.18.2.0/31",
    ]
    assert "ipv4: 198.18.1.9/31\n  # cabled ports\n\n# the underlay\nbgp:\n" in file.read_text()


def test_new_key_after_its_predecessor_in_the_models(repo: Path) -> None:
    file = repo / "inventory/devices/fra1-leaf01.yaml"
    file.write_text(file.read_text().replace("bgp:\n", "# the underlay\nbgp:\n"))
    subprocess.run([*GIT, "commit", "-qam", "comment"], cwd=repo, check=True)
    live = _live(repo)
    live["tags"] = ["fabric", "frr", "bgp", "rack-b03"]
    live["interfaces"]["eth4"] = {"enabled": False}
    live["serial"] = "EC2143009999"
    apply_changes(_changes(repo, LEAF, live))
    assert _diff(repo) == [
        "-serial: EC2143002107",
        "+serial: EC2143009999",
        "+  eth4:",
        "+    enabled: false",
        "+tags: [fabric, frr, bgp, rack-b03]",
    ]
    text = file.read_text()
    assert "tags: [fabric, frr, bgp, rack-b03]\n# the underlay\nbgp:\n" in text
    # the models' order: tags follows interfaces (no key between them in this file)
    assert text.index("interfaces:") < text.index("tags:") < text.index("bgp:")
    assert _fields(_inventory(repo), LEAF) == live


def test_every_object_file_keeps_its_bytes(repo: Path) -> None:
    files = sorted((repo / "inventory").glob("*/*.yaml"))
    assert len(files) == 18
    changes = [FieldChange(f, ("name",), f.stem, f.stem) for f in files]
    assert apply_changes(changes) == files
    assert _diff(repo) == []


def test_render_changes() -> None:
    leaf, app = Path("inventory/devices/r1.yaml"), Path("inventory/servers/a1.yaml")
    changes = [
        FieldChange(app, ("banner",), "Hi\n", MISSING),
        FieldChange(
            leaf,
            ("ntp", "servers"),
            ["198.18.0.5", "198.18.0.6"],
            ["198.18.0.5"],
            via="org-baseline",
        ),
        FieldChange(
            leaf,
            ("bgp", "neighbors", 2),
            MISSING,
            {"address": "198.18.1.9", "remote_as": 65009},
            where="bgp.neighbors[198.18.1.9]",
        ),
        FieldChange(leaf, ("interfaces", "eth1", "enabled"), True, False),
    ]
    assert render_changes(changes) == (
        "inventory/devices/r1.yaml\n"
        "  ntp.servers (overrides group org-baseline)\n"
        "    - [198.18.0.5, 198.18.0.6]\n"
        "    + [198.18.0.5]\n"
        "  bgp.neighbors[198.18.1.9]\n"
        "    - (not set)\n"
        "    + address: 198.18.1.9\n"
        "    + remote_as: 65009\n"
        "  interfaces.eth1.enabled\n"
        "    - true\n"
        "    + false\n"
        "inventory/servers/a1.yaml\n"
        "  banner\n"
        "    - Hi\n"
        "    + (not set)\n"
    )
    assert render_changes([]) == ""
