"""``schedule``: ``tick`` events from cron expressions or fixed intervals, in a time zone.

Each ``trigger`` node of an active workflow names its schedule in its params
(``{"connector": "schedule", "event": "tick", "cron": "*/5 * * * *", "timezone":
"Europe/Paris"}`` or ``{"interval": 30}``). Identical schedules share one timer.

Missed ticks are never replayed: after a sleep, a suspend or a restart the timer looks at
the wall clock, fires once if it is at most ``misfire_grace`` seconds late, and otherwise
skips to the next time after now. Fixed intervals are aligned to the Unix epoch, so a
restart does not shift them.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from engine.connectors.sdk import Connector, ConnectorContext, ConnectorError, EventSpec, TriggerSpec
from engine.model import iso

__all__ = ["Schedule", "ScheduleConnector", "plan_step"]

Clock = Callable[[], datetime]

#: Longest single sleep, so a wall-clock jump (suspend, NTP) is noticed quickly.
_MAX_NAP = 1.0


@dataclass(frozen=True)
class Schedule:
    """A cron expression or a fixed interval (seconds), evaluated in a time zone."""

    cron: str | None = None
    interval: float | None = None
    timezone: str = "UTC"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Schedule:
        """The schedule a trigger node describes; ConnectorError when it is invalid."""
        cron, interval = params.get("cron"), params.get("interval")
        timezone = params.get("timezone") or "UTC"
        if (cron is None) == (interval is None):
            raise ConnectorError("a schedule trigger needs exactly one of 'cron' or 'interval'")
        if cron is not None and (not isinstance(cron, str) or not croniter.is_valid(cron)):
            raise ConnectorError(f"invalid cron expression {cron!r}")
        if interval is not None and (isinstance(interval, bool)
                                     or not isinstance(interval, int | float) or interval <= 0):
            raise ConnectorError(f"interval must be a positive number of seconds, got {interval!r}")
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConnectorError(f"unknown time zone {timezone!r}") from None
        return cls(cron=cron, interval=float(interval) if interval is not None else None,
                   timezone=str(timezone))

    def next_after(self, moment: datetime) -> datetime:
        """The first scheduled time strictly after ``moment`` (aware, UTC)."""
        if self.interval is not None:
            stamp = moment.timestamp()
            slot = (math.floor(stamp / self.interval) + 1) * self.interval
            return datetime.fromtimestamp(slot, UTC)
        local = moment.astimezone(ZoneInfo(self.timezone))
        nxt: datetime = croniter(self.cron, local).get_next(datetime)
        return nxt.astimezone(UTC)

    def describe(self) -> dict[str, Any]:
        """The schedule as it appears in tick payloads."""
        out: dict[str, Any] = {"timezone": self.timezone}
        if self.cron is not None:
            out["cron"] = self.cron
        else:
            out["interval"] = self.interval
        return out


def plan_step(schedule: Schedule, due: datetime, now: datetime, grace: float
              ) -> tuple[bool, int, datetime]:
    """What to do when the clock reads ``now`` and a tick was due at ``due``.

    Returns (fire?, how many ticks were missed and skipped, the next due time). The next
    due time is computed from ``now``, so however long the machine slept, at most one
    tick fires.
    """
    if now < due:
        return False, 0, due
    late = (now - due).total_seconds()
    fire = late <= grace
    missed, probe = 0, due
    while missed < 10_000:
        probe = schedule.next_after(probe)
        if probe > now:
            break
        missed += 1
    if not fire:
        missed += 1
    return fire, missed, schedule.next_after(now)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ScheduleConnector(Connector):
    """Timers: cron expressions and fixed intervals."""

    name = "schedule"
    description = ("Fires 'tick' on cron expressions or fixed intervals, in any time zone; "
                   "missed ticks are skipped, never replayed in a burst.")
    events = (EventSpec("tick", "A scheduled time came", {
        "type": "object",
        "properties": {"scheduled_at": {"type": "string"}, "fired_at": {"type": "string"},
                       "cron": {"type": "string"}, "interval": {"type": "number"},
                       "timezone": {"type": "string"}},
    }),)
    config_schema = {
        "type": "object",
        "properties": {
            "misfire_grace": {"type": "number", "minimum": 0,
                              "description": "Fire a late tick if at most this many seconds "
                                             "late (default 60); later ones are skipped"},
        },
        "additionalProperties": False,
    }
    trigger_params_schema = {
        "type": "object",
        "properties": {
            "cron": {"type": "string", "description": "Cron expression (5 fields, or 6 with "
                                                      "seconds last)"},
            "interval": {"type": "number", "description": "Seconds between ticks"},
            "timezone": {"type": "string", "description": "IANA zone, e.g. Europe/Paris"},
        },
    }

    def __init__(self, clock: Clock = _utc_now) -> None:
        super().__init__()
        self.clock = clock

    def _schedules(self, triggers: list[TriggerSpec]) -> list[Schedule]:
        found: dict[Schedule, None] = {}
        for trigger in triggers:
            if trigger.event not in (None, "tick", "*"):
                continue
            try:
                found[Schedule.from_params(trigger.params)] = None
            except ConnectorError:
                continue  # reported by listen()
        return list(found)

    def check_trigger(self, params: Mapping[str, Any]) -> None:
        Schedule.from_params(params)

    def subscription_key(self, triggers: list[TriggerSpec]) -> Any:
        return frozenset(self._schedules(triggers))

    def matches(self, trigger_params: Mapping[str, Any], event: str,
                payload: Mapping[str, Any]) -> bool:
        if "cron" not in payload and "interval" not in payload:
            return True  # a manual tick through the API reaches every schedule trigger
        try:
            wanted = Schedule.from_params(trigger_params)
        except ConnectorError:
            return False
        return wanted.describe() == {k: payload[k] for k in ("cron", "interval", "timezone")
                                     if k in payload}

    async def listen(self, ctx: ConnectorContext) -> None:
        for trigger in ctx.triggers:
            try:
                Schedule.from_params(trigger.params)
            except ConnectorError as exc:
                ctx.log.warning("workflow %s node %s: %s", trigger.workflow_id,
                                trigger.node_id, exc)
        schedules = self._schedules(ctx.triggers)
        grace = float(ctx.config.get("misfire_grace", 60.0))
        ctx.connected()
        if schedules:
            await asyncio.gather(*(self._timer(ctx, s, grace) for s in schedules))

    async def _timer(self, ctx: ConnectorContext, schedule: Schedule, grace: float) -> None:
        due = schedule.next_after(self.clock())
        while True:
            now = self.clock()
            if now < due:
                await asyncio.sleep(min((due - now).total_seconds(), _MAX_NAP))
                continue
            fire, missed, next_due = plan_step(schedule, due, now, grace)
            if missed:
                ctx.log.info("schedule %s: skipped %d missed tick(s)", schedule.describe(),
                             missed)
            if fire:
                payload = {"scheduled_at": _iso_ms(due), "fired_at": _iso_ms(now),
                           **schedule.describe()}
                await ctx.emit("tick", payload)
            due = next_due


def _iso_ms(moment: datetime) -> str:
    if moment.microsecond:
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return iso(moment)


