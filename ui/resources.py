"""Packaged resources the UI shows: the application icon."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

import resources

__all__ = ["APP_NAME", "app_icon", "resource_path"]

APP_NAME = "OmniFlow"


def resource_path(name: str) -> Path | None:
    """A file of the ``resources`` package, or None when it is missing."""
    # __path__ rather than importlib.resources.files(): it also works when an editable
    # install registered ``resources`` as a namespace package.
    for folder in resources.__path__:
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate
    return None


def app_icon() -> QIcon:
    """OmniFlow's icon (SVG for sharp scaling, PNG as fallback)."""
    icon = QIcon()
    for name in ("omniflow.svg", "omniflow.png"):
        path = resource_path(name)
        if path is not None:
            icon.addFile(str(path))
    return icon
