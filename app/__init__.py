"""The composition root: command line, settings, and wiring of engine, API and window."""
