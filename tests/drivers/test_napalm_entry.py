"""NAPALM's own tools find underlay's drivers: napalm.get_network_driver, nornir_napalm, the CLI.

No lab: a connection that fails at once (a port bound but not listening refuses it) is as far as
the tools get without a device, and far enough to see which driver they built. The same tools
against a live node: test_napalm_tools.py.
"""

from __future__ import annotations

import socket
import traceback
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import napalm
import pytest
from napalm.base import NetworkDriver
from napalm.base.exceptions import ConnectionException
from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.task import Task
from nornir.plugins.runners import SerialRunner
from nornir_napalm.plugins.connections import CONNECTION_NAME

from engine.drivers import FrrDriver, LinuxDriver, get_driver
from tests.drivers.napalm_cli import CLI_MODULE, napalm_cli

NAPALM_NAMES: dict[str, type[NetworkDriver]] = {"frr": FrrDriver, "underlay_linux": LinuxDriver}
KEY_FILE = "/nonexistent/id_ed25519"  # never read: the connection is refused first


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A local TCP port that refuses connections for as long as the test runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize(("name", "cls"), sorted(NAPALM_NAMES.items()))
def test_get_network_driver(name: str, cls: type[NetworkDriver]) -> None:
    assert napalm.get_network_driver(name) is cls
    assert napalm.get_network_driver(f"custom_napalm.{name}") is cls  # the explicit form
    assert get_driver(name) is cls  # underlay's registry agrees with napalm on every name


def test_vendor_drivers_still_resolve() -> None:
    """Our `custom_napalm` portion must not hide napalm's own drivers (searched after it)."""
    assert napalm.get_network_driver("eos").__module__ == "napalm.eos.eos"


def _open_napalm(task: Task) -> None:
    task.host.get_connection(CONNECTION_NAME, task.nornir.config)


@pytest.mark.parametrize(("name", "cls"), sorted(NAPALM_NAMES.items()))
def test_nornir_napalm_builds_our_driver(
    name: str, cls: type[NetworkDriver], refused_port: int
) -> None:
    """A host of platform `name` gets a napalm connection of our class, built from the host's
    address, port and connection options. nornir_napalm connects at construction, so the driver
    is found in the traceback of its refused open()."""
    ConnectionPluginRegister.auto_register()  # what InitNornir does: nornir_napalm's entry point
    options = ConnectionOptions(extras={"optional_args": {"key_file": KEY_FILE}, "timeout": 5})
    host = Host(
        "node1",
        hostname="127.0.0.1",
        port=refused_port,
        username="nobody",
        password="",
        platform=name,
        connection_options={CONNECTION_NAME: options},
    )
    inventory = Inventory(hosts=Hosts({"node1": host}), groups=Groups(), defaults=Defaults())
    results = Nornir(inventory=inventory, runner=SerialRunner()).run(task=_open_napalm)
    failure = results["node1"][0].exception
    assert isinstance(failure, ConnectionException)
    driver = _driver_in(failure)
    assert type(driver) is cls
    assert (driver.hostname, driver.port, driver.key_file) == ("127.0.0.1", refused_port, KEY_FILE)


def _driver_in(failure: BaseException) -> NetworkDriver:
    """The NetworkDriver whose method raised `failure` (the innermost `self` that is one)."""
    selves = [frame.f_locals.get("self") for frame, _ in traceback.walk_tb(failure.__traceback__)]
    drivers = [s for s in selves if isinstance(s, NetworkDriver)]
    assert drivers, "no NetworkDriver method in the traceback"
    return drivers[-1]


def test_cli_module_is_the_console_script() -> None:
    (script,) = entry_points(group="console_scripts", name="napalm")
    assert script.value == f"{CLI_MODULE}:main"


@pytest.mark.parametrize(("name", "cls"), sorted(NAPALM_NAMES.items()))
def test_napalm_cli_builds_our_driver(
    name: str, cls: type[NetworkDriver], refused_port: int, tmp_path: Path
) -> None:
    """`napalm --vendor NAME` resolves our class, passes it the optional_args and opens it.

    Also proves that installing underlay leaves the CLI working: before resolving the vendor it
    calls importlib.metadata.version() on every top-level module named `napalm*`."""
    done = napalm_cli(
        *("--debug", "--user", "nobody", "--password", "", "--vendor", name),
        *("--optional_args", f"port={refused_port},key_file={KEY_FILE!r}"),
        *("127.0.0.1", "call", "get_facts"),
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    built = f"__init__ - Calling with args: (<class '{cls.__module__}.{cls.__qualname__}'>"
    assert built in done.stdout
    assert f"'optional_args': {{'port': {refused_port}, 'key_file': {KEY_FILE!r}}}" in done.stdout
    assert "open - Failed: " in done.stdout  # resolved, built, then refused by the port
