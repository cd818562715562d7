"""Route modules, one per area; each exposes ``setup(app)`` adding its routes and OpenAPI paths."""
