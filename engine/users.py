"""User accounts for the API: argon2 password hashes, roles."""

from __future__ import annotations

import contextlib
import re
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine.store import Store
from engine.store.tables import UserRow

__all__ = ["ROLES", "Role", "UserService"]

Role = Literal["admin", "editor", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "editor", "viewer")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class UserService:
    """Creates users and checks passwords (sync: call it on the database thread)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.hasher = PasswordHasher()
        self._dummy: str | None = None

    @property
    def _dummy_hash(self) -> str:
        # Verifying against this keeps unknown-email logins as slow as real ones; made on
        # first use so that creating the service costs nothing.
        if self._dummy is None:
            self._dummy = self.hasher.hash("omniflow-dummy-password")
        return self._dummy

    def add(self, email: str, password: str, role: str = "viewer") -> dict[str, Any]:
        """Create a user; ValueError for a bad email, role or password, ConflictError if taken."""
        email = email.strip().lower()
        if not _EMAIL.match(email) or len(email) > 320:
            raise ValueError(f"{email!r} is not a valid email address")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < 8:
            raise ValueError("the password must be at least 8 characters long")
        return self.store.add_user(email, self.hasher.hash(password), role)

    def authenticate(self, email: str, password: str) -> UserRow | None:
        """The user when the password matches, else None (same cost either way)."""
        user = self.store.find_user(email)
        if user is None or user.disabled:
            with contextlib.suppress(VerificationError):
                self.hasher.verify(self._dummy_hash, password)
            return None
        try:
            self.hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if self.hasher.check_needs_rehash(user.password_hash):
            self.store.set_password_hash(user.id, self.hasher.hash(password))
        return user
