"""`napalm.get_network_driver("frr")` -> underlay's FrrDriver.

napalm looks a name up as `custom_napalm.<name>`, then `napalm.<name>`, then `napalm_<name>`,
and returns the first NetworkDriver subclass of the module it finds: so this module holds that
one class and nothing else. pyproject.toml puts this folder's parent on sys.path (editable
installs) or at the top of the wheel, and `custom_napalm` stays a namespace package (no
__init__.py) so it merges with other portions of it.

Not a `napalm_frr` module: the `napalm` CLI passes every top-level module named `napalm*` to
importlib.metadata.version(), which fails for a module that no distribution of the same name
owns, and then the CLI fails for every vendor.
"""

from engine.drivers.frr import FrrDriver

__all__ = ["FrrDriver"]
