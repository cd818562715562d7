"""The inspector shows a real run's node input/output as a tree or a sortable table."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from engine import EngineService, WorkflowDocument
from tests.ui.panels.plugins import install
from ui.panels.inspector import FILTER_DELAY_MS, InspectorPanel, rows_in
from ui.panels.json_models import JsonTreeModel


def _column(panel: InspectorPanel, name: str) -> list[Any]:
    column = panel.table_model.columns.index(name)
    return [panel.proxy.index(r, column).data() for r in range(panel.proxy.rowCount())]


def _top_rows(model: JsonTreeModel, parent: QModelIndex | None = None) -> dict[str, str]:
    parent = parent or QModelIndex()
    return {model.index(r, 0, parent).data(): model.index(r, 1, parent).data()
            for r in range(model.rowCount(parent))}


async def test_shows_a_runs_node_input_and_output(qtbot, service: EngineService) -> None:
    document = WorkflowDocument.model_validate({
        "name": "Double it",
        "nodes": [{"id": "in", "plugin": "trigger"}, {"id": "dbl", "plugin": "double"}],
        "edges": [{"source": "in", "target": "dbl"}]})
    result = await service.run_document(document, {"value": 42})
    run = await service.get_run(result.run_id)
    dbl = next(n for n in run["nodes"] if n["node_id"] == "dbl")
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    panel.show_result(dbl)
    assert panel.side == "output" and not panel.showing_table
    assert _top_rows(panel.tree_model) == {"result": "84"}
    assert not panel.table_button.isEnabled()
    assert "succeeded" in panel.header.text()
    panel.set_side("input")
    assert _top_rows(panel.tree_model)["value"] == "42"


async def test_rows_get_a_sortable_table(qtbot, service: EngineService) -> None:
    install(service)
    output = await service.execute_plugin("test.make_rows", {}, {"count": 12})
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    panel.show_node_data("rows", {}, output, status="succeeded")
    assert rows_in(output) == ("rows", output["rows"])
    assert panel.showing_table and panel.table_button.isChecked()
    assert panel.table_model.columns == ["id", "name", "score"]
    assert "12 rows" in panel.rows_label.text()
    scores = [r["score"] for r in output["rows"]]
    panel.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert _column(panel, "score") == [str(s) for s in sorted(scores)]
    panel.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert _column(panel, "score") == [str(s) for s in sorted(scores, reverse=True)]
    panel.filter.setText("row 0000")  # rows 0..9, after a pause in typing
    assert panel.proxy.rowCount() == 12
    await asyncio.sleep(FILTER_DELAY_MS / 1000 + 0.1)
    assert panel.proxy.rowCount() == 10
    panel.table_button.click()  # toggle to the tree
    assert not panel.showing_table
    rows_index = panel.tree_model.index(0, 0)
    assert rows_index.data() == "rows" and panel.tree_model.rowCount(rows_index) == 12
    panel.table_button.click()
    assert panel.showing_table


async def test_mixed_columns_sort_numbers_then_text_then_empty(qtbot) -> None:
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    rows = [{"v": "b"}, {"v": 10}, {}, {"v": 2.5}, {"v": "A"}, {"v": -3}]
    panel.show_node_data("n", None, rows)
    panel.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert _column(panel, "v") == ["-3", "2.5", "10", "A", "b", ""]


async def test_large_outputs_stay_fast(qtbot) -> None:
    rows = [{"id": i, "name": f"n{i}", "score": (i * 7919) % 1009, "tags": [i]} for i in range(20_000)]
    panel = InspectorPanel()
    qtbot.addWidget(panel)
    started = time.perf_counter()
    panel.show_node_data("big", None, {"rows": rows})
    panel.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    elapsed = time.perf_counter() - started
    assert panel.proxy.rowCount() == 20_000
    assert panel.proxy.index(0, 2).data() == "0"
    assert elapsed < 2.0, f"showing and sorting 20k rows took {elapsed:.2f}s"
    # While the table shows, the tree is not even built; then only what is needed is.
    assert panel.tree_model.rowCount() == 0
    panel.table_button.click()
    assert not panel.showing_table
    rows_node = panel.tree_model._root.child_nodes()[0]
    assert rows_node.key == "rows"
    assert not panel.tree.isExpanded(panel.tree_model.index(0, 0))  # too big to unfold
    assert rows_node.children is not None and len(rows_node.children) == 20_000
    assert all(child.children is None for child in rows_node.children)
