"""Shared test set-up: offscreen Qt, no OS keyring, a fresh data dir per test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_PREFERRED_BINDING", "PySide6")

from engine import EngineConfig, EngineService


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data dir for one test."""
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
async def service(data_dir: Path) -> AsyncIterator[EngineService]:
    """A started engine on a SQLite file in the test's data dir."""
    engine = EngineService(EngineConfig(data_dir=data_dir, use_keyring=False,
                                        load_entry_points=False))
    await engine.start()
    yield engine
    await engine.stop()
