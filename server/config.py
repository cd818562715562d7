"""Knobs of the API server (the app fills in host and port; the rest has safe defaults)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ServerConfig"]


@dataclass
class ServerConfig:
    """How the API server binds, whom it trusts and what it bounds."""

    host: str = "127.0.0.1"
    port: int = 8080
    #: Host names accepted in the ``Host`` header besides the loopback names and ``host``.
    allowed_hosts: tuple[str, ...] = ()
    #: Origins (``scheme://host:port``) accepted besides this server's own address.
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = 1024 * 1024
    token_ttl_seconds: int = 8 * 3600
    #: Events a WebSocket client may fall behind before it is disconnected.
    ws_queue_size: int = 1000
    login_max_failures: int = 5
    login_window_seconds: float = 300.0
