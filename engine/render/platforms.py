"""What each platform renders, as data: the config template and whether it has managed files.

A platform without a profile is not rendered (`render_all` reports it as skipped); adding a
vendor is a template folder plus one entry here, never a branch in the renderer.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.frozen import Frozen
from engine.model.inventory import Platform
from engine.render import verbatim

# The FRR release whose `show running-config` the frr templates reproduce byte for byte. It is
# the `frr version` line too: FRR stamps its own release there, whatever the file said.
FRR_RELEASE = "8.4.4"


class PlatformProfile(Frozen):
    """Example: PlatformProfile(platform=Platform.FRR, config_template="frr/frr.conf.j2",
    config_path="/etc/frr/frr.conf", system_files=True)"""

    platform: Platform
    config_template: str | None  # None: the platform's config is only its managed files
    config_path: str | None  # where the config lives on the device, for --out and drivers
    system_files: bool  # a Linux userland whose /etc files the linux driver manages
    # (rendered, verbatim) -> the config with the device's `verbatim` merged in; None: the
    # platform takes no verbatim configuration
    merge_verbatim: Callable[[str, str], str] | None = None


PROFILES: dict[Platform, PlatformProfile] = {
    p.platform: p
    for p in (
        PlatformProfile(
            platform=Platform.FRR,
            config_template="frr/frr.conf.j2",
            config_path="/etc/frr/frr.conf",
            system_files=True,
            merge_verbatim=verbatim.merge,
        ),
        PlatformProfile(
            platform=Platform.LINUX, config_template=None, config_path=None, system_files=True
        ),
        PlatformProfile(
            platform=Platform.IOS,
            config_template="ios/running-config.j2",
            config_path="running-config",
            system_files=False,
        ),
    )
}

# Managed system files: device path -> template. authorized_keys is per user, see run.py.
SYSTEM_FILES: dict[str, tuple[str, str]] = {
    # path: (template, the model field that must be set for the file to be managed)
    "/etc/chrony/chrony.conf": ("linux/chrony.conf.j2", "ntp"),
    "/etc/resolv.conf": ("linux/resolv.conf.j2", "dns"),
    "/etc/issue.net": ("linux/issue.net.j2", "banner"),
    "/etc/rsyslog.d/90-underlay.conf": ("linux/rsyslog.conf.j2", "syslog"),
    "/etc/ssh/sshd_config.d/90-underlay.conf": ("linux/sshd_config.j2", ""),
}
AUTHORIZED_KEYS_DIR = "/etc/ssh/authorized_keys"
