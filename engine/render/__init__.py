"""The render stage: model -> each device's and server's complete intended configuration.

    rendered = render(inventory, "fra1-leaf01")
    rendered.config            # frr.conf exactly as FRR 8.4 saves it (running config, no banner)
    rendered.files             # managed system files: chrony, resolv.conf, sshd, keys, ...
    render_all(inventory)      # RenderResult(rendered=(...), skipped=(platforms without templates))
    render_intended(inventory, names)   # Intended: rendered once for collect, plan and apply

Templates live in templates/<platform>/; what a platform renders is data (platforms.py).
"""

from engine.render.intended import Intended, artifacts_hash, render_intended
from engine.render.platforms import FRR_RELEASE, PROFILES, PlatformProfile
from engine.render.run import (
    Rendered,
    RenderError,
    RenderResult,
    Skipped,
    as_rendered,
    render,
    render_all,
)

__all__ = [
    "FRR_RELEASE",
    "PROFILES",
    "Intended",
    "PlatformProfile",
    "RenderError",
    "RenderResult",
    "Rendered",
    "Skipped",
    "artifacts_hash",
    "as_rendered",
    "render",
    "render_all",
    "render_intended",
]
