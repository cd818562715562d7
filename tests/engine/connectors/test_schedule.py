"""The schedule connector: cron and intervals, time zones, on-time ticks, no bursts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from engine import EngineService
from engine.connectors import ConnectorError
from engine.connectors.builtin.schedule import Schedule, ScheduleConnector, plan_step
from tests.engine.connectors.helpers import activate, listening_workflow
from tests.engine.connectors.peers import wait_until


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_cron_is_evaluated_in_the_time_zone_across_dst() -> None:
    paris = Schedule.from_params({"cron": "0 9 * * *", "timezone": "Europe/Paris"})
    assert paris.next_after(_at("2026-01-15T10:00:00")) == _at("2026-01-16T08:00:00")  # CET
    assert paris.next_after(_at("2026-07-15T10:00:00")) == _at("2026-07-16T07:00:00")  # CEST
    assert Schedule.from_params({"cron": "0 9 * * *"}).next_after(
        _at("2026-07-15T10:00:00")) == _at("2026-07-16T09:00:00")


def test_intervals_are_aligned_so_a_restart_does_not_shift_them() -> None:
    every = Schedule.from_params({"interval": 30})
    assert every.next_after(_at("2026-01-01T00:00:10")) == _at("2026-01-01T00:00:30")
    assert every.next_after(_at("2026-01-01T00:00:30")) == _at("2026-01-01T00:01:00")


@pytest.mark.parametrize("params", [{}, {"cron": "* * * * *", "interval": 5}, {"cron": "61 * * * *"},
                                    {"interval": 0}, {"interval": True},
                                    {"interval": 5, "timezone": "Mars/Olympus"}])
def test_invalid_schedules_are_refused(params: dict[str, object]) -> None:
    with pytest.raises(ConnectorError):
        Schedule.from_params(params)


def test_no_burst_of_missed_ticks_after_a_sleep() -> None:
    every_minute = Schedule.from_params({"cron": "* * * * *"})
    due = _at("2026-01-01T08:00:00")
    assert plan_step(every_minute, due, _at("2026-01-01T07:59:59"), 60) == (False, 0, due)
    fire, missed, nxt = plan_step(every_minute, due, _at("2026-01-01T08:00:00.2"), 60)
    assert (fire, missed, nxt) == (True, 0, _at("2026-01-01T08:01:00"))
    # Asleep for three hours: 180 ticks were missed; none fires, the next is after "now".
    fire, missed, nxt = plan_step(every_minute, due, _at("2026-01-01T11:00:30"), 60)
    assert (fire, missed, nxt) == (False, 181, _at("2026-01-01T11:01:00"))
    # Woken 30 s late (within the grace): that one tick fires, once.
    fire, missed, nxt = plan_step(every_minute, due, _at("2026-01-01T08:00:30"), 60)
    assert (fire, missed, nxt) == (True, 0, _at("2026-01-01T08:01:00"))


async def _ticks(service: EngineService, workflow_id: str) -> list[dict[str, object]]:
    return [r["input"] for r in await service.list_runs(workflow_id, limit=1000)]


@pytest.mark.slow
async def test_interval_and_cron_fire_on_time(service: EngineService) -> None:
    fast = await activate(service, listening_workflow("schedule", "tick",
                                                      extra_params={"interval": 0.25}))
    cron = await activate(service, listening_workflow(
        "schedule", "tick", extra_params={"cron": "* * * * * *", "timezone": "Asia/Tokyo"}))
    await wait_until(lambda: service.connectors.state("schedule") == "connected")
    await asyncio.sleep(2.2)
    fast_ticks = await _ticks(service, fast)
    cron_ticks = await _ticks(service, cron)
    assert 4 <= len(fast_ticks) <= 10  # 8 expected; a loaded CI box may lose one or two
    assert 1 <= len(cron_ticks) <= 3
    assert {t.get("interval") for t in fast_ticks} == {0.25}  # each workflow its own timer
    assert {t.get("cron") for t in cron_ticks} == {"* * * * * *"}
    for tick in [*fast_ticks, *cron_ticks]:
        scheduled = datetime.fromisoformat(str(tick["scheduled_at"]).replace("Z", "+00:00"))
        fired = datetime.fromisoformat(str(tick["fired_at"]).replace("Z", "+00:00"))
        assert timedelta(0) <= fired - scheduled < timedelta(seconds=1)
    for tick in cron_ticks:
        assert str(tick["scheduled_at"]).endswith(":00Z") or "." not in str(tick["scheduled_at"])


@pytest.mark.slow
async def test_a_clock_jump_skips_missed_ticks_instead_of_bursting(service: EngineService) -> None:
    connector = service.connector_registry.get("schedule")
    assert isinstance(connector, ScheduleConnector)
    offset = timedelta(0)
    connector.clock = lambda: datetime.now(UTC) + offset  # the wall clock, as a suspend sees it
    await service.set_connector_config("schedule", {"misfire_grace": 1})
    wf = await activate(service, listening_workflow("schedule", "tick",
                                                    extra_params={"interval": 0.2}))
    await wait_until(lambda: len(service.runs) > 0 or service.connectors.state("schedule") == "connected")
    await asyncio.sleep(0.7)
    before = len(await _ticks(service, wf))
    offset = timedelta(hours=2)  # the machine "slept" two hours (36,000 missed ticks)
    await asyncio.sleep(1.1)
    after = len(await _ticks(service, wf)) - before
    assert before >= 2
    assert 1 <= after <= 8  # the normal rate (~5) went on; nothing was replayed
