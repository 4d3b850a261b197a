"""Interface names per platform (engine.model.ifnames): each platform's real names are accepted,
abbreviations map to the platform's own spelling, and a wrong name says what one looks like."""

from __future__ import annotations

import pytest

from engine.model.ifnames import PLATFORMS, canonical, key, problem, resolve

REAL = {
    "frr": ["eth0", "eth1.100", "bond0", "br0", "vlan10", "lo", "ens3"],
    "linux": ["eth0", "enp3s0f1", "bond0.200", "lo"],
    "ios": ["GigabitEthernet0/0/1", "GigabitEthernet0/0/1.100", "TenGigabitEthernet1/0/1",
            "HundredGigE1/0/49", "Port-channel10", "Port-channel10.20", "Vlan10", "Loopback0",
            "Tunnel1", "GigabitEthernet0", "Serial0/0/0:0"],
    "iosxr": ["HundredGigE0/0/0/1", "TenGigE0/0/0/2.200", "Bundle-Ether10", "Bundle-Ether10.5",
              "Loopback0", "MgmtEth0/RP0/CPU0/0", "BVI10", "GigabitEthernet0/0/0/0"],
    "nxos_ssh": ["Ethernet1/1", "Ethernet1/2.300", "Ethernet1/1/4", "port-channel10", "Vlan10",
                 "loopback0", "mgmt0", "nve1"],
    "eos": ["Ethernet1", "Ethernet49/1", "Ethernet1.100", "Port-Channel10", "Vlan10",
            "Loopback0", "Management1", "Vxlan1"],
    "junos": ["ge-0/0/0", "ge-0/0/0.0", "xe-0/0/1.100", "et-0/0/48:1", "ae0", "ae0.0", "irb.10",
              "lo0.0", "fxp0", "em0", "me0"],
}
ABBREVIATED = [
    ("ios", "Gi0/1", "GigabitEthernet0/1"),
    ("ios", "gi0/0/1.100", "GigabitEthernet0/0/1.100"),
    ("ios", "Te1/0/1", "TenGigabitEthernet1/0/1"),
    ("ios", "Hu1/0/49", "HundredGigE1/0/49"),
    ("ios", "Po10", "Port-channel10"),
    ("ios", "Vl10", "Vlan10"),
    ("ios", "Lo0", "Loopback0"),
    ("iosxr", "Te0/0/0/0", "TenGigE0/0/0/0"),
    ("iosxr", "Hu0/0/0/1.100", "HundredGigE0/0/0/1.100"),
    ("iosxr", "BE10", "Bundle-Ether10"),
    ("iosxr", "Mg0/RP0/CPU0/0", "MgmtEth0/RP0/CPU0/0"),
    ("nxos_ssh", "Eth1/1", "Ethernet1/1"),
    ("nxos_ssh", "Po10", "port-channel10"),
    ("nxos_ssh", "Lo0", "loopback0"),
    ("eos", "Et1", "Ethernet1"),
    ("eos", "Et49/1.100", "Ethernet49/1.100"),
    ("eos", "Po10", "Port-Channel10"),
    ("eos", "Ma1", "Management1"),
]
WRONG = [
    ("frr", "GigabitEthernet0/1"),
    ("frr", "averyveryverylongname0"),
    ("ios", "ge-0/0/0"),
    ("iosxr", "GigabitEthernet0/1"),
    ("nxos_ssh", "ge-0/0/0"),
    ("eos", "GigabitEthernet0/1"),
    ("junos", "Gi0/1"),
    ("junos", "eth0"),
]


@pytest.mark.parametrize(("platform", "name"), [(p, n) for p, ns in REAL.items() for n in ns])
def test_real_names_are_accepted_as_they_are(platform: str, name: str) -> None:
    assert problem(platform, name) is None
    assert canonical(platform, name) == name


@pytest.mark.parametrize(("platform", "short", "full"), ABBREVIATED)
def test_abbreviations_name_the_same_port(platform: str, short: str, full: str) -> None:
    assert canonical(platform, short) == full
    assert key(platform, short) == key(platform, full)
    assert problem(platform, short) is None
    assert resolve(platform, short, {full: object(), "other0": object()}) == full


@pytest.mark.parametrize(("platform", "name"), WRONG)
def test_a_wrong_name_shows_what_names_look_like(platform: str, name: str) -> None:
    message = problem(platform, name)
    assert message is not None
    assert f"{name!r} is not an interface name on {platform}" in message
    assert PLATFORMS[platform].examples[0] in message


def test_linux_and_junos_names_compare_exactly() -> None:
    assert resolve("frr", "Eth1", {"eth1"}) is None
    assert resolve("junos", "GE-0/0/0", {"ge-0/0/0"}) is None
    assert resolve("frr", "eth1", {"eth1"}) == "eth1"
