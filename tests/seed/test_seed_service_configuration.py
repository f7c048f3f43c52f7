"""Seed chapter, "Service Configuration": resources, environment and secrets, health checks.

The service classes are the seed's text with ``bentoml`` replaced by ``tiffin``, at module
level so that a ``Server`` subprocess can import them.
"""

import os
import time
from typing import Any

import pytest

import tiffin
from tiffin.exceptions import ServiceUnavailable
from tiffin.io import JSON
from tiffin.services import definition_of
from tiffin.testing import Server, TestClient


# -- Resource Configuration (the seed's sample) -----------------------------------------------
@tiffin.service(
    name="resource-configured-service",
    resources={
        "cpu": "2",  # 2 CPU cores
        "memory": "4Gi",  # 4GB RAM
        "gpu": "1",  # 1 GPU
        "gpu_memory": "8Gi",  # 8GB GPU memory
    },
    workers=4,  # Number of workers
    timeout=300,  # Request timeout in seconds
)
class ResourceConfiguredService:
    pass


# -- Environment Configuration (the seed's sample) --------------------------------------------
@tiffin.service(
    name="env-configured-service",
    envs=[
        {"name": "MODEL_PATH", "value": "/opt/models"},
        {"name": "LOG_LEVEL", "value": "INFO"},
        {"name": "DATABASE_URL", "value": "postgresql://..."},
        {"name": "REDIS_URL", "value": "redis://..."},
    ],
    secrets=["api_key", "database_password"],  # Sensitive environment variables
)
class EnvConfiguredService:
    def __init__(self):
        self.model_path = os.environ.get("MODEL_PATH")
        self.db_url = os.environ.get("DATABASE_URL")
        self.redis_url = os.environ.get("REDIS_URL")


# -- Health Checks (the seed's sample) --------------------------------------------------------
@tiffin.service
class HealthCheckService:
    def __init__(self):
        self.start_time = time.time()

    @tiffin.api
    def health(self) -> JSON:
        """Health check endpoint"""
        return {
            "status": "healthy",
            "uptime": time.time() - self.start_time,
            "timestamp": time.time(),
        }

    @tiffin.api
    def readiness(self) -> JSON:
        """Readiness check endpoint"""
        # Check if models are loaded and ready
        try:
            self.check_model_health()
            return {"status": "ready"}
        except Exception as e:
            return {"status": "not_ready", "error": str(e)}

    def check_model_health(self):
        """Custom health check logic"""
        if not hasattr(self, "model"):
            raise Exception("Model not loaded")
        # Additional health checks...


# -- tests: resources -------------------------------------------------------------------------
def test_resource_configuration_is_parsed() -> None:
    """Kubernetes quantities become numbers: 2 CPUs, 4 GiB, 1 GPU with 8 GiB, as given."""
    resources = definition_of(ResourceConfiguredService).config.resources

    assert (resources.cpu, resources.memory, resources.gpu, resources.gpu_memory) == (
        2.0,
        4 * 2**30,
        1,
        8 * 2**30,
    )
    assert resources.spec == {"cpu": "2", "memory": "4Gi", "gpu": "1", "gpu_memory": "8Gi"}


def test_workers_timeout_and_name_are_kept() -> None:
    """workers=4, timeout=300 and the name are the service's configuration."""
    config = definition_of(ResourceConfiguredService).config

    assert (config.name, config.workers, config.timeout) == (
        "resource-configured-service",
        4,
        300.0,
    )


def test_a_service_without_apis_is_valid() -> None:
    """A class with only ``pass`` in its body is a service with no APIs."""
    assert definition_of(ResourceConfiguredService).endpoints == ()


# -- tests: envs and secrets ------------------------------------------------------------------
SECRETS = {"API_KEY": "key-123", "DATABASE_PASSWORD": "pw-456"}


def test_envs_are_set_before_init(monkeypatch: pytest.MonkeyPatch) -> None:
    """With its secrets given, the service starts, and __init__ reads the declared envs
    from os.environ."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)

    with TestClient(EnvConfiguredService) as client:
        service = client.app.instance

        assert (service.model_path, service.db_url, service.redis_url) == (
            "/opt/models",
            "postgresql://...",
            "redis://...",
        )
        assert os.environ["LOG_LEVEL"] == "INFO"


def test_envs_already_set_win(monkeypatch: pytest.MonkeyPatch) -> None:
    """An env already set in the environment keeps its value."""
    for name, value in {**SECRETS, "MODEL_PATH": "/srv/models"}.items():
        monkeypatch.setenv(name, value)

    with TestClient(EnvConfiguredService) as client:
        assert client.app.instance.model_path == "/srv/models"


def test_secrets_are_available_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets read from $API_KEY and $DATABASE_PASSWORD are tiffin.secrets[name]."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)

    with TestClient(EnvConfiguredService):
        assert dict(tiffin.secrets) == {"api_key": "key-123", "database_password": "pw-456"}


def test_missing_secrets_stop_the_start_naming_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the secrets the service does not start; the error names each secret and
    its environment variable."""
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(ServiceUnavailable) as caught, TestClient(EnvConfiguredService):
        pass

    message = str(caught.value)
    for text in ("api_key", "$API_KEY", "database_password", "$DATABASE_PASSWORD"):
        assert text in message


@pytest.mark.slow
@pytest.mark.e2e
def test_served_with_secrets_from_the_environment_it_is_ready() -> None:
    """A real server given the secrets as environment variables becomes ready."""
    with Server(EnvConfiguredService, env=SECRETS) as server:
        assert server.get("/readyz").status_code == 200


@pytest.mark.slow
@pytest.mark.e2e
def test_served_without_secrets_it_fails_naming_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real server without the secrets exits; its log names each missing secret and
    never shows another secret's value."""
    monkeypatch.delenv("DATABASE_PASSWORD", raising=False)

    with (
        pytest.raises(ServiceUnavailable) as caught,
        Server(EnvConfiguredService, env={"API_KEY": "key-123"}),
    ):
        pass

    message = str(caught.value)
    assert "database_password" in message
    assert "$DATABASE_PASSWORD" in message
    assert "key-123" not in message


# -- tests: health checks ---------------------------------------------------------------------
@pytest.fixture
def health_client() -> Any:
    with TestClient(HealthCheckService) as client:
        yield client


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_health_reports_healthy_with_uptime(health_client: Any, method: str) -> None:
    """health answers GET (it has no parameters) and POST with status, uptime and time."""
    before = time.time()

    data = health_client.request(method, "/health").json()

    assert data["status"] == "healthy"
    assert data["uptime"] >= 0
    assert before <= data["timestamp"] <= time.time()


def test_readiness_without_a_model_is_not_ready(health_client: Any) -> None:
    """The seed's readiness check reports the missing model instead of failing."""
    response = health_client.get("/readiness")

    assert response.status_code == 200
    assert response.json() == {"status": "not_ready", "error": "Model not loaded"}


def test_readiness_with_a_model_is_ready(trained_model: Any) -> None:
    """Once the service holds a model, readiness reports ready."""
    service = HealthCheckService()
    service.model = trained_model

    with TestClient(HealthCheckService, instance=service) as client:
        assert client.get("/readiness").json() == {"status": "ready"}
