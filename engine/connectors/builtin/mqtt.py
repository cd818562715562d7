"""``mqtt``: subscribe to topic filters (``message`` events) and publish (``mqtt.publish``).

The broker is in the config (``host``, ``port``, ``username``, ``tls``); the password is the
secret ``mqtt.password``. Topic filters come from the config's ``topics`` and from the
``topic`` param of every listening trigger node. A lost connection is retried with
back-off by the connector manager; subscriptions are renewed on reconnect.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from typing import Any

import aiomqtt

from engine.connectors.sdk import Connector, ConnectorAction, ConnectorContext, EventSpec, TriggerSpec
from engine.errors import PluginExecutionError
from engine.plugins.sdk import ExecutionContext, Port

__all__ = ["MqttConnector", "MqttPublish", "decode_payload"]

PASSWORD = "mqtt.password"


def decode_payload(raw: Any) -> Any:
    """An MQTT payload as JSON when it parses, else as text."""
    if isinstance(raw, bytes | bytearray):
        text = bytes(raw).decode("utf-8", errors="replace")
    else:
        text = str(raw) if raw is not None else ""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _client(config: Mapping[str, Any], password: str | None, *, suffix: str = "") -> aiomqtt.Client:
    identifier = config.get("client_id")
    return aiomqtt.Client(
        str(config.get("host", "127.0.0.1")), int(config.get("port", 1883)),
        username=config.get("username"), password=password if config.get("username") else None,
        identifier=f"{identifier}{suffix}" if identifier else None,
        keepalive=int(config.get("keepalive", 30)), timeout=float(config.get("timeout", 10)),
        tls_context=ssl.create_default_context() if config.get("tls") else None)


class MqttPublish(ConnectorAction):
    """Publish the input to an MQTT topic."""

    id = "mqtt.publish"
    name = "MQTT: publish"
    description = "Publish a message to the MQTT broker in the mqtt connector's config."
    params_schema = {
        "type": "object",
        "properties": {
            "topic": {"type": "string", "minLength": 1},
            "qos": {"type": "integer", "enum": [0, 1, 2]},
            "retain": {"type": "boolean"},
        },
        "required": ["topic"],
        "additionalProperties": False,
    }
    inputs = (Port("message", "any", "What to publish (objects become JSON); else the whole input"),)
    outputs = (Port("topic", "string"), Port("published", "boolean"))
    default_timeout = 30.0

    async def execute(self, input: dict[str, Any], params: dict[str, Any],
                      context: ExecutionContext) -> dict[str, Any]:
        connector = self.connector
        assert isinstance(connector, MqttConnector)
        value = input.get("message", input)
        data = value if isinstance(value, str | bytes) else json.dumps(value, default=str)
        qos, retain = int(params.get("qos", 0)), bool(params.get("retain", False))
        try:
            live = connector.client
            if live is not None:
                await live.publish(params["topic"], data, qos=qos, retain=retain)
            else:
                async with _client(connector.config, context.secret(PASSWORD),
                                   suffix="-pub") as client:
                    await client.publish(params["topic"], data, qos=qos, retain=retain)
        except aiomqtt.MqttError as exc:
            raise PluginExecutionError(f"MQTT publish failed: {exc}", plugin_id=self.id) from None
        return {"topic": params["topic"], "published": True}


class MqttConnector(Connector):
    """An MQTT client: topic subscriptions in, publishing out."""

    name = "mqtt"
    description = ("MQTT broker client: 'message' events for the subscribed topic filters; "
                   "mqtt.publish to publish. Password in the secret mqtt.password.")
    events = (EventSpec("message", "A message on a subscribed topic", {
        "type": "object",
        "properties": {"topic": {"type": "string"},
                       "message": {"description": "The MQTT payload: JSON if it parses, else text"},
                       "qos": {"type": "integer"}, "retain": {"type": "boolean"}},
    }),)
    actions = (MqttPublish,)
    config_schema = {
        "type": "object",
        "properties": {
            "host": {"type": "string", "description": "Broker host (default 127.0.0.1)"},
            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "username": {"type": "string"},
            "client_id": {"type": "string"},
            "tls": {"type": "boolean"},
            "keepalive": {"type": "integer", "minimum": 1},
            "timeout": {"type": "number", "exclusiveMinimum": 0},
            "qos": {"type": "integer", "enum": [0, 1, 2]},
            "topics": {"type": "array", "items": {"type": "string", "minLength": 1},
                       "description": "Extra topic filters to subscribe to"},
        },
        "additionalProperties": False,
    }
    secret_names = ("password",)
    trigger_params_schema = {
        "type": "object",
        "properties": {"topic": {"type": "string", "description": "Topic filter (+ and # allowed); "
                                                                  "default #"}},
    }

    def __init__(self) -> None:
        super().__init__()
        self.client: aiomqtt.Client | None = None

    def _filters(self, triggers: list[TriggerSpec], config: Mapping[str, Any]) -> list[str]:
        filters = {str(t.params.get("topic") or "#") for t in triggers}
        filters.update(str(t) for t in config.get("topics", []))
        return sorted(filters)

    def subscription_key(self, triggers: list[TriggerSpec]) -> Any:
        return tuple(self._filters(triggers, {}))

    def matches(self, trigger_params: Mapping[str, Any], event: str,
                payload: Mapping[str, Any]) -> bool:
        wanted, topic = trigger_params.get("topic"), payload.get("topic")
        if not wanted or not isinstance(topic, str):
            return True
        try:
            return aiomqtt.Topic(topic).matches(str(wanted))
        except ValueError:
            return False

    async def listen(self, ctx: ConnectorContext) -> None:
        qos = int(ctx.config.get("qos", 0))
        async with _client(ctx.config, ctx.secret("password")) as client:
            for topic_filter in self._filters(ctx.triggers, ctx.config):
                await client.subscribe(topic_filter, qos=qos)
            self.client = client
            ctx.connected()
            try:
                async for message in client.messages:
                    await ctx.emit("message", {
                        "topic": message.topic.value, "message": decode_payload(message.payload),
                        "qos": message.qos, "retain": bool(message.retain)})
            finally:
                self.client = None
        raise ConnectionError("the broker closed the connection")
