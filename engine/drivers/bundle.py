"""A candidate made of several files: {path on the device: content} as one text.

napalm's config methods take one string; a device whose config is several files (frr.conf plus
the managed system files) gets them all in one candidate this way:

    text = encode({"/etc/frr/frr.conf": "frr version 8.4.4\\n...", "/etc/issue.net": "..."})
    decode(text)   # the same dict back
    is_bundle(text)  # False for a plain frr.conf
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from engine.drivers.errors import DriverError

FORMAT = "underlay-bundle/1"


class BundleError(DriverError):
    """A text that claims to be a bundle but is not a valid one."""


def encode(artifacts: Mapping[str, str]) -> str:
    """Example: encode({"/etc/issue.net": "hi\\n"}) ->
    '{"format": "underlay-bundle/1", "files": {"/etc/issue.net": "hi\\\\n"}}\\n'"""
    files = {path: artifacts[path] for path in sorted(artifacts)}
    return json.dumps({"format": FORMAT, "files": files}, indent=1) + "\n"


def is_bundle(text: str) -> bool:
    """True for a text `encode` wrote (it starts with a JSON object naming the format)."""
    return text.lstrip().startswith("{") and FORMAT in text[:200]


def decode(text: str) -> dict[str, str]:
    """The files of a bundle; BundleError when the text is not one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BundleError(f"not a bundle: invalid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundleError(f"not a bundle: expected an object with format {FORMAT!r}")
    files = data.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(p, str) and p.startswith("/") and isinstance(c, str) for p, c in files.items()
    ):
        raise BundleError("not a bundle: files must map absolute paths to text")
    return dict(files)
