"""The inspector: a node's last input and output, as a JSON tree or a sortable table.

``InspectorPanel()`` shows one node's data. Input and output are two tabs; each shows a
lazy JSON tree (``QTreeView`` on :class:`~ui.panels.json_models.JsonTreeModel`) or, when
the data is a list of rows (a list of objects, or an object holding one), a sortable,
filterable table (``QTableView`` + a ``QSortFilterProxyModel`` filtering
:class:`~ui.panels.json_models.RowsTableModel`, which sorts with one Python ``sorted``).
The "Table" button toggles between the two; tables are the default whenever there are
rows.

Slots:
    ``show_result(dict)`` — a node result as ``service.get_run`` lists them
    (``node_id``, ``status``, ``input``, ``output``, ``error``).
    ``show_node_data(node_id, input, output, error=None, status=None)``.
    ``clear()``, ``apply_filter()`` (the row filter, otherwise applied after a pause in
    typing).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTabBar,
    QTableView,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ui.panels.json_models import JsonTreeModel, RowsProxyModel, RowsTableModel, is_rows

__all__ = ["FILTER_DELAY_MS", "InspectorPanel", "rows_in"]

_INPUT, _OUTPUT = 0, 1
#: Pause in typing after which the row filter is applied.
FILTER_DELAY_MS = 150


def rows_in(data: Any) -> tuple[str, list[dict[str, Any]]] | None:
    """The rows to tabulate: ``data`` itself, or the first field of it holding rows."""
    if is_rows(data):
        return "", data
    if isinstance(data, dict):
        for key, value in data.items():
            if is_rows(value):
                return str(key), value
    return None


class InspectorPanel(QWidget):
    """Input/output of one node (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("InspectorPanel")
        self._data: list[Any] = [None, None]
        self._prefer_table = True
        self._tree_data: Any = None
        self._tree_stale = True

        self.header = QLabel("Select a node to see its last input and output.", wordWrap=True)
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #d32f2f;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.tabs = QTabBar()
        self.tabs.addTab("Input")
        self.tabs.addTab("Output")
        self.tabs.setCurrentIndex(_OUTPUT)
        self.tabs.currentChanged.connect(lambda _i: self._refresh())
        self.table_button = QToolButton(text="Table", checkable=True)
        self.table_button.setToolTip("Show a list of rows as a sortable table")
        self.table_button.toggled.connect(self._toggle_table)

        self.tree_model = JsonTreeModel()
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(0, 160)

        self.table_model = RowsTableModel()
        self.proxy = RowsProxyModel()
        self.proxy.setSourceModel(self.table_model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # keep the data's order
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.filter = QLineEdit(placeholderText="Filter rows…")
        self.filter.setClearButtonEnabled(True)
        # Typing re-filters after a short pause, not per keystroke (100k rows take a while).
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.rows_label = QLabel()
        table_page = QWidget()
        table_layout = QVBoxLayout(table_page)
        table_layout.setContentsMargins(0, 0, 0, 0)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter, 1)
        filter_row.addWidget(self.rows_label)
        table_layout.addLayout(filter_row)
        table_layout.addWidget(self.table, 1)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(table_page)

        bar = QHBoxLayout()
        bar.addWidget(self.tabs)
        bar.addStretch(1)
        bar.addWidget(self.table_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.error)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self._refresh()

    # -- slots ---------------------------------------------------------------------------
    def show_result(self, result: dict[str, Any]) -> None:
        """Show a node result from ``service.get_run(...)["nodes"]``."""
        self.show_node_data(str(result.get("node_id", "")), result.get("input"),
                            result.get("output"), result.get("error"), result.get("status"))

    def show_node_data(self, node_id: str, input: Any, output: Any, error: str | None = None,
                       status: str | None = None) -> None:
        """Show one node's input and output."""
        self._data = [input, output]
        title = f"<b>{node_id}</b>" + (f" — {status}" if status else "")
        self.header.setText(title)
        self.error.setText(error or "")
        self.error.setVisible(bool(error))
        self._refresh()

    def clear(self) -> None:
        """Show nothing."""
        self._data = [None, None]
        self.header.setText("Select a node to see its last input and output.")
        self.error.hide()
        self._refresh()

    def apply_filter(self) -> None:
        """Filter the table by the filter box's text now."""
        self._filter_timer.stop()
        self.proxy.set_filter_text(self.filter.text())

    # -- state ---------------------------------------------------------------------------
    @property
    def side(self) -> str:
        """``"input"`` or ``"output"``: which tab is shown."""
        return "input" if self.tabs.currentIndex() == _INPUT else "output"

    def set_side(self, side: str) -> None:
        """Show the input or the output tab."""
        self.tabs.setCurrentIndex(_INPUT if side == "input" else _OUTPUT)

    @property
    def showing_table(self) -> bool:
        """Whether the table (not the tree) is shown."""
        return self.stack.currentIndex() == 1

    def _toggle_table(self, checked: bool) -> None:
        self._prefer_table = checked
        self._refresh()
        if not checked:
            self._fill_tree()

    def _refresh(self) -> None:
        data = self._data[self.tabs.currentIndex()]
        found = rows_in(data)
        self._tree_data = data
        self._tree_stale = True
        if found is None or not self._prefer_table:
            self._fill_tree()
        self.table_button.setEnabled(found is not None)
        self.table_button.blockSignals(True)
        self.table_button.setChecked(found is not None and self._prefer_table)
        self.table_button.blockSignals(False)
        if found is not None:
            key, rows = found
            self.table_model.set_rows(rows)
            self.rows_label.setText(f"{len(rows)} rows" + (f" in “{key}”" if key else ""))
        else:
            self.table_model.set_rows([])
        self.stack.setCurrentIndex(1 if found is not None and self._prefer_table else 0)

    def _fill_tree(self) -> None:
        # The tree is filled only when shown: a table of 100k rows never builds it.
        if not self._tree_stale:
            return
        self._tree_stale = False
        data = self._tree_data
        self.tree_model.set_json(data if data is not None else {})
        if isinstance(data, dict) and len(data) <= 50:
            for row in range(self.tree_model.rowCount()):
                index = self.tree_model.index(row, 0)
                if self.tree_model.rowCount(index) <= 1000:  # big branches stay folded
                    self.tree.expand(index)
