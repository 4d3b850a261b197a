"""`napalm.get_network_driver("underlay_linux")` -> underlay's LinuxDriver.

Not "linux": that name belongs to the napalm-linux package (module napalm_linux). Installed at
the top level like `custom_napalm.frr`; this module holds one NetworkDriver subclass only.
"""

from engine.drivers.linux import LinuxDriver

__all__ = ["LinuxDriver"]
