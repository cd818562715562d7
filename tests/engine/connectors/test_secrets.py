"""Connector secrets: keyring or 0600 file, and never in the DB, the logs or the bus."""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from aiohttp import web
from keyring.backend import KeyringBackend

from engine import EngineConfig, EngineService
from engine.errors import PluginExecutionError
from engine.secrets import SecretStore
from tests.engine.connectors.helpers import activate, finished_runs, listening_workflow


class MemoryKeyring(KeyringBackend):
    """A real keyring backend object that keeps passwords in memory."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.passwords[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


async def test_keyring_backend_is_used_when_available(data_dir: Path,
                                                      memory_keyring: MemoryKeyring) -> None:
    service = EngineService(EngineConfig(data_dir=data_dir, use_keyring=True,
                                         load_entry_points=False))
    await service.start()
    try:
        assert await service.set_secret("chat", "signing_secret", "kr-value-123") == "chat.signing_secret"
        assert service.secrets.backend_name == "keyring"
        assert "kr-value-123" in memory_keyring.passwords.values()
        assert not (data_dir / "secrets.json").exists()
        info = await service.get_connector("chat")
        assert {"name": "chat.signing_secret", "set": True} in info["secrets"]
        assert await service.delete_secret("chat", "signing_secret") is True
        assert await service.delete_secret("chat", "signing_secret") is False
        assert "kr-value-123" not in memory_keyring.passwords.values()
    finally:
        await service.stop()


def test_file_fallback_is_owner_only_and_says_so(data_dir: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    store = SecretStore(data_dir, use_keyring=False)
    with caplog.at_level(logging.INFO, logger="engine.secrets"):
        store.set("email.password", "file-value-456")
    assert store.backend_name == "file"
    path = data_dir / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "no OS keyring backend" in caplog.text and str(path) in caplog.text
    assert "file-value-456" not in caplog.text
    assert SecretStore(data_dir, use_keyring=False).get("email.password") == "file-value-456"


async def test_secret_names_are_scoped_to_connectors(service: EngineService) -> None:
    from engine.connectors import ConnectorError
    from engine.errors import NotFoundError

    with pytest.raises(NotFoundError):
        await service.set_secret("jwt", "signing_key", "x")  # not a connector: refused
    with pytest.raises(ConnectorError):
        await service.set_secret("http", "../../etc", "x")


@pytest.fixture
async def echo_server() -> AsyncIterator[str]:
    async def handle(request: web.Request) -> web.Response:
        status = 200 if request.headers.get("Authorization") == "Bearer bearer-SECRET-789" else 403
        return web.json_response({"path": request.path}, status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_secret_values_never_reach_db_logs_or_bus(
        echo_server: str, data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    service = EngineService(EngineConfig(data_dir=data_dir, use_keyring=False,
                                         load_entry_points=False))
    await service.start()
    secrets = {"http": ("partner", "bearer-SECRET-789"), "email": ("password", "smtp-SECRET-321"),
               "chat": ("signing_secret", "chat-SECRET-654")}
    events: list[dict[str, Any]] = []
    service.bus.add_listener(events.append)
    caplog.set_level(logging.DEBUG)
    for connector, (name, value) in secrets.items():
        await service.set_secret(connector, name, value)
    await service.set_connector_config("email", {"host": "127.0.0.1", "port": 9,
                                                 "username": "u", "from": "a@b.c"})
    document = listening_workflow("webhook", "go", then=[
        {"id": "call", "plugin": "http.request_auth",
         "params": {"url": f"{echo_server}/x", "auth": "bearer", "credential": "partner"}},
        {"id": "mail", "plugin": "email.send", "params": {"to": "x@y.z"},
         "settings": {"on_error": "continue"}}],
        edges=[{"source": "in", "target": "call"}, {"source": "call", "target": "mail"}])
    wf = await activate(service, document)
    await service.trigger("webhook", "go", {"hello": "world"})
    [run] = await finished_runs(service, wf)
    assert run["status"] == "succeeded"  # the upstream saw the right bearer token
    full = await service.get_run(run["id"])
    call = next(n for n in full["nodes"] if n["node_id"] == "call")
    assert call["output"]["status"] == 200
    with pytest.raises(PluginExecutionError):
        await service.execute_plugin("http.request_auth", {}, {
            "url": f"{echo_server}/y", "auth": "basic", "credential": "partner"})
    await service.stop()  # everything is flushed to the database file

    db_bytes = b"".join(p.read_bytes() for p in data_dir.glob("omniflow.db*"))
    assert len(db_bytes) > 10_000  # the database really is there
    haystacks = {"logs": caplog.text, "bus": json.dumps(events, default=str)}
    for connector, (_, value) in secrets.items():
        for where, text in haystacks.items():
            assert value not in text, f"{connector} secret leaked into the {where}"
        assert value.encode() not in db_bytes, f"{connector} secret leaked into the DB"
