"""The collect stage: live state of every device, in parallel, one value per device.

    states = collect(inventory, ["fra1-leaf01"], intended, store, workers=20, timeout=30)
    states["fra1-leaf01"].config_diff     # compare_config() of the rendered bundle; "" = no change
    states["fra1-leaf01"].getters["bgp_neighbors"]

Layers: hosts (Nornir inventory built from the models and resolved credentials) -> task (one
device: open, load the intended bundle, compare, getters, discard, close) -> run (the threaded
runner, per-host results as DeviceState). The intended artifacts come rendered (render stage);
credentials come from a CredentialStore (the lab, when there is one, is one of its sources).
"""

from engine.collect.run import Progress, collect
from engine.collect.task import GETTERS, DeviceState, Status

__all__ = ["GETTERS", "DeviceState", "Progress", "Status", "collect"]
