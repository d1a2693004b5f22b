"""Settings from the environment (pydantic-settings), read once per process."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting is an environment variable with the VAGVAL_ prefix (see the README)."""

    model_config = SettingsConfigDict(env_prefix="VAGVAL_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./vagval.db",
        validation_alias=AliasChoices("VAGVAL_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL; VAGVAL_DATABASE_URL, falling back to DATABASE_URL; default an SQLite file",
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="largest request body, except batches")
    batch_max_items: int = Field(default=10_000, ge=1)
    batch_max_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    idempotency_retention_hours: int = Field(default=24, ge=1)
    # how long a request's claim on its Idempotency-Key holds before a retry may take it over (SPEC §10): longer
    # than any request runs, so that a retry never runs the work beside the first
    idempotency_lease_seconds: float = Field(default=30, gt=0, le=3600)
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    sqlite_checkpoint_interval_ms: int = Field(default=500, ge=10, description="the server's WAL checkpoint period")
    db_pool_size: int = Field(default=10, ge=1)
    worker_threads: int = Field(default=40, ge=1, le=1000,
                                description="threads that run sync routes and dependencies (anyio's default is 40)")
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"  # VAGVAL_LOG_LEVEL
    # connections (vagval serve): a request's headers and its body must arrive within these (else 408 and the
    # connection is closed), an idle keep-alive connection is closed after keep_alive_seconds, and connections
    # beyond max_connections are answered 503 and closed at once
    header_timeout_seconds: float = Field(default=10, gt=0, le=600)
    body_timeout_seconds: float = Field(default=15, gt=0, le=3600)
    body_min_bytes_per_second: int = Field(default=65536, ge=1)
    keep_alive_seconds: float = Field(default=5, gt=0, le=600)
    max_connections: int = Field(default=500, ge=1)
    shutdown_grace_seconds: float = Field(default=30, ge=0, le=3600,
                                          description="how long requests in flight may finish after SIGTERM")
    # the Host names the service answers for (comma-separated; *.example.org for subdomains; * for any)
    trusted_hosts: str = "*"
    # requests per minute per API key, in each worker process (a token bucket of rate_limit_burst); 0: no limit
    rate_limit_per_minute: int = Field(default=6000, ge=0)
    rate_limit_burst: int = Field(default=200, ge=1)
    # webhooks (SPEC §12): only https to public addresses unless allowed; each server process runs a delivery worker
    # that polls the outbox every poll interval; a failed delivery is retried after base × 2^(attempt-1) seconds
    # (at most max_interval, with jitter) until retry_hours after its first attempt, then marked failed
    webhook_allow_private: bool = False
    webhook_worker: bool = True
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=3600)
    webhook_timeout_seconds: float = Field(default=10, gt=0, le=120)
    webhook_retry_base_seconds: float = Field(default=5, gt=0, le=3600)
    webhook_retry_max_interval_seconds: float = Field(default=3600, gt=0, le=86400)
    webhook_retry_hours: float = Field(default=24, gt=0, le=24 * 30)

    @property
    def idempotency_retention(self) -> dt.timedelta:
        return dt.timedelta(hours=self.idempotency_retention_hours)

    @property
    def trusted_host_list(self) -> list[str]:
        return [h.strip() for h in self.trusted_hosts.split(",") if h.strip()] or ["*"]

    @property
    def idempotency_lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.idempotency_lease_seconds)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
