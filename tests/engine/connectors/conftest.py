"""Fixtures for connector tests: real brokers and servers on loopback."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.connectors.peers import Mosquitto, SmtpServer

SMTP_USER, SMTP_PASSWORD = "robot@example.test", "s3cr3t-smtp-Pa55"


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """A running mosquitto broker (the test may stop and restart it)."""
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        pytest.fail("mosquitto is not installed (apt-get install mosquitto; .ci/run does)")
    broker = Mosquitto(tmp_path)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """A running SMTP server requiring STARTTLS and AUTH (SMTP_USER / SMTP_PASSWORD)."""
    server = SmtpServer(tmp_path, SMTP_USER, SMTP_PASSWORD)
    server.start()
    yield server
    server.stop()
