"""Settings, first-run and connectors dialogs with real widgets and a real engine."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit

from engine import EngineService
from engine.users import UserService
from ui.dialogs.connectors import ConnectorsDialog
from ui.dialogs.first_run import FirstRunDialog, needs_owner
from ui.dialogs.settings import SettingsDialog, SettingsValues, host_problem
from ui.panels.field_editors import IntEditor, StringEditor


def _ok(dialog: SettingsDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


async def test_settings_round_trip_and_validation(qtbot, tmp_path: Path) -> None:
    values = SettingsValues.from_mapping({"host": "127.0.0.1", "port": 8080, "theme": "light",
                                          "allow_user_code": False, "data_dir": str(tmp_path),
                                          "unknown": "ignored"})
    dialog = SettingsDialog(values)
    qtbot.addWidget(dialog)
    accepted: list[SettingsValues] = []
    dialog.settings_accepted.connect(accepted.append)
    assert dialog.values() == values and dialog.restart_note.text() == ""
    dialog.host.setText("not a host!")
    assert not _ok(dialog).isEnabled() and "not an IP address" in dialog.error.text()
    dialog.host.setText("0.0.0.0")
    assert _ok(dialog).isEnabled() and "other computers" in dialog.warning.text()
    dialog.port.setValue(9090)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.allow_user_code.setChecked(True)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    dialog.data_dir.setText(str(a_file))
    assert "is a file" in dialog.error.text()
    dialog.accept()
    assert accepted == []  # refused: the data folder is a file
    dialog.data_dir.setText(str(tmp_path / "new"))
    assert "restarts" in dialog.restart_note.text()
    dialog.accept()
    assert len(accepted) == 1
    edited = accepted[0].as_dict()
    assert edited == {"host": "0.0.0.0", "port": 9090, "data_dir": str(tmp_path / "new"),
                      "theme": "dark", "allow_user_code": True}
    json.dumps(edited)
    assert host_problem("localhost") is None and host_problem("::1") is None
    assert host_problem("") is not None


async def test_first_run_creates_an_admin(qtbot, service: EngineService) -> None:
    assert await needs_owner(service)
    dialog = FirstRunDialog(service)
    qtbot.addWidget(dialog)
    created: list[dict] = []
    dialog.account_created.connect(created.append)
    assert not dialog.create_button.isEnabled()
    qtbot.keyClicks(dialog.email, "Owner@Example.com")
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.confirm, "short")
    assert "at least 8" in dialog.error.text() and not dialog.create_button.isEnabled()
    dialog.password.setText("correct horse battery")
    dialog.confirm.setText("correct horse batter")
    assert "do not match" in dialog.error.text()
    dialog.confirm.setText("correct horse battery")
    assert dialog.create_button.isEnabled()
    dialog.create_button.click()
    await dialog.calls.idle()
    assert created and created[0]["email"] == "owner@example.com" and created[0]["role"] == "admin"
    assert not await needs_owner(service)
    users = UserService(service.store)
    user = await service.db(users.authenticate, "owner@example.com", "correct horse battery")
    assert user is not None and user.role == "admin"
    assert dialog.password.text() == ""


async def test_first_run_shows_engine_errors_and_can_be_skipped(qtbot, service: EngineService) -> None:
    await service.db(UserService(service.store).add, "taken@example.com", "password123", "admin")
    dialog = FirstRunDialog(service)
    qtbot.addWidget(dialog)
    skipped: list[bool] = []
    dialog.skipped.connect(lambda: skipped.append(True))
    dialog.email.setText("taken@example.com")
    dialog.password.setText("password123")
    dialog.confirm.setText("password123")
    dialog.create_button.click()
    await dialog.calls.idle()
    assert "already exists" in dialog.error.text()
    assert await service.db(service.store.count_users) == 1
    dialog.skip_button.click()
    assert skipped == [True]


async def test_connectors_config_and_write_only_secrets(qtbot, service: EngineService) -> None:
    dialog = ConnectorsDialog(service)
    qtbot.addWidget(dialog)
    await dialog.calls.idle()
    assert dialog.connector_names() == [c["name"] for c in service.list_connectors()]
    dialog.select("email")
    await dialog.calls.idle()
    assert dialog.current is not None and dialog.current["name"] == "email"
    assert dialog.form is not None
    host, port = dialog.form.editors["host"], dialog.form.editors["port"]
    assert isinstance(host, StringEditor) and isinstance(port, IntEditor)
    qtbot.keyClicks(host.line, "smtp.example.com")
    port.spin.setValue(2525)
    assert dialog.save_config.isEnabled()
    saved: list[str] = []
    dialog.config_saved.connect(saved.append)
    dialog.save_config.click()
    await dialog.calls.idle()
    assert saved == ["email"]
    stored = await service.db(service.store.get_connector_config, "email")
    assert stored["host"] == "smtp.example.com" and stored["port"] == 2525

    row = dialog.secret_rows["email.password"]
    assert row.state.text() == "not set" and not row.remove.isEnabled()
    qtbot.keyClicks(row.value, "hunter2-secret")
    row.save.click()
    assert row.value.text() == ""  # write-only: the value leaves the widget at once
    await dialog.calls.idle()
    assert service.secrets.get("email.password") == "hunter2-secret"
    assert row.state.text() == "set"
    texts = [w.text() for w in dialog.findChildren(QLabel)] + [
        w.text() for w in dialog.findChildren(QLineEdit)]
    assert not any("hunter2" in text for text in texts)
    secrets_file = service.config.data_dir / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600

    # Reopening shows the name and "set", still never the value.
    again = ConnectorsDialog(service)
    qtbot.addWidget(again)
    again.select("email")
    await again.calls.idle()
    assert again.secret_rows["email.password"].state.text() == "set"
    assert again.secret_rows["email.password"].value.text() == ""
    again.secret_rows["email.password"].remove.click()
    await again.calls.idle()
    assert service.secrets.get("email.password") is None


async def test_connector_states_update_live(qtbot, service: EngineService) -> None:
    dialog = ConnectorsDialog(service)
    qtbot.addWidget(dialog)
    dialog.select("mqtt")
    await dialog.calls.idle()
    service.bus.publish("connector_state", connector="mqtt", state="error: broker unreachable")
    row = dialog.connector_names().index("mqtt")
    assert dialog.list.item(row).text().endswith("error: broker unreachable")
    assert "error: broker unreachable" in dialog.details.text()


async def test_connectors_refuse_a_bad_config(qtbot, service: EngineService) -> None:
    dialog = ConnectorsDialog(service)
    qtbot.addWidget(dialog)
    dialog.select("chat")
    await dialog.calls.idle()
    assert dialog.form is not None
    timeout = dialog.form.editors["timeout"]
    timeout.set_value(0)  # exclusiveMinimum 0; the spin box floor is 0
    timeout.changed.emit()
    assert not dialog.save_config.isEnabled()
    assert "timeout" in dialog.config_error.text()
    dialog.save_configuration()
    await dialog.calls.idle()
    assert await service.db(service.store.get_connector_config, "chat") == {}
