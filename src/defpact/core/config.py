"""One settings class for the whole node (pydantic-settings, prefix ``DEFPACT_``).

Development generates a random secret key into ``var/`` on first use; production refuses to
start without an explicit, non-default secret. Nothing else in the code base reads the environment.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from defpact.core.nations import NATIONS

__all__ = ["Environment", "Settings", "get_settings", "reset_settings_cache"]

_DEFAULT_SECRET = "change-me"  # noqa: S105 - the sentinel that production refuses


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEFPACT_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default=Path("var"))
    database_url: str = ""
    secret_key: str = ""
    session_hours: int = Field(default=12, ge=1, le=24 * 14)
    login_max_failures_account: int = Field(default=5, ge=1)
    login_max_failures_address: int = Field(default=20, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    # Durability: "FULL" makes SQLite fsync on every commit (the default; acknowledged means kept).
    sqlite_synchronous: str = Field(default="FULL", pattern="^(OFF|NORMAL|FULL|EXTRA)$")
    # Federation: this node's id (generated into var/ when empty) and the nations it serves
    # (comma-separated codes; the default is the shared node of the founding members).
    node_id: str = Field(default="", max_length=64, pattern="^[A-Za-z0-9._-]*$")
    node_nations: str = "XK,AL,HR"
    # Threat correlation: a value matching more objects than this stops correlating (flagged).
    correlation_cap: int = Field(default=50, ge=1)
    # Scheduled sync of every peer at its interval inside `defpact serve` (off: false).
    federation_schedule: bool = True

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'defpact.db').as_posix()}"
        codes = [c.strip().upper() for c in self.node_nations.split(",") if c.strip()]
        unknown = [c for c in codes if c not in NATIONS]
        if not codes or unknown:
            raise ValueError(
                f"DEFPACT_NODE_NATIONS must list known nation codes, got {self.node_nations!r}"
            )
        self.node_nations = ",".join(sorted(set(codes)))
        if self.environment is Environment.PRODUCTION and self.secret_key in ("", _DEFAULT_SECRET):
            raise ValueError("DEFPACT_SECRET_KEY must be set to a non-default value in production")
        return self

    @property
    def is_development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT

    @property
    def audit_key_path(self) -> Path:
        return self.data_dir / "audit-signing-key.pem"

    @property
    def federation_key_path(self) -> Path:
        return self.data_dir / "federation-key.pem"

    @property
    def served_nations(self) -> frozenset[str]:
        return frozenset(self.node_nations.split(","))

    def effective_node_id(self) -> str:
        """The configured node id, or one generated once into ``var/node-id``."""
        if self.node_id:
            return self.node_id
        path = self.data_dir / "node-id"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        node_id = f"node-{secrets.token_hex(8)}"
        path.write_text(node_id, encoding="utf-8")
        return node_id

    def effective_secret_key(self) -> str:
        """The configured secret, or (development only) one generated once into ``var/``."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key, encoding="utf-8")
        path.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
