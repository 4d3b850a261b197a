"""Device drivers: napalm NetworkDriver subclasses for FRR and Linux, and the registry.

    driver = get_driver("frr")(address, username, password, timeout=30,
                               optional_args={"port": 22, "key_file": key})
    driver.open(); driver.load_replace_candidate(config=bundle.encode(files)); ...

Layers: ssh (one session) -> device (what a commit leaves on the device: snapshot, timer) ->
parse (device output -> napalm shapes) -> base (the contract) -> frr / linux -> registry.
"""

from engine.drivers import bundle
from engine.drivers.base import UnderlayDriver
from engine.drivers.errors import (
    CommandErrorException,
    CommitConfirmException,
    CommitError,
    ConnectAuthError,
    ConnectionException,
    ConnectTimeoutError,
    DriverError,
    DriverNotFound,
    HostKeyError,
    LockError,
    MergeConfigException,
    ReplaceConfigException,
    RollbackError,
)
from engine.drivers.frr import FrrDriver
from engine.drivers.linux import LinuxDriver
from engine.drivers.registry import BUILTIN, ENTRY_POINT_GROUP, connection_args, get_driver

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "CommandErrorException",
    "CommitConfirmException",
    "CommitError",
    "ConnectAuthError",
    "ConnectTimeoutError",
    "ConnectionException",
    "DriverError",
    "DriverNotFound",
    "FrrDriver",
    "HostKeyError",
    "LinuxDriver",
    "LockError",
    "MergeConfigException",
    "ReplaceConfigException",
    "RollbackError",
    "UnderlayDriver",
    "bundle",
    "connection_args",
    "get_driver",
]
