"""A form generated from a JSON schema of type object: one editor per property.

``ParamForm(schema)`` lays out one :mod:`ui.panels.field_editors` editor per property
(label, editor, an inline error line). It does not validate by itself: the owner asks
``values()`` (params plus per-field parse errors) and shows schema errors with
``show_errors``. Keys not described by the schema are kept as they were.

Signals:
    ``edited()`` — the user changed a field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from ui.panels.field_editors import (
    MISSING,
    FieldEditor,
    FieldValueError,
    SecretEditor,
    editor_for,
)

__all__ = ["ERROR_STYLE", "ParamForm", "field_of_error"]

ERROR_STYLE = "color: #d32f2f;"
_REQUIRED = re.compile(r"^'([^']+)' is a required property")


def field_of_error(message: str) -> str | None:
    """The top-level property a ``param_errors`` message is about (None if general)."""
    match = _REQUIRED.match(message)
    if match:
        return match.group(1)
    head, sep, _rest = message.partition(": ")
    if sep and " " not in head:
        return head.split("/", 1)[0]
    return None


def _pretty(name: str) -> str:
    return name.replace("_", " ").capitalize()


class ParamForm(QWidget):
    """Editors for every property of an object schema, with inline error lines."""

    edited = Signal()

    def __init__(self, schema: Mapping[str, Any], *, secret_names: Iterable[str] = (),
                 overrides: Mapping[str, FieldEditor] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.schema = schema
        self.editors: dict[str, FieldEditor] = {}
        self.error_labels: dict[str, QLabel] = {}
        self._extra: dict[str, Any] = {}
        properties: Mapping[str, Any] = schema.get("properties", {}) or {}
        required = set(schema.get("required", []) or [])
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        names = list(secret_names)
        for name, prop in properties.items():
            prop = prop if isinstance(prop, Mapping) else {}
            editor = (overrides or {}).get(name) or editor_for(
                name, prop, required=name in required, secret_names=names)
            editor.setObjectName(f"param:{name}")
            if prop.get("description"):
                editor.setToolTip(str(prop["description"]))
            editor.changed.connect(self.edited)
            label = QLabel(_pretty(str(prop.get("title") or name)) + ("*" if name in required else ""))
            label.setToolTip(str(prop.get("description", "")))
            error = QLabel(wordWrap=True)
            error.setStyleSheet(ERROR_STYLE)
            error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            error.hide()
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(editor)
            column.addWidget(error)
            form.addRow(label, cell)
            self.editors[name] = editor
            self.error_labels[name] = error
        self.general_error = QLabel(wordWrap=True)
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        if not properties:
            layout.addWidget(QLabel("This node has no parameters."))

    def set_values(self, params: Mapping[str, Any]) -> None:
        """Show these params (without emitting ``edited``)."""
        self._extra = {k: v for k, v in params.items() if k not in self.editors}
        for name, editor in self.editors.items():
            editor.set_value(params.get(name, MISSING))

    def set_secret_names(self, names: Iterable[str]) -> None:
        """Offer these secret names in every secret picker."""
        names = list(names)
        for editor in self.editors.values():
            if isinstance(editor, SecretEditor):
                editor.set_names(names)

    def values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The params the form holds, and the fields whose text cannot be parsed."""
        params = dict(self._extra)
        problems: dict[str, str] = {}
        for name, editor in self.editors.items():
            if not editor.is_set():
                continue
            try:
                params[name] = editor.value()
            except FieldValueError as exc:
                problems[name] = str(exc)
        return params, problems

    def show_errors(self, messages: Iterable[str], field_problems: Mapping[str, str] | None = None
                    ) -> None:
        """Show schema errors and parse problems next to their fields."""
        per_field: dict[str, list[str]] = {k: [v] for k, v in (field_problems or {}).items()}
        general: list[str] = []
        for message in messages:
            name = field_of_error(message)
            if name in self.error_labels:
                per_field.setdefault(name, []).append(message)
            else:
                general.append(message)
        for name, label in self.error_labels.items():
            text = "\n".join(per_field.get(name, []))
            label.setText(text)
            label.setVisible(bool(text))
        self.general_error.setText("\n".join(general))
        self.general_error.setVisible(bool(general))

    def errors_shown(self) -> dict[str, str]:
        """Field name (``""`` for general) → the error text shown now."""
        shown = {n: lbl.text() for n, lbl in self.error_labels.items() if lbl.text()}
        if self.general_error.text():
            shown[""] = self.general_error.text()
        return shown
