"""One device's collection, as a Nornir task whose outcome is always a DeviceState value."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from napalm.base import NetworkDriver
from nornir.core.task import Result, Task

from engine.drivers import (
    ConnectAuthError,
    ConnectionException,
    ConnectTimeoutError,
    HostKeyError,
    bundle,
    connection_args,
    get_driver,
)

# hostkey: the host's SSH key is not the pinned one: refused before authentication
Status = Literal["ok", "unreachable", "auth_failed", "timeout", "hostkey", "error"]
CONNECTION = "underlay"  # the name of the Nornir connection options the task reads

# getter result name -> driver method, per platform; "config" is get_config(retrieve="running").
# What the later stages read, no more: the plan's state diff (interfaces, addresses, BGP, NTP)
# and cabling (LLDP), apply's checks (BGP, LLDP). get_facts and get_users would cost each
# device its own commands (hostname, ip link | cut ..., passwd) and nothing reads them.
GETTERS: dict[str, tuple[str, ...]] = {
    "frr": (
        "interfaces",
        "interfaces_ip",
        "lldp_neighbors",
        "bgp_neighbors",
        "ntp_servers",
        "config",
    ),
    "linux": (
        "interfaces",
        "interfaces_ip",
        "lldp_neighbors",
        "ntp_servers",
        "config",
    ),
}
DEFAULT_GETTERS = ("interfaces", "interfaces_ip", "lldp_neighbors", "config")


@dataclass(frozen=True)
class DeviceState:
    """One device's live state, as the plan needs it. Example:

    DeviceState(name="fra1-leaf03", platform="frr", status="ok", error=None,
                running_config='{"format": "underlay-bundle/1", "files": {...}}\\n',
                config_diff="--- /etc/chrony/chrony.conf\\n+++ ...", getters={"interfaces": {...}},
                seconds=0.91, pending_commit=False)
    """

    name: str
    platform: str
    status: Status
    error: str | None
    running_config: str | None  # what the diff was computed against (hash it: stale plans)
    config_diff: str  # compare_config() of the intended bundle; "" = no change
    getters: Mapping[str, Any]  # napalm-shaped results by getter name
    seconds: float
    pending_commit: bool = False  # an unconfirmed commit runs: its timer will revert it


def collect_device(task: Task, intended: str | None) -> Result:
    """Nornir task: never raises; the outcome is `Result(result=DeviceState)`."""
    host, started = task.host, time.monotonic()
    try:
        state = _collect(task, intended, started)
    except Exception as exc:  # every fault becomes this device's value
        state = DeviceState(
            host.name,
            str(host.platform),
            status_of(exc),
            message_of(exc),
            None,
            "",
            {},
            time.monotonic() - started,
        )
    return Result(host=host, result=state, failed=state.status != "ok")


def _collect(task: Task, intended: str | None, started: float) -> DeviceState:
    host = task.host
    driver = _driver(task)
    names = GETTERS.get(str(host.platform), DEFAULT_GETTERS)
    driver.open()
    try:
        snapshot = _one_round_trip(driver, intended, names)
        if snapshot is not None:
            pending, diff, running, getters = snapshot
        else:  # a napalm driver of another platform: its own getters, one call each
            pending = _pending(driver)
            diff, running = _compare(driver, intended)
            getters = {name: _get(driver, name) for name in names}
    finally:
        driver.close()
    if running is None:
        running = getters.get("config", {}).get("running")
    return DeviceState(
        host.name,
        str(host.platform),
        "ok",
        None,
        running,
        diff,
        getters,
        time.monotonic() - started,
        pending,
    )


def _one_round_trip(
    driver: NetworkDriver, intended: str | None, names: tuple[str, ...]
) -> tuple[bool, str, str | None, dict[str, Any]] | None:
    """underlay's drivers read everything in one script over one channel (and compare on this
    host); None for a driver without `extensions.snapshot`."""
    snapshot = getattr(getattr(driver, "extensions", None), "snapshot", None)
    if snapshot is None:
        return None
    taken = snapshot(intended, names)
    running = None if taken.running is None else bundle.encode(taken.running)
    return taken.pending, taken.diff, running, taken.getters


def _pending(driver: NetworkDriver) -> bool:
    """Whether an unconfirmed commit is running (False for drivers without commit-confirm)."""
    try:
        return bool(driver.has_pending_commit())
    except NotImplementedError:
        return False


def _driver(task: Task) -> NetworkDriver:
    host = task.host
    params = host.get_connection_parameters(CONNECTION)
    extras = params.extras or {}
    return get_driver(str(host.platform))(
        params.hostname,
        params.username,
        params.password or "",
        timeout=int(extras.get("timeout", 30)),
        optional_args=connection_args(
            str(host.platform),
            port=params.port,
            key_file=extras.get("key_file"),
            netns=extras.get("netns"),
            known_hosts=extras.get("known_hosts", ()),
        ),
    )


def _compare(driver: NetworkDriver, intended: str | None) -> tuple[str, str | None]:
    """The diff of the intended bundle, and what it was computed against (as a bundle)."""
    if intended is None:
        return "", None
    driver.load_replace_candidate(config=intended)
    try:
        diff = driver.compare_config()
        extensions = getattr(driver, "extensions", None)  # underlay's drivers; not napalm's
        return diff, bundle.encode(extensions.running_artifacts()) if extensions else None
    finally:
        driver.discard_config()


def _get(driver: NetworkDriver, name: str) -> Any:
    if name == "config":
        return driver.get_config(retrieve="running")
    return getattr(driver, f"get_{name}")()


def status_of(exc: Exception) -> Status:
    if isinstance(exc, HostKeyError):
        return "hostkey"
    if isinstance(exc, ConnectAuthError):
        return "auth_failed"
    if isinstance(exc, ConnectTimeoutError | TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionException):
        return "unreachable"
    return "error"


def message_of(exc: Exception) -> str:
    """The error's words, and those of what it stands for where a driver replaced one with
    its own (napalm's "Cannot connect to X" for netmiko's "Server '[X]:22' not found in
    known_hosts")."""
    words = str(exc) or type(exc).__name__
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if cause is not None and str(cause) and str(cause) not in words:
        return f"{words}: {cause}"
    return words
