"""``python -m app`` — the same as the ``omniflow`` command."""

from app.cli import main

raise SystemExit(main())
