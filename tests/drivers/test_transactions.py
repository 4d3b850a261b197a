"""Device transactions that never state what did not happen, against the real (converged) lab.

Each test here failed before its fix: a confirm after the timer fired "succeeded"; a replace
left behind the files an earlier commit installed; two sessions shared one candidate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from engine.drivers import (
    CommitConfirmException,
    LockError,
    UnderlayDriver,
    bundle,
    device,
)
from engine.render import render
from tests.drivers.samplelab import SampleLab

pytestmark = pytest.mark.lab

NODES = {"frr": "fra1-leaf04", "linux": "fra1-hv01"}
BANNER = "/etc/issue.net"
EXTRA_KEYS = "/etc/ssh/authorized_keys/exadmin"


@pytest.fixture(params=sorted(NODES))
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _files(lab_devices: SampleLab, platform: str, banner: str | None = None) -> dict[str, str]:
    files = render(lab_devices.inventory, NODES[platform]).artifacts()
    if banner is not None:
        files[BANNER] = banner
    return files


def _driver(lab_devices: SampleLab, platform: str, **args: object) -> UnderlayDriver:
    driver = lab_devices.driver(NODES[platform])
    driver.lock_timeout = float(args.get("lock_timeout", driver.lock_timeout))  # type: ignore[arg-type]
    driver.lock_ttl = int(args.get("lock_ttl", driver.lock_ttl))  # type: ignore[call-overload]
    return driver


def _restore(lab_devices: SampleLab, platform: str) -> None:
    """Back to the converged config (and a managed-files list of exactly the intended files)."""
    with lab_devices.driver(NODES[platform]) as driver:
        if driver.has_pending_commit():
            driver.rollback()
        driver.load_replace_candidate(config=bundle.encode(_files(lab_devices, platform)))
        if driver.compare_config():
            driver.commit_config()
        else:
            driver.discard_config()


# ---------- confirm after the timer fired ------------------------------------------------------


def test_confirm_after_the_timer_fired_is_an_error(lab_devices: SampleLab, platform: str) -> None:
    with lab_devices.driver(NODES[platform]) as driver:
        before = driver.extensions.running_artifacts()
        driver.load_replace_candidate(config=bundle.encode(_files(lab_devices, platform, "x\n")))
        driver.commit_config(revert_in=2)
        time.sleep(4)  # the device's timer fires and restores the snapshot
        with pytest.raises(CommitConfirmException, match="timer has reverted it"):
            driver.confirm_commit()
        assert not driver.has_pending_commit()
        assert driver.extensions.running_artifacts() == before


def test_confirm_with_nothing_pending_is_an_error(lab_devices: SampleLab, platform: str) -> None:
    with lab_devices.driver(NODES[platform]) as driver, pytest.raises(CommitConfirmException):
        driver.confirm_commit()


# ---------- replace removes what it no longer holds --------------------------------------------


def test_replace_removes_managed_files_it_no_longer_holds(lab_devices: SampleLab) -> None:
    platform = "linux"
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3a0cBzqZ4n0y6VXb5v0WJ8nJXbq8r1t3m8n3N4p5Q6 ex\n"
    try:
        with lab_devices.driver(NODES[platform]) as driver:
            with_admin = {**_files(lab_devices, platform), EXTRA_KEYS: key}
            driver.load_replace_candidate(config=bundle.encode(with_admin))
            driver.commit_config()
            driver.load_replace_candidate(config=bundle.encode(_files(lab_devices, platform)))
            diff = driver.compare_config()
            assert f"--- {EXTRA_KEYS}\n+++ /dev/null\n" in diff
            assert "-ssh-ed25519 AAAAC3" in diff
            driver.commit_config(revert_in=60)
            assert EXTRA_KEYS not in driver.extensions.running_artifacts()
            driver.rollback()  # the snapshot holds the removed file: it comes back
            assert driver.extensions.running_artifacts().get(EXTRA_KEYS) == key
    finally:
        _restore(lab_devices, platform)
    with lab_devices.driver(NODES[platform]) as driver:
        assert EXTRA_KEYS not in driver.extensions.running_artifacts()


def test_merge_removes_nothing(lab_devices: SampleLab) -> None:
    platform = "linux"
    try:
        with lab_devices.driver(NODES[platform]) as driver:
            driver.load_merge_candidate(config=bundle.encode({EXTRA_KEYS: "ssh-ed25519 AAAA m\n"}))
            driver.commit_config()
            driver.load_merge_candidate(config=bundle.encode({BANNER: "merged\n"}))
            assert EXTRA_KEYS not in driver.compare_config()
            driver.commit_config()
            assert EXTRA_KEYS in driver.extensions.running_artifacts()
            driver.load_replace_candidate(config=bundle.encode(_files(lab_devices, platform)))
            assert f"--- {EXTRA_KEYS}\n+++ /dev/null" in driver.compare_config()
            driver.discard_config()
    finally:
        _restore(lab_devices, platform)


# ---------- sessions: own candidates, one lock --------------------------------------------------


def test_a_loaded_candidate_locks_out_other_sessions(lab_devices: SampleLab, platform: str) -> None:
    first = _driver(lab_devices, platform)
    second = _driver(lab_devices, platform, lock_timeout=0)
    with first, second:
        first.load_replace_candidate(config=bundle.encode(_files(lab_devices, platform, "1\n")))
        with pytest.raises(LockError, match=f"locked by .*pid .*session {first.holder.session}"):
            second.load_replace_candidate(config=bundle.encode(_files(lab_devices, platform)))
        assert "+1" in first.compare_config()  # the refused session touched nothing of it
        first.discard_config()
        second.load_replace_candidate(config=bundle.encode(_files(lab_devices, platform)))
        assert second.compare_config() == ""
        second.discard_config()


def test_a_dead_sessions_lock_expires(lab_devices: SampleLab, platform: str) -> None:
    dead = _driver(lab_devices, platform, lock_ttl=2)
    dead.open()
    dead.load_replace_candidate(config=bundle.encode(_files(lab_devices, platform, "dead\n")))
    _drop_connection(dead)
    waiting = _driver(lab_devices, platform, lock_timeout=15)
    with waiting:
        began = time.monotonic()
        waiting.load_replace_candidate(config=bundle.encode(_files(lab_devices, platform)))
        assert time.monotonic() - began < 10
        assert waiting.compare_config() == ""
        waiting.discard_config()


def _drop_connection(driver: UnderlayDriver) -> None:
    """What a killed process leaves: the TCP connection gone, nothing discarded or unlocked.
    (A mock of the death itself: killing this test's own process is not an option.)"""
    session = driver._session
    assert session is not None
    session.client.close()
    driver._session = None


def test_concurrent_plans_never_fail_or_cross(lab_devices: SampleLab, platform: str) -> None:
    """Two repositories with different banners plan the same device at once, 3 rounds."""
    seen: dict[str, list[str]] = {"one": [], "two": []}
    errors: list[BaseException] = []

    def plan(who: str) -> None:
        try:
            with _driver(lab_devices, platform) as driver:
                for _ in range(3):
                    files = _files(lab_devices, platform, f"banner of {who}\n")
                    driver.load_replace_candidate(config=bundle.encode(files))
                    seen[who].append(driver.compare_config())
                    driver.discard_config()
        except BaseException as exc:
            errors.append(exc)

    _together(lambda: plan("one"), lambda: plan("two"))
    assert not errors, errors
    for who, other in (("one", "two"), ("two", "one")):
        assert len(seen[who]) == 3
        assert all(f"+banner of {who}" in d and f"banner of {other}" not in d for d in seen[who])


def test_concurrent_applies_never_interleave(lab_devices: SampleLab, platform: str) -> None:
    """Two appliers commit-confirm different banners at once: one wins, the other is refused
    naming the holder (the lock) or the pending commit; the device holds exactly one of them."""
    outcome: dict[str, str] = {}

    def apply(who: str) -> None:
        try:
            with _driver(lab_devices, platform, lock_timeout=0) as driver:
                files = _files(lab_devices, platform, f"applied by {who}\n")
                driver.load_replace_candidate(config=bundle.encode(files))
                driver.commit_config(revert_in=30)
                time.sleep(1)
                driver.confirm_commit()
                outcome[who] = "confirmed"
        except (LockError, CommitConfirmException) as exc:
            outcome[who] = f"refused: {exc}"

    try:
        _together(lambda: apply("one"), lambda: apply("two"))
        winners = [w for w, o in outcome.items() if o == "confirmed"]
        assert len(winners) == 1, outcome
        loser = "two" if winners == ["one"] else "one"
        assert "locked by" in outcome[loser] or "pending confirmation" in outcome[loser]
        with lab_devices.driver(NODES[platform]) as driver:
            banner = driver.extensions.running_artifacts()[BANNER]
        assert banner == f"applied by {winners[0]}\n"
    finally:
        _restore(lab_devices, platform)


def _together(*jobs: Callable[[], None]) -> None:
    threads = [threading.Thread(target=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


# ---------- what the device keeps -------------------------------------------------------------


def test_no_candidate_of_a_session_is_left_behind(lab_devices: SampleLab, platform: str) -> None:
    with lab_devices.driver(NODES[platform]) as driver:
        driver.load_replace_candidate(config=bundle.encode(_files(lab_devices, platform)))
        session = driver.holder.session
        listing = f"sudo -n ls -A {device.CANDIDATES}; sudo -n cat {device.LOCK} 2>/dev/null; true"
        assert session in driver._check(listing)
    with lab_devices.driver(NODES[platform]) as driver:
        assert session not in driver._check(listing)  # close() discarded it and unlocked
