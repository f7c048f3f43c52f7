#!/usr/bin/env python3
"""tiffin's serving benchmark: tiffin against its peers, measured in the same run.

    make bench                                  # everything, then benchmarks/RESULTS.md
    .venv/bin/python benchmarks/run.py --help   # scenarios, durations, rounds, ...

Sets up the peers in virtual environments under ``benchmarks/.peers/`` (idempotent), builds the
models once (``benchmarks/.work/``), then for each round, scenario and worker count starts each
framework's server on a free port of 127.0.0.1 (spawn -> first 200 on its readiness route is
"start to ready"), drives it with wrk at each concurrency, samples the memory and CPU of all
its processes, and stops it (process group, SIGTERM then SIGKILL; also at exit). Frameworks are
interleaved within each round, rounds are outermost, and the report gives the median of the
rounds with their spread, and every tiffin figure as a ratio to the peers of the same run.

Runs with the project's venv (it needs tiffin, numpy, scikit-learn and torch to build the
models and measure the in-process ceilings); it uses only the standard library otherwise.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import datetime
import fcntl
import hashlib
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
APPS = ROOT / "apps"
PEERS = ROOT / ".peers"
WORK = ROOT / ".work"
RESULTS_DIR = ROOT / "results"
LUA = ROOT / "lua" / "post.lua"
NOTES = ROOT / "NOTES.md"
SNAPSHOT = ROOT / ".work" / "tiffin-src"
REPORT = ROOT / "RESULTS.md"
TIFFIN_BIN = PEERS / "tiffin" / "bin"

sys.path.insert(0, str(APPS))
sys.path.insert(1, str(ROOT))

# -- what is compared ----------------------------------------------------------------------

TORCH = "torch==2.13.0+cpu"  # the only torch wheel on this machine's disk: never let pip pick another
BENTOML = "bentoml==1.4.40"
# tiffin is served from a venv like a user's (`pip install tiffin[sklearn,pytorch]`, editable
# so the architect's changes count at once), not from the dev venv: that one has pandas and
# pyarrow, which scikit-learn then imports (+0.2 s start-up, +40 MB per worker).
PEER_PACKAGES: dict[str, list[str]] = {
    "tiffin": ["-e", f"{REPO}[sklearn,pytorch]"],
    "fastapi": ["fastapi==0.165.0", "uvicorn[standard]==0.54.0"],
    "bentoml": [BENTOML],
    "litserve": ["litserve==0.2.19"],
}
TOOLS_PACKAGES = ["py-spy==0.4.3"]
# Model libraries in every peer venv, pinned to the project's versions so that every
# framework runs the very same model code.
MODEL_DISTRIBUTIONS = ("numpy", "scikit-learn", "joblib")

TIFFIN_CLASSES = {
    ("tiffin", "iris"): "IrisService",
    ("tiffin-async", "iris"): "IrisAsyncService",
    ("tiffin", "noop"): "NoopService",
    ("tiffin", "mlp"): "MLPService",
    ("tiffin", "payload"): "PayloadService",
}
# Worker counts some (scenario, framework) pairs are limited to, to keep `make bench` within
# 15 minutes: the async tiffin variant shows what the thread-pool hop costs; BentoML's no-op
# shows its floor and the idle size of its worker without a model.
ONLY_WORKERS = {("iris", "tiffin-async"): (1,), ("noop", "bentoml"): (1,)}
BENTOML_CLASSES = {"iris": "IrisService", "noop": "NoopService", "mlp": "MLPService"}


@dataclasses.dataclass(frozen=True)
class Body:
    name: str  # "json" or "npy"
    file: str  # under WORK/bodies
    content_type: str
    route_suffix: str = ""  # FastAPI reads raw .npy bodies on a route of its own


@dataclasses.dataclass(frozen=True)
class Scenario:
    name: str
    frameworks: tuple[str, ...]
    workers: tuple[int, ...]
    conns: tuple[int, ...]
    bodies: tuple[Body, ...]
    title: str


ALL_SCENARIOS = ("iris", "noop", "mlp", "payload")


def scenarios(args: argparse.Namespace) -> list[Scenario]:
    main_conns = tuple(args.conns)
    main_workers = tuple(args.workers)
    json_body = {
        name: (Body("json", f"{name}.json", "application/json"),)
        for name in ("iris", "noop", "mlp")
    }
    return [
        Scenario(
            "iris",
            ("tiffin", "tiffin-async", "fastapi-def", "fastapi-async", "bentoml", "litserve"),
            main_workers,
            main_conns,
            json_body["iris"],
            "(a) iris: scikit-learn LogisticRegression, one row per request, JSON",
        ),
        Scenario(
            "noop",
            ("bare", "tiffin", "fastapi-async", "bentoml"),
            main_workers,
            main_conns,
            json_body["noop"],
            "(b) no-op API: each framework's floor (POST `{}`, constant JSON back)",
        ),
        Scenario(
            "mlp",
            ("tiffin", "fastapi-def", "fastapi-async", "bentoml", "litserve"),
            (1,),
            (main_conns[0],),
            json_body["mlp"],
            "(c) PyTorch MLP 512-2048-2048-10, one row per request, JSON, batching off",
        ),
        Scenario(
            "payload",
            ("tiffin", "fastapi-async"),
            (1,),
            (args.payload_conns,),
            (
                Body("json", "payload.json", "application/json"),
                Body("npy", "payload.npy", "application/x-npy", "_npy"),
            ),
            "(d) large payload: 1000 x 512 float32 in, a small summary out; JSON vs `.npy`",
        ),
    ]


# -- small utilities -----------------------------------------------------------------------


def log(message: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    print(f"[bench {stamp}] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http_request(
    port: int, method: str, path: str, body: bytes | None = None, content_type: str = ""
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": content_type} if content_type else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run_quiet(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# -- processes: trees, memory, CPU (from /proc) --------------------------------------------

_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICK = os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / _TICK


def _proc_table() -> dict[int, tuple[int, int, float, int]]:
    """pid -> (ppid, pgrp, cpu seconds, rss bytes) for every process."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read().decode("latin-1")
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2 :].split()
        table[int(entry.name)] = (
            int(rest[1]),
            int(rest[2]),
            (int(rest[11]) + int(rest[12])) / _TICK,
            int(rest[21]) * _PAGE,
        )
    return table


def process_tree(root: int, table: dict[int, tuple[int, int, float, int]] | None = None) -> dict:
    """The processes of a server: its descendants and anything left in its process group."""
    table = table if table is not None else _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _pgrp, _cpu, _rss) in table.items():
        children.setdefault(ppid, []).append(pid)
    found = {pid for pid, row in table.items() if row[1] == root}
    stack = [root]
    while stack:
        pid = stack.pop()
        if pid in table:
            found.add(pid)
        stack.extend(children.get(pid, ()))
    return {pid: table[pid] for pid in found if pid in table}


def pss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
    return total


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


# -- servers -------------------------------------------------------------------------------


class ServerFailed(RuntimeError):
    pass


_LIVE: set[Server] = set()


class Server:
    """One framework's server for one scenario; a context manager that always stops it."""

    def __init__(
        self,
        framework: str,
        scenario: str,
        workers: int,
        command: list[str],
        env: dict[str, str],
        ready_path: str,
        log_path: Path,
        port: int,
    ) -> None:
        self.framework = framework
        self.scenario = scenario
        self.workers = workers
        self.command = command
        self.env = env
        self.ready_path = ready_path
        self.log_path = log_path
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self.ready_s = float("nan")
        self.peak_rss = 0
        self.peak_procs = 0
        self.stop_s = float("nan")
        self._sampling = threading.Event()
        self._sampler: threading.Thread | None = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 180.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed once the process is gone
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command,
            cwd=APPS,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log_file.close()
        _LIVE.add(self)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        deadline = started + timeout
        while True:
            if self.process.poll() is not None:
                raise ServerFailed(
                    f"{self.framework} exited with status {self.process.returncode} before "
                    f"ready:\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _ = http_request(self.port, "GET", self.ready_path)
                if status == 200:
                    break
            if time.perf_counter() > deadline:
                raise ServerFailed(
                    f"{self.framework} not ready in {timeout:.0f} s:\n{self.log_tail()}"
                )
            time.sleep(0.02)
        self.ready_s = time.perf_counter() - started

    def settle(self, quiet_cpu: float = 0.08, window: float = 0.25, limit: float = 30.0) -> None:
        """Wait until the server's processes use less than ``quiet_cpu`` of a core (workers
        of multi-process servers can still be starting when the first one answers)."""
        end = time.perf_counter() + limit
        previous = self.cpu_by_pid()
        while time.perf_counter() < end:
            time.sleep(window)
            current = self.cpu_by_pid()
            used = sum(current.values()) - sum(v for p, v in previous.items() if p in current)
            previous = current
            if used / window < quiet_cpu:
                return

    def pids(self) -> list[int]:
        assert self.process is not None
        return sorted(process_tree(self.process.pid))

    def cpu_by_pid(self) -> dict[int, float]:
        assert self.process is not None
        return {pid: row[2] for pid, row in process_tree(self.process.pid).items()}

    def memory(self) -> dict[str, Any]:
        assert self.process is not None
        tree = process_tree(self.process.pid)
        rss = {pid: row[3] for pid, row in tree.items()}
        return {
            "rss_total_mb": sum(rss.values()) / 2**20,
            "pss_total_mb": pss_bytes(list(rss)) / 2**20,
            "largest_process_rss_mb": max(rss.values(), default=0) / 2**20,
            "processes": len(rss),
            "by_process": {
                str(pid): {"rss_mb": round(rss[pid] / 2**20, 1), "cmd": cmdline(pid)[:160]}
                for pid in sorted(rss)
            },
        }

    def _sample(self) -> None:
        while not self._sampling.wait(0.25):
            process = self.process
            if process is None or process.poll() is not None:
                return
            tree = process_tree(process.pid)
            self.peak_rss = max(self.peak_rss, sum(row[3] for row in tree.values()))
            self.peak_procs = max(self.peak_procs, len(tree))

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        self._sampling.set()
        stopping = time.perf_counter()
        pids = set(process_tree(process.pid)) if process.poll() is None else set()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            log(f"{self.framework} did not stop on SIGTERM within 20 s; killing it")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        for pid in pids:  # stragglers that left the group
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        self.stop_s = time.perf_counter() - stopping
        self.process = None
        _LIVE.discard(self)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def stop_all() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop()


atexit.register(stop_all)


def _on_signal(signum: int, frame: Any) -> None:
    stop_all()
    raise SystemExit(128 + signum)


# -- environments --------------------------------------------------------------------------


def venv_python(name: str) -> Path:
    return PEERS / name / "bin" / "python"


def project_versions(names: tuple[str, ...]) -> dict[str, str]:
    from importlib import metadata

    return {name: metadata.version(name) for name in names}


def _pip(python: Path, arguments: list[str], log_file: Path) -> bool:
    with open(log_file, "a") as handle:
        handle.write(f"\n$ {python} -m pip {' '.join(arguments)}\n")
        handle.flush()
        done = subprocess.run(
            [str(python), "-m", "pip", *arguments], stdout=handle, stderr=subprocess.STDOUT
        )
    return done.returncode == 0


def ensure_venv(name: str, packages: list[str]) -> tuple[str, bool, str]:
    """Create ``.peers/NAME`` with ``packages`` unless its stamp says it has them already."""
    folder = PEERS / name
    stamp = folder / ".bench-stamp"
    key = json.dumps(packages)
    if name == "tiffin":  # its dependencies change with pyproject.toml
        key += (REPO / "pyproject.toml").read_text()
    wanted = hashlib.sha256(key.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and venv_python(name).exists():
        return name, True, "up to date"
    if folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
    PEERS.mkdir(parents=True, exist_ok=True)
    log_file = PEERS / f"{name}.log"
    log_file.write_text("")
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = venv_python(name)
    _pip(python, ["install", "--quiet", "--upgrade", "pip"], log_file)
    ok = _pip(python, ["install", "--quiet", *packages], log_file)
    if not ok and name == "bentoml":
        ok = _install_bentoml_without_certifi_pin(python, packages, log_file)
    if ok:
        stamp.write_text(wanted)
        return name, True, "installed"
    return name, False, f"pip failed; see {log_file}"


def _install_bentoml_without_certifi_pin(python: Path, packages: list[str], log_file: Path) -> bool:
    """BentoML 1.4.40 pins a certifi newer than some registries serve (LESSONS.md): install
    its declared requirements with certifi unpinned, then BentoML itself with --no-deps."""
    bentoml = next(p for p in packages if p.startswith("bentoml"))
    others = [p for p in packages if p != bentoml]
    if not _pip(python, ["install", "--quiet", "--no-deps", bentoml], log_file):
        return False
    probe = run_quiet(
        [
            str(python),
            "-c",
            "import importlib.metadata as m, json; "
            "print(json.dumps([r for r in m.requires('bentoml') or [] if 'extra ==' not in r]))",
        ]
    )
    requirements = [
        "certifi" if re.match(r"certifi\b", r) else r.split(";")[0].strip()
        for r in json.loads(probe.stdout or "[]")
    ]
    return _pip(python, ["install", "--quiet", *requirements, *others], log_file)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: install it with `sudo apt-get install -y wrk`.")
    log("installing wrk from Debian's packages")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
    subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)  # type: ignore[call-overload]
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", "wrk"],
        check=True,
        **quiet,  # type: ignore[call-overload]
    )
    return shutil.which("wrk") or "wrk"


def setup_peers() -> dict[str, str]:
    models = [f"{n}=={v}" for n, v in project_versions(MODEL_DISTRIBUTIONS).items()]
    jobs = {name: [*packages, *models, TORCH] for name, packages in PEER_PACKAGES.items()}
    jobs["tools"] = TOOLS_PACKAGES
    status = {}
    with ThreadPoolExecutor(len(jobs)) as pool:
        for name, ok, message in pool.map(lambda item: ensure_venv(*item), jobs.items()):
            log(f"peer venv {name}: {message}")
            status[name] = "ok" if ok else message
    return status


# -- models and bodies ---------------------------------------------------------------------


def snapshot_sources(revision: str = "") -> dict[str, Any]:
    """Copy ``src/tiffin`` as it is now into ``.work/tiffin-src`` and byte-compile it (and the
    apps); every tiffin process of the run imports that copy (``PYTHONPATH``), so edits made to
    the working tree while the benchmark runs do not leak into it. Byte-compiling matters:
    this machine sets PYTHONDONTWRITEBYTECODE, and an editable tiffin would otherwise compile
    its sources in every process (~0.13 s each), which no installed package pays."""
    target = SNAPSHOT / "tiffin"
    shutil.rmtree(SNAPSHOT, ignore_errors=True)
    git = ["git", "-C", str(REPO)]
    if revision:  # a committed tree: `git archive REV src/tiffin`
        SNAPSHOT.mkdir(parents=True)
        archive = subprocess.run(
            [*git, "archive", "--format=tar", revision, "src/tiffin"],
            capture_output=True,
            check=True,
        )
        subprocess.run(
            ["tar", "-x", "-C", str(SNAPSHOT), "--strip-components=1"],
            input=archive.stdout,
            check=True,
        )
    else:
        shutil.copytree(
            REPO / "src" / "tiffin", target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    digest = hashlib.sha256()
    for path in sorted(target.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(target)).encode())
            digest.update(path.read_bytes())
    run_quiet([str(venv_python("tiffin")), "-m", "compileall", "-q", str(SNAPSHOT), str(APPS)])
    head = run_quiet([*git, "rev-parse", "--short", revision or "HEAD"]).stdout.strip()
    dirty = "" if revision else run_quiet([*git, "status", "--porcelain", "--", "src"]).stdout
    return {"commit": head, "uncommitted": bool(dirty.strip()), "digest": digest.hexdigest()[:12]}


def build_models() -> dict[str, Any]:
    """Fit/initialise the models, save them for the peers and into tiffin's store."""
    import numpy as np

    os.environ["TIFFIN_HOME"] = str(WORK / "tiffin_home")
    shutil.rmtree(WORK / "tiffin_home", ignore_errors=True)
    import bench_models

    import tiffin

    built = bench_models.build(WORK / "models")
    # The same fitted objects, reloaded from the files the peers load, go into tiffin's store.
    iris = bench_models.load_iris()
    mlp = bench_models.load_mlp()
    tiffin.sklearn.save_model("bench-iris", iris, signatures={"predict": {"batchable": False}})
    tiffin.pytorch.save_model("bench-mlp", mlp, signatures={"__call__": {"batchable": False}})
    bodies = WORK / "bodies"
    bodies.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(bench_models.SEED)
    row = rng.standard_normal(bench_models.MLP_SIZES[0]).astype(np.float32)
    payload = rng.standard_normal(bench_models.PAYLOAD_SHAPE).astype(np.float32)
    (bodies / "iris.json").write_text(json.dumps({"input_data": [bench_models.IRIS_ROW]}))
    (bodies / "noop.json").write_text("{}")
    (bodies / "mlp.json").write_text(json.dumps({"input_data": [row.tolist()]}))
    (bodies / "payload.json").write_text(json.dumps({"input_data": payload.tolist()}))
    with open(bodies / "payload.npy", "wb") as handle:
        np.save(handle, payload)
    return {
        "iris_expected": iris.predict(np.asarray([bench_models.IRIS_ROW])).tolist(),
        "payload_json_mb": (bodies / "payload.json").stat().st_size / 2**20,
        "payload_npy_mb": (bodies / "payload.npy").stat().st_size / 2**20,
        "objects": built,
    }


# -- commands per framework ----------------------------------------------------------------


def server_spec(
    framework: str, scenario: str, workers: int, port: int
) -> tuple[list[str], str, dict[str, str]]:
    """(command, readiness path, extra environment) of one framework's server."""
    host = ["--host", "127.0.0.1", "--port", str(port)]
    extra = {"BENCH_SCENARIO": scenario, "BENCH_WORKERS": str(workers)}
    if framework.startswith("tiffin"):
        target = f"tiffin_app:{TIFFIN_CLASSES[(framework, scenario)]}"
        command = [str(TIFFIN_BIN / "tiffin"), "serve", target, *host, "--workers", str(workers)]
        return command, "/readyz", extra
    if framework in ("fastapi-def", "fastapi-async", "bare"):
        app = "bare_asgi:app" if framework == "bare" else f"fastapi_app:app_{framework[8:]}"
        command = [
            str(venv_python("fastapi")),
            "-m",
            "uvicorn",
            app,
            *host,
            "--workers",
            str(workers),
        ]
        return command, "/health", extra
    if framework == "bentoml":
        command = [
            str(PEERS / "bentoml" / "bin" / "bentoml"),
            "serve",
            f"bentoml_service:{BENTOML_CLASSES[scenario]}",
            *host,
        ]
        return command, "/readyz", extra
    if framework == "litserve":
        command = [
            str(venv_python("litserve")),
            "litserve_app.py",
            scenario,
            *host,
            "--workers",
            str(workers),
        ]
        return command, "/health", extra
    raise ValueError(framework)


def route_for(framework: str, scenario: str, body: Body) -> str:
    if framework.startswith("fastapi"):
        return f"/{scenario}{body.route_suffix}"
    return f"/{scenario}"


def server_env(framework: str, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    venv = PEERS / _peer_of(framework) / "bin"
    env["PATH"] = f"{venv}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    if framework.startswith("tiffin"):
        env["PYTHONPATH"] = str(SNAPSHOT)
    env.update(
        {
            "BENCH_WORK_DIR": str(WORK),
            "TIFFIN_HOME": str(WORK / "tiffin_home"),
            "BENTOML_HOME": str(WORK / "bentoml_home"),
            "BENTOML_DO_NOT_TRACK": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _peer_of(framework: str) -> str:
    if framework.startswith("tiffin"):
        return "tiffin"
    return "fastapi" if framework in ("fastapi-def", "fastapi-async", "bare") else framework


def printable_command(framework: str, scenario: str, workers: int) -> str:
    command, ready, extra = server_spec(framework, scenario, workers, 0)
    command = [str(Path(c).relative_to(REPO)) if c.startswith(str(REPO)) else c for c in command]
    env = " ".join(
        f"{k}={v}" for k, v in extra.items() if k == "BENCH_WORKERS" and framework == "bentoml"
    )
    text = " ".join(command).replace("--port 0", "--port PORT")
    return f"(cd benchmarks/apps && {env + ' ' if env else ''}{text})  # ready: GET {ready}"


# -- load generation -----------------------------------------------------------------------


def wrk(
    port: int, path: str, body: Body, conns: int, seconds: float, threads: int
) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{conns}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}{path}",
        "--",
        str(WORK / "bodies" / body.file),
        body.content_type,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = run_quiet(command, timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    match = re.search(r"^BENCHJSON (.*)$", done.stdout, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    summary = json.loads(match.group(1))
    wall = summary["duration_us"] / 1e6
    errors = summary["errors"]
    return {
        "requests": summary["requests"],
        "rps": summary["requests"] / wall if wall else 0.0,
        "p50_ms": summary["latency_us"]["p50"] / 1000,
        "p90_ms": summary["latency_us"]["p90"] / 1000,
        "p99_ms": summary["latency_us"]["p99"] / 1000,
        "max_ms": summary["latency_us"]["max"] / 1000,
        "errors": sum(errors.values()),
        "errors_detail": errors,
        "wrk_cpu_pct": 100
        * ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        / wall,
        "seconds": wall,
    }


def measure(
    server: Server, path: str, body: Body, conns: int, args: argparse.Namespace, warm: bool
) -> dict[str, Any]:
    """One wrk run (after a warm-up run when ``warm``), with the CPU used meanwhile by the
    server's processes, by wrk and by everything else on the machine (the noise)."""
    if warm and args.warmup > 0:
        wrk(server.port, path, body, conns, args.warmup, args.wrk_threads)
    before = server.cpu_by_pid()
    busy_before = machine_busy()
    started = time.perf_counter()
    result = wrk(server.port, path, body, conns, args.duration, args.wrk_threads)
    elapsed = time.perf_counter() - started
    busy_after = machine_busy()
    after = server.cpu_by_pid()
    shares = {pid: 100 * (after[pid] - before.get(pid, 0.0)) / elapsed for pid in after}
    busy = sorted((round(v, 1) for v in shares.values() if v >= 2.0), reverse=True)
    result["server_cpu_pct"] = round(sum(shares.values()), 1)
    result["process_cpu_pct"] = busy
    machine_pct = 100 * (busy_after - busy_before) / elapsed
    result["machine_cpu_pct"] = round(machine_pct, 1)
    result["other_cpu_pct"] = round(
        max(0.0, machine_pct - result["server_cpu_pct"] - result["wrk_cpu_pct"]), 1
    )
    return result


# -- the rounds ----------------------------------------------------------------------------


def check_response(server: Server, scenario: str, framework: str, body: Body) -> str:
    data = (WORK / "bodies" / body.file).read_bytes()
    status, answer = http_request(
        server.port, "POST", route_for(framework, scenario, body), data, body.content_type
    )
    text = answer[:200].decode(errors="replace")
    if status != 200:
        raise ServerFailed(f"{framework} answered {status} to the {scenario} request: {text}")
    return text


def run_rounds(args: argparse.Namespace, plan: list[Scenario], data: dict[str, Any]) -> None:
    logs = WORK / "logs"
    for round_index in range(args.rounds):
        for scenario in plan:
            for workers in scenario.workers:
                frameworks = list(scenario.frameworks)
                shift = round_index % len(frameworks)
                frameworks = frameworks[shift:] + frameworks[:shift]  # no fixed position
                for framework in frameworks:
                    if args.frameworks and framework not in args.frameworks:
                        continue
                    if workers not in ONLY_WORKERS.get((scenario.name, framework), (workers,)):
                        continue
                    if data["setup"].get(_peer_of(framework), "ok") != "ok":
                        continue
                    one_server(args, data, scenario, framework, workers, round_index, logs)


def wait_for_quiet(args: argparse.Namespace, data: dict[str, Any]) -> float:
    """Before a server starts (when nothing of ours runs), wait while other programs keep
    the machine busy (more than ``--quiet-cpu`` % of a core), up to ``--quiet-wait`` seconds
    each time and ``--quiet-budget`` seconds per run: bursts of other work (a test suite
    in another session) then fall between measurements rather than into them."""
    spent = data.setdefault("quiet_wait_total_s", 0.0)
    limit = min(args.quiet_wait, args.quiet_budget - spent)
    waited = 0.0
    while waited < limit:
        before = machine_busy()
        time.sleep(0.3)
        if 100 * (machine_busy() - before) / 0.3 < args.quiet_cpu:
            break
        waited += 0.3
    data["quiet_wait_total_s"] = spent + waited
    return waited


def one_server(
    args: argparse.Namespace,
    data: dict[str, Any],
    scenario: Scenario,
    framework: str,
    workers: int,
    round_index: int,
    logs: Path,
) -> None:
    port = free_port()
    command, ready, extra = server_spec(framework, scenario.name, workers, port)
    label = f"{scenario.name}/{framework}/w{workers}/r{round_index + 1}"
    record: dict[str, Any] = {
        "scenario": scenario.name,
        "framework": framework,
        "workers": workers,
        "round": round_index + 1,
        "waited_for_quiet_s": wait_for_quiet(args, data),
    }
    server = Server(
        framework,
        scenario.name,
        workers,
        command,
        server_env(framework, extra),
        ready,
        logs / f"{label.replace('/', '_')}.log",
        port,
    )
    try:
        with server:
            record["ready_s"] = server.ready_s
            record["check"] = [
                check_response(server, scenario.name, framework, b) for b in scenario.bodies
            ]
            server.settle()
            record["idle"] = server.memory()
            first = True
            for conns in scenario.conns:
                for body in scenario.bodies:
                    result = measure(
                        server, route_for(framework, scenario.name, body), body, conns, args, first
                    )
                    first = False
                    result.update(record, conns=conns, body=body.name)
                    result.pop("check", None)
                    result.pop("idle", None)
                    data["runs"].append(result)
                    log(
                        f"{label} c={conns} {body.name}: {result['rps']:,.0f} req/s, "
                        f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
                        f"errors {result['errors']}, cpu {result['process_cpu_pct']}"
                    )
            record["peak_rss_mb"] = server.peak_rss / 2**20
            record["peak_processes"] = server.peak_procs
    except (ServerFailed, RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        record["failure"] = str(exc)[-2000:]
        log(f"{label}: FAILED {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    record["stop_s"] = server.stop_s
    data["servers"].append(record)
    if "failure" not in record:
        idle = record.get("idle", {}).get("rss_total_mb", 0)
        log(
            f"{label}: ready in {record['ready_s']:.2f} s, idle RSS {idle:.0f} MB, "
            f"stopped in {server.stop_s:.2f} s"
        )


# -- in-process ceilings, imports, profile --------------------------------------------------


def ceilings() -> dict[str, Any]:
    """The models' own loops, each group in a fresh process (``ceilings.py``): thread pools
    left spinning by one library (OpenBLAS, OpenMP) otherwise slow down the next."""
    result: dict[str, Any] = {}
    env = server_env("tiffin", {})
    for group in ("iris", "mlp", "payload"):
        done = run_quiet(
            [str(venv_python("tiffin")), str(ROOT / "ceilings.py"), group], env=env, cwd=str(APPS)
        )
        try:
            result.update(json.loads(done.stdout.strip().splitlines()[-1]))
        except (json.JSONDecodeError, IndexError):
            log(f"ceilings {group} failed: {done.stderr[-500:]}")
    return result


def import_times(setup: dict[str, str], repeats: int = 5) -> dict[str, Any]:
    """Wall time of ``python -c "import X"`` less that of ``python -c pass`` (median)."""
    targets = [
        ("tiffin", "tiffin", venv_python("tiffin"), "import tiffin"),
        (
            "tiffin + service API",
            "tiffin",
            venv_python("tiffin"),
            "import tiffin, tiffin.io; tiffin.service; tiffin.api",
        ),
        (
            "tiffin.server (what a worker imports)",
            "tiffin",
            venv_python("tiffin"),
            "import tiffin.server._app",
        ),
        ("fastapi", "fastapi", venv_python("fastapi"), "import fastapi"),
        ("bentoml", "bentoml", venv_python("bentoml"), "import bentoml"),
        ("litserve", "litserve", venv_python("litserve"), "import litserve"),
    ]
    out: dict[str, Any] = {}
    for label, peer, python, code in targets:
        if setup.get(peer) != "ok":
            continue
        environment = server_env(peer, {})

        def wall(source: str, python: Path = python, env: dict[str, str] = environment) -> float:
            started = time.perf_counter()
            subprocess.run([str(python), "-c", source], check=True, cwd=str(WORK), env=env)
            return time.perf_counter() - started

        wall(code)  # warm the page cache and byte code
        base = median([wall("pass") for _ in range(repeats)])
        full = median([wall(code) for _ in range(repeats)])
        out[label] = {
            "import_ms": 1000 * (full - base),
            "interpreter_ms": 1000 * base,
            "code": code,
        }
    trace = run_quiet(
        [str(venv_python("tiffin")), "-X", "importtime", "-c", "import tiffin"],
        cwd=str(WORK),
        env=server_env("tiffin", {}),
    )
    rows = []
    for line in trace.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            rows.append(
                (int(match.group(1)), int(match.group(2)), len(match.group(3)), match.group(4))
            )
    top = [r for r in rows if r[3] == "tiffin"]
    if "tiffin" not in out:
        return out
    out["tiffin"]["importtime_cumulative_ms"] = top[-1][1] / 1000 if top else None
    out["tiffin"]["slowest_self_ms"] = [
        {"module": name, "self_ms": self_us / 1000}
        for self_us, _c, _d, name in sorted(rows, reverse=True)[:8]
    ]
    return out


PROFILE_RATE = 200


def profile_tiffin(args: argparse.Namespace, scenario: str) -> dict[str, Any] | None:
    """py-spy on the worker of a one-worker tiffin server while wrk -c32 drives it.

    py-spy pauses the worker for each sample (its default, blocking mode, ~1% slower here):
    ``--nonblocking`` was measured to skew the shares badly on this workload (it reports
    uvicorn's ``send`` at 3x and scikit-learn at half their blocking-mode shares). ``--gil``
    samples the thread holding the GIL, i.e. where the worker's Python-level CPU goes."""
    py_spy = PEERS / "tools" / "bin" / "py-spy"
    if not py_spy.exists():
        return None
    body = Body("json", f"{scenario}.json", "application/json")
    port = free_port()
    command, ready, extra = server_spec("tiffin", scenario, 1, port)
    output = WORK / f"profile-{scenario}.txt"
    log_path = WORK / "logs" / f"profile-{scenario}.log"
    server = Server(
        "tiffin", scenario, 1, command, server_env("tiffin", extra), ready, log_path, port
    )
    spy_command = [
        "py-spy",
        "record",
        "--pid",
        "WORKER",
        "--rate",
        str(PROFILE_RATE),
        "--duration",
        str(args.profile_seconds),
        "--format",
        "raw",
        "--gil",
    ]
    with server:
        server.settle()
        workers = [p for p in server.pids() if "tiffin.server._worker" in cmdline(p)]
        if not workers:
            return None
        wrk(port, f"/{scenario}", body, 32, 1, args.wrk_threads)
        concrete = [str(py_spy), *spy_command[1:3], str(workers[0]), *spy_command[4:]]
        spy = subprocess.Popen(
            [*concrete, "--output", str(output)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        before = server.cpu_by_pid()
        result = wrk(port, f"/{scenario}", body, 32, args.profile_seconds + 1, args.wrk_threads)
        after = server.cpu_by_pid()
        spy.wait(timeout=60)
    if not output.exists():
        return None
    summary = summarise_profile(output.read_text())
    summary["load"] = {
        "rps": result["rps"],
        "p99_ms": result["p99_ms"],
        "conns": 32,
        "workers": 1,
        "server_cpu_pct": 100
        * sum(after[p] - before.get(p, 0.0) for p in after)
        / result["seconds"],
    }
    summary["command"] = " ".join(spy_command) + f"  # while wrk -c32 drives /{scenario}"
    summary["gil_held_pct"] = 100 * summary["samples"] / (PROFILE_RATE * args.profile_seconds)
    return summary


# Where a sample's time goes: the first rule (in order) whose pattern matches any frame of
# the stack names its category. Patterns are "function (file" prefixes of py-spy frames.
PROFILE_CATEGORIES = [
    ("access log (logging)", r"\(logging/|tiffin/server/_logging"),
    ("request id (secrets.token_hex)", r"\((random|secrets)\.py"),
    ("prometheus metrics", r"prometheus_client/"),
    ("model: sklearn predict (incl. its input checks)", r"sklearn/|narwhals/"),
    ("tiffin runner call", r"tiffin/runners/|tiffin/frameworks/"),
    (
        "io: bind (JSON -> numpy)",
        r"tiffin/io/_binding|tiffin/io/_ndarray|tiffin/io/_param|loads \(tiffin/io/_json",
    ),
    ("io: render (result -> JSON)", r"tiffin/io/_output|dumps \(tiffin/io/_json"),
    (
        "thread-pool hop (submit, wake, future chaining)",
        r"concurrent/futures/|asyncio/futures\.py|call_soon_threadsafe|_chain_future"
        r"|tiffin/server/_offload|\(queue\.py",
    ),
    ("tiffin app (routing, request, respond)", r"tiffin/server/"),
    ("uvicorn HTTP protocol (httptools parsing, socket writes)", r"uvicorn/"),
    ("asyncio event loop", r"asyncio/|uvloop"),
]


def summarise_profile(raw: str) -> dict[str, Any]:
    stacks: list[tuple[list[str], int]] = []
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    total = sum(count for _, count in stacks) or 1

    def short(frame: str) -> str:
        match = re.match(r"(.*?) \((.*?)(?::(\d+))?\)$", frame)
        if not match:
            return frame
        function, path = match.group(1), match.group(2)
        for marker in ("site-packages/", "lib/python3.11/", "src/"):
            if marker in path:
                path = path.split(marker, 1)[1]
                break
        return f"{function} ({path})"

    self_time: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    categories: dict[str, int] = {}
    compiled = [(name, re.compile(pattern)) for name, pattern in PROFILE_CATEGORIES]
    threads: dict[str, int] = {}
    for frames, count in stacks:
        named = [short(f) for f in frames]
        thread = frames[0] if frames and frames[0].startswith(("process", "thread")) else ""
        if thread:
            threads[thread] = threads.get(thread, 0) + count
        leaf = named[-1]
        self_time[leaf] = self_time.get(leaf, 0) + count
        for frame in set(named):
            inclusive[frame] = inclusive.get(frame, 0) + count
        # categories from the leaf upwards: the innermost matching frame decides
        category = "other"
        for frame in reversed(named):
            hit = next((name for name, pattern in compiled if pattern.search(frame)), None)
            if hit:
                category = hit
                break
        categories[category] = categories.get(category, 0) + count

    def top(table: dict[str, int], n: int, only: str | None = None) -> list[dict[str, Any]]:
        rows = [(v, k) for k, v in table.items() if only is None or only in k]
        return [{"frame": k, "pct": 100 * v / total} for v, k in sorted(rows, reverse=True)[:n]]

    return {
        "samples": total,
        "self_top": top(self_time, 20),
        "inclusive_tiffin": top(inclusive, 20, "tiffin/"),
        "categories": sorted(
            ({"category": k, "pct": 100 * v / total} for k, v in categories.items()),
            key=lambda row: -row["pct"],
        ),
    }


# -- machine and versions ------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as handle:
        memory = int(handle.readline().split()[1]) * 1024
    distro = ""
    with contextlib.suppress(OSError), open("/etc/os-release") as handle:
        for line in handle:
            if line.startswith("PRETTY_NAME="):
                distro = line.split("=", 1)[1].strip().strip('"')
    wrk_version = run_quiet(["wrk", "--version"]).stdout.splitlines()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "kernel": platform.release(),
        "os": distro,
        "python": platform.python_version(),
        "wrk": wrk_version[0] if wrk_version else "?",
    }


VERSION_SETS = {
    "tiffin": (
        "tiffin",
        "uvicorn",
        "httptools",
        "uvloop",
        "orjson",
        "numpy",
        "scikit-learn",
        "torch",
        "pydantic",
        "prometheus-client",
        "pandas",
    ),
    "fastapi": (
        "fastapi",
        "starlette",
        "uvicorn",
        "httptools",
        "uvloop",
        "pydantic",
        "numpy",
        "scikit-learn",
        "torch",
    ),
    "bentoml": ("bentoml", "starlette", "uvicorn", "pydantic", "numpy", "scikit-learn", "torch"),
    "litserve": (
        "litserve",
        "fastapi",
        "uvicorn",
        "uvloop",
        "pyzmq",
        "numpy",
        "scikit-learn",
        "torch",
    ),
    "tools": ("py-spy",),
}


def versions(setup: dict[str, str]) -> dict[str, dict[str, str]]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    found = {}
    for env, names in VERSION_SETS.items():
        python = venv_python(env)
        if setup.get(env) != "ok":
            continue
        done = run_quiet([str(python), "-c", code, *names])
        with contextlib.suppress(json.JSONDecodeError):
            found[env] = json.loads(done.stdout)
    return found


# -- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ints = lambda text: [int(x) for x in text.split(",")]  # noqa: E731
    parser.add_argument(
        "--duration",
        type=float,
        default=float(os.environ.get("BENCH_DURATION", 4)),
        help="seconds per wrk run [4, or $BENCH_DURATION]",
    )
    parser.add_argument(
        "--warmup", type=float, default=1, help="seconds of wrk before each measured run [1]"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(os.environ.get("BENCH_ROUNDS", 2)),
        help="rounds, interleaved [2]",
    )
    parser.add_argument("--conns", type=ints, default=[32, 64], help="concurrencies [32,64]")
    parser.add_argument("--workers", type=ints, default=[1, 2], help="worker counts [1,2]")
    parser.add_argument(
        "--payload-conns", type=int, default=8, help="concurrency of the large-payload scenario [8]"
    )
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads [1: leaves the servers more CPU]"
    )
    parser.add_argument(
        "--scenarios", default="iris,noop,mlp,payload", help="which scenarios [all]"
    )
    parser.add_argument("--frameworks", default="", help="only these frameworks (comma-separated)")
    parser.add_argument(
        "--profile-seconds", type=int, default=8, help="py-spy sampling time [8; 0 skips]"
    )
    parser.add_argument(
        "--quiet-cpu",
        type=float,
        default=25,
        help="before each server, wait while other programs use more than this %% of a core [25]",
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=10, help="longest such wait, seconds [10]"
    )
    parser.add_argument(
        "--quiet-budget", type=float, default=60, help="total of such waits per run, seconds [60]"
    )
    parser.add_argument(
        "--tiffin-revision",
        default="",
        metavar="REV",
        help="serve tiffin's src/ as committed at REV (e.g. HEAD) [the working tree as it is]",
    )
    parser.add_argument("--skip-setup", action="store_true", help="use the peer venvs as they are")
    parser.add_argument(
        "--report-only",
        type=Path,
        default=None,
        metavar="JSON",
        help="only render RESULTS.md from a results file",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=REPORT,
        help="where to write the report [benchmarks/RESULTS.md]",
    )
    args = parser.parse_args(argv)
    args.frameworks = [f for f in args.frameworks.split(",") if f]
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report_only:
        data = json.loads(args.report_only.read_text())
        write_report(data, args.report)
        return 0
    signal.signal(signal.SIGTERM, _on_signal)
    WORK.mkdir(parents=True, exist_ok=True)
    lock = open(WORK / ".lock", "w")  # noqa: SIM115 - held until the process exits
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(
            "Another benchmark run holds benchmarks/.work/.lock; wait for it."
        ) from None
    began = time.perf_counter()
    stages: dict[str, float] = {}
    data: dict[str, Any] = {
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "runs": [],
        "servers": [],
    }
    ensure_wrk()
    stage = time.perf_counter()
    data["setup"] = {} if args.skip_setup else setup_peers()
    if args.skip_setup:
        data["setup"] = {
            n: "ok" if venv_python(n).exists() else "missing" for n in [*PEER_PACKAGES, "tools"]
        }
    stages["setup_peers_s"] = time.perf_counter() - stage
    stage = time.perf_counter()
    data["tiffin_source"] = snapshot_sources(args.tiffin_revision)
    models = build_models()
    data["models"] = {k: v for k, v in models.items() if k != "objects"}
    stages["build_models_s"] = time.perf_counter() - stage
    data["machine"] = machine()
    data["versions"] = versions(data["setup"])
    plan = [s for s in scenarios(args) if s.name in args.scenarios]
    data["commands"] = {
        "wrk": f"wrk -t{args.wrk_threads} -cC -d{args.duration:g}s --timeout 10s -s benchmarks/lua/post.lua "
        "http://127.0.0.1:PORT/ROUTE -- BODY_FILE CONTENT_TYPE  (after a "
        f"{args.warmup:g} s warm-up run)",
        "servers": {
            f"{s.name}/{f}": printable_command(f, s.name, max(s.workers))
            .replace(f"--workers {max(s.workers)}", "--workers N")
            .replace(f"BENCH_WORKERS={max(s.workers)}", "BENCH_WORKERS=N")
            for s in plan
            for f in s.frameworks
        },
    }
    stage = time.perf_counter()
    log("in-process ceilings")
    data["ceilings"] = ceilings()
    stages["ceilings_s"] = time.perf_counter() - stage
    stage = time.perf_counter()
    log("import times")
    data["imports"] = import_times(data["setup"])
    stages["imports_s"] = time.perf_counter() - stage
    stage = time.perf_counter()
    try:
        run_rounds(args, plan, data)
        stages["rounds_s"] = time.perf_counter() - stage
        stage = time.perf_counter()
        if args.profile_seconds > 0:
            log("profiling tiffin workers (iris, noop) with py-spy")
            data["profile"] = profile_tiffin(args, "iris")
            data["profile_noop"] = profile_tiffin(args, "noop")
        stages["profile_s"] = time.perf_counter() - stage
    finally:
        stop_all()
        stages["total_s"] = time.perf_counter() - began
        data["stages"] = stages
        RESULTS_DIR.mkdir(exist_ok=True)
        stamp = data["started"].replace(":", "").replace("-", "")[:15]
        raw = json.dumps(data, indent=1, default=str)
        (RESULTS_DIR / f"bench-{stamp}.json").write_text(raw)
        # A partial run (some scenarios or frameworks) never replaces the full results.
        partial = bool(args.frameworks) or set(args.scenarios) != set(ALL_SCENARIOS)
        (RESULTS_DIR / ("partial.json" if partial else "latest.json")).write_text(raw)
        if partial and args.report == REPORT:
            args.report = RESULTS_DIR / "partial.md"
        write_report(data, args.report)
    log(
        f"done in {stages['total_s']:.0f} s; report: {args.report.relative_to(REPO) if args.report.is_relative_to(REPO) else args.report}"
    )
    return 0


def write_report(data: dict[str, Any], path: Path) -> None:
    from report import render  # benchmarks/report.py

    path.write_text(render(data, NOTES.read_text() if NOTES.exists() else ""))


if __name__ == "__main__":
    raise SystemExit(main())
