"""Starting a server from a :class:`ServeConfig`."""

from __future__ import annotations

import logging
import os

from tiffin.server._gpus import assign_gpus
from tiffin.server._logging import configure_logging
from tiffin.server._settings import ServeConfig
from tiffin.server._supervisor import Supervisor, check_port
from tiffin.server._target import load_service
from tiffin.server._worker import CONFIG_VARIABLE, config_to_environment, uvicorn_options
from tiffin.services._instance import apply_environment

__all__ = ["run"]

logger = logging.getLogger("tiffin.server")


def run(config: ServeConfig) -> int:
    """Check the service and its environment here, then start the workers."""
    configure_logging(config.log_format)
    definition = load_service(config.target)
    apply_environment(definition.config)  # missing secrets stop us before any worker starts
    service_workers = definition.config.workers
    workers = config.workers or (
        os.cpu_count() or 1 if service_workers == "cpu_count" else int(service_workers)
    )
    resources = definition.config.resources
    gpus = assign_gpus(resources.gpu, workers, strict=config.strict)
    check_port(config.host, config.port)
    logger.info(
        "Serving %s on http://%s:%d with %d worker(s)",
        definition.name,
        config.host,
        config.port,
        workers,
    )
    if config.reload:
        return _run_with_reload(config)
    return Supervisor(config, workers, cpu=resources.cpu, gpus=gpus).run()


def _run_with_reload(config: ServeConfig) -> int:
    import uvicorn

    os.environ[CONFIG_VARIABLE] = config_to_environment(config)
    uvicorn.run(
        "tiffin.server._worker:create_app",
        factory=True,
        reload=True,
        host=config.host,
        port=config.port,
        **uvicorn_options(config),
    )
    return 0
