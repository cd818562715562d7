"""The WebSocket hub: engine bus events pushed to every authenticated client.

* Authenticated like the REST API: ``Authorization: Bearer`` on the upgrade, or
  ``?token=`` (browsers cannot set headers on an upgrade). The socket is closed with
  1008 when its token expires or is logged out.
* ``?since=<seq>`` replays the missed events from the bus's bounded buffer first; when
  some already left it, the client gets ``{"event": "resync_required", ...}`` instead of a
  silent gap.
* Each client has its own bounded queue (a bus subscription) drained by its own task, so
  a slow client never delays the others or the engine. When its queue overflows it is
  closed with 1013 ("try again later"; reconnect with ``?since=``); when one send stalls
  for ``SEND_TIMEOUT`` seconds its connection is dropped.
* Each event is encoded once, whatever the number of clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from engine.events import Event, Subscription
from engine.service import EngineService
from server import openapi
from server.auth import Principal, TokenManager, authenticate, bearer_token, public
from server.errors import ApiError
from server.jsonio import dumps
from server.keys import HUB

__all__ = ["CLOSE_OVERFLOW", "CLOSE_TOKEN", "WebSocketHub", "setup"]

log = logging.getLogger(__name__)

CLOSE_TOKEN = WSCloseCode.POLICY_VIOLATION  # 1008: token expired or revoked
CLOSE_OVERFLOW = WSCloseCode.TRY_AGAIN_LATER  # 1013: the client fell too far behind
SEND_TIMEOUT = 10.0
WATCHDOG_INTERVAL = 0.5
OVERFLOW_REASON = "too slow: event queue overflowed; reconnect with ?since=<seq>"
_ENCODED_KEEP = 1024


class _Client:
    """One connected socket with its principal and subscription."""

    __slots__ = ("closing", "principal", "sending_since", "subscription", "transport", "ws")

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport | None,
                 principal: Principal, subscription: Subscription) -> None:
        self.ws = ws
        self.transport = transport
        self.principal = principal
        self.subscription = subscription
        self.closing = False
        #: loop time when the send in progress started (None: not sending).
        self.sending_since: float | None = None


class WebSocketHub:
    """Accepts WebSocket clients and feeds each one the bus's events."""

    def __init__(self, service: EngineService, auth: TokenManager, queue_size: int) -> None:
        self._service = service
        self._auth = auth
        self._queue_size = queue_size
        self._sockets: weakref.WeakSet[web.WebSocketResponse] = weakref.WeakSet()
        self._clients: set[_Client] = set()
        self._encoded: dict[int, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._watchdog: asyncio.Task[None] | None = None
        auth.on_revoke(self._on_revoke)

    def start(self) -> None:
        """Start the watchdog that drops clients whose queue overflowed while stalled."""
        self._watchdog = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        # A client stuck in a send cannot notice its own overflow; this does, promptly.
        while True:
            await asyncio.sleep(WATCHDOG_INTERVAL)
            stalled_before = asyncio.get_running_loop().time() - SEND_TIMEOUT
            for client in tuple(self._clients):
                started = client.sending_since
                if started is not None and started < stalled_before:
                    log.warning("WebSocket client stalled for %.0f s; dropping it", SEND_TIMEOUT)
                    self._abort(client)
                elif client.subscription.overflowed and not client.closing:
                    self._close_soon(client, CLOSE_OVERFLOW, OVERFLOW_REASON)

    @property
    def client_count(self) -> int:
        """How many clients are connected."""
        return len(self._clients)

    def encode(self, event: Event) -> str:
        """The event's JSON text, encoded once for every client."""
        seq = event["seq"]
        text = self._encoded.get(seq)
        if text is None:
            text = dumps(event).decode()
            if len(self._encoded) >= _ENCODED_KEEP:
                del self._encoded[next(iter(self._encoded))]
            self._encoded[seq] = text
        return text

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """GET /ws: authenticate, upgrade, replay ``since``, then stream events."""
        token = bearer_token(request) or request.query.get("token") or None
        principal = authenticate(request, token)
        since = _since_param(request)
        ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=64 * 1024)
        if not ws.can_prepare(request).ok:
            raise ApiError(400, "this endpoint expects a WebSocket upgrade")
        await ws.prepare(request)
        bus = self._service.bus
        client = _Client(ws, request.transport, principal,
                         bus.subscribe(maxsize=self._queue_size))
        self._clients.add(client)
        self._sockets.add(ws)
        expiry = asyncio.get_running_loop().call_later(
            max(0.0, principal.expires_at - time.time()), self._close_soon, client, CLOSE_TOKEN,
            "token expired")
        sender = asyncio.create_task(self._run_sender(client, since))
        try:
            async for message in ws:
                if message.type == WSMsgType.ERROR:
                    break  # nothing else from the client matters: the stream is one-way
        finally:
            expiry.cancel()
            client.subscription.close()
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            self._clients.discard(client)
        return ws

    async def _run_sender(self, client: _Client, since: int | None) -> None:
        try:
            await self._send_events(client, since)
        except Exception:  # a bug must not leave a client connected but deaf
            log.exception("WebSocket sender failed; closing the connection")
            await self._close(client, WSCloseCode.INTERNAL_ERROR, "internal server error")

    async def _send_events(self, client: _Client, since: int | None) -> None:
        last = 0
        if since is not None:
            replay = self._service.bus.since(since)
            if replay is None:
                if not await self._send(client, dumps(self._resync(since)).decode()):
                    return
            else:
                for missed in replay:
                    if not await self._send(client, self.encode(missed)):
                        return
                    last = missed["seq"]
        subscription = client.subscription
        while (event := await subscription.get()) is not None:
            if event["seq"] > last and not await self._send(client, self.encode(event)):
                return
        if client.subscription.overflowed:
            log.warning("WebSocket client fell more than %d events behind; disconnecting",
                        self._queue_size)
            await self._close(client, CLOSE_OVERFLOW, OVERFLOW_REASON)

    def _resync(self, since: int) -> dict[str, Any]:
        return {"event": "resync_required", "seq": self._service.bus.last_seq,
                "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "since": since,
                "message": "some events after 'since' are no longer buffered; reload the "
                           "state you need, then follow from 'seq'"}

    async def _send(self, client: _Client, text: str) -> bool:
        """Send one message; False (and the connection dropped) when it cannot be sent."""
        if client.closing:
            return False
        # No timer per send (it would cost more than the send): the watchdog drops a
        # client whose send has been stuck for SEND_TIMEOUT seconds.
        client.sending_since = self._loop_time()
        try:
            await client.ws.send_str(text)
        except ConnectionError:
            self._abort(client)
            return False
        finally:
            client.sending_since = None
        return True

    @staticmethod
    def _loop_time() -> float:
        return asyncio.get_running_loop().time()

    def _abort(self, client: _Client) -> None:
        client.closing = True
        client.subscription.close()
        if client.transport is not None:
            client.transport.abort()

    async def _close(self, client: _Client, code: int, reason: str) -> None:
        if client.closing:
            return
        client.closing = True
        client.subscription.close()
        try:
            await asyncio.wait_for(client.ws.close(code=code, message=reason.encode()), 2.0)
        except (TimeoutError, ConnectionError):
            self._abort(client)

    def _close_soon(self, client: _Client, code: int, reason: str) -> None:
        task = asyncio.get_running_loop().create_task(self._close(client, code, reason))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_revoke(self, jti: str) -> None:
        for client in tuple(self._clients):
            if client.principal.jti == jti:
                self._close_soon(client, CLOSE_TOKEN, "token revoked (logged out)")

    async def close_all(self, _app: web.Application | None = None) -> None:
        """Close every socket with GOING_AWAY (server shutdown)."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        await asyncio.gather(*(self._close(c, WSCloseCode.GOING_AWAY, "server shutdown")
                               for c in tuple(self._clients)), return_exceptions=True)
        for ws in tuple(self._sockets):
            if not ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(code=WSCloseCode.GOING_AWAY,
                                                    message=b"server shutdown"), 2.0)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _since_param(request: web.Request) -> int | None:
    raw = request.query.get("since")
    if raw is None:
        return None
    try:
        since = int(raw)
    except ValueError:
        raise ApiError(400, "query parameter 'since' must be an integer") from None
    if since < 0:
        raise ApiError(400, "query parameter 'since' must be ≥ 0")
    return since


@public
async def websocket(request: web.Request) -> web.StreamResponse:
    """GET /ws: the event stream (authenticates itself: header or ``?token=``)."""
    return await request.app[HUB].handle(request)


def setup(app: web.Application) -> None:
    """Add ``GET /ws`` and its OpenAPI entry."""
    app.router.add_get("/ws", websocket, allow_head=False)
    openapi.add_paths(app, {"/ws": {"get": openapi.operation(
        "Real-time events (WebSocket upgrade)", tag="events", status=101, errors=(400,),
        description="Upgrade to a WebSocket that pushes every engine event as one JSON text "
                    "message with event, seq and ts. Authenticate with the Authorization "
                    "header or ?token=. ?since=<seq> replays missed events.",
        params=[openapi.query_param("token", {"type": "string"}, "JWT, for browsers"),
                openapi.query_param("since", {"type": "integer", "minimum": 0},
                                    "replay events after this seq")])}})
