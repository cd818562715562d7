"""Tab quick-search: type a few letters, press Enter, and the node appears at the cursor."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

__all__ = ["QuickSearch"]


class QuickSearch(QFrame):
    """A small search box over the canvas listing plugins by name, id and category."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Add node: type to search…")
        self.list = QListWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        self.resize(280, 260)
        self.hide()
        self._entries: list[tuple[str, str, str]] = []
        self.edit.textChanged.connect(self._filter)
        self.edit.installEventFilter(self)
        self.list.itemActivated.connect(self._activate)

    def set_plugins(self, entries: list[tuple[str, str, str]]) -> None:
        """The searchable plugins: (id, name, category)."""
        self._entries = list(entries)
        self._filter(self.edit.text())

    def popup(self, at: QPoint) -> None:
        """Show centred on ``at`` (view coordinates) with an empty query."""
        parent = self.parentWidget()
        width, height = (parent.width(), parent.height()) if parent is not None else (800, 600)
        x = max(0, min(at.x() - self.width() // 2, width - self.width()))
        y = max(0, min(at.y() - 20, height - self.height()))
        self.move(x, y)
        self.edit.clear()
        self._filter("")
        self.show()
        self.raise_()
        self.edit.setFocus()

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        self.list.clear()
        for plugin_id, name, category in self._entries:
            haystack = f"{plugin_id} {name} {category}".lower()
            if all(w in haystack for w in words):
                item = QListWidgetItem(f"{name}  ·  {category}")
                item.setData(Qt.ItemDataRole.UserRole, plugin_id)
                item.setToolTip(plugin_id)
                self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _activate(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        self.hide()
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._activate(self.list.currentItem())
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.list.currentRow() + step, self.list.count() - 1))
                self.list.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)
