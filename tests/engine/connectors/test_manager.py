"""Connector lifecycle, registry and trigger routing, with small real connectors."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from engine import EngineConfig, EngineService
from engine.connectors import (
    Connector,
    ConnectorContext,
    ConnectorRegistry,
    EventSpec,
    InvalidConnectorConfigError,
    UnknownEventError,
)
from engine.errors import NotFoundError, QueueFullError
from tests.engine.connectors.helpers import activate, finished_runs, listening_workflow
from tests.engine.connectors.peers import wait_until


class Flaky(Connector):
    """Fails its first two connections, then stays connected (and emits a hello)."""

    name = "flaky"
    events = (EventSpec("hello"),)

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0
        self.stopped = False
        self.emitted = False

    async def listen(self, ctx: ConnectorContext) -> None:
        self.attempts += 1
        if self.attempts <= 2:
            raise ConnectionRefusedError(f"refused (attempt {self.attempts})")
        ctx.connected()
        await ctx.emit("hello", {"attempt": self.attempts})
        self.emitted = True
        await asyncio.Event().wait()

    async def stop(self) -> None:
        self.stopped = True


class Pusher(Connector):
    """Emits whatever the test puts in its inbox, and records what emit returned."""

    name = "pusher"
    events = (EventSpec("item"),)

    def __init__(self) -> None:
        super().__init__()
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.results: list[list[str]] = []

    async def listen(self, ctx: ConnectorContext) -> None:
        ctx.connected()
        while True:
            self.results.append(await ctx.emit("item", await self.inbox.get()))


class Broken(Connector):
    """Never connects."""

    name = "broken"
    events = (EventSpec("never"),)

    async def listen(self, ctx: ConnectorContext) -> None:
        raise RuntimeError("no peer at all")


class Clumsy(Connector):
    """A buggy third-party connector: its routing hooks raise."""

    name = "clumsy"
    events = (EventSpec("hello"),)

    def subscription_key(self, triggers: list[Any]) -> Any:
        raise KeyError("oops")

    def matches(self, trigger_params: Any, event: str, payload: Any) -> bool:
        raise ZeroDivisionError("bad filter")


def test_builtins_are_registered_with_their_actions(service: EngineService) -> None:
    names = [c["name"] for c in service.list_connectors()]
    assert names == ["chat", "email", "file", "http", "mqtt", "schedule", "webhook"]
    for action in ("chat.send", "mqtt.publish", "email.send", "file.write", "http.request_auth"):
        assert action in service.registry
    chat = next(c for c in service.list_connectors() if c["name"] == "chat")
    assert chat["events"][0]["name"] == "message" and chat["actions"] == ["chat.send"]
    assert chat["secrets"] == ["chat.webhook_url", "chat.signing_secret"]
    assert chat["state"] == "stopped"


def test_malformed_connectors_are_refused() -> None:
    registry = ConnectorRegistry()

    class NoName(Connector):
        pass

    class BadSchema(Connector):
        name = "bad"
        config_schema = {"type": "nonsense"}

    for candidate in (NoName, BadSchema, object):
        with pytest.raises(ValueError):
            registry.register(candidate)  # type: ignore[arg-type]
    registry.register(Flaky)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Flaky)


def test_entry_points_load_and_a_broken_one_is_reported_and_skipped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist = tmp_path / "thirdparty_connectors-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty-connectors\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[omniflow.connectors]\ngood = thirdparty_mod:Good\nbad = thirdparty_mod:Missing\n")
    (tmp_path / "thirdparty_mod.py").write_text(
        "from engine.connectors import Connector, EventSpec\n"
        "class Good(Connector):\n    name = 'thirdparty'\n    events = (EventSpec('ping'),)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = ConnectorRegistry.default()
    assert "thirdparty" in registry and "webhook" in registry
    assert [f.source for f in registry.failures] == ["bad = thirdparty_mod:Missing"]
    sys.modules.pop("thirdparty_mod", None)


@pytest.fixture
async def custom(data_dir: Path) -> Any:
    service = EngineService(EngineConfig(data_dir=data_dir, use_keyring=False,
                                         load_entry_points=False, max_pending_runs=3))
    for connector in (Flaky, Broken, Pusher):
        service.connector_registry.register(connector)
    service.connectors.states.update({"flaky": "stopped", "broken": "stopped",
                                      "pusher": "stopped"})
    service.connectors.backoff_initial = 0.05
    service.connectors.backoff_max = 0.2
    await service.start()
    yield service
    if service._started:  # a test may have stopped it already
        await service.stop()


async def test_failures_are_retried_with_backoff_and_isolated(custom: EngineService) -> None:
    states: list[tuple[str, str]] = []
    custom.bus.add_listener(lambda e: states.append((e["connector"], e["state"]))
                            if e["event"] == "connector_state" else None)
    flaky_wf = await activate(custom, listening_workflow("flaky", "hello"))
    await activate(custom, listening_workflow("broken", "never"))
    await activate(custom, listening_workflow("webhook", "go"))
    await wait_until(lambda: custom.connectors.state("flaky") == "connected")
    await wait_until(lambda: len([s for s in states if s == ("broken", "error: no peer at all")]) >= 1)
    flaky = custom.connector_registry.get("flaky")
    assert isinstance(flaky, Flaky) and flaky.attempts == 3
    assert [s for c, s in states if c == "flaky"] == [
        "connecting", "error: refused (attempt 1)", "connecting", "error: refused (attempt 2)",
        "connecting", "connected"]
    assert custom.connectors.state("webhook") == "connected"  # unaffected by the others
    assert custom.connectors.state("broken") in ("connecting", "error: no peer at all")
    await wait_until(lambda: flaky.emitted)
    [run] = await finished_runs(custom, flaky_wf)
    assert run["input"] == {"attempt": 3} and run["status"] == "succeeded"
    # Deactivating the only listener stops the connector.
    await custom.update_workflow(flaky_wf, status="draft")
    assert custom.connectors.state("flaky") == "stopped"
    await custom.stop()
    assert flaky.stopped


async def test_trigger_checks_connector_and_event(service: EngineService) -> None:
    with pytest.raises(NotFoundError):
        await service.trigger("nope", "x", {})
    with pytest.raises(UnknownEventError, match="its events: message"):
        await service.trigger("chat", "typo", {})
    assert await service.trigger("webhook", "anything-goes", {}) == []


async def test_idempotency_key_starts_runs_once(service: EngineService) -> None:
    wf = await activate(service, listening_workflow("webhook", "order"))
    events: list[dict[str, Any]] = []
    service.bus.add_listener(lambda e: events.append(e) if e["event"] == "connector_event" else None)
    first = await service.trigger("webhook", "order", {"n": 1}, idempotency_key="abc")
    second = await service.trigger("webhook", "order", {"n": 1}, idempotency_key="abc")
    third = await service.trigger("webhook", "order", {"n": 1}, idempotency_key="other")
    assert first == second and len(first) == 1 and third != first
    assert len(await finished_runs(service, wf)) == 2
    assert len(events) == 2


async def test_full_queue_refuses_the_whole_event_and_publishes_nothing(custom: EngineService) -> None:
    slow = listening_workflow("webhook", "go", then=[
        {"id": "wait", "plugin": "trigger", "params": {}}])
    for _ in range(2):
        await activate(custom, slow)
    gate = asyncio.Event()
    original = custom._run

    async def held(*args: Any) -> Any:
        await gate.wait()
        return await original(*args)

    custom._run = held  # type: ignore[method-assign]
    await custom.trigger("webhook", "go", {})  # 2 runs pending, room for 1 more
    events: list[dict[str, Any]] = []
    custom.bus.add_listener(lambda e: events.append(e) if e["event"] == "connector_event" else None)
    with pytest.raises(QueueFullError):
        await custom.trigger("webhook", "go", {}, idempotency_key="k")
    assert events == [] and len(custom.runs) == 2
    gate.set()
    await asyncio.gather(*(a.task for a in list(custom.runs.values())))
    assert len(await custom.trigger("webhook", "go", {}, idempotency_key="k")) == 2  # retry works


async def test_config_is_validated_and_stored(service: EngineService) -> None:
    with pytest.raises(InvalidConnectorConfigError, match="port"):
        await service.set_connector_config("mqtt", {"port": "eighty"})
    assert (await service.get_connector("mqtt"))["config"] == {}
    await service.set_connector_config("mqtt", {"host": "broker.local", "port": 1884})
    info = await service.get_connector("mqtt")
    assert info["config"] == {"host": "broker.local", "port": 1884}
    assert info["secrets"] == [{"name": "mqtt.password", "set": False}]


@pytest.mark.parametrize(("params", "message"), [
    ({"connector": "schedule", "event": "tick", "cron": "every day"}, "invalid cron"),
    ({"connector": "schedule", "event": "tick"}, "exactly one of 'cron' or 'interval'"),
    ({"connector": "nope", "event": "x"}, "connector 'nope' not found"),
    ({"connector": "chat", "event": "mesage"}, "no event 'mesage'"),
    ({"connector": "mqtt", "event": "message", "topic": 5}, "topic: 5 is not of type 'string'"),
])
async def test_activation_refuses_triggers_that_cannot_work(
        service: EngineService, params: dict[str, Any], message: str) -> None:
    from engine.errors import InvalidParamsError

    stored = await service.create_workflow({"name": "bad", "nodes": [
        {"id": "start", "plugin": "trigger", "params": params}]})
    with pytest.raises(InvalidParamsError, match=message) as info:
        await service.update_workflow(stored["id"], status="active")
    assert info.value.node_id == "start"
    assert (await service.get_workflow(stored["id"]))["status"] == "draft"


async def test_an_event_from_a_connector_waits_for_room_in_a_full_queue(custom: EngineService) -> None:
    wf = await activate(custom, listening_workflow("pusher", "item"))
    pusher = custom.connector_registry.get("pusher")
    assert isinstance(pusher, Pusher)
    await wait_until(lambda: custom.connectors.state("pusher") == "connected")
    gate = asyncio.Event()
    original = custom._run

    async def held(*args: Any) -> Any:
        await gate.wait()
        return await original(*args)

    custom._run = held  # type: ignore[method-assign]
    for n in range(5):  # room for 3: the 4th and 5th wait instead of being dropped
        pusher.inbox.put_nowait({"n": n})
    await wait_until(lambda: len(pusher.results) == 3)
    await asyncio.sleep(0.3)
    assert len(pusher.results) == 3 and len(custom.runs) == 3
    gate.set()
    await wait_until(lambda: len(pusher.results) == 5)
    runs = await finished_runs(custom, wf)
    assert sorted(r["input"]["n"] for r in runs) == [0, 1, 2, 3, 4]


async def test_an_event_still_without_room_is_reported_not_silently_dropped(
        custom: EngineService, caplog: pytest.LogCaptureFixture) -> None:
    await activate(custom, listening_workflow("pusher", "item"))
    pusher = custom.connector_registry.get("pusher")
    assert isinstance(pusher, Pusher)
    custom.connectors.queue_wait = 0.2
    custom.config.max_pending_runs = 0
    errors: list[dict[str, Any]] = []
    custom.bus.add_listener(lambda e: errors.append(e) if e["event"] == "connector_error" else None)
    pusher.inbox.put_nowait({"n": 1})
    await wait_until(lambda: len(pusher.results) == 1)
    assert pusher.results == [[]]
    assert errors[0]["connector"] == "pusher" and "not processed" in errors[0]["error"]
    assert "NOT processed" in caplog.text


async def test_connectors_come_back_after_a_restart(data_dir: Path) -> None:
    config = EngineConfig(data_dir=data_dir, use_keyring=False, load_entry_points=False)
    first = EngineService(config)
    await first.start()
    await activate(first, listening_workflow("schedule", "tick", extra_params={"interval": 60}))
    await first.set_connector_config("schedule", {"misfire_grace": 5})
    assert first.connectors.state("schedule") in ("connecting", "connected")
    await first.stop()
    assert first.connectors.state("schedule") == "stopped"

    second = EngineService(config)
    await second.start()
    try:
        await wait_until(lambda: second.connectors.state("schedule") == "connected")
        assert second.connector_registry.get("schedule").config == {"misfire_grace": 5}
        assert [t.params["interval"] for t in second.connectors.triggers("schedule")] == [60]
    finally:
        await second.stop()


async def test_a_buggy_connector_breaks_neither_refresh_nor_trigger(data_dir: Path) -> None:
    service = EngineService(EngineConfig(data_dir=data_dir, use_keyring=False,
                                         load_entry_points=False))
    service.connector_registry.register(Clumsy)
    await service.start()
    try:
        clumsy_wf = await activate(service, listening_workflow("clumsy", "hello"))
        webhook_wf = await activate(service, listening_workflow("webhook", "go"))
        assert service.connectors.state("clumsy") == "error: 'oops'"
        assert service.connectors.state("webhook") == "connected"
        assert await service.trigger("clumsy", "hello", {}) == []  # its filter failed: skipped
        assert len(await service.trigger("webhook", "go", {})) == 1
        assert await finished_runs(service, clumsy_wf) == []
        assert len(await finished_runs(service, webhook_wf)) == 1
    finally:
        await service.stop()


async def test_one_shot_engines_can_leave_connectors_off(data_dir: Path) -> None:
    config = EngineConfig(data_dir=data_dir, use_keyring=False, load_entry_points=False)
    first = EngineService(config)
    await first.start()
    await activate(first, listening_workflow("schedule", "tick", extra_params={"interval": 60}))
    await first.stop()
    config.start_connectors = False
    one_shot = EngineService(config)
    await one_shot.start()
    try:
        assert {c["state"] for c in one_shot.list_connectors()} == {"stopped"}
        await activate(one_shot, listening_workflow("schedule", "tick", extra_params={"interval": 1}))
        assert one_shot.connectors.state("schedule") == "stopped"
    finally:
        await one_shot.stop()


async def test_a_stored_workflow_that_no_longer_validates_is_skipped(
        data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    from engine import PluginRegistry
    from tests.engine.plugins_for_tests import AddOne

    config = EngineConfig(data_dir=data_dir, use_keyring=False, load_entry_points=False)
    registry = PluginRegistry.default(entry_points=False)
    registry.register(AddOne)
    first = EngineService(config, registry=registry)
    await first.start()
    stale = await activate(first, listening_workflow("webhook", "go", then=[
        {"id": "inc", "plugin": "test.add_one"}], edges=[{"source": "in", "target": "inc"}]))
    fine = await activate(first, listening_workflow("webhook", "go"))
    await first.stop()

    second = EngineService(config)  # test.add_one is not installed here
    await second.start()
    try:
        run_ids = await second.trigger("webhook", "go", {"value": 1})
        assert len(run_ids) == 1
        assert len(await finished_runs(second, fine)) == 1
        assert await finished_runs(second, stale) == []
        assert f"active workflow {stale} cannot run" in caplog.text
    finally:
        await second.stop()
