"""The log panel: run, node, connector and workflow events streamed from the bus.

``LogPanel(service)`` adds a listener to ``service.bus``. The listener only appends the
event to a deque (the bus calls it synchronously, so it must be cheap) and arms a timer
that moves what arrived into a bounded table model :data:`FLUSH_MS` ms later, so a burst
of 10,000 events costs one model update, not 10,000. Only the newest ``max_rows`` rows
are kept. A level box (all / info / warnings / errors) and a text box filter the view.

Slots:
    ``flush()`` — move pending events into the table now.
    ``clear()`` — forget every row.
    ``set_level(str)`` — ``"debug"``, ``"info"``, ``"warning"`` or ``"error"``.
    ``set_filter(str)`` — keep rows containing the text.
    ``close_listener()`` — stop listening to the bus (also done once the panel is gone).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine import EngineService, Event
from ui.async_bridge import listen_weakly
from ui.panels.table_model import AnyIndex, HeaderedTableModel

__all__ = ["FLUSH_MS", "LEVELS", "LogEntry", "LogModel", "LogPanel", "describe_event"]

FLUSH_MS = 100
LEVELS = ("debug", "info", "warning", "error")
_COLOURS = {"error": QColor("#d32f2f"), "warning": QColor("#b26a00"), "debug": QColor("#808080")}


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One row of the log."""

    seq: int
    time: str
    level: str
    event: str
    source: str
    message: str


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_event(event: Event) -> LogEntry:
    """The log row for a bus event: its level, where it comes from and a readable line."""
    name = str(event.get("event", "?"))
    level = "info"
    source = str(event.get("run_id") or event.get("workflow_id") or event.get("connector") or "")
    if name == "run_started":
        message = f"run started ({event.get('nodes', '?')} nodes)"
    elif name == "run_finished":
        status = event.get("status")
        level = "error" if status == "failed" else "warning" if status != "succeeded" else "info"
        message = f"run {status} in {event.get('duration_ms', '?')} ms"
        if event.get("error"):
            message += f": {event['error']}"
    elif name == "node_status":
        status = event.get("status")
        message = f"{event.get('node_id')}: {status}"
        if event.get("progress") is not None:
            level = "debug"
            message += f" {float(event['progress']) * 100:.0f}%"
        if event.get("message"):
            message += f" — {event['message']}"
        if event.get("error"):
            message += f": {event['error']}"
        level = {"failed": "error", "skipped": "warning"}.get(str(status), level)
    elif name == "plugin_output":
        message = f"{event.get('node_id') or event.get('plugin_id')} → {_short(event.get('output'))}"
        level = "debug"
    elif name == "connector_event":
        source = str(event.get("connector", ""))
        message = f"{event.get('type')} {_short(event.get('payload'))}"
    elif name == "connector_state":
        source = str(event.get("connector", ""))
        state = str(event.get("state", ""))
        message = f"{source}: {state}"
        level = "warning" if state.startswith("error") else "info"
    elif name == "workflow_update":
        source = str(event.get("workflow_id", ""))
        message = f"workflow changed: {_short(event.get('changes'))}"
    else:
        extra = {k: v for k, v in event.items() if k not in ("event", "seq", "ts")}
        state = str(extra.get("state", ""))
        if "error" in extra or state.startswith("error"):
            level = "error" if "error" in extra else "warning"
        message = _short(extra, 300)
    ts = str(event.get("ts", ""))
    return LogEntry(int(event.get("seq", 0)), ts[11:23] if len(ts) > 20 else ts, level, name,
                    source, message)


class LogModel(HeaderedTableModel):
    """The newest ``max_rows`` log entries."""

    HEADERS = ("Time (UTC)", "Level", "Event", "Source", "Message")

    def __init__(self, max_rows: int = 5000) -> None:
        super().__init__()
        self.max_rows = max_rows
        self.entries: deque[LogEntry] = deque()

    def append(self, entries: list[LogEntry]) -> None:
        """Add rows at the end, dropping the oldest beyond ``max_rows``."""
        entries = entries[-self.max_rows:]
        if not entries:
            return
        overflow = len(self.entries) + len(entries) - self.max_rows
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), 0, overflow - 1)
            for _ in range(overflow):
                self.entries.popleft()
            self.endRemoveRows()
        start = len(self.entries)
        self.beginInsertRows(QModelIndex(), start, start + len(entries) - 1)
        self.entries.extend(entries)
        self.endInsertRows()

    def clear(self) -> None:
        """Forget every row."""
        self.beginResetModel()
        self.entries.clear()
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.entries)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (entry.time, entry.level, entry.event, entry.source, entry.message)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return _COLOURS.get(entry.level)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 4:
            return entry.message
        return None



class _LogFilter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.min_level = 1
        self.needle = ""

    def refilter(self) -> None:
        self.invalidate()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, LogModel):
            return True
        entry = model.entries[source_row]
        if LEVELS.index(entry.level) < self.min_level:
            return False
        return not self.needle or self.needle in (
            f"{entry.event} {entry.source} {entry.message}".lower())


class LogPanel(QWidget):
    """Events from the bus, batched into a bounded table (see the module docstring)."""

    def __init__(self, service: EngineService, parent: QWidget | None = None, *,
                 max_rows: int = 5000) -> None:
        super().__init__(parent)
        self.setObjectName("LogPanel")
        self.pending: deque[Event] = deque(maxlen=max_rows)
        self.model = LogModel(max_rows)
        self.proxy = _LogFilter()
        self.proxy.setSourceModel(self.model)

        self.level = QComboBox()
        for level, text in zip(LEVELS, ("Everything", "Info and above", "Warnings and errors",
                                        "Errors only"), strict=True):
            self.level.addItem(text, level)
        self.level.setCurrentIndex(1)
        self.level.currentIndexChanged.connect(lambda _i: self.set_level(self.level.currentData()))
        self.search = QLineEdit(placeholderText="Filter…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.set_filter)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.clear)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 4)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((95, 60, 110, 150)):
            self.table.setColumnWidth(column, width)
        self.table.setWordWrap(False)

        bar = QHBoxLayout()
        bar.addWidget(self.level)
        bar.addWidget(self.search, 1)
        bar.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

        self._timer = QTimer(self, singleShot=True, interval=FLUSH_MS)
        self._timer.timeout.connect(self.flush)
        self._remove: Callable[[], None] | None = listen_weakly(service.bus, self._on_event)

    def close_listener(self) -> None:
        """Stop listening to the bus."""
        if self._remove is not None:
            self._remove()
            self._remove = None
        self._timer.stop()

    def _on_event(self, event: Event) -> None:
        # Called by the bus for every event: append, and arm the flush timer once a batch.
        self.pending.append(event)
        if len(self.pending) == 1 and not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Move the events that arrived since the last flush into the table."""
        if not self.pending:
            return
        events = list(self.pending)
        self.pending.clear()
        scrollbar = self.table.verticalScrollBar()
        at_bottom = scrollbar.value() >= scrollbar.maximum() - 2
        self.model.append([describe_event(e) for e in events])
        if at_bottom:
            self.table.scrollToBottom()

    def clear(self) -> None:
        """Forget every row."""
        self.pending.clear()
        self.model.clear()

    def set_level(self, level: str) -> None:
        """Show rows of this level and above."""
        self.proxy.min_level = LEVELS.index(level) if level in LEVELS else 1
        index = self.level.findData(level)
        if index >= 0 and index != self.level.currentIndex():
            self.level.setCurrentIndex(index)
        self.proxy.refilter()

    def set_filter(self, text: str) -> None:
        """Show rows containing ``text`` (event, source or message)."""
        self.proxy.needle = text.lower()
        self.proxy.refilter()

    def visible_entries(self) -> list[LogEntry]:
        """The rows the table shows now, top to bottom."""
        return [self.model.entries[self.proxy.mapToSource(self.proxy.index(r, 0)).row()]
                for r in range(self.proxy.rowCount())]
