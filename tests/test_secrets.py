"""Credentials from the environment, a secrets file outside the repo, or the lab; redaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.lab_plug import lab_credentials
from engine.lab.state import NODE_HOST_KEY, LabPaths, LabState, write_state
from engine.secrets import REDACTED, CredentialStore, Redactor, SecretsError, env_names
from engine.validate import validate
from tests.conftest import REPO_ROOT

SECRET = "Sw0rdf1sh-91"


def test_env(tmp_path: Path) -> None:
    env = {
        "UNDERLAY_CREDENTIALS_CORE_RTR_USERNAME": "netops",
        "UNDERLAY_CREDENTIALS_CORE_RTR_PASSWORD": SECRET,
        "UNDERLAY_SECRETS_FILE": str(tmp_path / "none.yaml"),
    }
    creds = CredentialStore(env=env).resolve("core-rtr")
    assert (creds.username, creds.password, creds.key_file, creds.source) == (
        "netops",
        SECRET,
        None,
        "env",
    )
    assert SECRET not in repr(creds)


def test_env_without_username(tmp_path: Path) -> None:
    env = {env_names("x")["password"]: SECRET}
    with pytest.raises(SecretsError, match="UNDERLAY_CREDENTIALS_X_USERNAME is not set"):
        CredentialStore(env=env).resolve("x")


def test_secrets_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text(f"credentials:\n  core:\n    username: netops\n    password: {SECRET}\n")
    store = CredentialStore(tmp_path / "repo", env={"UNDERLAY_SECRETS_FILE": str(path)})
    assert store.resolve("core").password == SECRET
    assert store.resolve("core").source == str(path)
    assert store.secret_values() == {SECRET}


def test_secrets_file_inside_repo_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text("credentials: {core: {username: netops}}\n")
    store = CredentialStore(tmp_path, env={"UNDERLAY_SECRETS_FILE": str(path)})
    with pytest.raises(SecretsError, match="inside the repository"):
        store.resolve("core")


def test_secrets_file_errors_have_a_position(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text("credentials:\n  core: [\n")
    store = CredentialStore(env={"UNDERLAY_SECRETS_FILE": str(path)})
    with pytest.raises(SecretsError, match=rf"^{path}:\d+:\d+: "):
        store.resolve("core")


def test_undefined(tmp_path: Path) -> None:
    store = CredentialStore(env={"UNDERLAY_SECRETS_FILE": str(tmp_path / "none.yaml")})
    with pytest.raises(SecretsError, match="UNDERLAY_CREDENTIALS_NOPE_USERNAME"):
        store.resolve("nope")


def test_lab_repo_uses_the_lab_user_and_key(tmp_path: Path) -> None:
    paths = LabPaths(tmp_path / "lab")
    key = str(paths.private_key)
    state = LabState(
        str(paths.root), "labuser", True, "ulab0", "198.18.0.1/24", "198.18.0.0/15",
        key, key + ".pub", NODE_HOST_KEY, (), (),
    )  # fmt: skip
    write_state(paths, state)
    inventory = validate(REPO_ROOT).inventory
    env = {"UNDERLAY_SECRETS_FILE": str(tmp_path / "none.yaml")}
    store = CredentialStore(
        REPO_ROOT, inventory, env=env, sources=(lab_credentials(paths.root),)
    )
    creds = store.resolve("lab")
    assert (creds.username, creds.password, creds.key_file, creds.source) == (
        "labuser",
        None,
        key,
        "lab",
    )


def test_redactor_known_values_and_patterns() -> None:
    redactor = Redactor({SECRET})
    text = (
        f"neighbor 198.18.1.1 password {SECRET}\n"
        f"login with {SECRET}\n"
        "snmp-server community public ro\n"
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    out = redactor.redact(text)
    assert SECRET not in out and "public" not in out and "b3BlbnNzaC1rZXk" not in out
    assert out.count(REDACTED) == 4
    assert redactor.redact(out) == out  # idempotent
    data = {"device": "r1", "diff": [f"+ password {SECRET}"], SECRET: 1}
    assert SECRET not in json.dumps(redactor.redact_json(data))
    assert redactor.redact("passwordless sudo; hostname r1") == "passwordless sudo; hostname r1"


def test_a_store_of_the_lab_connects_every_set_from_its_namespace(tmp_path: Path) -> None:
    """Whichever source answers (here the environment), a lab's devices are reached from the
    lab's management namespace: the store adds it to every credential set."""
    env = {"UNDERLAY_CREDENTIALS_CORE_USERNAME": "netops",
           "UNDERLAY_SECRETS_FILE": str(tmp_path / "none.yaml")}  # fmt: skip
    store = CredentialStore(env=env, netns="/run/netns/ul123abc_mgmt")
    assert store.resolve("core").netns == "/run/netns/ul123abc_mgmt"
    assert CredentialStore(env=env).resolve("core").netns is None
