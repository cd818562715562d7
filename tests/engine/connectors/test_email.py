"""The email connector against a real local SMTP server (aiosmtpd, STARTTLS + AUTH)."""

from __future__ import annotations

from typing import Any

import pytest

from engine import EngineService
from engine.errors import PluginExecutionError
from tests.engine.connectors.conftest import SMTP_PASSWORD, SMTP_USER
from tests.engine.connectors.helpers import activate, listening_workflow
from tests.engine.connectors.peers import SmtpServer, wait_until


def _config(server: SmtpServer, **extra: Any) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": server.port, "username": SMTP_USER,
            "from": "OmniFlow <robot@example.test>", "ca_file": str(server.cert), **extra}


async def test_send_uses_starttls_and_the_password_from_the_secret_store(
        smtp_server: SmtpServer, service: EngineService) -> None:
    await service.set_connector_config("email", _config(smtp_server))
    await service.set_secret("email", "password", SMTP_PASSWORD)
    out = await service.execute_plugin("email.send", {"text": "The answer is 84"},
                                       {"to": "analyst@example.test", "subject": "Result"})
    assert out["sent"] is True and out["to"] == ["analyst@example.test"]
    [mail] = smtp_server.mailbox.messages
    assert mail["to"] == ["analyst@example.test"]
    assert mail["tls"] is True
    assert "Subject: Result" in mail["data"]
    assert "The answer is 84" in mail["data"]


async def test_wrong_password_fails_without_leaking_it(smtp_server: SmtpServer,
                                                       service: EngineService) -> None:
    await service.set_connector_config("email", _config(smtp_server))
    await service.set_secret("email", "password", "not-the-password")
    with pytest.raises(PluginExecutionError) as info:
        await service.execute_plugin("email.send", {"text": "x"}, {"to": "a@example.test"})
    assert "535" in str(info.value)  # authentication failed
    assert "not-the-password" not in str(info.value)
    assert smtp_server.mailbox.messages == []


async def test_untrusted_certificate_is_refused(smtp_server: SmtpServer,
                                                service: EngineService) -> None:
    config = _config(smtp_server)
    del config["ca_file"]
    await service.set_connector_config("email", config)
    await service.set_secret("email", "password", SMTP_PASSWORD)
    with pytest.raises(PluginExecutionError, match="CERTIFICATE_VERIFY_FAILED"):
        await service.execute_plugin("email.send", {"text": "x"}, {"to": "a@example.test"})


async def test_state_follows_a_login_probe(smtp_server: SmtpServer,
                                           service: EngineService) -> None:
    await service.set_connector_config("email", _config(smtp_server))
    await service.set_secret("email", "password", "wrong")
    service.connectors.backoff_initial = 0.1
    document = listening_workflow("webhook", "go", then=[
        {"id": "mail", "plugin": "email.send", "params": {"to": "a@example.test"}}],
        edges=[{"source": "in", "target": "mail"}])
    await activate(service, document)  # an action in an active workflow starts the connector
    await wait_until(lambda: service.connectors.state("email").startswith("error: "))
    assert "wrong" not in service.connectors.state("email")
    await service.set_secret("email", "password", SMTP_PASSWORD)
    await wait_until(lambda: service.connectors.state("email") == "connected")
