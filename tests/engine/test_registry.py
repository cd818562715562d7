"""The plugin registry: built-ins, entry-point plugins, broken ones skipped."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import PluginRegistry
from engine.errors import NotFoundError


@pytest.fixture
def installed_distribution(tmp_path: Path) -> Iterator[Path]:
    """A real (if tiny) installed distribution declaring two omniflow.plugins entry points."""
    (tmp_path / "acme_plugins.py").write_text(textwrap.dedent("""
        from engine import Plugin, Port

        class Shout(Plugin):
            id = "acme.shout"
            name = "Shout"
            inputs = (Port("text"),)
            outputs = (Port("text"),)
            inline = True

            def execute(self, input, params, context):
                return {"text": str(input.get("text", "")).upper()}
    """))
    (tmp_path / "acme_broken.py").write_text("raise ImportError('missing optional dependency')\n")
    dist = tmp_path / "acme_plugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-plugins\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[omniflow.plugins]\nshout = acme_plugins:Shout\nbroken = acme_broken:Thing\n")
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in ("acme_plugins", "acme_broken"):
        sys.modules.pop(name, None)


def test_entry_point_plugins_load_and_broken_ones_are_skipped(installed_distribution: Path) -> None:
    registry = PluginRegistry.default()
    assert "acme.shout" in registry
    assert registry.get("acme.shout").describe()["name"] == "Shout"
    assert [f.source for f in registry.failures] == ["broken = acme_broken:Thing"]
    assert "missing optional dependency" in registry.failures[0].error
    assert "double" in registry


def test_duplicate_ids_and_bad_schemas_are_refused() -> None:
    from engine import Plugin

    registry = PluginRegistry.default(entry_points=False)

    class Again(Plugin):
        id = "double"

    class BadSchema(Plugin):
        id = "x.bad"
        params_schema = {"type": "no-such-type"}

    with pytest.raises(ValueError, match="already registered"):
        registry.register(Again)
    with pytest.raises(ValueError, match="invalid params schema"):
        registry.register(BadSchema)
    with pytest.raises(NotFoundError):
        registry.get("x.bad")


def test_describe_feeds_palette_and_api() -> None:
    info = PluginRegistry.default(entry_points=False).get("double").describe()
    assert info["id"] == "double"
    assert info["inputs"][0]["name"] == "value"
    assert info["outputs"][0]["name"] == "result"
    assert info["params"]["type"] == "object"
