"""One round trip per device (issue 13): what a plan reads of a device comes from one script
over one SSH channel, and the comparison made on the control host says what frr-reload.py
will send. Against the real (converged) sample lab."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engine.drivers import ReplaceConfigException, UnderlayDriver, bundle, device
from engine.drivers.ssh import Completed, Session
from engine.render import render
from tests.drivers.samplelab import SampleLab

pytestmark = pytest.mark.lab

NODES = {"frr": "fra1-leaf04", "linux": "fra1-hv01"}
GETTERS = {
    "frr": ("facts", "interfaces", "interfaces_ip", "lldp_neighbors", "bgp_neighbors", "config"),
    "linux": ("facts", "interfaces", "interfaces_ip", "lldp_neighbors", "users", "config"),
}
FRR_CONF = "/etc/frr/frr.conf"
BANNER = "/etc/issue.net"


@pytest.fixture(params=sorted(NODES))
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Counted:
    """Counts the commands a driver's SSH session runs (each is one exec channel)."""

    def __init__(self, driver: UnderlayDriver) -> None:
        self.commands: list[str] = []
        session = driver._live()
        original = session.run

        def run(command: str, *, stdin: str | None = None) -> Completed:
            self.commands.append(command)
            return original(command, stdin=stdin)

        session.run = run  # type: ignore[method-assign]
        self.session: Session = session


def _open(lab_devices: SampleLab, name: str) -> Iterator[UnderlayDriver]:
    driver = lab_devices.driver(name)
    driver.open()
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def node(lab_devices: SampleLab, platform: str) -> Iterator[UnderlayDriver]:
    yield from _open(lab_devices, NODES[platform])


def _without_clocks(values: dict[str, Any]) -> dict[str, Any]:
    """Uptimes move between two reads."""
    found = dict(values)
    found["facts"] = {**found["facts"], "uptime": 0}
    if "bgp_neighbors" in found:
        for vrf in found["bgp_neighbors"].values():
            for peer in vrf["peers"].values():
                peer["uptime"] = 0
    return found


def _candidate(lab_devices: SampleLab, name: str, edit: dict[str, str] | None = None) -> str:
    files = render(lab_devices.inventory, name).artifacts()
    files[BANNER] = "changed by the one-round-trip test\n"
    for old, new in (edit or {}).items():
        files[FRR_CONF] = files[FRR_CONF].replace(old, new)
    return bundle.encode(files)


def test_a_plan_reads_everything_over_one_channel(
    lab_devices: SampleLab, node: UnderlayDriver, platform: str
) -> None:
    """getters, the pending-commit check, the running artifacts and the diff: one command."""
    counted = Counted(node)
    taken = node.extensions.snapshot(_candidate(lab_devices, NODES[platform]), GETTERS[platform])
    assert len(counted.commands) == 1, counted.commands
    assert taken.pending is False
    assert "+changed by the one-round-trip test" in taken.diff
    # the same values as napalm's getters, one call (and channel) each
    one_by_one = {name: _get(node, name) for name in GETTERS[platform]}
    assert len(counted.commands) > len(GETTERS[platform])
    assert _without_clocks(taken.getters) == _without_clocks(one_by_one)


def test_frr_descriptions_from_the_running_config_are_zebras(lab_devices: SampleLab) -> None:
    """The descriptions the getters take from the running config are `show interface json`'s,
    for every interface (those without one: "")."""
    for driver in _open(lab_devices, NODES["frr"]):
        zebra = driver.cli(["show interface json"], encoding="json")["show interface json"]
        ours = driver.get_interfaces()
        assert {n: i["description"] for n, i in ours.items() if n in zebra} == {
            n: i.get("description", "") for n, i in zebra.items()
        }
        assert any(i["description"] for i in ours.values())


def _get(driver: UnderlayDriver, name: str) -> Any:
    if name == "config":
        return driver.get_config(retrieve="running")
    return getattr(driver, f"get_{name}")()


def test_the_snapshot_diff_is_compare_config(
    lab_devices: SampleLab, node: UnderlayDriver, platform: str
) -> None:
    """What a plan shows is what apply's compare (with the candidate loaded) finds."""
    edit = {"description to fra1-spine01:eth4": "description moved"} if platform == "frr" else {}
    text = _candidate(lab_devices, NODES[platform], edit)
    taken = node.extensions.snapshot(text, ())
    node.load_replace_candidate(config=text)
    try:
        assert taken.diff == node.compare_config()
        assert taken.running == node.extensions.running_artifacts()
    finally:
        node.discard_config()
    if platform == "frr":
        assert "+ description moved" in taken.diff
        assert "- description to fra1-spine01:eth4" in taken.diff


def test_a_pending_commit_is_seen(
    lab_devices: SampleLab, node: UnderlayDriver, platform: str
) -> None:
    node.load_replace_candidate(config=_candidate(lab_devices, NODES[platform]))
    node.commit_config(revert_in=60)
    try:
        assert node.extensions.snapshot(None, ("facts",)).pending is True
    finally:
        node.rollback()
    assert node.extensions.snapshot(None, ("facts",)).pending is False


def test_an_invalid_candidate_is_rejected_at_plan_time(lab_devices: SampleLab) -> None:
    """frr: `vtysh -C` of the candidate runs in the same script; its error names the line."""
    name = NODES["frr"]
    text = _candidate(lab_devices, name, {"router bgp": "ip routee 10.0.0.0/8 Null0\nrouter bgp"})
    for driver in _open(lab_devices, name):
        with pytest.raises(ReplaceConfigException, match=r"line [0-9]+: % Unknown command: ip"):
            driver.extensions.snapshot(text, ())


# ---------- the control host's diff says what frr-reload.py will send ------------------------

EDITS = {
    "a description": {"description to fra1-spine01:eth4": "description moved"},
    "a static route and a prefix list": {
        "router bgp": "ip prefix-list EDGE seq 5 permit 198.18.0.0/15 le 32\n"
        "ip route 198.18.252.0/24 Null0\n!\nroute-map EDGE permit 10\n"
        " match ip address prefix-list EDGE\nexit\n!\nrouter bgp"
    },
    "a neighbor dropped": {" neighbor 198.18.1.6 description fra1-spine01\n": ""},
    "an address family network": {
        "  network 198.19.0.14/32\n": "  network 198.19.0.14/32\n  network 198.18.99.0/24\n"
    },
}


@pytest.mark.parametrize("what", sorted(EDITS))
def test_the_diff_lists_the_lines_frr_reload_sends(lab_devices: SampleLab, what: str) -> None:
    """Staged on the device, `frr-reload.py --test` of the candidate lists the same lines
    (its deletions as `no` commands) as the control host's diff."""
    name = NODES["frr"]
    for driver in _open(lab_devices, name):
        text = _candidate(lab_devices, name, EDITS[what])
        ours = driver.extensions.snapshot(text, ()).diff
        driver.load_replace_candidate(config=text)
        try:
            staged = f"{device.candidate_dir(driver.holder.session)}/main"
            out = driver._sudo(f"/usr/lib/frr/frr-reload.py --test {staged} 2>/dev/null\n")
        finally:
            driver.discard_config()
        assert _changes(ours) == _frr_reload_changes(out), (ours, out)
        assert _changes(ours), ours


def _changes(diff: str) -> set[tuple[str, ...]]:
    """Our diff's FRR part -> {(sign, parents..., line)}."""
    body = diff.split("+++ /etc/frr/frr.conf (candidate)\n", 1)[-1].split("\n--- ", 1)[0]
    if "/etc/frr/frr.conf" not in diff:
        return set()
    return _paths([line for line in body.splitlines() if line])


def _paths(lines: list[str]) -> set[tuple[str, ...]]:
    """The changed lines that open no block of their own, each with its parents: frr-reload
    shows a new block's first line as context, the diff as added."""
    found: set[tuple[str, ...]] = set()
    stack: list[str] = []
    for i, line in enumerate(lines):
        sign, text = line[0], line[1:]
        depth = len(text) - len(text.lstrip())
        stack = [*stack[:depth], text.strip()]
        following = lines[i + 1][1:] if i + 1 < len(lines) else ""
        opens = following.strip() and len(following) - len(following.lstrip()) > depth
        if sign in "+-" and not opens:
            found.add((sign, *stack))
    # frr-reload also sends a new block's first line on its own, before the block
    return {row for row in found if not any(o[: len(row)] == row != o for o in found)}


def _frr_reload_changes(stdout: str) -> set[tuple[str, ...]]:
    """`frr-reload.py --test` output: "Lines To Delete" (as `no X` or, for `no X`, as X) and
    "Lines To Add", each changed line after its context lines -> {(sign, parents..., line)}.
    frr-reload 8.4 lists a deleted static route as `no ip route` among the lines to add."""
    lines: list[str] = []
    sign = ""
    rows = stdout.splitlines()
    for i, line in enumerate(rows):
        if line in ("Lines To Delete", "Lines To Add"):
            sign = "-" if line == "Lines To Delete" else "+"
            continue
        if not sign or not line.strip() or set(line) <= {"="}:
            continue
        following = rows[i + 1] if i + 1 < len(rows) else ""
        pad, text = line[: len(line) - len(line.lstrip())], line.strip()
        is_context = following.strip() and len(following) - len(following.lstrip()) > len(pad)
        if is_context:
            lines.append(" " + line)
        elif sign == "+" and text.startswith(("no ip route ", "no ipv6 route ")):
            lines.append("-" + pad + text[3:])
        elif sign == "+":
            lines.append("+" + line)
        else:
            lines.append("-" + pad + (text[3:] if text.startswith("no ") else "no " + text))
    return _paths(lines)
