"""The ``omniflow`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from app.settings import DEFAULT_HOST, DEFAULT_PORT, AppSettings, default_data_dir

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to document the CLI)."""
    parser = argparse.ArgumentParser(
        prog="omniflow",
        description="OmniFlow: visual workflow editor, local engine and API. "
        "Without a command, opens the desktop editor with the embedded API server.",
    )
    _add_global_options(parser, default=None)
    # The same options after the command (`omniflow serve --port 9000`); SUPPRESS keeps a
    # value given before the command when it is not repeated after it.
    common = argparse.ArgumentParser(add_help=False)
    _add_global_options(common, default=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command")

    commands.add_parser("serve", parents=[common], help="headless: engine + API + connectors")

    run = commands.add_parser("run", parents=[common],
                              help="run a workflow file once and print its final outputs")
    run.add_argument("file", type=Path, help="workflow JSON file")
    run.add_argument("--input", default=None,
                     help="JSON object fed to the nodes that have no incoming edges")

    users = commands.add_parser("users", help="manage API users")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", parents=[common], help="create a user")
    add.add_argument("email")
    add.add_argument("--role", choices=["admin", "editor", "viewer"], default="viewer")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input instead of prompting")

    commands.add_parser("plugins", parents=[common], help="list installed plugins with their params")
    return parser


def _add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--data-dir", type=Path, default=default,
                        help="where all state lives (env OMNIFLOW_DATA_DIR)")
    parser.add_argument("--host", default=default,
                        help=f"API bind address (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=default,
                        help=f"API port (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        default=False if default is None else default, help="log more")


def _settings(args: argparse.Namespace) -> AppSettings:
    settings = AppSettings(data_dir=(args.data_dir.expanduser() if args.data_dir
                                     else default_data_dir()))
    settings.load_saved()
    if args.host:
        settings.host = args.host
    if args.port is not None:
        settings.port = args.port
    if os.environ.get("OMNIFLOW_NO_KEYRING"):
        settings.use_keyring = False
    return settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``omniflow`` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    settings = _settings(args)
    if args.command == "run":
        import asyncio  # here, not at the top: the editor's cold start does without it

        return asyncio.run(_run_file(settings, args.file, args.input))
    if args.command == "plugins":
        return _list_plugins(settings)
    if args.command == "users":
        return _add_user(settings, args.email, args.role, args.password_stdin)
    if args.command == "serve":
        from app.serve import serve

        return serve(settings)
    from app.desktop import run_desktop

    return run_desktop(settings)


def _fail(message: str, code: int) -> int:
    print(f"omniflow: error: {message}", file=sys.stderr)
    return code


async def _run_file(settings: AppSettings, path: Path, raw_input: str | None) -> int:
    from engine import EngineService
    from engine.errors import WorkflowValidationError

    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return _fail(f"{path}: no such file", EXIT_USAGE)
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"{path}: cannot read: {exc}", EXIT_USAGE)
    except json.JSONDecodeError as exc:
        return _fail(f"{path}: not valid JSON: {exc}", EXIT_USAGE)
    run_input: dict[str, Any] = {}
    if raw_input is not None:
        try:
            run_input = json.loads(raw_input)
        except json.JSONDecodeError as exc:
            return _fail(f"--input is not valid JSON: {exc}", EXIT_USAGE)
        if not isinstance(run_input, dict):
            return _fail("--input must be a JSON object", EXIT_USAGE)

    service = EngineService(settings.engine_config(start_connectors=False))
    await service.start()
    try:
        try:
            document = service.parse(data)
        except WorkflowValidationError as exc:
            lines = [p.message for p in exc.problems]
            return _fail(f"{path}: invalid workflow:\n  " + "\n  ".join(lines), EXIT_USAGE)
        result = await service.run_document(document, run_input, trigger="cli")
    finally:
        await service.stop()
    if result.status != "succeeded":
        return _fail(f"run {result.run_id} {result.status}: {result.error}", EXIT_RUN_FAILED)
    print(json.dumps(result.sink_outputs(), indent=2, default=str))
    return EXIT_OK


def _list_plugins(settings: AppSettings) -> int:
    from engine.service import build_registries

    registry, _connectors = build_registries(settings.engine_config())
    for failure in registry.failures:
        print(f"warning: plugin {failure.source} failed to load: {failure.error}",
              file=sys.stderr)
    for plugin in registry:
        info = plugin.describe()
        print(f"{info['id']:<22} {info['category']:<12} {info['description']}")
        for name, spec in info["params"].get("properties", {}).items():
            required = name in info["params"].get("required", [])
            kind = spec.get("type", "any")
            kind = "|".join(kind) if isinstance(kind, list) else kind
            flag = " (required)" if required else ""
            print(f"{'':<24}--{name} <{kind}>{flag} {spec.get('description', '')}".rstrip())
    return EXIT_OK


def _add_user(settings: AppSettings, email: str, role: str, password_stdin: bool) -> int:
    import getpass

    from engine.errors import ConflictError
    from engine.store import Store, open_database
    from engine.users import UserService

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            return _fail("the passwords do not match", EXIT_USAGE)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(open_database(settings.engine_config().resolved_database_url))
    try:
        store.migrate()
        user = UserService(store).add(email, password, role)
    except (ValueError, ConflictError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    finally:
        store.close()
    print(f"created {user['role']} {user['email']} ({user['id']})")
    return EXIT_OK
