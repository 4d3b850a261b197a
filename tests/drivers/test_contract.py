"""The driver contract: every driver passes the same tests against the real (converged) lab."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from napalm.base import models
from napalm.base.exceptions import ConnectAuthError as NapalmAuthError

from engine.drivers import (
    CommitConfirmException,
    ConnectAuthError,
    ConnectionException,
    ReplaceConfigException,
    RollbackError,
    UnderlayDriver,
    bundle,
    device,
    get_driver,
)
from engine.render import render
from tests.drivers.samplelab import SampleLab
from tests.drivers.shapes import conforms as napalm_model

pytestmark = pytest.mark.lab

# one node per driver; neither has a brownfield difference (the lab is converged anyway)
NODES = {"frr": "fra1-leaf04", "linux": "fra1-hv01"}
BANNER = "/etc/issue.net"
REVERT_IN = 3


@pytest.fixture(params=sorted(NODES))
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def driver(lab_devices: SampleLab, platform: str) -> Iterator[UnderlayDriver]:
    d = lab_devices.driver(NODES[platform])
    d.open()
    yield d
    d.close()


def _intended(lab_devices: SampleLab, platform: str) -> dict[str, str]:
    return render(lab_devices.inventory, NODES[platform]).artifacts()


def _changed(lab_devices: SampleLab, platform: str) -> dict[str, str]:
    files = _intended(lab_devices, platform)
    files[BANNER] = "changed by the contract test\n"
    if platform == "frr":
        conf = files["/etc/frr/frr.conf"]
        route = "ip route 198.18.251.0/24 Null0\n"
        files["/etc/frr/frr.conf"] = conf.replace("!\nrouter bgp", f"{route}!\nrouter bgp", 1)
    return files


def _load(driver: UnderlayDriver, files: dict[str, str]) -> None:
    driver.load_replace_candidate(config=bundle.encode(files))


# ---------- getters: napalm's shapes -----------------------------------------------------------


def test_facts(driver: UnderlayDriver, platform: str) -> None:
    facts = driver.get_facts()
    assert napalm_model(models.FactsDict, facts)
    assert facts["hostname"] == NODES[platform]
    assert "mgmt0" in facts["interface_list"]


def test_interfaces(driver: UnderlayDriver, lab_devices: SampleLab, platform: str) -> None:
    interfaces = driver.get_interfaces()
    assert interfaces and all(napalm_model(models.InterfaceDict, i) for i in interfaces.values())
    for port in lab_devices.state.node(NODES[platform]).ports:
        assert interfaces[port]["is_up"] and interfaces[port]["is_enabled"]


def test_interfaces_ip(driver: UnderlayDriver, lab_devices: SampleLab, platform: str) -> None:
    found = driver.get_interfaces_ip()
    mgmt = lab_devices.state.node(NODES[platform]).mgmt_ip
    assert found["mgmt0"]["ipv4"][mgmt] == {"prefix_length": 24}
    for families in found.values():
        assert set(families) <= {"ipv4", "ipv6"}
        for table in families.values():
            assert all(napalm_model(models.InterfacesIPDictEntry, e) for e in table.values())


def test_lldp(driver: UnderlayDriver, lab_devices: SampleLab, platform: str) -> None:
    name = NODES[platform]
    cabled = {
        (c.a.port if c.a.device == name else c.b.port)
        for c in lab_devices.inventory.cables
        if name in (c.a.device, c.b.device)
    }
    neighbors = driver.get_lldp_neighbors()
    assert set(neighbors) == cabled
    assert all(napalm_model(models.LLDPNeighborDict, n) for ns in neighbors.values() for n in ns)
    detail = driver.get_lldp_neighbors_detail()
    assert set(detail) == cabled
    assert all(napalm_model(models.LLDPNeighborDetailDict, n) for ns in detail.values() for n in ns)
    port = sorted(cabled)[0]
    assert set(driver.get_lldp_neighbors_detail(port)) == {port}


def test_ntp_servers(driver: UnderlayDriver, lab_devices: SampleLab, platform: str) -> None:
    servers = driver.get_ntp_servers()
    declared = lab_devices.inventory.node(NODES[platform]).ntp  # type: ignore[union-attr]
    assert declared is not None
    assert sorted(servers) == sorted(str(s) for s in declared.servers)
    assert all(napalm_model(models.NTPServerDict, s, allow_subset=True) for s in servers.values())


def test_config(driver: UnderlayDriver, lab_devices: SampleLab, platform: str) -> None:
    config = driver.get_config()
    assert napalm_model(models.ConfigDict, config)
    running = driver.get_config(retrieve="running")
    assert running["startup"] == running["candidate"] == ""
    intended = _intended(lab_devices, platform)
    if platform == "frr":
        assert running["running"] == intended["/etc/frr/frr.conf"]  # converged: byte for byte
    else:
        assert bundle.decode(running["running"]) == intended


def test_bgp_neighbors(lab_devices: SampleLab) -> None:
    driver = lab_devices.driver(NODES["frr"])
    with driver:
        bgp = driver.get_bgp_neighbors()
    declared = lab_devices.inventory.devices[NODES["frr"]].bgp
    assert declared is not None
    peers = bgp["global"]["peers"]
    assert sorted(peers) == sorted(str(n.address) for n in declared.neighbors)
    assert bgp["global"]["router_id"] == str(declared.router_id)
    for peer in peers.values():
        assert napalm_model(models.BGPStateNeighborDict, peer)
        assert peer["is_up"]
        assert napalm_model(models.BGPStateAddressFamilyDict, peer["address_family"]["ipv4"])


def test_linux_users_and_packages(lab_devices: SampleLab) -> None:
    driver = lab_devices.driver(NODES["linux"])
    with driver:
        users = driver.get_users()  # type: ignore[attr-defined]
        packages = driver.extensions.packages()
    declared = lab_devices.inventory.servers[NODES["linux"]].users
    for name, spec in declared.items():
        assert napalm_model(models.UsersDict, users[name])
        assert users[name]["password"] == ""  # never read
        assert len(users[name]["sshkeys"]) == len(spec.ssh_keys)
    assert packages["openssh-server"]


# ---------- config workflow -------------------------------------------------------------------


def test_converged_device_has_no_diff(
    driver: UnderlayDriver, lab_devices: SampleLab, platform: str
) -> None:
    _load(driver, _intended(lab_devices, platform))
    assert driver.compare_config() == ""
    driver.discard_config()


def test_commit_confirm_rollback_round_trip(
    driver: UnderlayDriver, lab_devices: SampleLab, platform: str
) -> None:
    before = driver.extensions.running_artifacts()
    changed = _changed(lab_devices, platform)
    _load(driver, changed)
    diff = driver.compare_config()
    assert "+changed by the contract test" in diff
    assert ("ip route 198.18.251.0/24 Null0" in diff) is (platform == "frr")
    driver.commit_config(revert_in=30)
    assert driver.has_pending_commit()
    with pytest.raises(CommitConfirmException):  # a second commit while one is pending
        _load(driver, changed)
        driver.commit_config()
    driver.discard_config()
    driver.confirm_commit()
    assert not driver.has_pending_commit()
    _load(driver, changed)
    assert driver.compare_config() == ""  # idempotent: nothing left to change
    driver.discard_config()
    driver.rollback()
    assert driver.extensions.running_artifacts() == before
    with pytest.raises(RollbackError):
        driver.rollback()  # the snapshot was used up


def test_unconfirmed_commit_reverts_on_the_device(lab_devices: SampleLab, platform: str) -> None:
    driver = lab_devices.driver(NODES[platform])
    with driver:
        before = driver.extensions.running_artifacts()
        _load(driver, _changed(lab_devices, platform))
        driver.commit_config(revert_in=REVERT_IN)
        assert driver.extensions.running_artifacts() != before
    time.sleep(REVERT_IN + 2)  # the engine is gone: only the device's timer can revert
    with lab_devices.driver(NODES[platform]) as again:
        assert not again.has_pending_commit()
        assert again.extensions.running_artifacts() == before


def test_discard_leaves_no_candidate(
    driver: UnderlayDriver, lab_devices: SampleLab, platform: str
) -> None:
    _load(driver, _changed(lab_devices, platform))
    driver.discard_config()
    assert driver.compare_config() == ""
    assert driver.get_config(retrieve="candidate")["candidate"] == ""
    assert driver._check(f"sudo -n ls -A {device.CANDIDATES}") == ""


def test_invalid_candidate_is_rejected(
    driver: UnderlayDriver, lab_devices: SampleLab, platform: str
) -> None:
    before = driver.extensions.running_artifacts()
    if platform == "frr":
        conf = _intended(lab_devices, platform)["/etc/frr/frr.conf"]
        bad = conf.replace("router bgp", "router bgpXX", 1)
    else:
        bad = "not a bundle: the linux driver manages files"
    with pytest.raises(ReplaceConfigException) as caught:
        driver.load_replace_candidate(config=bad)
    assert isinstance(caught.value, ReplaceConfigException)  # what napalm callers catch
    assert driver.compare_config() == ""
    assert driver.extensions.running_artifacts() == before


def test_plain_frr_conf_candidate(lab_devices: SampleLab) -> None:
    with lab_devices.driver(NODES["frr"]) as driver:
        conf = _changed(lab_devices, "frr")["/etc/frr/frr.conf"]
        driver.load_replace_candidate(config=conf)
        diff = driver.compare_config()
        driver.discard_config()
    assert diff.splitlines() == [
        "--- /etc/frr/frr.conf (running)",
        "+++ /etc/frr/frr.conf (candidate)",
        "+ip route 198.18.251.0/24 Null0",
    ]


# ---------- connection failures ---------------------------------------------------------------


def test_wrong_password(lab_devices: SampleLab, platform: str) -> None:
    driver = lab_devices.driver(NODES[platform], password="wrong", key=False)
    with pytest.raises(ConnectAuthError) as caught:
        driver.open()
    assert isinstance(caught.value, NapalmAuthError)


def test_password_login(lab_devices: SampleLab, platform: str) -> None:
    with lab_devices.driver(NODES[platform], password="labpass", key=False) as driver:
        assert driver.is_alive() == {"is_alive": True}


def test_nobody_answers(platform: str) -> None:
    cls: Any = get_driver(platform)
    driver = cls("198.18.0.250", "labuser", "x", timeout=5)
    with pytest.raises(ConnectionException):
        driver.open()
