"""End to end: mosquitto_pub → mqtt connector → active workflow → email to a local SMTP server."""

from __future__ import annotations

import asyncio
import shutil

import aiomqtt

from engine import EngineService
from tests.engine.connectors.conftest import SMTP_PASSWORD, SMTP_USER
from tests.engine.connectors.helpers import activate, listening_workflow
from tests.engine.connectors.peers import Mosquitto, SmtpServer, wait_until


async def _publish(broker: Mosquitto, topic: str, message: str) -> None:
    tool = shutil.which("mosquitto_pub")
    if tool is None:  # mosquitto-clients missing: same MQTT publish from Python
        async with aiomqtt.Client("127.0.0.1", broker.port) as client:
            await client.publish(topic, message, qos=1)
        return
    process = await asyncio.create_subprocess_exec(
        tool, "-h", "127.0.0.1", "-p", str(broker.port), "-t", topic, "-m", message, "-q", "1")
    assert await process.wait() == 0


async def test_mqtt_message_runs_a_workflow_that_mails_its_result(
        mosquitto: Mosquitto, smtp_server: SmtpServer, service: EngineService) -> None:
    await service.set_connector_config("mqtt", {"host": "127.0.0.1", "port": mosquitto.port})
    await service.set_connector_config("email", {
        "host": "127.0.0.1", "port": smtp_server.port, "username": SMTP_USER,
        "from": SMTP_USER, "ca_file": str(smtp_server.cert)})
    await service.set_secret("email", "password", SMTP_PASSWORD)
    document = listening_workflow(
        "mqtt", "message", extra_params={"topic": "orders/+"},
        then=[{"id": "dbl", "plugin": "double"},
              {"id": "mail", "plugin": "email.send",
               "params": {"to": "boss@example.test", "subject": "Doubled"}}],
        edges=[{"source": "in", "source_port": "message", "target": "dbl"},
               {"source": "dbl", "target": "mail"}])
    workflow_id = await activate(service, document)
    await wait_until(lambda: service.connectors.state("mqtt") == "connected")

    await _publish(mosquitto, "orders/42", '{"value": 21}')
    await wait_until(lambda: len(smtp_server.mailbox.messages) == 1, timeout=15)
    mail = smtp_server.mailbox.messages[0]
    assert mail["to"] == ["boss@example.test"]
    assert "Subject: Doubled" in mail["data"]
    assert '"result": 42' in mail["data"]
    await asyncio.gather(*(a.task for a in list(service.runs.values())))
    [run] = await service.list_runs(workflow_id)
    assert run["status"] == "succeeded"
    assert run["output"]["mail"]["to"] == ["boss@example.test"]
