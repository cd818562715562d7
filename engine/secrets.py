"""The secret store: the OS keyring when it has a real backend, else a 0600 file.

Secrets never go into workflow JSON, the database, logs, the API or the event bus.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from engine.errors import SecretStoreError

__all__ = ["FileSecretBackend", "KeyringSecretBackend", "SecretStore", "keyring_available"]

log = logging.getLogger(__name__)

SERVICE = "omniflow"


def keyring_available() -> bool:
    """Whether ``keyring`` has a real backend here (not ``fail`` or ``null``)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return False
    name = type(backend).__module__ + "." + type(backend).__name__
    return not isinstance(backend, fail.Keyring) and "null" not in name.lower() and (
        getattr(backend, "priority", 0) > 0
    )


class KeyringSecretBackend:
    """Secrets in the OS keyring, namespaced by data dir so two installs do not clash."""

    def __init__(self, namespace: str) -> None:
        import keyring

        self._keyring = keyring
        self._service = f"{SERVICE}:{namespace}"
        self._index_key = "__index__"

    def get(self, name: str) -> str | None:
        return self._keyring.get_password(self._service, name)

    def set(self, name: str, value: str) -> None:
        self._keyring.set_password(self._service, name, value)
        names = set(self.names())
        names.add(name)
        self._keyring.set_password(self._service, self._index_key, json.dumps(sorted(names)))

    def delete(self, name: str) -> bool:
        if self.get(name) is None:
            return False
        self._keyring.delete_password(self._service, name)
        names = set(self.names())
        names.discard(name)
        self._keyring.set_password(self._service, self._index_key, json.dumps(sorted(names)))
        return True

    def names(self) -> list[str]:
        raw = self._keyring.get_password(self._service, self._index_key)
        return sorted(json.loads(raw)) if raw else []


class FileSecretBackend:
    """Secrets in a JSON file readable by the owner only (0600), written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise SecretStoreError(f"cannot read secret file {self.path}: {exc}") from exc
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def get(self, name: str) -> str | None:
        with self._lock:
            return self._read().get(name)

    def set(self, name: str, value: str) -> None:
        with self._lock:
            data = self._read()
            data[name] = value
            self._write(data)

    def delete(self, name: str) -> bool:
        with self._lock:
            data = self._read()
            if name not in data:
                return False
            del data[name]
            self._write(data)
            return True

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._read())


class SecretStore:
    """Named secrets. ``backend_name`` says where they live (``keyring`` or ``file``)."""

    def __init__(self, data_dir: Path, *, use_keyring: bool = True) -> None:
        self._data_dir = data_dir
        self._use_keyring = use_keyring
        self._backend_instance: KeyringSecretBackend | FileSecretBackend | None = None

    @property
    def _backend(self) -> KeyringSecretBackend | FileSecretBackend:
        # Chosen on first use, so commands that never touch a secret log nothing.
        if self._backend_instance is None:
            if self._use_keyring and keyring_available():
                self._backend_instance = KeyringSecretBackend(str(self._data_dir.resolve()))
            else:
                path = self._data_dir / "secrets.json"
                self._backend_instance = FileSecretBackend(path)
                # Loud the first time (when the file does not exist yet), quiet afterwards.
                level = logging.INFO if path.exists() else logging.WARNING
                log.log(level, "no OS keyring backend is available: secrets are kept in %s "
                        "(mode 0600, readable by this user only)", path)
        return self._backend_instance

    @property
    def backend_name(self) -> str:
        """Where secrets live: ``keyring`` or ``file``."""
        return "keyring" if isinstance(self._backend, KeyringSecretBackend) else "file"

    def get(self, name: str) -> str | None:
        """The secret's value, or None."""
        return self._backend.get(name)

    def set(self, name: str, value: str) -> None:
        """Store or replace a secret."""
        if not name or len(name) > 200:
            raise SecretStoreError("a secret name must be 1 to 200 characters")
        self._backend.set(name, value)

    def delete(self, name: str) -> bool:
        """Forget a secret; False when it did not exist."""
        return self._backend.delete(name)

    def names(self) -> list[str]:
        """The names of stored secrets (never their values)."""
        return self._backend.names()

    def get_or_create(self, name: str, factory: Callable[[], str]) -> str:
        """The secret's value, generating and storing it first when missing."""
        value = self.get(name)
        if value is None:
            value = factory()
            self.set(name, value)
        return value

