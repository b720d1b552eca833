"""Typed settings, read from the environment and an optional ``.env`` file.

Nothing here runs at import time: entry points call :func:`load_settings` once and pass the result
down. Variables are prefixed by the part they configure: ``DISCORD_`` for the front end, ``KB_`` for
the knowledge base, ``LOG_`` for logging.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from knowledge.embeddings import DEFAULT_BACKEND, DEFAULT_MODEL

#: Discord's REST API, version 10 (https://discord.com/developers/docs/reference#api-versioning).
DEFAULT_DISCORD_API_BASE = "https://discord.com/api/v10"

#: A Chroma server's host: a DNS name, an IPv4 address, or an IPv6 address in brackets.
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


class DiscordSettings(BaseSettings):
    """``DISCORD_*``: the bot's token and the guild its commands sync to during development."""

    model_config = SettingsConfigDict(env_prefix="DISCORD_", env_file=".env", extra="ignore")

    token: SecretStr | None = None
    guild_id: int | None = None
    #: Base URL of Discord's REST API (``discord.http.Route.BASE``); another value points the bot at a
    #: REST proxy (e.g. nirn-proxy) or a test double, and the gateway URL then comes from its
    #: ``GET /gateway/bot``.
    api_base: str = Field(default=DEFAULT_DISCORD_API_BASE, pattern=r"^https?://[^\s/]+(/\S*)?$")
    #: Seconds a user waits between two commands that do work (0: no cooldown).
    cooldown_seconds: float = Field(default=0.0, ge=0, le=3600)
    #: Channels (ids, comma-separated) where commands may be used; empty: every channel.
    allowed_channel_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    #: A role whose members may use ``/ingest`` besides those with Manage Server.
    ingest_role_id: int | None = None
    #: Answers open a thread; follow-ups there keep the first question's organisation.
    thread_mode: bool = False

    @field_validator("token", "guild_id", "ingest_role_id", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("allowed_channel_ids", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", ",").split(",") if part.strip()]
        return value

    @field_validator("api_base", mode="before")
    @classmethod
    def _default_when_blank(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().rstrip("/") or DEFAULT_DISCORD_API_BASE
        return value


class KnowledgeSettings(BaseSettings):
    """``KB_*``: where the index lives and which embedding model fills it."""

    model_config = SettingsConfigDict(env_prefix="KB_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    embedding_model: str = DEFAULT_MODEL
    embedding_model_sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    #: ``onnx-int8`` (int8 weights run by ONNX Runtime, exported once from the checked weights) or
    #: ``fp32`` (the sentence-transformers model as published).
    embedding_backend: Literal["onnx-int8", "fp32"] = DEFAULT_BACKEND  # type: ignore[assignment]
    #: where ``onnx-int8`` caches its export; ``<data_dir>/models`` when unset.
    model_cache_dir: Path | None = None
    chroma_host: str | None = None
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    collection: str = "disclosures"
    max_question_chars: int = Field(default=500, ge=10, le=4000)
    retrieval: Literal["hybrid", "dense"] = "hybrid"
    #: URL ingestion (knowledge.web): lift the SSRF guard (loopback, private, link-local, ...
    #: addresses) for tests that serve pages from 127.0.0.1; never in production.
    allow_private_urls: bool = False
    #: the most bytes a fetched body may have, after decompression (20 MB).
    fetch_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    #: seconds to connect, and to wait for each read of the response.
    fetch_connect_timeout: float = Field(default=10.0, gt=0)
    fetch_read_timeout: float = Field(default=20.0, gt=0)
    #: seconds one fetch may take in all, redirects included (a server dripping bytes is cut off).
    fetch_total_timeout: float = Field(default=60.0, gt=0)
    #: feeds (knowledge.feeds): minutes between the bot's polls of every feed.
    feed_poll_minutes: float = Field(default=30.0, gt=0)
    #: a failed feed waits this many minutes, doubled per consecutive failure (at least a 429's or
    #: 503's Retry-After), up to ``feed_backoff_max_minutes``.
    feed_backoff_minutes: float = Field(default=30.0, gt=0)
    feed_backoff_max_minutes: float = Field(default=1440.0, gt=0)
    #: at most this many new or changed entries of one feed are ingested per poll (the rest next poll).
    feed_max_entries: int = Field(default=50, ge=1)

    @field_validator("retrieval", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() or "hybrid" if isinstance(value, str) else value

    @field_validator("chroma_host", "embedding_model_sha256", "model_cache_dir", mode="before")
    @classmethod
    def _empty_host(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("chroma_host", mode="after")
    @classmethod
    def _bare_host(cls, value: str | None) -> str | None:
        """A host name or IP address only: the scheme is always http and the port is ``chroma_port``."""
        if value is None:
            return None
        host = value.strip()
        if not host:
            return None
        if not _HOST.fullmatch(host):
            raise ValueError(f"KB_CHROMA_HOST must be a host name or IP address such as 127.0.0.1, without "
                             f"scheme, port or path (the port goes in KB_CHROMA_PORT); got {value!r}")
        return host

    @field_validator("embedding_model", mode="before")
    @classmethod
    def _default_model_when_blank(cls, value: object) -> object:
        return DEFAULT_MODEL if isinstance(value, str) and not value.strip() else value

    @field_validator("embedding_backend", mode="before")
    @classmethod
    def _backend_lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _cache_beside_data(self) -> KnowledgeSettings:
        # resolved once, so a copy for a temporary index (eval) keeps using the same cache
        if self.model_cache_dir is None:
            self.model_cache_dir = self.data_dir / "models"
        return self


class LogSettings(BaseSettings):
    """``LOG_LEVEL``: the root logger's level."""

    model_config = SettingsConfigDict(env_prefix="LOG_", env_file=".env", extra="ignore")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class Settings:
    """All settings together, as the composition root passes them around."""

    def __init__(self, env_file: str | Path | None = ".env") -> None:
        self.discord = DiscordSettings(_env_file=env_file)  # type: ignore[call-arg]
        self.knowledge = KnowledgeSettings(_env_file=env_file)  # type: ignore[call-arg]
        self.log = LogSettings(_env_file=env_file)  # type: ignore[call-arg]


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Read settings from the environment, then ``env_file`` for anything unset there.

    Raises:
        pydantic.ValidationError: a variable has an invalid value.
    """
    return Settings(env_file)
