"""The desktop editor (PySide6 + NodeGraphQt). Talks to the engine in-process."""
