"""Dark and light themes: the Qt palette for widgets and the colours the canvas paints with."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["THEMES", "CanvasColors", "Theme", "apply_theme", "category_color", "category_glyph",
           "current_theme"]


@dataclass(frozen=True)
class CanvasColors:
    """What the canvas paints with (RGB tuples so NodeGraphQt's scene can use them too)."""

    background: tuple[int, int, int]
    grid: tuple[int, int, int]
    grid_major: tuple[int, int, int]
    node_body: tuple[int, int, int]
    node_border: tuple[int, int, int]
    node_text: tuple[int, int, int]
    port_label: tuple[int, int, int]
    selection: tuple[int, int, int]
    wire: tuple[int, int, int]


@dataclass(frozen=True)
class Theme:
    """A named theme."""

    name: str
    dark: bool
    canvas: CanvasColors


THEMES: dict[str, Theme] = {
    "dark": Theme("dark", True, CanvasColors(
        background=(30, 32, 36), grid=(40, 43, 48), grid_major=(52, 56, 62), node_body=(48, 52, 58),
        node_border=(20, 22, 25), node_text=(235, 238, 242), port_label=(190, 196, 204),
        selection=(255, 200, 60), wire=(150, 160, 175))),
    "light": Theme("light", False, CanvasColors(
        background=(244, 245, 247), grid=(232, 234, 237), grid_major=(214, 217, 222),
        node_body=(255, 255, 255),
        node_border=(170, 176, 186), node_text=(255, 255, 255), port_label=(60, 66, 76),
        selection=(230, 140, 0), wire=(110, 118, 130))),
}

_current: list[Theme] = [THEMES["light"]]

#: Header colour and glyph of each plugin category (others get a colour from their name).
_CATEGORIES: dict[str, tuple[tuple[int, int, int], str]] = {
    "Triggers": ((214, 93, 60), "⚡"),
    "Math": ((64, 140, 200), "∑"),
    "Data": ((60, 160, 120), "{}"),
    "Text": ((150, 110, 200), "T"),
    "Flow": ((200, 150, 50), "↪"),
    "Logic": ((200, 150, 50), "?"),
    "HTTP": ((70, 110, 190), "⇄"),
    "Network": ((70, 110, 190), "⇄"),
    "Connectors": ((180, 80, 140), "✉"),
    "Code": ((110, 120, 135), "λ"),
    "Files": ((140, 120, 80), "▤"),
}


def category_color(category: str) -> tuple[int, int, int]:
    """The header colour of a plugin category (stable for unknown ones)."""
    if category in _CATEGORIES:
        return _CATEGORIES[category][0]
    seed = sum(ord(c) * (i + 1) for i, c in enumerate(category))
    color = QColor.fromHsv(seed % 360, 130, 180)
    return color.red(), color.green(), color.blue()


def category_glyph(category: str) -> str:
    """A one-character icon for a plugin category."""
    if category in _CATEGORIES:
        return _CATEGORIES[category][1]
    return (category[:1] or "?").upper()


def current_theme() -> Theme:
    """The theme last applied."""
    return _current[0]


def apply_theme(app: QApplication, name: str) -> Theme:
    """Switch the application's widgets to the dark or light theme (unknown: dark)."""
    theme = THEMES.get(name, THEMES["dark"])
    previous, _current[0] = _current[0], theme
    fusion = app.style().name().lower() == "fusion"
    if not theme.dark and not previous.dark and fusion:
        return theme  # already Fusion with its standard palette: nothing to do (cold start)
    if not fusion:
        # Only once: replacing the style of a running app deletes the old QStyle while
        # style-sheet widgets still point at it (a crash); a theme is just a palette.
        app.setStyle("Fusion")
    palette = QPalette()
    if theme.dark:
        window, base, text = QColor(37, 40, 44), QColor(28, 30, 34), QColor(228, 231, 235)
        palette.setColor(QPalette.ColorRole.Window, window)
        palette.setColor(QPalette.ColorRole.WindowText, text)
        palette.setColor(QPalette.ColorRole.Base, base)
        palette.setColor(QPalette.ColorRole.AlternateBase, QColor(44, 47, 52))
        palette.setColor(QPalette.ColorRole.Text, text)
        palette.setColor(QPalette.ColorRole.Button, QColor(48, 52, 58))
        palette.setColor(QPalette.ColorRole.ButtonText, text)
        palette.setColor(QPalette.ColorRole.ToolTipBase, QColor(50, 54, 60))
        palette.setColor(QPalette.ColorRole.ToolTipText, text)
        palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(140, 146, 155))
        palette.setColor(QPalette.ColorRole.Highlight, QColor(64, 130, 200))
        palette.setColor(QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
        palette.setColor(QPalette.ColorRole.Link, QColor(110, 170, 240))
        for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                     QPalette.ColorRole.ButtonText):
            palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 124, 130))
    else:
        palette = app.style().standardPalette()
    app.setPalette(palette)
    return theme
