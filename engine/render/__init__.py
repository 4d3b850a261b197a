"""The render stage: model -> each device's and server's complete intended configuration.

    rendered = render(inventory, "fra1-leaf01")
    rendered.config            # frr.conf exactly as FRR 8.4 saves it (running config, no banner)
    rendered.files             # managed system files: chrony, resolv.conf, sshd, keys, ...
    system_files(obj, source)  # those files alone, for any object with their fields
    render_all(inventory)      # RenderResult(rendered=(...), skipped=(platforms without templates))
    render_intended(inventory, names)   # Intended: rendered once for collect, plan and apply

Templates live in templates/<platform>/; what a platform renders is data (platforms.py).
"""

from engine.render.intended import Intended, artifacts_hash, render_intended
from engine.render.platforms import (
    AUTHORIZED_KEYS_DIR,
    FRR_RELEASE,
    PROFILES,
    SYSTEM_FILES,
    PlatformProfile,
)
from engine.render.run import (
    Rendered,
    RenderError,
    RenderResult,
    Skipped,
    as_rendered,
    render,
    render_all,
    system_files,
)

__all__ = [
    "AUTHORIZED_KEYS_DIR",
    "FRR_RELEASE",
    "PROFILES",
    "SYSTEM_FILES",
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
    "system_files",
]
