"""The properties panel: the selected node's label, params and run settings.

``PropertiesPanel(service)`` builds editors from the plugin's params JSON schema
(``service.registry.get(plugin).params_schema``, see :mod:`ui.panels.field_editors`) and
validates as you type with ``service.registry.param_errors``: errors show inline under
their field and invalid params are never emitted. Valid edits are emitted after a short
pause in typing (:data:`EDIT_DELAY_MS`), so one burst of typing is one undo step;
``flush()`` emits a pending edit at once (it also happens when another node is shown).

For the ``trigger`` plugin, ``connector`` and ``event`` get pickers filled from
``service.list_connectors()`` (free text stays possible), and the chosen connector's own
trigger params (its ``trigger_params`` schema: a schedule's ``cron``, an MQTT ``topic``…)
join the form. Secret params (``format:
secret``) pick from ``service.secrets.names()``; secret values are never read.

Signals:
    ``params_edited(str node_id, dict params)`` — valid new params for the node.
    ``label_edited(str node_id, str label)`` — new label ("" → the plugin's name).
    ``settings_edited(str node_id, dict settings)`` — new ``NodeSettings`` as JSON.
Slots:
    ``show_node(Node | None)`` — show a node (the engine's ``engine.model.Node``); showing
    the same node again (after an undo, or an edit coming back) updates the values only.
    ``clear()``, ``flush()``.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine import EngineService, Node, NodeSettings
from ui.async_bridge import AsyncCalls
from ui.panels.field_editors import FieldEditor, SecretEditor, SuggestEditor
from ui.panels.param_form import ParamForm

__all__ = ["EDIT_DELAY_MS", "PropertiesPanel", "connector_events"]

#: Pause in typing after which a valid edit is emitted.
EDIT_DELAY_MS = 300
_TRIGGER = "trigger"


def connector_events(connector: dict[str, Any]) -> list[str]:
    """Event names a connector description offers (``*`` stands for any event)."""
    names = []
    for event in connector.get("events", []) or []:
        name = event.get("name") if isinstance(event, dict) else event
        if isinstance(name, str) and name and name != "*":
            names.append(name)
    return names


async def _list_connectors(service: EngineService) -> list[dict[str, Any]]:
    lister = getattr(service, "list_connectors", None)
    if lister is None:
        return []
    result = lister()
    if inspect.isawaitable(result):
        result = await result
    return [c for c in result if isinstance(c, dict) and c.get("name")]


class _SettingsBox(QGroupBox):
    """timeout, retries, retry_delay, on_error of ``NodeSettings``."""

    def __init__(self) -> None:
        super().__init__("Node settings")
        defaults = NodeSettings()
        self.timeout = QDoubleSpinBox(minimum=0, maximum=86400, decimals=1, suffix=" s")
        self.timeout.setSpecialValueText("plugin default")
        self.timeout.setToolTip("Seconds before the node fails")
        self.retries = QSpinBox(minimum=0, maximum=10)
        self.retries.setToolTip("Extra attempts after a failure")
        self.retry_delay = QDoubleSpinBox(minimum=0, maximum=600, decimals=2, suffix=" s")
        self.retry_delay.setToolTip("First back-off between attempts, doubled each time")
        self.on_error = QComboBox()
        self.on_error.addItem("Fail the run", "fail")
        self.on_error.addItem("Continue with the error as output", "continue")
        form = QFormLayout(self)
        form.addRow("Timeout", self.timeout)
        form.addRow("Retries", self.retries)
        form.addRow("Retry delay", self.retry_delay)
        form.addRow("On error", self.on_error)
        self.show_settings(defaults)

    def show_settings(self, settings: NodeSettings) -> None:
        for widget in (self.timeout, self.retries, self.retry_delay, self.on_error):
            widget.blockSignals(True)
        self.timeout.setValue(settings.timeout or 0)
        self.retries.setValue(settings.retries)
        self.retry_delay.setValue(settings.retry_delay)
        self.on_error.setCurrentIndex(max(self.on_error.findData(settings.on_error), 0))
        for widget in (self.timeout, self.retries, self.retry_delay, self.on_error):
            widget.blockSignals(False)

    def settings(self) -> NodeSettings:
        timeout = self.timeout.value()
        return NodeSettings(timeout=timeout or None, retries=self.retries.value(),
                            retry_delay=self.retry_delay.value(),
                            on_error=self.on_error.currentData())


class PropertiesPanel(QWidget):
    """Label, params form and run settings of one node (see the module docstring)."""

    params_edited = Signal(str, dict)
    label_edited = Signal(str, str)
    settings_edited = Signal(str, dict)

    def __init__(self, service: EngineService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PropertiesPanel")
        self.service = service
        self.calls = AsyncCalls(self)
        self.node: Node | None = None
        self.form: ParamForm | None = None
        self._last_params: dict[str, Any] = {}
        self._last_settings: NodeSettings = NodeSettings()
        self._valid = True
        self._connectors: list[dict[str, Any]] = []
        self._options_for: str | None = None
        self._timer = QTimer(self, singleShot=True, interval=EDIT_DELAY_MS)
        self._timer.timeout.connect(self.flush)

        self.title = QLabel(wordWrap=True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.label = QLineEdit(placeholderText="Label shown on the canvas")
        self.label.editingFinished.connect(self._label_done)
        self.status = QLabel(wordWrap=True)
        self.settings_box = _SettingsBox()
        for signal in (self.settings_box.timeout.valueChanged, self.settings_box.retries.valueChanged,
                       self.settings_box.retry_delay.valueChanged,
                       self.settings_box.on_error.activated):
            signal.connect(self._settings_changed)

        self._form_holder = QWidget()
        self._form_layout = QVBoxLayout(self._form_holder)
        self._form_layout.setContentsMargins(0, 0, 0, 0)
        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(self.title)
        label_row = QFormLayout()
        label_row.addRow("Label", self.label)
        column.addLayout(label_row)
        column.addWidget(self._form_holder)
        column.addWidget(self.status)
        column.addWidget(self.settings_box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.placeholder = QLabel("Select a node to edit its parameters.",
                                  alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.placeholder)
        layout.addWidget(scroll)
        self._scroll = scroll
        self.clear()

    # -- slots ---------------------------------------------------------------------------
    def clear(self) -> None:
        """Show nothing (no node selected)."""
        self.flush()
        self.node = None
        self._replace_form(None)
        self._scroll.hide()
        self.placeholder.show()

    def show_node(self, node: Node | None) -> None:
        """Show this node; the same node again updates values without rebuilding."""
        if node is None:
            self.clear()
            return
        same = self.node is not None and self.node.id == node.id and self.node.plugin == node.plugin
        if not same:
            self.flush()
        self.node = node.model_copy(deep=True)
        if node.plugin not in self.service.registry:
            self._replace_form(None)
            self.title.setText(f"<b>{node.id}</b> — unknown plugin <code>{node.plugin}</code>")
        elif not same or self.form is None:
            self._build(node)
        elif not self._timer.isActive() and node.params != self._current_params():
            self.form.set_values(node.params)
            self._validate()
            if node.plugin == _TRIGGER:
                self._connector_changed(by_user=False)  # an undo may have switched it
        self._last_params = dict(node.params)
        self._last_settings = node.settings or NodeSettings()
        if not self.label.hasFocus():
            self.label.setText(node.label or "")
        self.settings_box.show_settings(self._last_settings)
        self.placeholder.hide()
        self._scroll.show()

    def flush(self) -> None:
        """Emit the pending edit now (if any and valid)."""
        self._timer.stop()
        node = self.node
        if node is None or self.form is None:
            return
        params, problems = self.form.values()
        if not problems and not self.service.registry.param_errors(node.plugin, params) \
                and params != self._last_params:
            self._last_params = dict(params)
            node.params = dict(params)
            self.params_edited.emit(node.id, dict(params))
        settings = self.settings_box.settings()
        if settings != self._last_settings:
            self._last_settings = settings
            node.settings = settings
            self.settings_edited.emit(node.id, settings.model_dump(mode="json", exclude_none=True))

    # -- building ------------------------------------------------------------------------
    def _build(self, node: Node) -> None:
        plugin = self.service.registry.get(node.plugin)
        self.title.setText(f"<b>{node.id}</b> · {plugin.name or plugin.id} "
                           f"<code>{plugin.id}</code><br><small>{plugin.description}</small>")
        connector = node.params.get("connector") if plugin.id == _TRIGGER else None
        known = isinstance(connector, str) and bool(self._trigger_options(connector))
        self._options_for = connector if known else None  # no rebuild once the list comes
        self._build_form(plugin.id, node.params)
        if plugin.id == _TRIGGER:
            self.calls.spawn(_list_connectors(self.service), self._show_connectors)

    def _build_form(self, plugin_id: str, params: dict[str, Any]) -> None:
        plugin = self.service.registry.get(plugin_id)
        schema: dict[str, Any] = plugin.params_schema
        overrides: dict[str, FieldEditor] = {}
        properties = schema.get("properties", {}) or {}
        if plugin.id == _TRIGGER:
            for name in ("connector", "event"):
                if name in properties:
                    overrides[name] = SuggestEditor(properties[name])
            options = self._trigger_options(self._options_for)
            if options:
                # The connector's own trigger params (cron, topic, channel …) join the form.
                schema = {**schema, "properties": {**properties, **options}}
        form = ParamForm(schema, overrides=overrides)
        form.set_values(params)
        form.edited.connect(self._edited)
        self._replace_form(form)
        self._validate()
        if any(isinstance(e, SecretEditor) for e in form.editors.values()):
            self.calls.spawn(asyncio.to_thread(self.service.secrets.names), form.set_secret_names)
        connector = overrides.get("connector")
        if isinstance(connector, SuggestEditor):
            connector.set_choices(str(c["name"]) for c in self._connectors)
            connector.changed.connect(self._connector_changed)
            self._update_event_choices()

    def _trigger_options(self, connector: str | None) -> dict[str, Any]:
        chosen = next((c for c in self._connectors if c.get("name") == connector), None)
        schema = (chosen or {}).get("trigger_params") or {}
        options = schema.get("properties") if isinstance(schema, dict) else None
        return {k: v for k, v in (options or {}).items() if k not in ("connector", "event")}

    def _connector_changed(self, by_user: bool = True) -> None:
        self._update_event_choices()
        if self.form is None or self.node is None:
            return
        connector = self.form.editors.get("connector")
        name = connector.value() if isinstance(connector, SuggestEditor) else None
        wanted = name if self._trigger_options(name) else None
        if wanted == self._options_for:
            return
        had_focus = connector is not None and connector.combo.hasFocus() if isinstance(
            connector, SuggestEditor) else False
        self._options_for = wanted
        self._build_form(self.node.plugin, self._current_params())
        fresh = self.form.editors.get("connector") if self.form is not None else None
        if had_focus and isinstance(fresh, SuggestEditor):
            fresh.combo.setFocus()
            line = fresh.combo.lineEdit()
            if line is not None:
                line.end(False)
        if by_user:
            self._edited()

    def _replace_form(self, form: ParamForm | None) -> None:
        if self.form is not None:
            # Still parented (so owned by Qt) until the loop deletes it: this may run inside
            # one of its editors' signals, and deleting it right away would pull the rug.
            self._form_layout.removeWidget(self.form)
            self.form.hide()
            self.form.deleteLater()
        self.form = form
        self.status.clear()
        if form is not None:
            self._form_layout.addWidget(form)

    def _show_connectors(self, connectors: list[dict[str, Any]]) -> None:
        self._connectors = connectors
        if self.form is None or self.node is None or self.node.plugin != _TRIGGER:
            return
        connector = self.form.editors.get("connector")
        if isinstance(connector, SuggestEditor):
            connector.set_choices(str(c["name"]) for c in connectors)
            name = connector.value()
            if self._trigger_options(name) and name != self._options_for:
                self._options_for = name
                self._build_form(self.node.plugin, self._current_params())
        self._update_event_choices()

    def _update_event_choices(self) -> None:
        if self.form is None:
            return
        connector = self.form.editors.get("connector")
        event = self.form.editors.get("event")
        if not isinstance(connector, SuggestEditor) or not isinstance(event, SuggestEditor):
            return
        name = connector.value()
        chosen = next((c for c in self._connectors if c.get("name") == name), None)
        event.set_choices(connector_events(chosen) if chosen else [])

    # -- editing -------------------------------------------------------------------------
    def _current_params(self) -> dict[str, Any]:
        return self.form.values()[0] if self.form is not None else {}

    def _validate(self) -> bool:
        if self.form is None or self.node is None:
            return False
        params, problems = self.form.values()
        errors = [] if problems else self.service.registry.param_errors(self.node.plugin, params)
        self.form.show_errors(errors, problems)
        self._valid = not errors and not problems
        self.status.setText("" if self._valid else "Not saved until the errors above are fixed.")
        return self._valid

    def _edited(self) -> None:
        if self._validate():
            self._timer.start()
        else:
            self._timer.stop()

    def _settings_changed(self, *_args: Any) -> None:
        self._timer.start()

    def _label_done(self) -> None:
        node = self.node
        if node is None:
            return
        text = self.label.text().strip()
        if text != (node.label or ""):
            node.label = text or None
            self.label_edited.emit(node.id, text)

    @property
    def valid(self) -> bool:
        """Whether the params shown now satisfy the plugin's schema."""
        return self._valid
