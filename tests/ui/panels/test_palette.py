"""The palette lists the registry by category, filters, drags plugin ids, activates."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt

from engine import EngineService
from tests.ui.panels.plugins import install
from ui.panels.palette import PLUGIN_ID_ROLE, PLUGIN_MIME, PalettePanel


async def test_lists_every_plugin_by_category(qtbot, service: EngineService) -> None:
    install(service)
    panel = PalettePanel(service)
    qtbot.addWidget(panel)
    assert sorted(panel.visible_plugin_ids()) == sorted(p.id for p in service.registry)
    categories = {panel.proxy.index(r, 0).data() for r in range(panel.proxy.rowCount())}
    assert categories == {p.category for p in service.registry}
    acme = next(panel.proxy.index(r, 0) for r in range(panel.proxy.rowCount())
                if panel.proxy.index(r, 0).data() == "Acme")
    assert panel.proxy.rowCount(acme) == 1
    assert not acme.data(Qt.ItemDataRole.DecorationRole).isNull()  # category colour + glyph
    assert panel.proxy.index(0, 0, acme).data(PLUGIN_ID_ROLE) == "acme.post_note"
    tip = panel.index_of("double").data(Qt.ItemDataRole.ToolTipRole)
    assert "Multiply the input value by two." in tip


async def test_search_filters_by_id_name_and_description(qtbot, service: EngineService) -> None:
    install(service)
    panel = PalettePanel(service)
    qtbot.addWidget(panel)
    qtbot.keyClicks(panel.search, "multiply")
    expected = sorted(p.id for p in service.registry
                      if "multiply" in f"{p.id} {p.name} {p.description}".lower())
    assert "double" in expected and len(expected) < len(service.registry)
    assert sorted(panel.visible_plugin_ids()) == expected
    panel.set_filter("sticky acme memo")  # by description, every word
    assert panel.visible_plugin_ids() == ["acme.post_note"]
    panel.set_filter("acme.post")  # by id
    assert panel.visible_plugin_ids() == ["acme.post_note"]
    panel.set_filter("kitchen SINK")  # by name, every word, any case
    assert panel.visible_plugin_ids() == ["test.kitchen_sink"]
    panel.set_filter("nothing-matches-this")
    assert panel.visible_plugin_ids() == []
    assert panel.proxy.rowCount() == 0  # empty categories are hidden too
    panel.set_filter("")
    assert len(panel.visible_plugin_ids()) == len(service.registry)


async def test_drag_carries_the_plugin_id(qtbot, service: EngineService) -> None:
    panel = PalettePanel(service)
    qtbot.addWidget(panel)
    index = panel.proxy.mapToSource(panel.index_of("double"))
    assert index.flags() & Qt.ItemFlag.ItemIsDragEnabled
    category = index.parent()
    assert not category.flags() & Qt.ItemFlag.ItemIsDragEnabled
    mime = panel.model.mimeData([index])
    assert mime.hasFormat(PLUGIN_MIME)
    assert bytes(mime.data(PLUGIN_MIME).data()).decode() == "double"
    assert not panel.model.mimeData([category]).hasFormat(PLUGIN_MIME)


async def test_double_click_and_detail(qtbot, service: EngineService) -> None:
    panel = PalettePanel(service)
    qtbot.addWidget(panel)
    panel.show()
    index = panel.index_of("double")
    panel.tree.setCurrentIndex(index)
    assert "Multiply the input value by two." in panel.detail.text()
    activated: list[str] = []
    panel.plugin_activated.connect(activated.append)
    await asyncio.sleep(0.05)  # let the window be exposed
    rect = panel.tree.visualRect(index)
    # A real double click is press, release, double-click (QTest sends only the last).
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert activated == []
    qtbot.mouseDClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert activated == ["double"]
    panel.tree.setFocus()
    qtbot.keyClick(panel.tree, Qt.Key.Key_Return)
    assert activated == ["double", "double"]
