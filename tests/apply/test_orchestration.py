"""The apply orchestration without the lab: refusal order, canary and batches, stopping after a
failed batch, per-device outcomes and the audit records.

Real components wherever they run here: a git repository with an inventory, the real
`run_plan` writing the plan file, the real `apply_plan`, the real audit store and its verify.
Only the devices are stand-ins (tests/apply/standin.py says why): `frr` is mapped to the
stand-in driver in the registry's BUILTIN dict for each test's duration. The clock is injected
(a Tuesday night); settle is 0 and engine.apply.device's POLL and GRACE are made short, so a
regression that waits cannot hold the suite for minutes.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from napalm.base import NetworkDriver

from engine.apply import device as apply_device
from engine.apply.lock import LOCK_FILE, ApplyLock
from engine.apply.model import ApplyReport, Options
from engine.apply.run import apply_plan
from engine.drivers import bundle
from engine.drivers.registry import BUILTIN
from engine.model.layout import Inventory
from engine.plan.model import Action, Plan
from engine.plan.run import run_plan
from engine.record import Actor, AuditStore, Outcome, Record, new_run, verify
from engine.render import Intended, render, render_intended
from engine.secrets import CredentialStore
from engine.validate import validate
from tests.apply.standin import Box, Network, StandInDriver
from tests.apply.test_gate import (
    RULE,  # one rule that the NTP servers of the base case break
    _git,
)

NOW = datetime(2026, 6, 2, 21, 30, tzinfo=UTC)  # a Tuesday, 23:30 in Berlin
DEVICES = ("r1", "r2", "r3", "r4", "r5")
CREDENTIALS = "standin"
OLD_BANNER = "Unauthorised access prohibited.\n"  # what the devices run before the change
BANNER = "/etc/issue.net"
CHRONY = "/etc/chrony/chrony.conf"

SITES = """\
sites:
  dc1: {description: Primary DC, address: "1 Main St", timezone: Europe/Berlin, tier: datacenter}
"""
VENDORS = "vendors:\n  acme: {name: Acme Networks}\n"
GROUPS = """\
groups:
  baseline:
    ntp:
      servers: [192.0.2.250]
    banner: Authorised access only.
"""
DEVICE = """\
name: {name}
site: dc1
groups: [baseline]
role: core
platform: frr
vendor: acme
model: X1
os: {{version: "8.4.4"}}
management: {{address: 192.0.2.{n}, credentials: {credentials}}}
interfaces:
  lo: {{ipv4: 198.19.0.{n}/32}}
  eth1: {{description: upstream, ipv4: 203.0.113.{local}/31}}
bgp:
  asn: {asn}
  router_id: 198.19.0.{n}
  neighbors:
    - {{address: 203.0.113.{remote}, remote_as: 64999, description: upstream}}
"""
SATURDAYS_ONLY = """\
timezone: Europe/Berlin
windows:
  - {name: saturday, days: [sat], start: "07:00", end: "13:00"}
"""


def _repository(repo: Path) -> Path:
    """A committed repository of five frr devices, each with one eBGP neighbour."""
    (repo / "inventory/devices").mkdir(parents=True)
    for name, text in (("sites", SITES), ("vendors", VENDORS), ("groups", GROUPS)):
        (repo / f"inventory/{name}.yaml").write_text(text)
    for n, name in enumerate(DEVICES, start=1):
        (repo / f"inventory/devices/{name}.yaml").write_text(
            DEVICE.format(name=name, n=n, credentials=CREDENTIALS, local=2 * n,
                          remote=2 * n + 1, asn=65000 + n)
        )  # fmt: skip
    (repo / ".gitignore").write_text(".underlay/\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "inventory")
    return repo


@dataclass(frozen=True)
class Site:
    """A repository, its stand-in devices, and the plan and apply calls the CLI would make."""

    repo: Path
    net: Network

    def intended(self, name: str) -> dict[str, str]:
        return render(validate(self.repo).inventory, name).artifacts()

    def plan(self) -> Path:
        """`underlay plan --out plan.json`."""
        inventory = validate(self.repo).inventory
        plan = run_plan(self.repo, inventory, *self.inputs(inventory), timeout=5)
        path = self.repo.parent / "plan.json"
        path.write_text(plan.model_dump_json(indent=2) + "\n")
        return path

    def apply(
        self, plan: Path, progress: Heard | None = None, **options: object
    ) -> ApplyReport:
        """`underlay apply plan.json`, at NOW."""
        settings: dict[str, object] = {"confirm_timeout": 2, "settle": 0, "timeout": 5} | options
        opts = Options(**settings)  # type: ignore[arg-type]
        inventory = validate(self.repo).inventory
        inputs = self.inputs(inventory)
        return apply_plan(self.repo, inventory, plan, opts, *inputs, now=NOW, progress=progress)

    def inputs(self, inventory: Inventory) -> tuple[Intended, CredentialStore]:
        """What the CLI hands the stages: the configs rendered once, the credentials."""
        everything = [*inventory.devices, *inventory.servers]
        return render_intended(inventory, everything), CredentialStore(self.repo, inventory)

    def records(self) -> list[Record]:
        return list(AuditStore(self.repo).records())


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    """Five devices that run their intended config with an old login banner (the change)."""
    repo = _repository(tmp_path / "repo")
    net = Network()
    monkeypatch.setattr(StandInDriver, "network", net)
    monkeypatch.setitem(BUILTIN, "frr", StandInDriver)
    monkeypatch.setattr(apply_device, "POLL", 0.01)
    monkeypatch.setattr(apply_device, "GRACE", 0.5)
    monkeypatch.setenv("UNDERLAY_CREDENTIALS_STANDIN_USERNAME", "netops")
    monkeypatch.setenv("UNDERLAY_CREDENTIALS_STANDIN_PASSWORD", "not-a-real-password")
    found = Site(repo, net)
    inventory = validate(repo).inventory
    for name, obj in inventory.devices.items():
        running = found.intended(name) | {BANNER: OLD_BANNER}
        net.add(str(obj.management.address), Box(name, running))
    return found


def _unchanged(net: Network) -> bool:
    return all(b.running == b.initial and not b.pending for b in net.boxes.values())


def test_the_stand_in_keeps_napalms_signatures() -> None:
    """apply and collect call it exactly as they call a real driver."""
    own = {
        name
        for name, member in vars(StandInDriver).items()
        if inspect.isfunction(member) and (not name.startswith("_") or name == "__init__")
    }
    assert own <= set(dir(NetworkDriver))
    for name in sorted(own):
        ours = inspect.signature(getattr(StandInDriver, name)).parameters.values()
        theirs = inspect.signature(getattr(NetworkDriver, name)).parameters.values()
        assert [(p.name, p.kind, p.default) for p in ours] == [
            (p.name, p.kind, p.default) for p in theirs
        ], name


# ---------- refusals ---------------------------------------------------------------------------


def test_refusals_come_in_the_documented_order(site: Site) -> None:
    """Every reason to refuse at once, then taken away one by one: each refusal shows up in
    the order of engine/apply/run.py, and none before the device check contacts a device."""
    plan = site.plan()
    planned = site.net.opened  # the plan's own sessions
    windows = site.repo / "standards/change-control/windows.yaml"
    windows.parent.mkdir(parents=True)
    windows.write_text(SATURDAYS_ONLY)
    (site.repo / "standards/time.yaml").write_text(RULE)
    sites = site.repo / "inventory/sites.yaml"
    sites.write_text(SITES + "# edited after the plan\n")
    site.net.box("r2").running[CHRONY] = "server 192.0.2.99 iburst\n"  # by hand, on the device

    def refused(path: Path) -> tuple[str, str, tuple[str, ...]]:
        report = site.apply(path)
        assert report.status == "refused" and report.refusal is not None
        return report.refusal.kind, report.refusal.message, report.refusal.details

    with ApplyLock(site.repo, "apply-someone-else"):
        kind, message, _ = refused(site.repo.parent / "missing.json")
        assert kind == "invalid-plan" and "missing.json" in message
        kind, message, details = refused(plan)
        assert kind == "window" and "no change allowed now" in message
        windows.unlink()
        kind, message, details = refused(plan)
        assert kind == "stale" and "inventory changed" in message
        assert details == ("changed: inventory/sites.yaml",)
        sites.write_text(SITES)
        kind, message, details = refused(plan)
        assert kind == "standards" and "1 unwaived error(s)" in message  # one group value
        (site.repo / "standards/time.yaml").unlink()
        kind, message, _ = refused(plan)
        assert kind == "locked" and "apply-someone-else" in message
        assert site.net.opened == planned  # no device was contacted so far
    kind, message, details = refused(plan)
    assert kind == "stale" and details == ("r2: its running config changed since the plan",)
    assert site.net.opened > planned and site.net.commits() == []
    assert site.records() == [] and (site.repo / LOCK_FILE).read_text() == ""


# ---------- canary and batches -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("canary", "batch", "batches"),
    [
        (1, 2, (("r1",), ("r2", "r3"), ("r4", "r5"))),
        (2, 5, (("r1", "r2"), ("r3", "r4", "r5"))),
    ],
)
def test_a_canary_then_batches_of_n(
    site: Site, canary: int, batch: int, batches: tuple[tuple[str, ...], ...]
) -> None:
    report = site.apply(site.plan(), canary=canary, batch=batch)
    assert report.status == "applied" and report.batches == batches
    assert {d.name: (d.outcome, d.batch) for d in report.devices} == {
        name: (Outcome.CONFIRMED, number)
        for number, names in enumerate(batches, start=1)
        for name in names
    }
    events = site.net.events
    for first, then in itertools.pairwise(batches):
        last_confirm = max(events.index((n, "confirm")) for n in first)
        assert last_confirm < min(events.index((n, "commit")) for n in then)
    assert all(site.net.box(n).running == site.intended(n) for n in DEVICES)


class Heard:
    """What a progress display hears of a run, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    def started(self, name: str) -> None:
        self.events.append(("started", name))

    def done(self, name: str, outcome: str, failed: bool) -> None:
        self.events.append(("done", name, outcome, str(failed)))

    def batch(self, number: int, names: Sequence[str]) -> None:
        self.events.append(("batch", str(number), *names))


def test_progress_hears_each_batch_and_each_device_as_it_finishes(site: Site) -> None:
    heard, plan = Heard(), site.plan()
    site.net.box("r3").rejects = True
    site.apply(plan, progress=heard, canary=1, batch=2)
    assert heard.events[:3] == [("batch", "1", "r1"), ("started", "r1"),
                                ("done", "r1", "confirmed", "False")]  # fmt: skip
    assert heard.events[3] == ("batch", "2", "r2", "r3")
    assert sorted(heard.events[6:]) == [("done", "r2", "confirmed", "False"),
                                        ("done", "r3", "failed", "True")]  # fmt: skip
    assert ("batch", "3", "r4", "r5") not in heard.events  # no batch after a failed one


def test_a_failed_canary_stops_everything(site: Site) -> None:
    plan = site.plan()
    site.net.box("r1").rejects = True
    report = site.apply(plan, canary=1, batch=2)
    assert report.status == "failed"
    r1 = report.device("r1")
    assert r1.outcome is Outcome.FAILED and "rejected the candidate" in r1.reason
    for name, batch in (("r2", 2), ("r3", 2), ("r4", 3), ("r5", 3)):
        skipped = report.device(name)
        assert (skipped.outcome, skipped.batch) == (Outcome.NOOP, batch)
        assert skipped.reason == "not started: batch 1 failed (r1)"
    assert site.net.commits() == [] and _unchanged(site.net)


def test_a_failure_in_batch_2_stops_batch_3(site: Site) -> None:
    plan = site.plan()
    site.net.box("r3").breaks_bgp = True
    report = site.apply(plan, canary=1, batch=2)
    assert report.status == "failed"
    assert {d.name: d.outcome for d in report.devices} == {
        "r1": Outcome.CONFIRMED, "r2": Outcome.CONFIRMED, "r3": Outcome.ROLLED_BACK,
        "r4": Outcome.NOOP, "r5": Outcome.NOOP,
    }  # fmt: skip
    assert report.device("r5").reason == "not started: batch 2 failed (r3)"
    assert sorted(site.net.commits()) == ["r1", "r2", "r3"]
    assert site.net.box("r4").running == site.net.box("r4").initial


# ---------- one device's outcomes --------------------------------------------------------------


def test_a_failed_verification_rolls_back_to_the_config_from_before(site: Site) -> None:
    plan = site.plan()
    r1 = site.net.box("r1")
    r1.breaks_bgp = True
    result = site.apply(plan).device("r1")
    assert result.outcome is Outcome.ROLLED_BACK
    assert result.reason.startswith("verification failed: BGP session with 203.0.113.3 "
                                    "(upstream) was Established before the change")  # fmt: skip
    assert result.reason.endswith("; rolled back")
    assert ("r1", "rollback") in site.net.events and ("r1", "confirm") not in site.net.events
    assert r1.running == r1.initial and not r1.pending
    assert result.after == result.before == bundle.encode(r1.initial)


def test_a_timer_that_fires_before_the_confirm_is_rolled_back_never_confirmed(site: Site) -> None:
    plan = site.plan()
    r1 = site.net.box("r1")
    r1.timer_wins = True
    report = site.apply(plan)
    result = report.device("r1")
    assert result.outcome is Outcome.ROLLED_BACK
    assert "the commit-confirm timer fired before the confirm" in result.reason
    assert "reverted by itself" in result.reason
    assert ("r1", "timer fired") in site.net.events and ("r1", "confirm") not in site.net.events
    assert r1.running == r1.initial and not r1.pending
    finished = site.records()[-1]
    assert {d.name: d.outcome for d in finished.devices}["r1"] is Outcome.ROLLED_BACK


def test_an_unreachable_device_is_unreachable_and_its_batch_goes_on(site: Site) -> None:
    plan = site.plan()
    site.net.box("r2").reachable = False
    report = site.apply(plan, canary=1, batch=5)
    assert report.status == "failed"
    r2 = report.device("r2")
    assert r2.outcome is Outcome.UNREACHABLE and r2.batch == 2
    assert r2.reason.startswith("unreachable at apply time: 192.0.2.2:22: no answer")
    assert {report.device(n).outcome for n in ("r1", "r3", "r4", "r5")} == {Outcome.CONFIRMED}


# ---------- the records ------------------------------------------------------------------------


def test_the_records_of_a_run(site: Site) -> None:
    """A 'started' and a 'finished' record; every device's outcome, its configs before and
    after as backups, the plan's hash and commit; the chain verifies."""
    r5 = site.net.box("r5")
    r5.running = r5.initial = site.intended("r5")  # already in sync: nothing planned
    plan = site.plan()
    site.net.box("r3").breaks_bgp = True
    report = site.apply(plan, canary=1, batch=5)
    started, finished = site.records()
    assert (started.phase, finished.phase) == ("started", "finished")
    assert started.run == finished.run == report.run and started.devices == ()
    assert report.record == finished.id
    assert finished.plan_hash == hashlib.sha256(plan.read_bytes()).hexdigest()
    assert finished.commit == _git(site.repo, "rev-parse", "HEAD")
    assert {d.name: (d.outcome, d.reason) for d in finished.devices} == {
        d.name: (d.outcome, d.reason) for d in report.devices
    }
    assert {d.name: d.outcome for d in finished.devices} == {
        "r1": Outcome.CONFIRMED, "r2": Outcome.CONFIRMED, "r3": Outcome.ROLLED_BACK,
        "r4": Outcome.CONFIRMED, "r5": Outcome.NOOP,
    }  # fmt: skip
    store = AuditStore(site.repo)
    commit = store.entries()[-1].commit
    for name in ("r1", "r3"):
        result = report.device(name)
        assert store.backup(commit, name, "before") == result.before
        assert store.backup(commit, name) == result.after
        outcome = next(d for d in finished.devices if d.name == name)
        assert outcome.after_sha256 == hashlib.sha256((result.after or "").encode()).hexdigest()
    assert report.device("r1").after == bundle.encode(site.intended("r1"))
    assert report.device("r3").after == report.device("r3").before
    assert verify(store) == []


def test_the_same_plan_twice_is_already_applied_and_writes_no_record(site: Site) -> None:
    plan = site.plan()
    assert site.apply(plan).status == "applied"
    head, commits = AuditStore(site.repo).head(), site.net.commits()
    again = site.apply(plan)
    assert again.status == "already-applied" and again.record is None
    assert {d.outcome for d in again.devices} == {Outcome.NOOP}
    assert {d.reason for d in again.devices} == {"already matches the plan (applied before)"}
    assert AuditStore(site.repo).head() == head and site.net.commits() == commits


def test_an_interrupted_run_is_reported_and_its_pending_commit_rolled_back(site: Site) -> None:
    """What an apply killed between commit and confirm leaves: its 'started' record (written
    through the store, as apply writes it) and a commit still pending on r1."""
    plan = site.plan()
    store = AuditStore(site.repo)
    run, began = new_run("apply")
    head = _git(site.repo, "rev-parse", "HEAD")
    dead = Record(kind="apply", phase="started", run=run, actor=Actor.from_env(), commit=head,
                  started=began)  # fmt: skip
    store.append(dead, redact=lambda text: text)
    with StandInDriver("192.0.2.1", "netops", "") as driver:
        driver.load_replace_candidate(config=bundle.encode(site.intended("r1")))
        driver.commit_config(revert_in=600)
    report = site.apply(plan)
    assert [i.run for i in report.interrupted] == [run]
    assert report.interrupted[0].findings == (
        "r1: an unconfirmed commit was pending: rolled back now",
    )
    assert report.status == "applied" and report.device("r1").outcome is Outcome.CONFIRMED
    assert site.net.events[:3] == [("r1", "commit"), ("r1", "rollback"), ("r1", "commit")]
    assert site.records()[-1].acknowledges == (run,)
    assert store.interrupted() == []


def test_the_plan_of_the_stand_in_devices(site: Site) -> None:
    """Guards the fixture: the real plan stage sees each device's banner, and only it, to
    change, and the plan is complete and applyable."""
    plan = Plan.model_validate_json(site.plan().read_text())
    assert plan.complete and plan.applyable
    assert [(d.name, d.action) for d in plan.devices] == [(n, Action.UPDATE) for n in DEVICES]
    for device in plan.devices:
        assert device.config_diff.startswith(f"--- {BANNER}\n+++ {BANNER}\n")
        assert f"-{OLD_BANNER}" in device.config_diff
