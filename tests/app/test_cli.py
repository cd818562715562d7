"""The ``omniflow`` command as a user runs it (a real subprocess, a real data dir)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

MULTI_BRANCH = {
    "name": "Branches",
    "nodes": [
        {"id": "in", "plugin": "trigger"},
        {"id": "left", "plugin": "double"},
        {"id": "right", "plugin": "double"},
        {"id": "left2", "plugin": "double"},
    ],
    "edges": [
        {"source": "in", "target": "left"},
        {"source": "in", "target": "right"},
        {"source": "left", "target": "left2", "source_port": "result", "target_port": "value"},
    ],
}


def omniflow(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, input=stdin, cwd=ROOT, timeout=60,
        env={"PATH": "/usr/bin:/bin", "OMNIFLOW_NO_KEYRING": "1", "HOME": str(data_dir)},
    )


def write(tmp_path: Path, doc: Any, name: str = "wf.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


def test_run_multi_branch_prints_sinks_and_persists(tmp_path: Path) -> None:
    data = tmp_path / "data"
    out = omniflow(data, "run", str(write(tmp_path, MULTI_BRANCH)), "--input", '{"value": 21}')
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"right": {"result": 42}, "left2": {"result": 84}}
    with sqlite3.connect(data / "omniflow.db") as conn:
        rows = conn.execute("SELECT status, trigger, output FROM runs").fetchall()
    assert rows[0][0] == "succeeded" and rows[0][1] == "cli"
    assert json.loads(rows[0][2])["left2"] == {"result": 84}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"name": "x", "nodes": [{"id": "a", "plugin": "nope"}]}, "unknown plugin 'nope'"),
        ({"name": "x", "nodes": [{"id": "a", "plugin": "double"}, {"id": "a", "plugin": "double"}]},
         "'a' is used more than once"),
        ({"name": "x", "nodes": [{"id": "a", "plugin": "double"}],
          "edges": [{"source": "a", "target": "b"}]}, "unknown node 'b'"),
        ({"name": "x", "nodes": [{"id": "a", "plugin": "double"}, {"id": "b", "plugin": "double"}],
          "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "a"}]}, "cycle"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_documents_exit_2_with_a_precise_message(tmp_path: Path, content: Any, message: str) -> None:
    out = omniflow(tmp_path / "data", "run", str(write(tmp_path, content)))
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_failed_node_exits_1_naming_it(tmp_path: Path) -> None:
    out = omniflow(tmp_path / "data", "run", str(write(tmp_path, MULTI_BRANCH)),
                   "--input", '{"value": "text"}')
    assert out.returncode == 1
    assert "node 'left' failed" in out.stderr or "node 'right' failed" in out.stderr
    assert out.stdout == ""


def test_missing_file_and_bad_input(tmp_path: Path) -> None:
    assert omniflow(tmp_path, "run", str(tmp_path / "none.json")).returncode == 2
    out = omniflow(tmp_path, "run", str(write(tmp_path, MULTI_BRANCH)), "--input", "[1]")
    assert out.returncode == 2 and "JSON object" in out.stderr


def test_plugins_lists_params(tmp_path: Path) -> None:
    out = omniflow(tmp_path, "plugins")
    assert out.returncode == 0
    assert "double" in out.stdout and "--connector <string>" in out.stdout


def test_users_add_with_password_stdin(tmp_path: Path) -> None:
    out = omniflow(tmp_path, "users", "add", "Owner@Example.com", "--role", "admin",
                   "--password-stdin", stdin="s3cret-pass\n")
    assert out.returncode == 0, out.stderr
    assert "created admin owner@example.com" in out.stdout
    again = omniflow(tmp_path, "users", "add", "owner@example.com", "--password-stdin",
                     stdin="s3cret-pass\n")
    assert again.returncode == 2 and "already exists" in again.stderr
    with sqlite3.connect(tmp_path / "omniflow.db") as conn:
        stored = conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2") and "s3cret-pass" not in stored


def test_data_dir_from_environment(tmp_path: Path) -> None:
    data = tmp_path / "elsewhere"
    out = subprocess.run([sys.executable, "-m", "app", "run", str(write(tmp_path, MULTI_BRANCH)),
                          "--input", '{"value": 1}'], capture_output=True, text=True, cwd=ROOT,
                         env={"PATH": "/usr/bin:/bin", "OMNIFLOW_DATA_DIR": str(data),
                              "OMNIFLOW_NO_KEYRING": "1"}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert (data / "omniflow.db").exists()


def test_global_options_work_before_and_after_the_command(tmp_path: Path) -> None:
    from app.cli import build_parser

    parser = build_parser()
    after = parser.parse_args(["serve", "--port", "9000", "--data-dir", str(tmp_path)])
    before = parser.parse_args(["--port", "9001", "serve"])
    assert (after.port, after.data_dir) == (9000, tmp_path)
    assert before.port == 9001 and before.data_dir is None
