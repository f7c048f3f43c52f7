"""Prometheus metrics (prefix ``tiffin_``), correct across worker processes.

Worker processes share ``PROMETHEUS_MULTIPROC_DIR`` (set by the supervisor before they start)
so ``/metrics`` on any worker reports every process. Without it (in-process tests), metrics
live in this process's default registry.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

__all__ = [
    "CACHE",
    "IN_FLIGHT",
    "REJECTIONS",
    "REQUESTS",
    "REQUEST_LATENCY",
    "WORKER_RESTARTS",
    "render",
]

_LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
)

REQUESTS = Counter("tiffin_requests", "Requests answered, by API and status.", ["api", "status"])
REQUEST_LATENCY = Histogram(
    "tiffin_request_duration_seconds",
    "Time to answer a request.",
    ["api"],
    buckets=_LATENCY_BUCKETS,
)
IN_FLIGHT = Gauge(
    "tiffin_requests_in_flight", "Requests being handled.", ["api"], multiprocess_mode="livesum"
)
REJECTIONS = Counter(
    "tiffin_rejections", "Requests refused before running, by reason.", ["api", "reason"]
)
WORKER_RESTARTS = Counter("tiffin_worker_restarts", "API worker processes restarted.")
CACHE = Counter("tiffin_cache", "Response cache lookups, by API and result.", ["api", "result"])


def render() -> bytes:
    """The text exposition of every metric, aggregated over processes when they share a dir."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()
