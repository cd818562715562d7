"""The OpenAPI document matches the router, and a schema-driven fuzz pass finds no 500."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from engine import EngineConfig, EngineService
from server import ApiServer
from server.keys import AUTH
from tests.server.conftest import Api

METHODS = {"get", "post", "put", "patch", "delete"}


def router_operations(api: Api) -> set[tuple[str, str]]:
    ops = set()
    for route in api.server.app.router.routes():
        if route.method in ("HEAD", "OPTIONS") or route.resource is None:
            continue
        ops.add((route.method.lower(), route.resource.canonical))
    return ops


async def test_document_and_router_do_not_drift(api: Api) -> None:
    status, document = await api.call("GET", "/api/openapi.json", role="viewer")
    assert status == 200 and document["openapi"].startswith("3.")
    documented = {(method, path) for path, item in document["paths"].items()
                  for method in item if method in METHODS}
    assert documented == router_operations(api)
    # Every reference endpoint is there, under its documented path.
    for op in [("post", "/api/login"), ("post", "/api/logout"), ("get", "/api/workflows"),
               ("post", "/api/workflows"), ("get", "/api/workflows/{id}"), ("get", "/api/plugins"),
               ("post", "/api/plugins/{plugin_id}/execute"),
               ("post", "/api/connectors/{connector_name}/trigger"), ("get", "/ws")]:
        assert op in documented
    assert document["paths"]["/api/login"]["post"]["security"] == []


async def test_openapi_validates_as_openapi_3(api: Api) -> None:
    _, document = await api.call("GET", "/api/openapi.json")
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(router_operations(api))


class ThreadServer:
    """The API on its own loop in a thread, for sync tools such as schemathesis."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.address = ""
        self.server: ApiServer | None = None
        self.document: dict[str, Any] = {}
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._main(),))

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        service = EngineService(EngineConfig(data_dir=self.data_dir, use_keyring=False,
                                             load_entry_points=False))
        await service.start()
        server = ApiServer(service, "127.0.0.1", 0)
        await server.start()
        self.address = server.address
        self.server = server
        from server.openapi import build_document

        self.document = build_document(server.app)
        self.ready.set()
        await self._stop.wait()
        await server.stop()
        await service.stop()

    def token(self) -> str:
        """A fresh admin token (the fuzzer may log the previous one out)."""
        assert self.server is not None
        return self.server.app[AUTH].issue("usr_fuzz", "admin")

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        assert self.ready.wait(20)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._stop is not None
        self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(20)
        self.loop.close()


@pytest.fixture
def thread_server(data_dir: Path) -> Iterator[ThreadServer]:
    with ThreadServer(data_dir) as server:
        yield server


@pytest.mark.slow
def test_schema_driven_fuzzing_finds_no_server_error(thread_server: ThreadServer) -> None:
    schema = schemathesis.openapi.from_dict(thread_server.document)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        max_examples = 5 if operation.path == "/api/login" else 25  # argon2 is slow on purpose

        @settings(max_examples=max_examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            headers = {"Authorization": f"Bearer {thread_server.token()}"}
            response = case.call(base_url=thread_server.address, headers=headers, timeout=10)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> "
                                f"{response.status_code} {response.text[:200]}")
            elif response.status_code >= 400:
                body = response.json()
                assert body["status"] == response.status_code and body["error"]

        check()
    assert failures == []
