"""The built-in connectors."""

from __future__ import annotations

from engine.connectors.builtin.chat import ChatConnector
from engine.connectors.builtin.email import EmailConnector
from engine.connectors.builtin.file import FileConnector
from engine.connectors.builtin.http import HttpConnector
from engine.connectors.builtin.mqtt import MqttConnector
from engine.connectors.builtin.schedule import ScheduleConnector
from engine.connectors.builtin.webhook import WebhookConnector
from engine.connectors.sdk import Connector

__all__ = ["BUILTIN_CONNECTORS"]

BUILTIN_CONNECTORS: list[type[Connector]] = [
    ChatConnector, EmailConnector, FileConnector, HttpConnector, MqttConnector,
    ScheduleConnector, WebhookConnector,
]
