"""The parts of the supervisor that decide without processes: per-worker environment, GPU
assignment, the workers' shared readiness folder, the port check and the traffic gate."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tiffin.exceptions import ConfigurationError, ServiceUnavailable
from tiffin.server import ServeConfig
from tiffin.server._cluster import Cluster
from tiffin.server._gpus import assign_gpus, visible_gpus
from tiffin.server._supervisor import Supervisor, check_port
from tiffin.server._traffic import TrafficGate
from tiffin.server._worker import CONFIG_VARIABLE


@pytest.fixture
def supervisor_factory() -> Iterator[type[Supervisor]]:
    made: list[Supervisor] = []

    class Tracked(Supervisor):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    yield Tracked
    for supervisor in made:
        shutil.rmtree(supervisor.run_dir, ignore_errors=True)


def test_each_worker_gets_its_own_gpus(supervisor_factory: type[Supervisor]) -> None:
    supervisor = supervisor_factory(ServeConfig(target="m:S"), 2, gpus=[["0"], ["1"]])
    envs = [supervisor._environment(worker) for worker in supervisor.workers]
    assert [env["CUDA_VISIBLE_DEVICES"] for env in envs] == ["0", "1"]


def test_cpu_request_sets_thread_count_variables_rounded_up(
    supervisor_factory: type[Supervisor],
) -> None:
    os.environ.pop("OMP_NUM_THREADS", None)
    supervisor = supervisor_factory(ServeConfig(target="m:S"), 1, cpu=2.5)
    env = supervisor._environment(supervisor.workers[0])
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "3"


def test_thread_count_variables_set_by_the_user_are_kept(
    supervisor_factory: type[Supervisor],
) -> None:
    os.environ["OMP_NUM_THREADS"] = "7"
    supervisor = supervisor_factory(ServeConfig(target="m:S"), 1, cpu=0.5)
    env = supervisor._environment(supervisor.workers[0])
    assert (env["OMP_NUM_THREADS"], env["MKL_NUM_THREADS"]) == ("7", "1")


def test_workers_get_the_config_slot_and_shared_folders(
    supervisor_factory: type[Supervisor],
) -> None:
    supervisor = supervisor_factory(ServeConfig(target="m:S", port=4000), 2)
    env = supervisor._environment(supervisor.workers[1])
    assert '"port": 4000' in env[CONFIG_VARIABLE]
    assert env["TIFFIN_WORKER_SLOT"] == "1"
    assert env["TIFFIN_RUN_DIR"] == str(supervisor.run_dir)
    assert env["PROMETHEUS_MULTIPROC_DIR"] == str(supervisor.run_dir / "metrics")


def test_gpus_are_given_per_worker_from_the_visible_ones() -> None:
    os.environ["CUDA_VISIBLE_DEVICES"] = "0,1,2,3"
    assert assign_gpus(2, 2, strict=False) == [["0", "1"], ["2", "3"]]


def test_workers_share_gpus_when_there_are_too_few(caplog: pytest.LogCaptureFixture) -> None:
    os.environ["CUDA_VISIBLE_DEVICES"] = "0"
    assert assign_gpus(1, 3, strict=False) == [["0"]]
    assert "workers will share them" in caplog.text


def test_no_gpu_requested_assigns_none() -> None:
    assert assign_gpus(0, 4, strict=True) is None


def test_gpus_requested_but_absent_warn(caplog: pytest.LogCaptureFixture) -> None:
    os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    with caplog.at_level(logging.WARNING):
        assert assign_gpus(1, 1, strict=False) is None
    assert "will run on the CPU" in caplog.text


def test_gpus_requested_but_absent_is_an_error_in_strict_mode() -> None:
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    with pytest.raises(ConfigurationError, match="--strict"):
        assign_gpus(1, 1, strict=True)


def test_visible_gpus_follow_cuda_visible_devices() -> None:
    os.environ["CUDA_VISIBLE_DEVICES"] = "2, 5"
    assert visible_gpus() == ["2", "5"]


def test_cluster_is_ready_when_every_expected_worker_marked_itself(tmp_path: Path) -> None:
    Cluster(tmp_path).expect(2)
    Cluster(tmp_path, slot=0).mark_ready()
    assert Cluster(tmp_path, slot=0).workers_ready() == (1, 2)
    Cluster(tmp_path, slot=1).mark_ready()
    assert Cluster(tmp_path).workers_ready() == (2, 2)


def test_cluster_forgets_a_dead_worker(tmp_path: Path) -> None:
    supervisor_view = Cluster(tmp_path)
    supervisor_view.expect(1)
    Cluster(tmp_path, slot=0).mark_ready()
    supervisor_view.forget(0)
    assert supervisor_view.workers_ready() == (0, 1)


def test_cluster_without_expectations_is_not_ready(tmp_path: Path) -> None:
    assert Cluster(tmp_path).workers_ready() == (0, 0)


def test_port_in_use_is_an_error_naming_the_fix() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(ConfigurationError, match="pick another port with --port"):
            check_port("127.0.0.1", port)


def test_traffic_gate_refuses_at_once_when_the_queue_is_full() -> None:
    async def scenario() -> None:
        gate = TrafficGate(1, 0)
        await gate.acquire("f")
        with pytest.raises(ServiceUnavailable) as caught:
            await gate.acquire("f")
        assert caught.value.retry_after == 1

    asyncio.run(scenario())


def test_traffic_gate_drops_a_cancelled_waiter_from_the_queue() -> None:
    async def scenario() -> None:
        gate = TrafficGate(1, 1)
        await gate.acquire("f")
        waiter = asyncio.ensure_future(gate.acquire("f"))
        await asyncio.sleep(0)
        assert gate.waiting == 1
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert gate.waiting == 0
        gate.release()
        assert gate.active == 0

    asyncio.run(scenario())


def test_traffic_gate_passes_on_a_slot_given_to_a_cancelled_waiter() -> None:
    async def scenario() -> None:
        gate = TrafficGate(1, 2)
        await gate.acquire("f")
        first = asyncio.ensure_future(gate.acquire("f"))
        second = asyncio.ensure_future(gate.acquire("f"))
        await asyncio.sleep(0)
        gate.release()  # the slot goes to `first`...
        first.cancel()  # ...which is cancelled before it runs: `second` must get it
        with pytest.raises(asyncio.CancelledError):
            await first
        await asyncio.wait_for(second, 10)
        assert (gate.active, gate.waiting) == (1, 0)

    asyncio.run(scenario())


def test_a_full_queue_is_counted_as_a_rejection() -> None:
    from prometheus_client import REGISTRY

    labels = {"api": "gated", "reason": "queue_full"}

    def rejected() -> float:
        return REGISTRY.get_sample_value("tiffin_rejections_total", labels) or 0.0

    before = rejected()

    async def scenario() -> None:
        gate = TrafficGate(1, 0)
        await gate.acquire("gated")
        with pytest.raises(ServiceUnavailable):
            await gate.acquire("gated")

    asyncio.run(scenario())
    assert rejected() == before + 1
