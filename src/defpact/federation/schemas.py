"""Pydantic v2 schemas of the federation API (separate input and output models)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["NodePublic", "PeerCreate", "PeerCreated", "PeerPublic", "PeerState", "PeerToken"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NodePublic(BaseModel):
    node_id: str
    nations: list[str]
    public_key: str = Field(description="Ed25519 public key, base64 of the 32 raw bytes")
    feed: str = Field(description="path of the TAXII 2.1 API root of the export feed")


class PeerCreate(_In):
    url: str = Field(min_length=8, max_length=500, description="base URL of the peer node")
    nation: str = Field(min_length=2, max_length=2, description="the peer node's nation")
    token: str | None = Field(default=None, max_length=200, description="token the peer gave")
    key: str | None = Field(default=None, max_length=64, description="the peer's public key")
    clearance: str = Field(default="SECRET", max_length=16, description="agreed clearance")
    interval_seconds: int = Field(default=300, ge=10, le=86_400)
    timeout_seconds: float = Field(default=10.0, ge=0.5, le=300)
    local_nation: str | None = Field(default=None, min_length=2, max_length=2)


class PeerToken(_In):
    token: str = Field(min_length=1, max_length=200)


class PeerState(_In):
    state: str = Field(pattern="^(active|suspended)$")


class PeerPublic(BaseModel):
    nation: str
    nations: list[str]
    url: str
    node_id: str
    fingerprint: str
    local_nation: str
    state: str
    clearance: str
    interval_seconds: int
    timeout_seconds: float
    has_token: bool
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    failures: int
    next_attempt_at: datetime | None
    lag_seconds: float | None
    applied_total: int
    replicas: int


class PeerCreated(BaseModel):
    peer: PeerPublic
    token_for_peer: str = Field(description="give this to the peer's admin; shown once")
