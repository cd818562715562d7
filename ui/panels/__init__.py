"""Dockable panels of the editor; each is self-contained and talks through Qt signals.

Every panel takes the ``EngineService`` (and/or plain data) in its constructor, emits
signals for what the user does and knows nothing of the main window. Each module's
docstring lists its signals and slots.
"""
