"""The connectors dialog: configure connectors and enter their secrets.

Left, every connector from ``service.list_connectors()`` with its state; right, the
selected one: its description, events and actions, a config form generated from its
``config_schema`` (validated as you type by the engine's connector manager, saved with
``service.set_connector_config``), and its secrets. Secrets are written with
``service.set_secret`` into the secret store and are **never read back**: the dialog
only shows each secret's name and whether it is set; the value fields are write-only
and cleared once saved.

Usage (non-blocking)::

    dialog = ConnectorsDialog(service, parent)
    dialog.open()

Signals:
    ``config_saved(str connector)``, ``secret_saved(str full_name)``,
    ``secret_removed(str full_name)``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine import EngineService, Event
from ui.async_bridge import AsyncCalls, error_text, listen_weakly
from ui.panels.param_form import ERROR_STYLE, ParamForm

__all__ = ["ConnectorsDialog", "SecretRow"]


class SecretRow:
    """One secret: its name, whether it is set, a write-only value field, Save and Remove."""

    def __init__(self, full_name: str, is_set: bool) -> None:
        self.full_name = full_name
        self.name = QLabel(full_name)
        self.state = QLabel()
        self.value = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.value.setPlaceholderText("new value")
        self.save = QPushButton("Save")
        self.remove = QPushButton("Remove")
        self.value.textChanged.connect(lambda text: self.save.setEnabled(bool(text)))
        self.set_state(is_set)

    def set_state(self, is_set: bool) -> None:
        """Show whether a value is stored (never the value)."""
        self.is_set = is_set
        self.state.setText("set" if is_set else "not set")
        self.state.setStyleSheet("color: #2e7d32;" if is_set else "color: #808080;")
        self.remove.setEnabled(is_set)
        self.save.setEnabled(bool(self.value.text()))
        self.value.setPlaceholderText("replace the value" if is_set else "value")


class ConnectorsDialog(QDialog):
    """Connectors, their config and secrets (see the module docstring)."""

    config_saved = Signal(str)
    secret_saved = Signal(str)
    secret_removed = Signal(str)

    def __init__(self, service: EngineService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connectors")
        self.setObjectName("ConnectorsDialog")
        self.resize(820, 560)
        self.service = service
        self.calls = AsyncCalls(self, on_error=self._failed)
        self.current: dict[str, Any] | None = None
        self._wanted: str | None = None
        self.form: ParamForm | None = None
        self.secret_rows: dict[str, SecretRow] = {}

        self.list = QListWidget()
        self.list.currentItemChanged.connect(self._picked)
        self.title = QLabel(wordWrap=True)
        self.details = QLabel(wordWrap=True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.config_box = QGroupBox("Configuration")
        self._config_layout = QVBoxLayout(self.config_box)
        self.save_config = QPushButton("Save configuration")
        self.save_config.clicked.connect(self.save_configuration)
        self.config_error = QLabel(wordWrap=True)
        self.config_error.setStyleSheet(ERROR_STYLE)
        self.secrets_box = QGroupBox("Secrets (stored in the secret store, never shown)")
        self._secrets_grid = QGridLayout(self.secrets_box)
        self._new_secret_widgets()
        self.message = QLabel(wordWrap=True)

        details = QWidget()
        column = QVBoxLayout(details)
        column.addWidget(self.title)
        column.addWidget(self.details)
        column.addWidget(self.config_box)
        column.addWidget(self.secrets_box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(details)
        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(scroll)
        splitter.setSizes([200, 600])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        listen_weakly(service.bus, self._on_event)
        self.reload()

    # -- loading -------------------------------------------------------------------------
    def reload(self) -> None:
        """List the connectors again (keeps the selection)."""
        selected = self.current["name"] if self.current else None
        self.list.blockSignals(True)
        self.list.clear()
        for info in self.service.list_connectors():
            item = QListWidgetItem(f"{info['name']}  ·  {info.get('state', '')}")
            item.setData(Qt.ItemDataRole.UserRole, info["name"])
            item.setToolTip(str(info.get("description", "")))
            self.list.addItem(item)
        self.list.blockSignals(False)
        names = self.connector_names()
        if names:
            self.select(selected if selected in names else names[0])

    def connector_names(self) -> list[str]:
        """The listed connectors, in order."""
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def select(self, name: str) -> None:
        """Show one connector."""
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == name:
                if self.list.currentRow() == i:
                    self._load(name)
                else:
                    self.list.setCurrentRow(i)
                return

    def _picked(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self._load(str(item.data(Qt.ItemDataRole.UserRole)))

    def _load(self, name: str) -> None:
        self._wanted = name
        self.calls.spawn(self.service.get_connector(name), self._show)

    def _show(self, info: dict[str, Any]) -> None:
        if info.get("name") != self._wanted:
            return  # the answer for a connector picked before this one
        self.current = info
        self.title.setText(f"<h3>{info['name']}</h3>{info.get('description', '')}")
        events = [e.get("name", "") if isinstance(e, dict) else str(e)
                  for e in info.get("events", [])]
        if info.get("any_event"):
            events.append("any event name")
        self.details.setText(
            f"<b>State:</b> {info.get('state', '?')}<br>"
            f"<b>Events:</b> {', '.join(events) or '—'}<br>"
            f"<b>Actions:</b> {', '.join(info.get('actions', [])) or '—'}")
        self._show_config(info)
        self._show_secrets(info)

    def _show_config(self, info: dict[str, Any]) -> None:
        if self.form is not None:
            self.form.hide()
            self.form.deleteLater()  # parented until then: Qt owns it
        while self._config_layout.count():
            self._config_layout.takeAt(0)
        schema = info.get("config_schema") or {"type": "object", "properties": {}}
        self.form = ParamForm(schema)
        self.form.set_values(info.get("config") or {})
        self.form.edited.connect(self._validate_config)
        self._config_layout.addWidget(self.form)
        self._config_layout.addWidget(self.config_error)
        self._config_layout.addWidget(self.save_config, 0, Qt.AlignmentFlag.AlignRight)
        has_fields = bool(schema.get("properties"))
        self.save_config.setVisible(has_fields)
        self._validate_config()

    def _show_secrets(self, info: dict[str, Any]) -> None:
        while self._secrets_grid.count():
            item = self._secrets_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.secret_rows = {}
        entries = [(s["name"], bool(s.get("set"))) if isinstance(s, dict) else (str(s), False)
                   for s in info.get("secrets", [])]
        entries += [(name, True) for name in info.get("other_secrets", [])]
        for row, (full_name, is_set) in enumerate(entries):
            secret = SecretRow(full_name, is_set)
            secret.save.clicked.connect(lambda _c=False, s=secret: self._save_secret(s))
            secret.value.returnPressed.connect(lambda s=secret: self._save_secret(s))
            secret.remove.clicked.connect(lambda _c=False, s=secret: self._remove_secret(s))
            for column, widget in enumerate((secret.name, secret.state, secret.value,
                                             secret.save, secret.remove)):
                self._secrets_grid.addWidget(widget, row, column)
            self.secret_rows[full_name] = secret
        self._new_secret_widgets()
        add_row = QHBoxLayout()
        add_row.setContentsMargins(0, 0, 0, 0)
        prefix = QLabel(f"{info['name']}.")
        add_row.addWidget(prefix)
        add_row.addWidget(self.new_secret_name, 1)
        holder = QWidget()
        holder.setLayout(add_row)
        self._secrets_grid.addWidget(holder, len(entries), 0, 1, 2)
        self._secrets_grid.addWidget(self.new_secret_value, len(entries), 2)
        self._secrets_grid.addWidget(self.add_secret, len(entries), 3)

    def _new_secret_widgets(self) -> None:
        # Rebuilt with each connector: the grid's old widgets are deleted with their rows.
        self.new_secret_name = QLineEdit(placeholderText="another secret's name")
        self.new_secret_value = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.new_secret_value.setPlaceholderText("value")
        self.add_secret = QPushButton("Add")
        self.add_secret.clicked.connect(self._add_secret)

    # -- config --------------------------------------------------------------------------
    def config_problems(self) -> list[str]:
        """What is wrong with the config in the form (empty when valid)."""
        if self.form is None or self.current is None:
            return []
        config, problems = self.form.values()
        if problems:
            return [f"{k}: {v}" for k, v in problems.items()]
        try:
            self.service.connectors.validate_config(self.current["name"], config)
        except Exception as exc:  # the engine's message names every problem
            return [error_text(exc)]
        return []

    def _validate_config(self) -> None:
        problems = self.config_problems()
        self.config_error.setText("\n".join(problems))
        self.save_config.setEnabled(not problems)

    def save_configuration(self) -> None:
        """Store and apply the config in the form."""
        if self.form is None or self.current is None or self.config_problems():
            return
        name = self.current["name"]
        config, _ = self.form.values()

        def saved(_config: dict[str, Any]) -> None:
            self._say(f"Saved the configuration of {name}")
            self.config_saved.emit(name)

        self.calls.spawn(self.service.set_connector_config(name, config), saved)

    # -- secrets -------------------------------------------------------------------------
    def _short(self, full_name: str) -> str:
        prefix = f"{self.current['name']}." if self.current else ""
        return full_name[len(prefix):] if full_name.startswith(prefix) else full_name

    def _save_secret(self, secret: SecretRow) -> None:
        value = secret.value.text()
        if not value or self.current is None:
            return
        secret.value.clear()  # the value leaves the widget at once

        def saved(full: str) -> None:
            secret.set_state(True)
            self._say(f"Saved secret {full}")
            self.secret_saved.emit(full)

        self.calls.spawn(self.service.set_secret(self.current["name"],
                                                 self._short(secret.full_name), value), saved)

    def _remove_secret(self, secret: SecretRow) -> None:
        if self.current is None:
            return

        def removed(_existed: bool) -> None:
            secret.set_state(False)
            self._say(f"Removed secret {secret.full_name}")
            self.secret_removed.emit(secret.full_name)

        self.calls.spawn(self.service.delete_secret(self.current["name"],
                                                    self._short(secret.full_name)), removed)

    def _add_secret(self) -> None:
        if self.current is None:
            return
        name, value = self.new_secret_name.text().strip(), self.new_secret_value.text()
        if not name or not value:
            self._say("A secret needs a name and a value.")
            return
        self.new_secret_value.clear()
        connector = self.current["name"]

        def saved(full: str) -> None:
            self.new_secret_name.clear()
            self._say(f"Saved secret {full}")
            self.secret_saved.emit(full)
            self._load(connector)

        self.calls.spawn(self.service.set_secret(connector, name, value), saved)

    # -- events --------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        if event["event"] != "connector_state":
            return
        name, state = event.get("connector"), event.get("state")
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setText(f"{name}  ·  {state}")
        if self.current is not None and self.current["name"] == name:
            self.current["state"] = state
            self._show_state_only(str(state))

    def _show_state_only(self, state: str) -> None:
        text = self.details.text()
        _head, sep, rest = text.partition("<br>")
        if sep:
            self.details.setText(f"<b>State:</b> {state}<br>{rest}")

    def _say(self, text: str) -> None:
        self.message.setStyleSheet("")
        self.message.setText(text)

    def _failed(self, exc: BaseException) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(error_text(exc))
