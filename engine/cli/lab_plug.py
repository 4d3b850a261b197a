"""The lab plugged in at the CLI layer: a preflight, a source of credentials and host keys,
and the namespace its monitoring is reached in; nothing more.

The stages take a CredentialStore and know nothing of the lab. For a repository whose devices
live in the lab (every management address in 198.18.0.0/15, like the sample's), the lab's own
user and key answer every credential set that the environment and the secrets file leave
undefined, and the lab must be up: LabNotUpError when the first credential is resolved, which
is before any device is contacted (collect resolves every target's credentials first).
The lab's nodes' host keys (`lab up` makes each node's and lists them in its state dir's
known_hosts) are pinned after the repository's own inventory/known_hosts: a lab repository
needs none, and a fresh clone's `lab up && plan` verifies every node.

    store = credential_store(repo, inventory, state_dir)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

from engine.lab import LAB_RANGE, LabNotUpError, LabPaths, is_up, read_state, require_running
from engine.lab.inventory import NOT_RUNNING, lives_in_lab
from engine.model.layout import Inventory
from engine.monitoring.api import Api
from engine.secrets import Credentials, CredentialStore, Source


def credential_store(repo: Path, inventory: Inventory, state_dir: Path) -> CredentialStore:
    """The repository's credentials, the lab's among them when its devices live there."""
    if not lives_in_lab(inventory):
        return CredentialStore(repo, inventory)
    return _lab_store(repo, inventory, state_dir, lambda: require_running(inventory, state_dir))


def address_store(repo: Path | None, addresses: Sequence[str], state_dir: Path) -> CredentialStore:
    """The credentials to reach `addresses` before any inventory names them (`underlay
    import`): the lab's among them, with its host keys and namespace, when they are all lab
    addresses (LabNotUpError, before any connection, when the lab is down)."""
    if not addresses or not all(ip_address(a) in LAB_RANGE for a in addresses):
        return CredentialStore(repo)
    if not is_up(state_dir):
        raise LabNotUpError(NOT_RUNNING)
    return _lab_store(repo, None, state_dir, lambda: None)


def _lab_store(
    repo: Path | None, inventory: Inventory | None, state_dir: Path, preflight: Callable[[], None]
) -> CredentialStore:
    """The lab's user and key for every credential set the environment and the secrets file
    leave undefined, connections from its management namespace (whichever source a
    credential comes from), its nodes' host keys after the repository's."""
    paths = LabPaths(state_dir)
    return CredentialStore(
        repo,
        inventory,
        sources=(lab_credentials(state_dir, preflight=preflight),),
        netns=str(paths.mgmt_netns_path),
        known_hosts=(paths.known_hosts,),
    )


def lab_credentials(state_dir: Path, preflight: Callable[[], None] = lambda: None) -> Source:
    """The lab's own user and key (from its state.json) for any credential set name. Asked
    for the first time - when a stage is about to contact devices, after every check that
    needs none - it runs `preflight` (the CLI's: LabNotUpError if the lab is not running)."""
    found: list[Credentials] = []

    def lab_user(name: str) -> Credentials:
        if not found:
            preflight()
            state = read_state(LabPaths(state_dir))
            key, netns = state.private_key, state.mgmt_netns_path
            found.append(Credentials("lab", state.user, None, key, "lab", netns))
        return replace(found[0], name=name)

    return lab_user


def monitoring_api(url: str | None, state_dir: Path) -> tuple[Api | None, str | None]:
    """The client of the monitoring server at `url` (None: none configured), or why it cannot
    be asked: a lab address while no lab is up."""
    if url is None:
        return None, None
    try:
        return Api(url, netns=monitoring_netns(url, state_dir)), None
    except LabNotUpError as exc:
        return None, str(exc)


def monitoring_netns(url: str, state_dir: Path) -> str | None:
    """Where to connect to a monitoring server (Prometheus, Alertmanager) at `url`: inside the
    lab's management namespace when it is a lab address (None: from here). A lab address
    while no lab is up: LabNotUpError, and no connection at all (lab traffic never leaves
    the machine, and without a lab there is nothing to reach)."""
    host = urlsplit(url).hostname or ""
    try:
        inside = ip_address(host) in LAB_RANGE
    except ValueError:
        inside = False  # a name: a real server outside the lab
    if not inside:
        return None
    mgmt = LabPaths(state_dir).mgmt_netns_path
    if not mgmt.exists():
        raise LabNotUpError(
            f"{url} is on the lab's management network and no lab is up in {state_dir}: "
            "`underlay lab up --monitoring`"
        )
    return str(mgmt)
