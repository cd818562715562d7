"""Packaged resources the UI shows: the application icon."""

from __future__ import annotations

from importlib.resources import files

from PySide6.QtGui import QIcon

__all__ = ["APP_NAME", "app_icon"]

APP_NAME = "OmniFlow"


def app_icon() -> QIcon:
    """OmniFlow's icon (SVG for sharp scaling, PNG as fallback)."""
    folder = files("resources")
    icon = QIcon()
    for name in ("omniflow.svg", "omniflow.png"):
        path = folder / name
        if path.is_file():
            icon.addFile(str(path))
    return icon
