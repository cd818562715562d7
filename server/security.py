"""Defences of a server on localhost: Host allow-list, Origin check, JSON only, size limit.

* ``Host`` must name this machine (``localhost``, ``127.0.0.1``, ``::1``, the bind address
  or a configured extra name); anything else is a DNS-rebinding attempt → 403.
* State-changing requests (POST, PUT, PATCH, DELETE) and the WebSocket upgrade with an
  ``Origin`` header must come from this server's own origin (or a configured one); a
  foreign or ``null`` origin → 403. Clients that send no ``Origin`` (curl, scripts) pass.
  No CORS headers are ever sent.
* Request bodies must be JSON (415 otherwise) and at most ``max_body_bytes`` (413).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from server.config import ServerConfig
from server.errors import ApiError

__all__ = ["SecurityPolicy"]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})


def _hostname(host_header: str) -> str:
    """``"[::1]:8080"`` → ``"::1"``, ``"Example.COM:80"`` → ``"example.com"``."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


def _is_json(request: web.Request) -> bool:
    kind = request.content_type
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


class SecurityPolicy:
    """Which hosts and origins this server trusts; ``port`` is set once it is bound."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        names = set(LOOPBACK_NAMES) | {h.lower() for h in config.allowed_hosts}
        if config.host not in _WILDCARD_BINDS:
            names.add(_hostname(config.host))
        self.hosts = frozenset(names)
        self.port = config.port
        self.extra_origins = frozenset(o.rstrip("/").lower() for o in config.allowed_origins)
        self._host_verdicts: dict[str, bool] = {}

    def host_allowed(self, host_header: str | None) -> bool:
        """Whether the ``Host`` header names this machine."""
        if not host_header:
            return False
        verdict = self._host_verdicts.get(host_header)
        if verdict is None:
            verdict = _hostname(host_header) in self.hosts
            if len(self._host_verdicts) < 256:  # bounded: Host values are attacker-chosen
                self._host_verdicts[host_header] = verdict
        return verdict

    def origin_allowed(self, origin: str) -> bool:
        """Whether a browser ``Origin`` is this server's own (or a configured one)."""
        origin = origin.strip().lower()
        if origin in self.extra_origins:
            return True
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or parts.hostname is None:
            return False  # includes "null" (sandboxed frames, file:// pages)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        return parts.hostname in self.hosts and port == self.port

    def check(self, request: web.Request) -> None:
        """Raise ApiError(403/413/415) when the request breaks the policy."""
        if not self.host_allowed(request.headers.get("Host")):
            raise ApiError(403, "this Host is not allowed (DNS rebinding protection)")
        origin = request.headers.get("Origin")
        upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        if origin is not None and (upgrade or request.method not in _SAFE_METHODS) \
                and not self.origin_allowed(origin):
            raise ApiError(403, f"cross-origin request from {origin!r} refused")
        if request.method in _SAFE_METHODS:
            return
        length = request.content_length
        if length is not None and length > self.config.max_body_bytes:
            raise ApiError(413, f"request body too large (limit {self.config.max_body_bytes} bytes)")
        if (length or request.headers.get("Transfer-Encoding")) and not _is_json(request):
            raise ApiError(415, "request bodies must be JSON (Content-Type: application/json)")


