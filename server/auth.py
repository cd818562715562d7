"""JWT bearer authentication and roles.

Tokens are HS256 JWTs (the algorithm is pinned on decode) carrying ``sub`` (user id),
``role``, ``iat``, ``exp`` and ``jti``. The signing key is generated on first start and
kept in the engine's secret store. Logged-out token ids live in the store (so logout
survives a restart) and in memory (so checking them costs a set lookup).

For route modules::

    from server.auth import public, require_role

    async def handler(request: web.Request) -> web.Response:
        principal = require_role(request, "editor")   # 401/403 as ApiError
        ...

    @public                       # no token needed (only login is public)
    async def login(request): ...
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import jwt
from aiohttp import web

from engine.service import EngineService
from server.errors import ApiError
from server.keys import AUTH

__all__ = [
    "ROLE_RANK",
    "Principal",
    "TokenManager",
    "check_token",
    "current_principal",
    "is_public",
    "public",
    "require_role",
]

SIGNING_KEY_SECRET = "jwt-signing-key"
ALGORITHM = "HS256"
ROLE_RANK = {"viewer": 0, "editor": 1, "admin": 2}
_CACHE_LIMIT = 4096

_PRINCIPAL: web.RequestKey[Principal] = web.RequestKey("principal")

H = TypeVar("H", bound=Callable[..., Awaitable[web.StreamResponse]])


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the verified claims of their token."""

    user_id: str
    role: str
    jti: str
    expires_at: float
    token: str

    def can(self, role: str) -> bool:
        """Whether this principal has at least ``role``."""
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]


class TokenManager:
    """Issues, verifies and revokes tokens.

    Verification of a token seen before is a dict lookup plus expiry and revocation
    checks; the signature is verified once per token (per cache lifetime).
    """

    def __init__(self, service: EngineService, ttl_seconds: int) -> None:
        self._service = service
        self._ttl = ttl_seconds
        self._key = ""
        self._revoked: set[str] = set()
        self._verified: dict[str, Principal] = {}
        self._on_revoke: list[Callable[[str], None]] = []

    async def load(self) -> None:
        """Read (or create) the signing key and the revoked token ids."""
        self._key = await self._service.db(
            self._service.secrets.get_or_create, SIGNING_KEY_SECRET,
            lambda: secrets.token_urlsafe(64))
        self._revoked = await self._service.db(self._service.store.revoked_token_ids)

    def issue(self, user_id: str, role: str) -> str:
        """A new signed token for this user."""
        now = int(time.time())
        claims = {"sub": user_id, "role": role, "iat": now, "exp": now + self._ttl,
                  "jti": secrets.token_hex(16)}
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; ApiError(401) otherwise."""
        principal = self._verified.get(token)
        if principal is None:
            principal = self._decode(token)
            if len(self._verified) >= _CACHE_LIMIT:
                self._verified.clear()
            self._verified[token] = principal
        if principal.expires_at <= time.time():
            self._verified.pop(token, None)
            raise ApiError(401, "the token has expired")
        if principal.jti in self._revoked:
            raise ApiError(401, "the token has been revoked (logged out)")
        return principal

    def _decode(self, token: str) -> Principal:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._key, algorithms=[ALGORITHM],
                options={"require": ["exp", "iat", "jti", "sub"]})
        except jwt.ExpiredSignatureError:
            raise ApiError(401, "the token has expired") from None
        except jwt.InvalidTokenError as exc:
            raise ApiError(401, f"invalid token: {exc}") from None
        role, jti, sub = claims.get("role"), claims["jti"], claims["sub"]
        if role not in ROLE_RANK or not isinstance(jti, str) or not isinstance(sub, str):
            raise ApiError(401, "invalid token: bad claims")
        return Principal(user_id=sub, role=role, jti=jti, expires_at=float(claims["exp"]),
                         token=token)

    async def revoke(self, principal: Principal) -> None:
        """Kill a token for good (stored, so it stays dead across restarts)."""
        self._revoked.add(principal.jti)
        self._verified.pop(principal.token, None)
        expires = datetime.fromtimestamp(principal.expires_at, UTC)
        await self._service.db(self._service.store.revoke_token, principal.jti, expires)
        for callback in tuple(self._on_revoke):
            callback(principal.jti)

    def is_valid(self, principal: Principal) -> bool:
        """Whether a principal's token is still neither expired nor revoked."""
        return principal.jti not in self._revoked and principal.expires_at > time.time()

    def on_revoke(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(jti)`` whenever a token is revoked (the WebSocket hub listens)."""
        self._on_revoke.append(callback)


def public(handler: H) -> H:
    """Mark a handler as reachable without a token."""
    handler.omniflow_public = True  # type: ignore[attr-defined]
    return handler


def is_public(handler: object) -> bool:
    """Whether ``handler`` was marked with :func:`public`."""
    return bool(getattr(handler, "omniflow_public", False))


def bearer_token(request: web.Request) -> str | None:
    """The token of ``Authorization: Bearer …``, else None."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "the Authorization header must be 'Bearer <token>'",
                       headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


def authenticate(request: web.Request, token: str | None) -> Principal:
    """Verify ``token`` and remember the principal on the request."""
    if token is None:
        raise ApiError(401, "missing 'Authorization: Bearer <token>' header",
                       headers={"WWW-Authenticate": "Bearer"})
    principal = request.app[AUTH].verify(token)
    request[_PRINCIPAL] = principal
    return principal


def check_token(request: web.Request) -> None:
    """Require a valid bearer token on every route not marked :func:`public` (401).

    The WebSocket route is public here and authenticates itself (it also accepts a
    ``token`` query parameter, as browsers cannot set headers on an upgrade).
    """
    match_info = request.match_info
    if match_info.http_exception is None and not is_public(match_info.route.handler):
        authenticate(request, bearer_token(request))


def current_principal(request: web.Request) -> Principal:
    """The authenticated caller (ApiError 401 when the route was public)."""
    principal = request.get(_PRINCIPAL)
    if principal is None:
        raise ApiError(401, "authentication required")
    return principal


def require_role(request: web.Request, role: str) -> Principal:
    """The caller if they have at least ``role`` (viewer < editor < admin), else 403."""
    principal = current_principal(request)
    if not principal.can(role):
        raise ApiError(403, f"this needs the {role!r} role; you are {principal.role!r}")
    return principal
