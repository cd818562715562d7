"""The server package's public surface, which the desktop app and the connectors rely on."""

from __future__ import annotations

import inspect

import server
from server import ApiServer, create_app


def test_public_names() -> None:
    assert sorted(server.__all__) == ["ApiServer", "ServerConfig", "create_app"]


def test_api_server_and_factory_signatures() -> None:
    params = inspect.signature(ApiServer.__init__).parameters
    assert list(params)[:4] == ["self", "service", "host", "port"]
    assert params["host"].default == "127.0.0.1" and params["port"].default == 8080
    assert inspect.iscoroutinefunction(ApiServer.start)
    assert inspect.iscoroutinefunction(ApiServer.stop)
    assert isinstance(inspect.getattr_static(ApiServer, "address"), property)
    assert next(iter(inspect.signature(create_app).parameters)) == "service"


def test_helpers_for_route_modules_are_importable() -> None:
    from server.auth import current_principal, public, require_role
    from server.errors import ApiError, json_error, json_response
    from server.openapi import add_paths, operation

    for helper in (current_principal, public, require_role, ApiError, json_error,
                   json_response, add_paths, operation):
        assert helper.__doc__
