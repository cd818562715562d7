"""The settings dialog: API address, data folder, theme and the user-code plugin switch.

The ui layer never imports ``app``: the dialog takes and returns a plain
:class:`SettingsValues` (``SettingsValues.from_mapping(app_settings.saved() | {...})``
and back with ``as_dict()``); the caller applies and saves them. Port, bind address,
data folder and the user-code switch take effect after a restart (the dialog says so);
the theme can be applied at once.

Usage (non-blocking, keeps the qasync loop running)::

    dialog = SettingsDialog(values, parent)
    dialog.settings_accepted.connect(apply)   # SettingsValues
    dialog.open()

Signals:
    ``settings_accepted(SettingsValues)`` — OK was pressed with valid values.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.theme import THEMES as _THEME_TABLE

__all__ = ["THEMES", "SettingsDialog", "SettingsValues", "host_problem"]

#: Theme names, from the one theme table.
THEMES: tuple[str, ...] = tuple(sorted(_THEME_TABLE, key=lambda name: name != "light"))
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


@dataclass(frozen=True)
class SettingsValues:
    """What the settings dialog edits."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path(".")
    theme: str = "light"
    allow_user_code: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SettingsValues:
        """Values from a dict (unknown keys ignored, missing ones default)."""
        defaults = cls()
        theme = str(data.get("theme", defaults.theme))
        return cls(host=str(data.get("host", defaults.host)),
                   port=int(data.get("port", defaults.port)),
                   data_dir=Path(data.get("data_dir", defaults.data_dir)),
                   theme=theme if theme in THEMES else defaults.theme,
                   allow_user_code=bool(data.get("allow_user_code", defaults.allow_user_code)))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (``data_dir`` as a string)."""
        values = asdict(self)
        values["data_dir"] = str(self.data_dir)
        return values


def host_problem(host: str) -> str | None:
    """Why ``host`` cannot be a bind address, or None."""
    host = host.strip()
    if not host:
        return "The bind address is empty."
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    return None if _HOSTNAME.match(host) else f"“{host}” is not an IP address or host name."


def _is_loopback(host: str) -> bool:
    if host.strip() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip()).is_loopback
    except ValueError:
        return False


class SettingsDialog(QDialog):
    """Edits :class:`SettingsValues` (see the module docstring)."""

    settings_accepted = Signal(object)

    def __init__(self, values: SettingsValues, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("SettingsDialog")
        self.initial = values

        self.host = QLineEdit(values.host)
        self.host.setToolTip("127.0.0.1 keeps the API on this computer; 0.0.0.0 opens it "
                             "to the network")
        self.port = QSpinBox(minimum=1, maximum=65535)
        self.port.setValue(values.port)
        self.data_dir = QLineEdit(str(values.data_dir))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_dir, 1)
        folder_row.addWidget(browse)
        self.theme = QComboBox()
        for theme in THEMES:
            self.theme.addItem(theme.capitalize(), theme)
        self.theme.setCurrentIndex(max(self.theme.findData(values.theme), 0))
        self.allow_user_code = QCheckBox("Allow plugins that run user code (Python snippets)")
        self.allow_user_code.setChecked(values.allow_user_code)
        self.allow_user_code.setToolTip("Only enable this on a computer where every workflow "
                                        "author is trusted: such nodes run arbitrary code.")

        form = QFormLayout()
        form.addRow("API bind address", self.host)
        form.addRow("API port", self.port)
        form.addRow("Data folder", folder_row)
        form.addRow("Theme", self.theme)
        form.addRow("", self.allow_user_code)
        self.warning = QLabel(wordWrap=True)
        self.warning.setStyleSheet("color: #b26a00;")
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #d32f2f;")
        self.restart_note = QLabel(wordWrap=True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(self.error)
        layout.addWidget(self.restart_note)
        layout.addWidget(self.buttons)

        for signal in (self.host.textChanged, self.data_dir.textChanged):
            signal.connect(self._check)
        self.port.valueChanged.connect(self._check)
        self.allow_user_code.toggled.connect(self._check)
        self.folder_dialog: QFileDialog | None = None
        self._check()

    def values(self) -> SettingsValues:
        """The values as edited now."""
        return replace(self.initial, host=self.host.text().strip(), port=self.port.value(),
                       data_dir=Path(self.data_dir.text().strip()).expanduser(),
                       theme=str(self.theme.currentData()),
                       allow_user_code=self.allow_user_code.isChecked())

    def problems(self) -> list[str]:
        """What stops the values from being accepted."""
        problems = []
        host = host_problem(self.host.text())
        if host:
            problems.append(host)
        folder = self.data_dir.text().strip()
        if not folder:
            problems.append("The data folder is empty.")
        elif Path(folder).expanduser().exists() and not Path(folder).expanduser().is_dir():
            problems.append(f"{folder} is a file, not a folder.")
        return problems

    def accept(self) -> None:
        """Close with the values when they are valid."""
        if self.problems():
            self._check()
            return
        self.settings_accepted.emit(self.values())
        super().accept()

    def _check(self, *_args: Any) -> None:
        problems = self.problems()
        self.error.setText("\n".join(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)
        values = self.values()
        self.warning.setText("" if not values.host or _is_loopback(values.host) else
                             "The API will be reachable from other computers on the network; "
                             "only signed-in users can use it.")
        changed = [label for label, before, after in (
            ("bind address", self.initial.host, values.host),
            ("port", self.initial.port, values.port),
            ("data folder", self.initial.data_dir, values.data_dir),
            ("user-code switch", self.initial.allow_user_code, values.allow_user_code),
        ) if before != after]
        self.restart_note.setText(f"The new {', '.join(changed)} take{'s' if len(changed) == 1 else ''}"
                                  " effect after OmniFlow restarts." if changed else "")

    def _browse(self) -> None:
        dialog = QFileDialog(self, "Data folder", self.data_dir.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.data_dir.setText)
        self.folder_dialog = dialog
        dialog.open()
