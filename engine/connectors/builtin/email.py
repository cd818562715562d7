"""``email``: send mail over SMTP (STARTTLS or implicit TLS, with auth).

Server settings are in the config; the password is the secret ``email.password``. When
started, the connector logs in once to report an honest state (``connected`` or
``error: …``); ``email.send`` opens its own short SMTP session per message.
"""

from __future__ import annotations

import asyncio
import json
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from engine.connectors.sdk import Connector, ConnectorAction, ConnectorContext, ConnectorError
from engine.errors import PluginExecutionError
from engine.plugins.sdk import ExecutionContext, Port

__all__ = ["EmailConnector", "EmailSend", "open_smtp"]

PASSWORD = "email.password"


def _tls_context(config: Mapping[str, Any]) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=config.get("ca_file") or None)
    if config.get("verify_tls", True) is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def open_smtp(config: Mapping[str, Any], password: str | None) -> smtplib.SMTP:
    """A logged-in SMTP session per the config (blocking; call from a thread)."""
    host = config.get("host")
    if not host:
        raise ConnectorError("the email connector has no 'host' configured")
    timeout = float(config.get("timeout", 20))
    smtp: smtplib.SMTP
    if config.get("ssl"):
        smtp = smtplib.SMTP_SSL(str(host), int(config.get("port", 465)), timeout=timeout,
                                context=_tls_context(config))
    else:
        smtp = smtplib.SMTP(str(host), int(config.get("port", 587)), timeout=timeout)
    try:
        smtp.ehlo()
        if not config.get("ssl") and config.get("starttls", True):
            smtp.starttls(context=_tls_context(config))
            smtp.ehlo()
        if config.get("username"):
            if password is None:
                raise ConnectorError(f"secret {PASSWORD!r} is not set")
            smtp.login(str(config["username"]), password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _body(input: dict[str, Any], params: dict[str, Any]) -> str:
    if params.get("body"):
        return str(params["body"])
    for key in ("body", "text"):
        if isinstance(input.get(key), str):
            return str(input[key])
    return json.dumps(input, indent=2, default=str, ensure_ascii=False)


class EmailSend(ConnectorAction):
    """Send one mail; the body is the ``body`` param, else the input's body/text, else its JSON."""

    id = "email.send"
    name = "Email: send"
    description = "Send an email through the SMTP server in the email connector's config."
    params_schema = {
        "type": "object",
        "properties": {
            "to": {"anyOf": [{"type": "string", "minLength": 3},
                             {"type": "array", "items": {"type": "string"}, "minItems": 1}]},
            "subject": {"type": "string"},
            "body": {"type": "string"},
            "from": {"type": "string"},
        },
        "required": ["to"],
        "additionalProperties": False,
    }
    inputs = (Port("body", "string", "Mail body"), Port("subject", "string"))
    dynamic_inputs = True
    outputs = (Port("sent", "boolean"), Port("message_id", "string"), Port("to", "array"))
    default_timeout = 60.0

    def execute(self, input: dict[str, Any], params: dict[str, Any],
                context: ExecutionContext) -> dict[str, Any]:
        config = self.connector.config
        recipients = params["to"] if isinstance(params["to"], list) else [params["to"]]
        sender = params.get("from") or config.get("from") or config.get("username")
        if not sender:
            raise PluginExecutionError("no sender: set 'from' in the params or the email config",
                                       plugin_id=self.id)
        message = EmailMessage()
        message["From"] = str(sender)
        message["To"] = ", ".join(recipients)
        message["Subject"] = str(params.get("subject") or input.get("subject") or "OmniFlow")
        message["Message-ID"] = make_msgid(domain="omniflow.local")
        message.set_content(_body(input, params))
        try:
            with open_smtp(config, context.secret(PASSWORD)) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException, ConnectorError) as exc:
            raise PluginExecutionError(f"sending mail failed: {exc}", plugin_id=self.id) from None
        return {"sent": True, "message_id": message["Message-ID"], "to": recipients}


class EmailConnector(Connector):
    """Outgoing mail over SMTP."""

    name = "email"
    description = "Send mail over SMTP with STARTTLS and auth (password in the secret email.password)."
    actions = (EmailSend,)
    config_schema = {
        "type": "object",
        "properties": {
            "host": {"type": "string"},
            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "username": {"type": "string"},
            "from": {"type": "string"},
            "starttls": {"type": "boolean", "description": "Upgrade with STARTTLS (default true)"},
            "ssl": {"type": "boolean", "description": "Implicit TLS (port 465)"},
            "ca_file": {"type": "string", "description": "CA bundle for a private server"},
            "verify_tls": {"type": "boolean", "description": "Verify the certificate (default true)"},
            "timeout": {"type": "number", "exclusiveMinimum": 0},
        },
        "additionalProperties": False,
    }
    secret_names = ("password",)

    async def listen(self, ctx: ConnectorContext) -> None:
        if not ctx.config.get("host"):
            ctx.set_state("error: no 'host' configured")
            return
        password = ctx.secret("password")

        def probe() -> None:
            with open_smtp(ctx.config, password) as smtp:
                smtp.noop()

        await asyncio.to_thread(probe)
        ctx.connected()
