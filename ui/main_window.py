"""The main window of the desktop editor."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from engine import EngineService

__all__ = ["MainWindow"]


class MainWindow(QMainWindow):
    """OmniFlow's main window."""

    def __init__(self, service: EngineService, api_address: str | None = None) -> None:
        super().__init__()
        self.service = service
        self.setWindowTitle("OmniFlow")
        self.resize(1280, 800)
        label = QLabel(f"OmniFlow — {len(service.registry)} plugins installed")
        self.setCentralWidget(label)
        if api_address:
            self.statusBar().showMessage(f"API: {api_address}")
