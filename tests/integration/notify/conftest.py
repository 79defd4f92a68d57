"""Fixtures of the notify tests: a fake SMS provider over real HTTP, a tiny SMTP server, the app with our routers."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from notify_support import ActorSwitch, FakeSmsProvider, SmtpMailbox, build_app

from yiwang.config import Settings


@pytest.fixture
def sms_provider() -> Iterator[FakeSmsProvider]:
    provider = FakeSmsProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}")
            status, body = provider.answer(payload, dict(self.headers.items()))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:  # keep test output clean
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/v1/sms"
    yield provider
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class _SmtpSession(socketserver.StreamRequestHandler):
    """One SMTP conversation: just enough of RFC 5321 for smtplib (EHLO, MAIL, RCPT, DATA, QUIT)."""

    mailbox: SmtpMailbox

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 localhost test ESMTP")
        self.sender, self.recipients = "", []
        verbs = {"EHLO": self.ehlo, "HELO": self.ehlo, "MAIL": self.mail, "RCPT": self.rcpt, "DATA": self.data}
        while raw := self.rfile.readline():
            command = raw.decode(errors="replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "QUIT":
                self.reply("221 bye")
                return
            verbs.get(verb, self.ok)(command)

    def ok(self, _command: str) -> None:
        self.reply("250 OK")

    def ehlo(self, _command: str) -> None:
        self.reply("250-localhost")
        self.reply("250 8BITMIME")

    def mail(self, command: str) -> None:
        if self.mailbox.temporary_failures:
            self.mailbox.temporary_failures -= 1
            self.reply("451 try again later")
            return
        self.sender, self.recipients = command[10:].strip("<> "), []
        self.reply("250 OK")

    def rcpt(self, command: str) -> None:
        address = command[8:].strip("<> ")
        if "reject" in address:
            self.reply("550 no such user")
            return
        self.recipients.append(address)
        self.reply("250 OK")

    def data(self, _command: str) -> None:
        self.reply("354 end with <CRLF>.<CRLF>")
        lines = []
        while (line := self.rfile.readline()) not in {b".\r\n", b""}:
            lines.append(line)
        self.mailbox.received.append(b"".join(lines))
        self.mailbox.envelopes.append((self.sender, self.recipients))
        self.reply("250 queued")


@pytest.fixture
def smtp_server() -> Iterator[SmtpMailbox]:
    """A minimal SMTP server on 127.0.0.1 recording what it receives."""
    mailbox = SmtpMailbox()
    handler = type("Handler", (_SmtpSession,), {"mailbox": mailbox})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    mailbox.port = server.server_address[1]
    yield mailbox
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def notify_app(settings: Settings) -> Iterator[tuple[TestClient, ActorSwitch]]:
    app = build_app(settings)
    with TestClient(app) as client:
        yield client, ActorSwitch(app)
    app.state.engine.dispose()
