"""The node palette: every plugin (and connector action) by category, searchable.

``PalettePanel(service)`` — a tree of the registry's plugins grouped by category (with
the category's colour and glyph from :mod:`ui.theme`, as on the canvas), a
search box filtering by id, name and description, and a detail line with the selected
plugin's description (also its tooltip).

Drag and drop: dragging a plugin starts a ``QDrag`` whose mime data has the type
:data:`PLUGIN_MIME` (``application/x-omniflow-plugin``) holding the plugin id as UTF-8
bytes; a canvas that accepts this type creates the node where it is dropped.

Signals:
    ``plugin_activated(str)`` — a plugin was double-clicked (or Return pressed): add it.
Slots:
    ``refresh()`` — rebuild from the registry (plugins installed or removed).
    ``set_filter(str)`` — the search text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QIcon,
    QKeySequence,
    QPainter,
    QPixmap,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QTreeView, QVBoxLayout, QWidget

from engine import EngineService, Plugin
from ui.document import PLUGIN_MIME_TYPE
from ui.theme import category_color, category_glyph

__all__ = ["PLUGIN_ID_ROLE", "PLUGIN_MIME", "PaletteModel", "PalettePanel"]

#: The drag payload's mime type, defined once next to the document contract.
PLUGIN_MIME = PLUGIN_MIME_TYPE
#: Item data role holding the plugin id (None on category rows).
PLUGIN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
#: Lower-cased "id name description" the search box matches against.
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2

_AnyIndex = QModelIndex | QPersistentModelIndex


def category_icon(category: str, size: int = 18) -> QIcon:
    """The category's colour and glyph (as on the canvas's node headers) as an icon."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(*category_color(category)))
    painter.drawRoundedRect(0, 0, size, size, 4, 4)
    painter.setPen(QColor("white"))
    font = painter.font()
    font.setPixelSize(int(size * 0.7))
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, category_glyph(category))
    painter.end()
    return QIcon(pixmap)


class PaletteModel(QStandardItemModel):
    """Categories with their plugins; plugin rows drag as :data:`PLUGIN_MIME`."""

    def __init__(self, plugins: Iterable[Plugin] = ()) -> None:
        super().__init__()
        self.setHorizontalHeaderLabels(["Plugin"])
        self.set_plugins(plugins)

    def set_plugins(self, plugins: Iterable[Plugin]) -> None:
        """Replace the content with these plugins, grouped and sorted by category."""
        self.clear()
        self.setHorizontalHeaderLabels(["Plugin"])
        categories: dict[str, QStandardItem] = {}
        for plugin in sorted(plugins, key=lambda p: (p.category.lower(), (p.name or p.id).lower())):
            parent = categories.get(plugin.category)
            if parent is None:
                parent = QStandardItem(category_icon(plugin.category), plugin.category)
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                parent.setData("", SEARCH_ROLE)
                categories[plugin.category] = parent
                self.appendRow(parent)
            parent.appendRow(self._plugin_item(plugin))

    @staticmethod
    def _plugin_item(plugin: Plugin) -> QStandardItem:
        name = plugin.name or plugin.id
        item = QStandardItem(name)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                      | Qt.ItemFlag.ItemIsDragEnabled)
        item.setData(plugin.id, PLUGIN_ID_ROLE)
        item.setData(f"{plugin.id} {name} {plugin.description}".lower(), SEARCH_ROLE)
        item.setToolTip(f"<b>{name}</b> <code>{plugin.id}</code><br>{plugin.description}")
        item.setStatusTip(plugin.description)
        return item

    def mimeTypes(self) -> list[str]:
        """Only plugin ids are dragged out of the palette."""
        return [PLUGIN_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """The first dragged plugin's id as :data:`PLUGIN_MIME`."""
        data = QMimeData()
        for index in indexes:
            plugin_id = index.data(PLUGIN_ID_ROLE)
            if plugin_id:
                data.setData(PLUGIN_MIME, str(plugin_id).encode("utf-8"))
                data.setText(str(plugin_id))
                break
        return data

    def supportedDragActions(self) -> Qt.DropAction:
        """Dragging copies a plugin onto the canvas."""
        return Qt.DropAction.CopyAction


class _SearchProxy(QSortFilterProxyModel):
    """Matches every word of the search text against a plugin's id, name and description."""

    def __init__(self) -> None:
        super().__init__()
        self._words: list[str] = []
        self.setRecursiveFilteringEnabled(True)

    def set_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateFilter is deprecated
            self.beginFilterChange()
            self._words = text.lower().split()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._words = text.lower().split()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _AnyIndex) -> bool:
        if not self._words:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        haystack = index.data(SEARCH_ROLE) or ""
        return bool(haystack) and all(word in haystack for word in self._words)


class PalettePanel(QWidget):
    """Search box, plugin tree and a description line."""

    plugin_activated = Signal(str)

    def __init__(self, service: EngineService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PalettePanel")
        self.service = service
        self.model = PaletteModel()
        self.proxy = _SearchProxy()
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit(placeholderText="Search plugins…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.set_filter)
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.doubleClicked.connect(self._activated)
        enter = QShortcut(QKeySequence(Qt.Key.Key_Return), self.tree,
                          context=Qt.ShortcutContext.WidgetShortcut)
        enter.activated.connect(lambda: self._activated(self.tree.currentIndex()))
        self.tree.selectionModel().currentChanged.connect(self._show_detail)
        self.detail = QLabel(wordWrap=True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setMinimumHeight(self.fontMetrics().height() * 3)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.detail)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the tree from the plugin registry."""
        self.model.set_plugins(self.service.registry)
        self.tree.expandAll()

    def set_filter(self, text: str) -> None:
        """Show only plugins whose id, name or description contains every word of ``text``."""
        if self.search.text() != text:
            self.search.setText(text)  # re-enters through textChanged
            return
        self.proxy.set_text(text)
        self.tree.expandAll()

    def visible_plugin_ids(self) -> list[str]:
        """The ids of the plugins the tree shows now, top to bottom."""
        ids: list[str] = []
        for row in range(self.proxy.rowCount()):
            category = self.proxy.index(row, 0)
            for child in range(self.proxy.rowCount(category)):
                ids.append(self.proxy.index(child, 0, category).data(PLUGIN_ID_ROLE))
        return ids

    def index_of(self, plugin_id: str) -> QModelIndex:
        """The tree (proxy) index of a visible plugin, or an invalid index."""
        for row in range(self.proxy.rowCount()):
            category = self.proxy.index(row, 0)
            for child in range(self.proxy.rowCount(category)):
                index = self.proxy.index(child, 0, category)
                if index.data(PLUGIN_ID_ROLE) == plugin_id:
                    return index
        return QModelIndex()

    def _activated(self, index: QModelIndex) -> None:
        plugin_id = index.data(PLUGIN_ID_ROLE)
        if plugin_id:
            self.plugin_activated.emit(str(plugin_id))

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        plugin_id = current.data(PLUGIN_ID_ROLE)
        if not plugin_id or plugin_id not in self.service.registry:
            self.detail.clear()
            return
        plugin = self.service.registry.get(str(plugin_id))
        ins = ", ".join(p.name for p in plugin.inputs) or "—"
        outs = ", ".join(p.name for p in plugin.outputs) or "—"
        self.detail.setText(f"<b>{plugin.name or plugin.id}</b> <code>{plugin.id}</code><br>"
                            f"{plugin.description}<br><small>in: {ins} · out: {outs}</small>")
