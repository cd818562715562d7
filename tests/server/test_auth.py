"""Login, logout and every way a token can be refused (all 401), through a real server."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import aiohttp
import jwt
import pytest

from engine import EngineConfig, EngineService
from engine.users import UserService
from server import ServerConfig
from server.auth import SIGNING_KEY_SECRET
from tests.server.conftest import PASSWORD, Api, start_api


async def add_user(api: Api, email: str, role: str = "admin") -> None:
    await api.service.db(UserService(api.service.store).add, email, PASSWORD, role)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_login_returns_exactly_a_token_that_works(api: Api) -> None:
    await add_user(api, "user@example.com")
    status, body = await api.call("POST", "/api/login", role=None,
                                  json={"email": "user@example.com", "password": PASSWORD})
    assert status == 200 and set(body) == {"token"}
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert {"sub", "exp", "iat", "jti", "role"} <= set(claims)
    assert jwt.get_unverified_header(body["token"])["alg"] == "HS256"
    status, _ = await api.call("GET", "/api/workflows", role=None,
                               headers={"Authorization": f"Bearer {body['token']}"})
    assert status == 200


async def test_wrong_password_or_unknown_email_is_401(api: Api) -> None:
    await add_user(api, "user@example.com")
    for email, password in (("user@example.com", "nope-nope"), ("ghost@example.com", PASSWORD)):
        status, body = await api.call("POST", "/api/login", role=None,
                                      json={"email": email, "password": password})
        assert status == 401 and body["error"]


async def test_login_bodies_of_the_wrong_shape_are_400(api: Api) -> None:
    for payload in ({"email": "a@b.c"}, {"email": 1, "password": "x"}, {"password": ["x"]}):
        status, body = await api.call("POST", "/api/login", role=None, json=payload)
        assert status == 400 and "email" in body["error"]


async def test_repeated_failures_are_throttled_with_retry_after(api: Api) -> None:
    await add_user(api, "user@example.com")
    wrong = {"email": "user@example.com", "password": "wrong-password"}
    for _ in range(5):
        status, _ = await api.call("POST", "/api/login", role=None, json=wrong)
        assert status == 401
    async with api.session.post(api.url + "/api/login", json=wrong) as response:
        assert response.status == 429
        assert int(response.headers["Retry-After"]) > 0
        assert "try again" in (await response.json())["error"]
    # Even the right password waits: the throttle is per email + address.
    status, _ = await api.call("POST", "/api/login", role=None,
                               json={"email": "user@example.com", "password": PASSWORD})
    assert status == 429


async def test_logout_kills_the_token(api: Api) -> None:
    token = api.issue("editor")
    auth = {"Authorization": f"Bearer {token}"}
    status, body = await api.call("POST", "/api/logout", role=None, headers=auth)
    assert (status, body) == (200, {"message": "Logged out successfully"})
    status, body = await api.call("GET", "/api/workflows", role=None, headers=auth)
    assert status == 401 and "revoked" in body["error"]
    status, _ = await api.call("POST", "/api/logout", role=None, headers=auth)
    assert status == 401


async def test_revocation_and_signing_key_survive_a_restart(data_dir: Path) -> None:
    config = EngineConfig(data_dir=data_dir, use_keyring=False, load_entry_points=False)
    service = EngineService(config)
    await service.start()
    server = await start_api(service)
    api = Api(server, service, aiohttp.ClientSession())
    dead, alive = api.issue("admin"), api.issue("admin")
    await api.call("POST", "/api/logout", role=None, headers={"Authorization": f"Bearer {dead}"})
    await api.session.close()
    await server.stop()
    await service.stop()

    service = EngineService(config)
    await service.start()
    server = await start_api(service)
    try:
        async with aiohttp.ClientSession() as session:
            api = Api(server, service, session)
            status, body = await api.call("GET", "/api/workflows", role=None,
                                          headers={"Authorization": f"Bearer {dead}"})
            assert status == 401 and "revoked" in body["error"]
            status, _ = await api.call("GET", "/api/workflows", role=None,
                                       headers={"Authorization": f"Bearer {alive}"})
            assert status == 200
    finally:
        await server.stop()
        await service.stop()


def _forged_tokens(api: Api) -> dict[str, str]:
    key = api.service.secrets.get(SIGNING_KEY_SECRET)
    assert key
    now = int(time.time())
    good = {"sub": "usr_x", "role": "admin", "iat": now, "exp": now + 600, "jti": "j1"}
    valid = jwt.encode(good, key, algorithm="HS256")
    header, _payload, signature = valid.split(".")
    return {
        "garbage": "not-a-jwt",
        "alg none": _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(good) + ".",
        "wrong key": jwt.encode(good, "another-key-entirely-" * 4, algorithm="HS256"),
        "expired": jwt.encode({**good, "iat": now - 7200, "exp": now - 3600}, key,
                              algorithm="HS256"),
        "tampered": header + "." + _b64({**good, "role": "admin", "sub": "usr_evil"}) + "."
                    + signature,
        "HS512": jwt.encode(good, key, algorithm="HS512"),
        "no jti": jwt.encode({k: v for k, v in good.items() if k != "jti"}, key,
                             algorithm="HS256"),
        "no exp": jwt.encode({k: v for k, v in good.items() if k != "exp"}, key,
                             algorithm="HS256"),
        "unknown role": jwt.encode({**good, "role": "root"}, key, algorithm="HS256"),
    }


async def test_every_bad_token_is_401_and_the_good_one_passes(api: Api) -> None:
    for name, token in _forged_tokens(api).items():
        status, body = await api.call("GET", "/api/workflows", role=None,
                                      headers={"Authorization": f"Bearer {token}"})
        assert status == 401, name
        assert body["status"] == 401 and body["error"], name
    status, _ = await api.call("GET", "/api/workflows", role="viewer")
    assert status == 200


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz",
                                    "Token abc"])
async def test_missing_or_malformed_authorization_is_401(api: Api, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    for method, path in (("GET", "/api/workflows"), ("GET", "/api/plugins"),
                         ("POST", "/api/logout"), ("GET", "/api/openapi.json"),
                         ("GET", "/api/runs"), ("GET", "/api/connectors")):
        status, body = await api.call(method, path, role=None, headers=headers)
        assert status == 401, (method, path)
        assert body["error"]


async def test_key_is_created_once_and_kept_in_the_secret_store(api: Api, data_dir: Path) -> None:
    key = api.service.secrets.get(SIGNING_KEY_SECRET)
    assert key and len(key) >= 64
    secret_file = data_dir / "secrets.json"
    assert secret_file.stat().st_mode & 0o777 == 0o600


@pytest.fixture
def server_config() -> ServerConfig:
    return ServerConfig(token_ttl_seconds=3600)
