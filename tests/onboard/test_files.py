"""Managed files -> inventory fields: every sample object round-trips, variants leave notes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from engine.model.inventory import Device, Server
from engine.model.layout import Inventory
from engine.onboard.files import FilesParsed, parse_files
from engine.render import render
from engine.validate import validate
from tests.conftest import REPO_ROOT

FIELDS = ("ntp", "syslog", "dns", "banner", "users")
CHRONY = "/etc/chrony/chrony.conf"
RESOLV = "/etc/resolv.conf"
ISSUE = "/etc/issue.net"
SSHD = "/etc/ssh/sshd_config.d/90-underlay.conf"
NETOPS = "/etc/ssh/authorized_keys/netops"


@pytest.fixture(scope="module")
def sample() -> Inventory:
    result = validate(REPO_ROOT)
    assert result.ok
    return result.inventory


def _names(sample: Inventory) -> list[str]:
    return sorted([*sample.devices, *sample.servers])


def _files(sample: Inventory, name: str) -> dict[str, str | None]:
    return dict(render(sample, name).files)


def _with_fields(sample: Inventory, name: str, fields: dict[str, Any]) -> Inventory:
    """The sample with `name`'s five fields replaced by `fields` (the others kept)."""
    obj = sample.node(name)
    assert obj is not None
    data = obj.model_dump(exclude=set(FIELDS)) | fields
    if isinstance(obj, Device):
        devices = {**sample.devices, name: Device.model_validate(data)}
        return dataclasses.replace(sample, devices=devices)
    servers = {**sample.servers, name: Server.model_validate(data)}
    return dataclasses.replace(sample, servers=servers)


def test_every_sample_object_round_trips(sample: Inventory) -> None:
    names = _names(sample)
    assert len(names) == 18
    for name in names:
        obj = sample.node(name)
        assert obj is not None
        files = _files(sample, name)
        parsed = parse_files(files)
        effective = obj.model_dump(mode="json", include=set(FIELDS), exclude_none=True)
        assert parsed.fields == effective, name
        assert parsed.notes == (), name
        kind = "device" if name in sample.devices else "server"
        assert parsed.source == sample.pos(kind, name).path == f"inventory/{kind}s/{name}.yaml"
        again = render(_with_fields(sample, name, parsed.fields), name).files
        assert again == files, name


def test_fields_are_plain_values(sample: Inventory) -> None:
    fields = parse_files(_files(sample, "fra1-app01")).fields
    assert set(fields) == set(FIELDS)
    assert fields["banner"].endswith("*\n")
    assert fields["users"]["sysadmin"]["role"] == "admin"
    assert fields["users"]["monitoring"]["role"] == "read-only"
    assert all(type(s) is str for s in fields["dns"]["servers"])


def _notes(parsed: FilesParsed, path: str) -> list[str]:
    return [n for n in parsed.notes if n.startswith(path)]


def test_chrony_pool_and_foreign_file(sample: Inventory) -> None:
    files = _files(sample, "fra1-leaf01")
    files[CHRONY] = "pool 2.debian.pool.org iburst\nserver 198.18.0.5\nmakestep 1.0 3\n"
    parsed = parse_files(files)
    assert parsed.fields["ntp"] == {"servers": ["198.18.0.5"]}
    notes = _notes(parsed, CHRONY)
    assert f"{CHRONY}: no underlay header: written by hand or by another tool" in notes
    assert any(n.startswith(f"{CHRONY}:1: `pool 2.debian.pool.org iburst`") for n in notes)
    assert f"{CHRONY}: the next apply adds `server 198.18.0.5 iburst`" in notes
    assert f"{CHRONY}: the next apply adds `rtcsync`" in notes
    assert not any("makestep" in n for n in notes)  # reproduced, so no note


def test_resolv_options_and_second_search_domain(sample: Inventory) -> None:
    files = _files(sample, "fra1-app01")
    text = files[RESOLV] or ""
    files[RESOLV] = (
        text.replace("search corp.northwind.example", "search corp.northwind.example lab.example")
        + "options rotate\nnameserver 2001:db8::53\n"
    )
    parsed = parse_files(files)
    assert parsed.fields["dns"] == {
        "servers": ["198.18.0.8", "198.18.0.9"],
        "domain": "corp.northwind.example",
    }
    notes = _notes(parsed, RESOLV)
    assert any("`options rotate`" in n and "removes" in n for n in notes)
    assert any("`nameserver 2001:db8::53`" in n for n in notes)
    assert any("`search corp.northwind.example lab.example`" in n for n in notes)
    assert f"{RESOLV}: the next apply adds `search corp.northwind.example`" in notes


def test_sshd_drop_in_that_differs(sample: Inventory) -> None:
    files = _files(sample, "fra1-web01")
    files[SSHD] = (files[SSHD] or "").replace("MaxAuthTries 3", "MaxAuthTries 6")
    parsed = parse_files(files)
    assert parsed.fields["banner"] == files[ISSUE]
    assert any("`MaxAuthTries 6` is not written" in n for n in _notes(parsed, SSHD))
    assert f"{SSHD}: the next apply adds `MaxAuthTries 3`" in parsed.notes


def test_absent_sshd_drop_in_is_written_next_time(sample: Inventory) -> None:
    files = _files(sample, "fra1-web01")
    files[SSHD] = None
    assert f"{SSHD}: absent: the next apply writes it" in parse_files(files).notes


def test_user_without_header_is_read_only(sample: Inventory) -> None:
    files = _files(sample, "fra1-leaf01")
    files["/etc/ssh/authorized_keys/alice"] = "ssh-ed25519 AAAAC3Nza alice@laptop\n"
    parsed = parse_files(files)
    assert parsed.fields["users"]["alice"] == {
        "role": "read-only",
        "ssh_keys": ["ssh-ed25519 AAAAC3Nza alice@laptop"],
    }
    assert any("imported as read-only" in n for n in parsed.notes)


def test_key_file_comment_and_unknown_role(sample: Inventory) -> None:
    files = _files(sample, "fra1-leaf01")
    text = (files[NETOPS] or "").replace("(admin)", "(superuser)")
    files[NETOPS] = text + "# added by hand on 2024-03-01\n"
    parsed = parse_files(files)
    assert parsed.fields["users"]["netops"]["role"] == "read-only"
    assert any("`# added by hand on 2024-03-01`" in n for n in _notes(parsed, NETOPS))


def test_banner_without_final_newline(sample: Inventory) -> None:
    files = _files(sample, "fra1-leaf01")
    files[ISSUE] = "Authorised access only"
    parsed = parse_files(files)
    assert parsed.fields["banner"] == "Authorised access only\n"
    assert any(n.startswith(f"{ISSUE}: no newline") for n in parsed.notes)
    again = render(_with_fields(sample, "fra1-leaf01", parsed.fields), "fra1-leaf01")
    assert again.files[ISSUE] == "Authorised access only\n"


def test_banner_keeps_blank_lines_and_trailing_newlines(sample: Inventory) -> None:
    files = _files(sample, "fra1-leaf01")
    files[ISSUE] = "\n  Authorised access only\n\n"
    parsed = parse_files(files)
    assert parsed.fields["banner"] == files[ISSUE]
    assert parsed.notes == ()
    again = render(_with_fields(sample, "fra1-leaf01", parsed.fields), "fra1-leaf01")
    assert again.files[ISSUE] == files[ISSUE]


def test_header_naming_another_file(sample: Inventory) -> None:
    files = _files(sample, "fra1-leaf01")
    parsed = parse_files(files, source="inventory/devices/leaf01.yaml")
    assert parsed.source == "inventory/devices/fra1-leaf01.yaml"
    rewritten = [n for n in parsed.notes if "rewrites it" in n]
    assert len(rewritten) == 6  # chrony, resolv, rsyslog, sshd, netops, noc; issue.net has none
    assert not any("adds" in n or "removes" in n for n in parsed.notes)


def test_rsyslog_tcp_and_other_port(sample: Inventory) -> None:
    files = _files(sample, "fra1-leaf01")
    rsyslog = "/etc/rsyslog.d/90-underlay.conf"
    files[rsyslog] = (files[rsyslog] or "").replace("@198.18.0.7:514", "@@198.18.0.7:6514")
    parsed = parse_files(files)
    assert parsed.fields["syslog"] == {"servers": ["198.18.0.7"]}
    assert any("`*.* @@198.18.0.7:6514`" in n for n in _notes(parsed, rsyslog))


def test_nothing_managed_and_stray_paths() -> None:
    parsed = parse_files({RESOLV: "nameserver ::1\n", "/etc/hosts": "127.0.0.1 localhost\n"})
    assert parsed.fields == {}
    assert parsed.source is None
    assert f"{RESOLV}: no field expresses it: underlay leaves it as it is" in parsed.notes
    assert "/etc/hosts: not a file underlay manages: ignored" in parsed.notes
    assert f"{SSHD}: absent: the next apply writes it" in parsed.notes
