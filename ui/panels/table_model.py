"""The base of the panels' flat tables: fixed column headers over a Python sequence."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

__all__ = ["NO_INDEX", "AnyIndex", "HeaderedTableModel"]

AnyIndex = QModelIndex | QPersistentModelIndex
NO_INDEX = QModelIndex()


class HeaderedTableModel(QAbstractTableModel):
    """A table with the columns ``HEADERS``; subclasses say how many rows there are."""

    HEADERS: ClassVar[tuple[str, ...]] = ()

    def row_count(self) -> int:
        """How many rows the table has."""
        raise NotImplementedError

    def rowCount(self, parent: AnyIndex = NO_INDEX) -> int:
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: AnyIndex = NO_INDEX) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None
