"""The supervisor: starts API worker processes, restarts crashed ones, drains on SIGTERM.

Workers are ``python -m tiffin.server._worker`` processes, each binding the port with
``SO_REUSEPORT``. A worker that exits is restarted with exponential backoff; one whose
service cannot start (exit status 3), or five crashes within a minute, stop the server with
the cause. SIGTERM or SIGINT forwards SIGTERM to every worker, which stops accepting,
finishes in-flight requests, runs shutdown hooks and exits; the supervisor then exits 0.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tiffin.exceptions import ConfigurationError
from tiffin.server._cluster import RUN_DIR_VARIABLE, WORKER_SLOT_VARIABLE, Cluster
from tiffin.server._settings import ServeConfig
from tiffin.server._worker import CONFIG_VARIABLE, STARTUP_FAILED, config_to_environment

__all__ = ["Supervisor"]

logger = logging.getLogger("tiffin.server")

_TICK = 0.1
_CRASH_WINDOW = 60.0
_MAX_CRASHES = 5
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
)


class _Worker:
    def __init__(self, slot: int) -> None:
        self.slot = slot
        self.process: subprocess.Popen[bytes] | None = None
        self.crashes: list[float] = []
        self.restart_at = 0.0


class Supervisor:
    """Runs ``workers`` API worker processes for one service until told to stop."""

    def __init__(
        self,
        config: ServeConfig,
        workers: int,
        *,
        cpu: float | None = None,
        gpus: list[list[str]] | None = None,
    ) -> None:
        self.config = config
        self.workers = [_Worker(slot) for slot in range(workers)]
        self.cpu = cpu
        self.gpus = gpus
        self.run_dir = Path(tempfile.mkdtemp(prefix="tiffin-run-"))
        self.cluster = Cluster(self.run_dir)
        (self.run_dir / "metrics").mkdir()
        # So that this process's own metrics (restarts) join the workers' in /metrics.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(self.run_dir / "metrics")
        self._stopping = False
        self._failure: str | None = None

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT (exit status 0) or a fatal worker failure (1)."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.cluster.expect(len(self.workers))
            for worker in self.workers:
                self._start(worker)
            while not self._stopping:
                time.sleep(_TICK)
                self._check_workers()
            self._drain()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            shutil.rmtree(self.run_dir, ignore_errors=True)
        if self._failure:
            logger.error("%s", self._failure)
            return 1
        return 0

    def _stop(self, signum: int, frame: Any) -> None:
        self._stopping = True

    def _environment(self, worker: _Worker) -> dict[str, str]:
        env = dict(os.environ)
        env[CONFIG_VARIABLE] = config_to_environment(self.config)
        env[RUN_DIR_VARIABLE] = str(self.run_dir)
        env[WORKER_SLOT_VARIABLE] = str(worker.slot)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(self.run_dir / "metrics")
        if self.cpu is not None:
            threads = str(max(1, math.ceil(self.cpu)))
            for variable in _THREAD_VARIABLES:
                env.setdefault(variable, threads)
        if self.gpus:
            env["CUDA_VISIBLE_DEVICES"] = ",".join(self.gpus[worker.slot % len(self.gpus)])
        return env

    def _start(self, worker: _Worker) -> None:
        command = [sys.executable, "-m", "tiffin.server._worker"]
        worker.process = subprocess.Popen(command, env=self._environment(worker))
        logger.debug("Started worker %d (pid %d)", worker.slot, worker.process.pid)

    def _check_workers(self) -> None:
        now = time.monotonic()
        for worker in self.workers:
            process = worker.process
            if process is None:
                if now >= worker.restart_at:
                    self._start(worker)
                continue
            code = process.poll()
            if code is None:
                continue
            self._reap(worker, process.pid)
            if self._stopping:
                continue
            if code == STARTUP_FAILED:
                self._fail(f"Worker {worker.slot} could not start the service; see its log above.")
                return
            worker.crashes = [t for t in worker.crashes if now - t < _CRASH_WINDOW] + [now]
            if len(worker.crashes) >= _MAX_CRASHES:
                self._fail(
                    f"Worker {worker.slot} crashed {len(worker.crashes)} times within "
                    f"{_CRASH_WINDOW:.0f} s (last exit status {code}); stopping. See its log above."
                )
                return
            delay = min(30.0, 0.5 * 2 ** (len(worker.crashes) - 1))
            worker.restart_at = now + delay
            logger.warning(
                "Worker %d exited with status %s; restarting it in %.1f s.",
                worker.slot,
                code,
                delay,
            )
            from tiffin.server._metrics import WORKER_RESTARTS

            WORKER_RESTARTS.inc()

    def _reap(self, worker: _Worker, pid: int) -> None:
        worker.process = None
        self.cluster.forget(worker.slot)
        with contextlib.suppress(Exception):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(pid, str(self.run_dir / "metrics"))  # type: ignore[no-untyped-call]

    def _fail(self, message: str) -> None:
        self._failure = message
        self._stopping = True

    def _drain(self) -> None:
        running = [w.process for w in self.workers if w.process is not None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.config.graceful_timeout + 5
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("Worker pid %d did not stop in time; killing it.", process.pid)
                process.kill()
                process.wait()


def check_port(host: str, port: int) -> None:
    """Fail early, with the fix, when another program holds the port."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot listen on {host}:{port} ({exc.strerror}); stop what uses it or pick "
                "another port with --port."
            ) from None
