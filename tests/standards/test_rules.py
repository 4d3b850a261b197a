"""Every rule has a passing and a failing case: tests/standards/cases/<RULE-ID>.yaml.

Each case file has `pass:` and `fail:`, each optionally with `edit` (file -> [[old, new]]),
`files`, `waivers` and `today`, over tests/standards/base (the sample organisation without its
deliberate exceptions). `expect` lists the rule's findings as `path:line`: none for `pass`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from engine.standards import load
from tests.conftest import REPO_ROOT
from tests.standards.helpers import CASES, TODAY, build, line, run


def _case(rule: str, outcome: str) -> dict[str, Any]:
    data = YAML(typ="safe").load((CASES / f"{rule}.yaml").read_text())
    return data[outcome] or {}


def _rule_ids() -> list[str]:
    return sorted(r.rule.id for r in load(REPO_ROOT).rules)


def test_every_rule_has_a_case_file() -> None:
    assert sorted(p.stem for p in CASES.glob("*.yaml")) == _rule_ids()


def _found(rule: str, case: dict[str, Any], tmp_path: Path) -> list[str]:
    today = case.get("today", TODAY)
    result = run(build(tmp_path / "repo", case), date.fromisoformat(str(today)))
    assert [d.message for d in result.diagnostics if d.code == "T509"] == []
    return sorted(line(d) for d in result.diagnostics if d.code == rule)


@pytest.mark.parametrize("rule", _rule_ids())
def test_rule_passes(rule: str, tmp_path: Path) -> None:
    case = _case(rule, "pass")
    assert _found(rule, case, tmp_path) == sorted(case.get("expect", []))


@pytest.mark.parametrize("rule", _rule_ids())
def test_rule_fails(rule: str, tmp_path: Path) -> None:
    case = _case(rule, "fail")
    assert case.get("expect"), f"{rule}: the failing case expects no finding"
    assert _found(rule, case, tmp_path) == sorted(case["expect"])


SECRET_EXAMPLES = [
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA",
    "password: hunter22",
    "api_key=abcd1234",
    "Access-Key: abcdef",
    "pre-shared-key = abcdefg",
    "psk=abcdef",
    "token: abcdef",
    "community: s3cret",
    "enable secret 5 $1$abcd$efghijklmnop",
    "username admin password 7 0822455D0A16",
    "$6$rounds$abcdefghijklmnop",
    "https://deploy:pw@git.example/x",
    "ghp_" + "a" * 36,
    "glpat-" + "b" * 20,
    "AKIA" + "C" * 16,
    "xoxb-1234567890ab",
    "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.abcdefghijkl",
    "Authorization: Bearer abcdefghijklmnopqrstuvwxyz",
]


@pytest.mark.parametrize("example", SECRET_EXAMPLES)
def test_secret_prefilter_never_hides_a_secret(example: str) -> None:
    """The literal and regex prefilters run on an object's JSON: whatever a secret pattern
    finds in a value, the prefilters must let through (escaped as JSON, in any case)."""
    from engine.standards.builtin import secrets  # noqa: PLC0415

    quick, named = secrets._secret_regex(secrets.SecretParams())
    for value in (example, example.upper(), example.lower()):
        if secrets._what(("banner",), value, named) is None:
            continue  # e.g. an upper-cased hash is no hash any more
        assert secrets._maybe_secret(secrets._as_json({"banner": value}), quick), value
    assert secrets._what(("banner",), example, named) is not None


def test_public_ssh_keys_are_not_scanned_further() -> None:
    from engine.standards.builtin import secrets  # noqa: PLC0415

    text = secrets._as_json({"ssh_keys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPublicKey user"]})
    assert not secrets._maybe_secret(text)


def test_default_community_in_a_group_passes_the_prefilter() -> None:
    """Groups are plain mappings: their JSON must be written like a model's for the filter."""
    from engine.standards.builtin import secrets  # noqa: PLC0415

    assert secrets._maybe_secret(secrets._as_json({"snmp": {"community": "public"}}))


def test_every_builtin_rule_is_published_as_an_entry_point() -> None:
    """The engine's own rules reach the registry only through the entry point group, as an
    organisation's do: each rule of engine.standards.builtin is in pyproject.toml, and the
    installed metadata (`bash .ci/install`) has them all."""
    import importlib  # noqa: PLC0415
    import pkgutil  # noqa: PLC0415
    import tomllib  # noqa: PLC0415
    from importlib.metadata import entry_points  # noqa: PLC0415

    from engine.standards import builtin  # noqa: PLC0415
    from engine.standards.registry import (  # noqa: PLC0415
        ENTRY_POINT_GROUP,
        FactsRule,
        FunctionRule,
        registered,
    )

    defined = set()
    for info in pkgutil.iter_modules(builtin.__path__):
        module = importlib.import_module(f"{builtin.__name__}.{info.name}")
        defined |= {
            f"{module.__name__}:{name}"
            for name, value in vars(module).items()
            if isinstance(value, FunctionRule | FactsRule)
        }
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    published = project["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert set(published.values()) == defined
    installed = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert published.items() <= installed.items(), "re-run `bash .ci/install`"
    assert set(published) <= set(registered())
