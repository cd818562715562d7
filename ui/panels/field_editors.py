"""One editor widget per kind of JSON-schema property (used by the properties panel).

Every editor is a ``QWidget`` with the same small protocol:

* ``changed`` — a Qt signal emitted when the user changes the value;
* ``value()`` — the JSON value (raises :class:`FieldValueError` when the text cannot be
  parsed, e.g. broken JSON);
* ``set_value(value)`` — show a value (``MISSING`` for an absent key);
* ``is_set()`` — whether the key belongs in the params: it was present, or the user
  touched the editor. Untouched editors of absent keys leave the key out, so a plugin's
  defaults stay the plugin's.

:func:`editor_for` picks the editor from the property schema: string → line edit;
``format: multiline`` → plain text (monospace for code and templates); number/integer →
spin boxes honouring ``minimum``/``maximum`` (a step below the minimum reads
"(default)": the key is left out); boolean → check box; ``enum`` → combo box;
``format: secret`` → a picker of secret *names*; object, array and anything else → JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

__all__ = [
    "MISSING",
    "BoolEditor",
    "ChoiceEditor",
    "FieldEditor",
    "FieldValueError",
    "FloatEditor",
    "IntEditor",
    "JsonEditor",
    "SecretEditor",
    "StringEditor",
    "SuggestEditor",
    "TextEditor",
    "editor_for",
    "schema_type",
]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: The value of a key absent from the params.
MISSING: Any = _Missing()

#: Multi-line properties with these names hold code or templates: shown monospace.
_CODE_NAMES = {"code", "template", "expression", "script", "query", "sql", "body", "json"}
_INT_LIMIT = 2**31 - 1


class FieldValueError(ValueError):
    """The editor's text is not a valid value (shown inline, never emitted)."""


def schema_type(schema: Mapping[str, Any]) -> str | None:
    """The property's JSON type (the first non-null one of a type list)."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None


def monospace_font() -> QFont:
    """The system's fixed-width font."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class FieldEditor(QWidget):
    """Protocol shared by every editor (see the module docstring)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._touched = False
        self._present = False
        self.changed.connect(self._mark_touched)

    def _mark_touched(self) -> None:
        self._touched = True

    def is_set(self) -> bool:
        """Whether the key belongs in the params."""
        return self._present or self._touched

    def set_value(self, value: Any) -> None:
        """Show ``value`` (``MISSING`` when the key is absent) without emitting ``changed``."""
        self._present = value is not MISSING
        self._touched = False
        self.blockSignals(True)
        try:
            self._show(value)
        finally:
            self.blockSignals(False)

    def value(self) -> Any:
        """The current JSON value."""
        raise NotImplementedError

    def _show(self, value: Any) -> None:
        raise NotImplementedError


def _wrap(editor: FieldEditor, inner: QWidget) -> None:
    from PySide6.QtWidgets import QHBoxLayout

    layout = QHBoxLayout(editor)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(inner)
    editor.setFocusProxy(inner)


class StringEditor(FieldEditor):
    """A line edit; an empty text leaves the key out."""

    def __init__(self, schema: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line = QLineEdit()
        if "default" in schema:
            self.line.setPlaceholderText(str(schema["default"]))
        self.line.textEdited.connect(self.changed)
        _wrap(self, self.line)

    def is_set(self) -> bool:
        return bool(self.line.text()) or (self._present and not self._touched)

    def value(self) -> Any:
        return self.line.text()

    def _show(self, value: Any) -> None:
        self.line.setText("" if value is MISSING or value is None else str(value))


class TextEditor(FieldEditor):
    """A multi-line text editor (monospace for code and templates)."""

    def __init__(self, schema: Mapping[str, Any], monospace: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(not monospace)
        if monospace:
            self.text.setFont(monospace_font())
            self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        lines = self.fontMetrics().lineSpacing()
        self.text.setMinimumHeight(lines * 4)
        self.text.setMaximumHeight(lines * (14 if monospace else 8))
        self.text.textChanged.connect(self.changed)
        _wrap(self, self.text)

    def is_set(self) -> bool:
        return bool(self.text.toPlainText()) or (self._present and not self._touched)

    def value(self) -> Any:
        return self.text.toPlainText()

    def _show(self, value: Any) -> None:
        self.text.setPlainText("" if value is MISSING or value is None else str(value))


class _CompactDoubleSpin(QDoubleSpinBox):
    """Shows 0.5, not 0.500000."""

    def textFromValue(self, value: float) -> str:
        return f"{value:.{self.decimals()}f}".rstrip("0").rstrip(".") or "0"


def _bounds(schema: Mapping[str, Any], low: float, high: float) -> tuple[float, float]:
    minimum = schema.get("minimum", schema.get("exclusiveMinimum", low))
    maximum = schema.get("maximum", schema.get("exclusiveMaximum", high))
    return max(float(minimum), low), min(float(maximum), high)


class _NumberEditor(FieldEditor):
    """Spin-box editors: one step below the minimum stands for "not set" ("(default)")."""

    spin: QSpinBox | QDoubleSpinBox

    def _setup(self, schema: Mapping[str, Any], low: float, high: float) -> None:
        #: The schema's bounds (the spin box reaches one step lower, for "not set").
        self.minimum, self.maximum = low, high
        default = schema.get("default")
        self.spin.setSpecialValueText("(default)" if default is None else f"(default: {default})")
        self.spin.valueChanged.connect(self.changed)
        _wrap(self, self.spin)

    def is_set(self) -> bool:
        return self.spin.value() != self.spin.minimum()

    def _show(self, value: Any) -> None:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and math.isfinite(value):
            self.spin.setValue(value)  # type: ignore[arg-type]
        else:
            self.spin.setValue(self.spin.minimum())  # type: ignore[arg-type]


class FloatEditor(_NumberEditor):
    """A spin box for ``number`` honouring ``minimum``/``maximum``."""

    def __init__(self, schema: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = _CompactDoubleSpin()
        self.spin.setDecimals(6)
        low, high = _bounds(schema, -1e15, 1e15)
        self.spin.setRange(low - 1, high)
        self.spin.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self._setup(schema, low, high)

    def value(self) -> Any:
        number = float(self.spin.value())
        return int(number) if number.is_integer() and abs(number) < 2**53 else number


class IntEditor(_NumberEditor):
    """A spin box for ``integer`` honouring ``minimum``/``maximum``."""

    def __init__(self, schema: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = QSpinBox()
        low, high = _bounds(schema, -_INT_LIMIT + 1, _INT_LIMIT)
        self.spin.setRange(math.ceil(low) - 1, math.floor(high))
        self._setup(schema, math.ceil(low), math.floor(high))

    def value(self) -> Any:
        return int(self.spin.value())


class BoolEditor(FieldEditor):
    """A check box."""

    def __init__(self, schema: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox()
        self._default = bool(schema.get("default", False))
        self.check.toggled.connect(self.changed)
        _wrap(self, self.check)

    def value(self) -> Any:
        return self.check.isChecked()

    def _show(self, value: Any) -> None:
        self.check.setChecked(value if isinstance(value, bool) else self._default)


class ChoiceEditor(FieldEditor):
    """A combo box of the ``enum`` values, after a first "(default)"/"(choose one)" entry."""

    def __init__(self, schema: Mapping[str, Any], required: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        default = schema.get("default")
        if required:
            self.combo.addItem("(choose one)", MISSING)
        else:
            self.combo.addItem("(default)" if default is None else f"(default: {default})", MISSING)
        for choice in schema.get("enum", []):
            self.combo.addItem(str(choice), choice)
        self.combo.activated.connect(lambda _i: self.changed.emit())
        _wrap(self, self.combo)

    def is_set(self) -> bool:
        return self.combo.currentData() is not MISSING

    def value(self) -> Any:
        return self.combo.currentData()

    def _show(self, value: Any) -> None:
        for i in range(self.combo.count()):
            data = self.combo.itemData(i)
            if data is not MISSING and data == value and type(data) is type(value):
                self.combo.setCurrentIndex(i)
                return
        if value is not MISSING:
            # A value outside the enum (edited elsewhere): show it, validation flags it.
            self.combo.addItem(f"{value} (not allowed)", value)
            self.combo.setCurrentIndex(self.combo.count() - 1)
        else:
            self.combo.setCurrentIndex(0)


class SecretEditor(FieldEditor):
    """Picks the *name* of a stored secret; values are never read or shown."""

    def __init__(self, names: Iterable[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setToolTip("A secret from the secret store (Connectors dialog); "
                              "only its name is kept in the workflow.")
        self._names: list[str] = []
        self._current: Any = MISSING
        self.combo.activated.connect(self._picked)
        _wrap(self, self.combo)
        self.set_names(names)

    def set_names(self, names: Iterable[str]) -> None:
        """Offer these secret names (keeps the current choice)."""
        self._names = sorted(set(names))
        self._fill()

    def _fill(self) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("(no secret)", MISSING)
        for name in self._names:
            self.combo.addItem(name, name)
        if isinstance(self._current, str) and self._current not in self._names:
            self.combo.addItem(f"{self._current} (not stored)", self._current)
        index = self.combo.findData(self._current) if self._current is not MISSING else 0
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)

    def _picked(self, _index: int) -> None:
        self._current = self.combo.currentData()
        self.changed.emit()

    def is_set(self) -> bool:
        return self._current is not MISSING

    def value(self) -> Any:
        return self._current

    def _show(self, value: Any) -> None:
        self._current = value if isinstance(value, str) and value else MISSING
        self._fill()


class SuggestEditor(FieldEditor):
    """Free text with suggestions (connector and event names of a trigger)."""

    def __init__(self, schema: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.combo.lineEdit()
        assert line is not None  # editable combos have one
        line.setPlaceholderText(str(schema.get("description", "")))
        line.textEdited.connect(self.changed)
        self.combo.activated.connect(lambda _i: self.changed.emit())
        _wrap(self, self.combo)

    def set_choices(self, choices: Iterable[str]) -> None:
        """Offer these values in the drop-down (the text stays as it is)."""
        text = self.combo.currentText()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItems(list(choices))
        self.combo.setEditText(text)
        self.combo.blockSignals(False)

    def choices(self) -> list[str]:
        """The values offered in the drop-down."""
        return [self.combo.itemText(i) for i in range(self.combo.count())]

    def is_set(self) -> bool:
        return bool(self.combo.currentText()) or (self._present and not self._touched)

    def value(self) -> Any:
        return self.combo.currentText()

    def _show(self, value: Any) -> None:
        self.combo.setEditText("" if value is MISSING or value is None else str(value))


class JsonEditor(FieldEditor):
    """JSON text for objects, arrays and anything the other editors cannot show."""

    def __init__(self, schema: Mapping[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QPlainTextEdit()
        self.text.setFont(monospace_font())
        self.text.setTabChangesFocus(True)
        lines = self.fontMetrics().lineSpacing()
        self.text.setMinimumHeight(lines * 3)
        self.text.setMaximumHeight(lines * 10)
        kind = schema_type(schema)
        self.text.setPlaceholderText({"object": "{ }", "array": "[ ]"}.get(kind or "", "JSON value"))
        self.text.textChanged.connect(self.changed)
        _wrap(self, self.text)

    def is_set(self) -> bool:
        return bool(self.text.toPlainText().strip()) or (self._present and not self._touched)

    def value(self) -> Any:
        text = self.text.toPlainText()
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            line = getattr(exc, "lineno", None)
            raise FieldValueError(f"not valid JSON (line {line}): {getattr(exc, 'msg', exc)}"
                                  if line else f"not valid JSON: {exc}") from exc

    def _show(self, value: Any) -> None:
        self.text.setPlainText("" if value is MISSING else json.dumps(value, indent=2,
                                                                      ensure_ascii=False))


def editor_for(name: str, schema: Mapping[str, Any], *, required: bool = False,
               secret_names: Iterable[str] = ()) -> FieldEditor:
    """The editor for one property of a params schema."""
    kind = schema_type(schema)
    fmt = schema.get("format")
    if fmt == "secret":
        return SecretEditor(secret_names)
    if "enum" in schema:
        return ChoiceEditor(schema, required)
    if kind == "string":
        if fmt == "multiline":
            monospace = "x-language" in schema or name.lower() in _CODE_NAMES
            return TextEditor(schema, monospace)
        return StringEditor(schema)
    if kind == "integer":
        return IntEditor(schema)
    if kind == "number":
        return FloatEditor(schema)
    if kind == "boolean":
        return BoolEditor(schema)
    return JsonEditor(schema)
