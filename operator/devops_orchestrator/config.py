"""The one reader of the environment: every setting, its variable and its default."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Operator and worker configuration, read from `DEVOPS_*` variables (and the API key)."""

    model_config = SettingsConfigDict(env_prefix="DEVOPS_", extra="ignore")

    # Redis bridge; empty means "no Redis": kubectl tasks still reconcile.
    redis_url: str = Field(default="", description="Redis URL, e.g. redis://redis:6379/0")
    domain: str = Field(default="devops", description="Domain of the agent network we serve")
    agent_id: str = Field(default="", description="Registry id; default devops-<hostname>")
    max_in_flight: int = Field(default=10, ge=1, description="Redis tasks in flight before we stop taking")
    max_description_chars: int = Field(default=8000, ge=1)

    # Where DevOpsTasks from Redis are created; the operator's own namespace by default.
    namespace: str = Field(default="default", description="Namespace for tasks taken from Redis")

    # Worker Jobs
    worker_image: str = Field(default="ghcr.io/agentnet/devops-orchestrator:0.1.0")
    worker_service_account: str = Field(default="devops-worker")
    worker_command: list[str] = Field(default=["python", "-m", "devops_orchestrator.worker"])
    worker_cpu_request: str = "100m"
    worker_cpu_limit: str = "1"
    worker_memory_request: str = "128Mi"
    worker_memory_limit: str = "512Mi"
    job_ttl_seconds: int = Field(default=3600, ge=0)
    anthropic_secret_name: str = Field(default="anthropic-api-key", description="Secret with key ANTHROPIC_API_KEY")
    recheck_interval_seconds: float = Field(default=5.0, gt=0, description="Timer re-checking running tasks")

    # Engine and models (workers)
    model_sonnet: str = "claude-sonnet-4-5"
    model_opus: str = "claude-opus-4-1"
    model_haiku: str = "claude-haiku-4-5"
    anthropic_base_url: str = Field(default="", description="Override of the Messages API endpoint")
    agents_dir: str = Field(default="", description="Folder of worker definitions; default: shipped ones")

    # Observability
    metrics_port: int = Field(default=8080, description="Prometheus metrics; 0 disables")
    health_port: int = Field(default=8081, description="kopf liveness endpoint; 0 disables")


class Secrets(BaseSettings):
    """Secrets, read unprefixed as the SDKs expect them; SecretStr keeps them out of reprs."""

    model_config = SettingsConfigDict(extra="ignore")

    anthropic_api_key: SecretStr | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
