"""OmniFlow's local REST + WebSocket API (aiohttp), secure by default.

``create_app(service)`` builds the application; ``ApiServer`` binds it to a port.
Route modules live in ``server/routes/`` and use :mod:`server.auth` (``require_role``)
and :mod:`server.errors` (``ApiError``, ``json_error``).
"""

from server.api_server import ApiServer
from server.app import create_app
from server.config import ServerConfig

__all__ = ["ApiServer", "ServerConfig", "create_app"]
