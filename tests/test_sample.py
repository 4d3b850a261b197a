"""The sample organisation: clean, realistic, and inside the lab's address range."""

from __future__ import annotations

from datetime import date
from ipaddress import IPv4Network, ip_address, ip_interface

import pytest

from engine.model.inventory import Platform, ServerKind, ServerRole
from engine.validate import ValidationResult, validate
from tests.conftest import REPO_ROOT

LAB_RANGE = IPv4Network("198.18.0.0/15")
TODAY = date(2026, 11, 27)  # the sample's contract dates are written against this day


@pytest.fixture(scope="module")
def sample() -> ValidationResult:
    return validate(REPO_ROOT)


def test_sample_validates_cleanly(sample: ValidationResult) -> None:
    assert [str(d.pos) + " " + d.message for d in sample.diagnostics] == []


def test_sample_is_a_mid_size_company(sample: ValidationResult) -> None:
    inv = sample.inventory
    frr = [d for d in inv.devices.values() if d.platform is Platform.FRR]
    assert len(inv.sites) >= 2 and len(frr) >= 8
    assert len(inv.servers) >= 6 and len(inv.vendors) >= 3 and len(inv.slas) >= 3
    assert len(inv.contracts) >= 5 and len(inv.services) >= 4
    kinds = {s.kind for s in inv.servers.values()}
    assert kinds == {ServerKind.PHYSICAL, ServerKind.VIRTUAL}
    assert any(s.role is ServerRole.HYPERVISOR for s in inv.servers.values())
    assert all(s.backup and s.dr and s.patching for s in inv.servers.values())


def test_every_link_is_ebgp_over_a_cable_or_circuit(sample: ValidationResult) -> None:
    inv = sample.inventory
    ends = [(c.a, c.b) for c in inv.cables] + [(c.a, c.b) for c in inv.circuits.values()]
    cabled = {(e.device, e.port) for pair in ends for e in pair}
    for name, device in inv.devices.items():
        assert device.bgp is not None, name
        for port, itf in device.interfaces.items():
            if port != "lo" and itf.ipv4 is not None:
                assert (name, port) in cabled, f"{name}:{port} has an address but no link"


def test_the_sites_are_joined_by_a_provider_circuit(sample: ValidationResult) -> None:
    inv = sample.inventory
    sites = {
        frozenset(inv.devices[e.device].site for e in (c.a, c.b) if e.device)
        for c in inv.circuits.values()
    }
    assert frozenset({"fra1", "fra2"}) in sites


def test_contract_dates_show_renewal_and_expiry(sample: ValidationResult) -> None:
    ends = [c.ends for c in sample.inventory.contracts.values()]
    assert any(TODAY < e <= date.fromordinal(TODAY.toordinal() + 60) for e in ends)
    assert any(e < TODAY for e in ends)


def test_every_address_is_in_the_lab_range() -> None:
    """Lab safety: the sample organisation uses only 198.18.0.0/15."""
    found = 0
    for path in (REPO_ROOT / "inventory").rglob("*.yaml"):
        for word in path.read_text().replace(",", " ").replace("[", " ").replace("]", " ").split():
            try:
                addr = ip_interface(word).ip if "/" in word else ip_address(word)
            except ValueError:
                continue
            found += 1
            assert addr in LAB_RANGE, f"{path}: {word}"
    assert found > 100


def test_management_addresses_in_the_management_lan(sample: ValidationResult) -> None:
    nodes = [*sample.inventory.devices.values(), *sample.inventory.servers.values()]
    assert all(n.management.address in IPv4Network("198.18.0.0/24") for n in nodes)
