"""Modal dialogs of the editor: settings, first run (owner account), connectors and secrets."""
