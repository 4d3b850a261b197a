"""plan, drift and apply through Celery workers (issue 13, item 3), against the real lab.

Everything is real: a redis-server started here on a free loopback port in a temporary
directory (stopped by its PID), two `underlay worker` processes (queues fra1 and fra2) with
credentials of their own - a password set in their environment, which the calling process
never sees, on a lab built with that password - and the brownfield sample lab. A worker is
SIGKILLed in the middle of an apply. Redis's MONITOR records every command sent to the broker
from the first plan to the last apply, and the test reads it all, and every key and value left.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import lab
from engine.apply.model import ApplyReport, Options
from engine.apply.run import apply_plan
from engine.execute import Execution, Executor
from engine.plan.model import Action, Plan
from engine.plan.run import run_plan
from engine.record import AuditStore, Outcome
from engine.validate import validate
from engine.views import plan as plan_views
from tests.conftest import REPO_ROOT
from tests.lab.helpers import lab_inputs
from tests.lab.test_apply_lab import TUESDAY_NIGHT, _commit, _repo, _running
from tests.lab.test_plan_lab import EXPECTED_UPDATES

redis = pytest.importorskip("redis", reason="the celery extra: pip install 'underlay[celery]'")
distributed = pytest.importorskip("engine.execute.distributed", reason="the celery extra")

QUEUES = ("fra1", "fra2")
WAIT_FOR_WORKER = 3  # seconds: the repository's bound on a queue without a worker
UNDERLAY = [sys.executable, "-m", "engine.cli"]
VOLATILE = ("seconds", "created")  # timings; worker names are not in a plan


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(**extra: str) -> dict[str, str]:
    """This process's environment with the checkout first on the path, plus `extra`."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def test_an_unreachable_broker_is_a_clear_error_within_10_s(tmp_path: Path) -> None:
    """No lab needed: nothing is contacted before the broker answers."""
    closed = f"redis://127.0.0.1:{_free_port()}/0"
    began = time.monotonic()
    proc = subprocess.run(
        [*UNDERLAY, "--repo", str(REPO_ROOT), "plan", "--executor", "celery"],
        env=_env(UNDERLAY_BROKER_URL=closed),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert time.monotonic() - began < 10
    assert proc.returncode == 1, proc.stderr
    assert f"underlay: cannot reach the broker {closed}" in proc.stderr
    assert "Traceback" not in proc.stderr


class Redis:
    """A redis-server of the test's own, and a MONITOR log of everything sent to it."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("redis-server") is None:
            _missing("redis-server (Debian's redis-server: .ci/install)")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.server = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(folder), "--save", "", "--appendonly", "no"],
            stdout=(folder / "redis.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.client = redis.Redis.from_url(self.url)
        _until(self._answers, 10, "redis-server did not start")
        self.monitor = subprocess.Popen(
            ["redis-cli", "-p", str(self.port), "monitor"],
            stdout=(folder / "monitor.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def _answers(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def everything(self) -> str:
        """The MONITOR log so far, then every key and its value (of any type)."""
        parts = [(self.folder / "monitor.log").read_text(errors="replace")]
        for key in self.client.scan_iter(count=1000):
            parts += [repr(key), repr(_value(self.client, key))]
        return "\n".join(parts)

    def stop(self) -> None:
        for proc in (self.monitor, self.server):
            _stop(proc)


def _value(client: Any, key: bytes) -> Any:
    kind = client.type(key).decode()
    read = {
        "string": client.get,
        "list": lambda k: client.lrange(k, 0, -1),
        "set": client.smembers,
        "zset": lambda k: client.zrange(k, 0, -1, withscores=True),
        "hash": client.hgetall,
    }
    return read[kind](key) if kind in read else kind


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed", pytrace=False)
    pytest.skip(f"{what} is not installed")


def _until(check: Any, seconds: float, failure: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, failure
        time.sleep(0.1)


def _forms(secret: str) -> list[str]:
    """The secret as text, and the part of its base64 that any alignment keeps (kombu sends
    message bodies base64-encoded)."""
    raw = secret.encode()
    found = [secret]
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        found.append(encoded[-(-8 * shift // 6) : 8 * (shift + len(raw)) // 6])
    return found


@pytest.mark.lab
class TestThroughWorkers:
    """One brownfield lab, one Redis, workers for fra1 and fra2; in order: plans and drift
    equal the local executor's, a queue without a worker, an apply with a worker killed, the
    next apply, and no secret anywhere in Redis."""

    @pytest.fixture(scope="class")
    def password(self) -> str:
        return f"celery-canary-{secrets.token_hex(12)}"

    @pytest.fixture(scope="class")
    def state_dir(self, tmp_path_factory: pytest.TempPathFactory, password: str) -> Iterator[Path]:
        """The sample's brownfield lab; its user's password is the test's canary secret."""
        if lab.preflight():
            pytest.skip("lab host not ready")  # the lab marker's hook already failed it in CI
        state_dir = tmp_path_factory.mktemp("celery-lab") / "state"
        spec = lab.lab_spec(validate(REPO_ROOT).inventory, converged=False).spec
        try:
            lab.up(dataclasses.replace(spec, password=password), state_dir, timeout=60)
            yield state_dir
        finally:
            lab.down(state_dir)

    @pytest.fixture(scope="class")
    def broker(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
        server = Redis(tmp_path_factory.mktemp("redis"))
        try:
            yield server
        finally:
            server.stop()

    @pytest.fixture(scope="class")
    def repo(self, tmp_path_factory: pytest.TempPathFactory, broker: Redis) -> Path:
        repo = _repo(tmp_path_factory, "celery-repo")
        (repo / "underlay.yaml").write_text(
            "execution:\n  executor: celery\n"
            f"  broker: {broker.url}\n  wait_for_worker: {WAIT_FOR_WORKER}\n"
        )
        _commit(repo, "run device tasks on the sites' workers")
        return repo

    @pytest.fixture(scope="class")
    def workers(
        self, repo: Path, state_dir: Path, broker: Redis, password: str,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> Iterator[Workers]:  # fmt: skip
        started = Workers(repo, state_dir, broker, password, tmp_path_factory.mktemp("workers"))
        try:
            for queue in QUEUES:
                started.start(queue)
            yield started
        finally:
            started.stop()

    @pytest.fixture(scope="class")
    def execution(self, broker: Redis) -> Execution:
        return Execution(executor="celery", broker=broker.url, wait_for_worker=WAIT_FOR_WORKER)

    def test_a_plan_through_the_workers_equals_the_local_plan(
        self, repo: Path, state_dir: Path, workers: Workers, tmp_path: Path
    ) -> None:
        local = _plan(repo, state_dir, None)
        proc = _cli(repo, state_dir, "plan", "--out", str(tmp_path / "plan.json"))
        assert proc.returncode == 0, proc.stderr
        distributed_plan = json.loads((tmp_path / "plan.json").read_text())
        assert _stable(distributed_plan) == _stable(json.loads(plan_views.json_view(local)))
        assert {d.name for d in local.devices if d.action is Action.UPDATE} == EXPECTED_UPDATES
        assert workers.ran_jobs() == set(QUEUES)

    def test_drift_through_the_workers_equals_local_drift(
        self, repo: Path, state_dir: Path, workers: Workers
    ) -> None:
        local = _cli(repo, state_dir, "drift", "--format", "json", "--no-record",
                     "--executor", "local")  # fmt: skip
        remote = _cli(repo, state_dir, "drift", "--format", "json", "--no-record")
        assert local.returncode == remote.returncode == 2, remote.stderr  # changes
        assert _stable(json.loads(remote.stdout)) == _stable(json.loads(local.stdout))

    def test_a_queue_without_a_worker_is_reported_and_the_others_proceed(
        self, repo: Path, state_dir: Path, workers: Workers, execution: Execution
    ) -> None:
        elsewhere = execution.model_copy(update={"queues": {"fra2": "fra2-nobody"}})
        began = time.monotonic()
        plan = _plan(repo, state_dir, elsewhere)
        assert time.monotonic() - began < WAIT_FOR_WORKER + 30
        for device in plan.devices:
            if device.name.startswith("fra2-"):
                assert device.action is Action.UNREACHABLE, device
                assert device.error == (
                    f"no worker for queue fra2-nobody (waited {WAIT_FOR_WORKER} s)"
                )
            else:
                assert device.action in (Action.UPDATE, Action.NOOP), device

    def test_a_worker_killed_during_an_apply(
        self, repo: Path, state_dir: Path, workers: Workers, execution: Execution,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> None:  # fmt: skip
        """SIGKILL the fra2 worker while a fra2 device holds an armed commit: the device is
        reported unknown (never confirmed), reverts by its own timer, and the next apply
        (with a new fra2 worker) reports the run that lost it, checks it and applies it."""
        plan_path = tmp_path_factory.mktemp("kill") / "plan.json"
        plan = _plan(repo, state_dir, execution)
        plan_path.write_text(plan_views.json_view(plan))
        fra2 = sorted(n for n in EXPECTED_UPDATES if n.startswith("fra2-"))
        before = {name: _running(repo, state_dir, name) for name in fra2}
        killed: list[str] = []
        killer = threading.Thread(target=workers.kill_when_pending, args=("fra2", fra2, killed))
        killer.start()
        report = _apply(repo, state_dir, plan_path, execution)
        killer.join()
        assert killed, "no fra2 device ever held a pending commit"
        outcomes = {d.name: d.outcome for d in report.devices}
        assert report.status == "failed"
        assert outcomes[killed[0]] is Outcome.UNKNOWN, report.device(killed[0])
        assert "its state is unknown" in report.device(killed[0]).reason
        assert all(outcomes[n] is not Outcome.CONFIRMED for n in fra2)
        assert all(outcomes[n] is Outcome.CONFIRMED for n in EXPECTED_UPDATES - set(fra2))
        finished = list(AuditStore(repo).records())[-1]
        assert finished.device(killed[0]).outcome is Outcome.UNKNOWN  # type: ignore[union-attr]
        _until(lambda: not _pending(state_dir, killed[0]), 45, "the device's timer never fired")
        assert _running(repo, state_dir, killed[0]) == before[killed[0]]

        workers.start("fra2")
        again = _apply(repo, state_dir, plan_path, execution)
        assert [i.run for i in again.interrupted] == [report.run]
        assert killed[0] in again.interrupted[0].unknown
        assert again.status == "applied", again
        assert {d.name for d in again.devices if d.outcome is Outcome.CONFIRMED} == set(fra2)
        assert AuditStore(repo).interrupted() == []

    def test_an_import_through_the_workers(
        self, repo: Path, state_dir: Path, workers: Workers, tmp_path: Path
    ) -> None:
        """Each address read by its site's worker (the site by address range), with the
        worker's own credentials (a password the caller does not have): the repository written
        equals a local import's, and renders back to the devices."""
        inventory = validate(REPO_ROOT).inventory
        nodes = {**inventory.devices, **inventory.servers}
        fra2 = [f"fra2={o.management.address}/32" for o in nodes.values() if o.site == "fra2"]
        common = ["--allow", "198.18.0.0/15", "--credentials", "lab", "--format", "json",
                  *(f"--site-rule={rule}" for rule in [*fra2, "fra1=198.18.0.0/24"])]  # fmt: skip
        for o in nodes.values():
            common += ["--address", str(o.management.address)]
        remote = _cli(repo, state_dir, "import", "--out", str(tmp_path / "remote"), *common)
        local = _cli(repo, state_dir, "import", "--out", str(tmp_path / "local"), *common,
                     "--executor", "local")  # fmt: skip
        assert remote.returncode == local.returncode == 0, remote.stdout + remote.stderr
        report = json.loads(remote.stdout)
        assert report["counts"] == {"imported": 18} and report["round_trip"] == []
        for queue in QUEUES:  # each site's worker ran the import jobs of its site's addresses
            assert "lldp_addresses" in workers._log_of(queue), queue  # an import's reply field
        for name in nodes:  # the repository is the one a local import writes
            kind = "devices" if name in inventory.devices else "servers"
            mine = (tmp_path / "remote" / "inventory" / kind / f"{name}.yaml").read_text()
            assert mine == (tmp_path / "local" / "inventory" / kind / f"{name}.yaml").read_text()

    def test_no_secret_in_redis_nor_in_the_workers_output(
        self, broker: Redis, workers: Workers, password: str, state_dir: Path
    ) -> None:
        """After the plans, drift and applies above (run last: the class's order)."""
        key = Path(lab.read_state(lab.LabPaths(state_dir)).private_key).read_text()
        body = max(key.splitlines(), key=len)  # a line of the private key's contents
        seen = broker.everything()
        assert "underlay.device" in seen  # the log is the real one, and the scan would see a
        assert any(form in seen for form in _forms("fra2-core01")[1:])  # body's base64 text
        for secret in [*_forms(password), body]:
            assert secret not in seen
            assert secret not in workers.output()


class Workers:
    """`underlay worker --queue Q` processes, each with the lab credentials in its own
    environment (a password: the callers have none)."""

    def __init__(self, repo: Path, state_dir: Path, broker: Redis, password: str,
                 logs: Path) -> None:  # fmt: skip
        self.repo, self.state_dir, self.broker, self.logs = repo, state_dir, broker, logs
        self.env = _env(
            UNDERLAY_CREDENTIALS_LAB_USERNAME="labuser", UNDERLAY_CREDENTIALS_LAB_PASSWORD=password
        )
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, queue: str) -> None:
        log = (self.logs / f"{queue}-{len(list(self.logs.iterdir()))}.log").open("w")
        self.procs[queue] = subprocess.Popen(
            [*UNDERLAY, "--repo", str(self.repo), "worker", "--queue", queue, "--lab-state-dir",
             str(self.state_dir), "--loglevel", "INFO"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        proc = self.procs[queue]
        beating = f"underlay:workers:{queue}:*.{proc.pid}"  # this one, not a killed one's
        _until(
            lambda: any(self.broker.client.scan_iter(match=beating)) or proc.poll() is not None,
            30,
            f"{queue}: no worker",
        )
        assert proc.poll() is None, (self.logs / log.name).read_text()

    def ran_jobs(self) -> set[str]:
        """The queues whose workers logged a task they ran (Celery's INFO lines)."""
        return {q for q in QUEUES if "underlay.device" in self._log_of(q)}

    def _log_of(self, queue: str) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs.glob(f"{queue}-*.log"))

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs.glob("*.log"))

    def kill_when_pending(self, queue: str, names: list[str], killed: list[str]) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if any(_pending(self.state_dir, n) for n in names):
                os.kill(self.procs[queue].pid, signal.SIGKILL)
                self.procs[queue].wait()
                # pending after the kill: no confirm can come for them any more
                killed += [n for n in names if _pending(self.state_dir, n)]
                return
            time.sleep(0.05)

    def stop(self) -> None:
        for proc in self.procs.values():
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process this test started, by its PID: SIGTERM, then SIGKILL after 15 s."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _pending(state_dir: Path, node: str) -> bool:
    check = ["test", "-f", "/run/underlay/pending.pid"]
    return lab.node_exec(state_dir, node, check).returncode == 0


def _plan(repo: Path, state_dir: Path, execution: Execution | None) -> Plan:
    inventory = validate(repo).inventory
    intended, store = lab_inputs(repo, inventory, state_dir)
    if execution is None:
        return run_plan(repo, inventory, intended, store)
    with distributed.CeleryExecutor.connect(execution) as executor:
        return run_plan(repo, inventory, intended, store, executor=executor)


def _apply(repo: Path, state_dir: Path, plan: Path, execution: Execution) -> ApplyReport:
    inventory = validate(repo).inventory
    intended, store = lab_inputs(repo, inventory, state_dir)
    executor: Executor
    with distributed.CeleryExecutor.connect(execution) as executor:
        return apply_plan(
            repo, inventory, plan, Options(timeout=5, confirm_timeout=30), intended, store,
            now=TUESDAY_NIGHT, executor=executor,
        )  # fmt: skip


def _cli(repo: Path, state_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*UNDERLAY, "--repo", str(repo), *args[:1], "--lab-state-dir", str(state_dir), *args[1:]],
        env=_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _stable(value: Any) -> Any:
    """A plan's or drift report's JSON without what differs between two runs: timings."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value
