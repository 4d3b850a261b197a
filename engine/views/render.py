"""Render the render stage's result: every artifact for a terminal or a pipe, or as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from engine.render import RenderResult


def text(result: RenderResult) -> str:
    """Each artifact under a `==> device:path <==` header (the convention of `tail` and `head`)."""
    parts = [
        f"==> {rendered.name}:{path} <==\n{content}"
        for rendered in result.rendered
        for path, content in rendered.artifacts().items()
    ]
    return "\n".join(parts)


def json_view(result: RenderResult) -> str:
    return (
        json.dumps(
            {
                "rendered": [asdict(r) | {"files": dict(r.files)} for r in result.rendered],
                "skipped": [asdict(s) for s in result.skipped],
            },
            indent=1,
        )
        + "\n"
    )


def files(result: RenderResult) -> dict[str, str]:
    """`render --out DIR`: each artifact at <name>/<path on the device>, relative to DIR."""
    return {
        f"{rendered.name}/{path.lstrip('/')}": content
        for rendered in result.rendered
        for path, content in rendered.artifacts().items()
    }


def skipped_lines(result: RenderResult) -> list[str]:
    return [f"skipped {s.name} (platform {s.platform}): {s.reason}" for s in result.skipped]


VIEWS = {"text": text, "json": json_view}
