"""``omniflow serve`` as a subprocess: admin bootstrap, a real login, clean stop on signals."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(data_dir: Path, **env: str) -> tuple[subprocess.Popen[str], str, str]:
    """Start ``omniflow serve`` on a free port; returns it, its URL and its first output."""
    full_env = {**os.environ, "OMNIFLOW_NO_KEYRING": "1", **env}
    full_env.pop("OMNIFLOW_DATA_DIR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "--port", "0", "serve"],
        cwd=ROOT, env=full_env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        found = re.search(r"listening on (http://\S+) ", line)
        if found:
            return process, found.group(1), "".join(lines)
    process.wait(10)
    raise AssertionError("serve did not start:\n" + "".join(lines))


def call(url: str, method: str = "GET", body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def stop(process: subprocess.Popen[str], signum: int) -> str:
    process.send_signal(signum)
    _, err = process.communicate(timeout=15)
    return err


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_bootstraps_admin_serves_and_stops_cleanly(data_dir: Path, signum: int) -> None:
    process, url, head = start(data_dir, OMNIFLOW_ADMIN_EMAIL="admin@example.com",
                               OMNIFLOW_ADMIN_PASSWORD="s3cret-admin-pw")
    assert "created admin admin@example.com" in head
    try:
        assert url.startswith("http://127.0.0.1:")
        status, body = call(url + "/api/login", "POST",
                            {"email": "admin@example.com", "password": "s3cret-admin-pw"})
        assert status == 200 and set(body) == {"token"}
        token = body["token"]
        status, created = call(url + "/api/workflows", "POST",
                               {"name": "New Workflow", "nodes": [], "edges": []}, token)
        assert status == 201 and created["status"] == "draft"
        status, out = call(url + "/api/plugins/double/execute", "POST",
                           {"input": {"value": 42}}, token)
        assert (status, out) == (200, {"output": {"result": 84}})
        status, _ = call(url + "/api/workflows")
        assert status == 401
    finally:
        err = stop(process, signum)
    assert process.returncode == 0, err
    assert "Traceback" not in err


@pytest.mark.slow
def test_serve_without_admin_env_says_how_to_add_one_and_keeps_users(data_dir: Path) -> None:
    process, _, head = start(data_dir)
    stop(process, signal.SIGTERM)
    assert process.returncode == 0
    assert "omniflow users add" in head

    # With users present the variables change nothing.
    subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data_dir), "users", "add",
                    "first@example.com", "--role", "admin", "--password-stdin"],
                   input="first-password\n", text=True, check=True, cwd=ROOT,
                   env={**os.environ, "OMNIFLOW_NO_KEYRING": "1"}, capture_output=True)
    process, url, head = start(data_dir, OMNIFLOW_ADMIN_EMAIL="second@example.com",
                               OMNIFLOW_ADMIN_PASSWORD="second-password")
    assert "created admin" not in head
    try:
        status, _ = call(url + "/api/login", "POST",
                         {"email": "second@example.com", "password": "second-password"})
        assert status == 401
        status, _ = call(url + "/api/login", "POST",
                         {"email": "first@example.com", "password": "first-password"})
        assert status == 200
    finally:
        stop(process, signal.SIGTERM)


def test_serve_reports_a_bad_admin_password(data_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "--port", "0", "serve"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "OMNIFLOW_NO_KEYRING": "1", "OMNIFLOW_ADMIN_EMAIL": "a@example.com",
             "OMNIFLOW_ADMIN_PASSWORD": "short"})
    assert result.returncode == 2
    assert "8 characters" in result.stderr and "Traceback" not in result.stderr


def test_serve_reports_a_port_in_use(data_dir: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "app", "--data-dir", str(data_dir), "--port", str(port),
             "serve"], cwd=ROOT, capture_output=True, text=True, timeout=60,
            env={**os.environ, "OMNIFLOW_NO_KEYRING": "1"})
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
