"""The first-run dialog: create the owner's admin account for the API (or skip).

The account is created by the engine's ``UserService`` on the database thread
(``service.db(...)``): argon2 hashing never runs on the GUI thread, and the ui never
touches the database itself. ``needs_owner(service)`` tells whether to show the dialog
(no user exists yet).

Usage (non-blocking)::

    dialog = FirstRunDialog(service, parent)
    dialog.account_created.connect(...)
    dialog.open()

Signals:
    ``account_created(dict)`` — ``{"id", "email", "role"}`` of the new admin.
    ``skipped()`` — the user chose to skip (the API then has no users until
    ``omniflow users add`` or this dialog is used later).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine import EngineService
from engine.users import UserService
from ui.async_bridge import AsyncCalls, error_text

__all__ = ["MIN_PASSWORD", "FirstRunDialog", "needs_owner"]

MIN_PASSWORD = 8


async def needs_owner(service: EngineService) -> bool:
    """Whether no API user exists yet."""
    return await service.db(service.store.count_users) == 0


class FirstRunDialog(QDialog):
    """Email, password, confirmation; Create or Skip."""

    account_created = Signal(dict)
    skipped = Signal()

    def __init__(self, service: EngineService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to OmniFlow")
        self.setObjectName("FirstRunDialog")
        self.service = service
        self.calls = AsyncCalls(self, on_error=self._failed)

        intro = QLabel("Create the owner account for OmniFlow's API. Outside tools sign in "
                       "with it (the editor itself needs no sign-in). You can skip this and "
                       "add users later with <code>omniflow users add</code>.", wordWrap=True)
        self.email = QLineEdit(placeholderText="you@example.com")
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"at least {MIN_PASSWORD} characters")
        self.confirm = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        form.addRow("Repeat password", self.confirm)
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #d32f2f;")
        self.buttons = QDialogButtonBox()
        self.create_button: QPushButton = self.buttons.addButton(
            "Create account", QDialogButtonBox.ButtonRole.AcceptRole)
        self.skip_button: QPushButton = self.buttons.addButton(
            "Skip", QDialogButtonBox.ButtonRole.RejectRole)
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create_account)
        self.skip_button.clicked.connect(self.skip)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        for line in (self.email, self.password, self.confirm):
            line.textChanged.connect(self._check)
        self._check()

    def problems(self) -> list[str]:
        """What must be fixed before the account can be created."""
        problems = []
        email = self.email.text().strip()
        if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
            problems.append("Enter a valid email address.")
        if self.password.text() and len(self.password.text()) < MIN_PASSWORD:
            problems.append(f"The password needs at least {MIN_PASSWORD} characters.")
        if self.confirm.text() and self.confirm.text() != self.password.text():
            problems.append("The passwords do not match.")
        return problems

    def _check(self, *_args: Any) -> None:
        problems = self.problems()
        self.error.setText("\n".join(problems))
        complete = bool(self.email.text().strip() and self.password.text() and self.confirm.text())
        self.create_button.setEnabled(complete and not problems and not self.calls.pending)

    def create_account(self) -> None:
        """Create the admin account (on the database thread)."""
        self._check()
        if not self.create_button.isEnabled():
            return
        email, password = self.email.text().strip(), self.password.text()

        def add() -> dict[str, Any]:
            return UserService(self.service.store).add(email, password, "admin")

        self.create_button.setEnabled(False)
        self.error.setText("Creating the account…")
        self.calls.spawn(self.service.db(add), self._created)

    def skip(self) -> None:
        """Close without creating an account."""
        self.skipped.emit()
        self.reject()

    def _created(self, user: dict[str, Any]) -> None:
        self.password.clear()
        self.confirm.clear()
        self.account_created.emit(user)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(error_text(exc))
        self._check()
        self.error.setText(error_text(exc))
