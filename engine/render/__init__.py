"""The render stage: model -> each device's and server's complete intended configuration.

    rendered = render(inventory, "fra1-leaf01")
    rendered.config            # frr.conf exactly as FRR 8.4's `show running-config` prints it
    rendered.files             # managed system files: chrony, resolv.conf, sshd, keys, ...
    render_all(inventory)      # RenderResult(rendered=(...), skipped=(platforms without templates))

Templates live in templates/<platform>/; what a platform renders is data (platforms.py).
"""

from engine.render.platforms import FRR_RELEASE, PROFILES, PlatformProfile
from engine.render.run import (
    RUNNING_CONFIG_BANNER,
    Rendered,
    RenderError,
    RenderResult,
    Skipped,
    render,
    render_all,
    strip_banner,
    write,
)

__all__ = [
    "FRR_RELEASE",
    "PROFILES",
    "RUNNING_CONFIG_BANNER",
    "PlatformProfile",
    "RenderError",
    "RenderResult",
    "Rendered",
    "Skipped",
    "render",
    "render_all",
    "strip_banner",
    "write",
]
