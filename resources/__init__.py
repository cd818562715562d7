"""Packaged files: the application icon (``omniflow.svg`` / ``omniflow.png``)."""
