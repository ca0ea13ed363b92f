"""Test doubles at the outside boundary only: a mail backend that fails on demand, and a
fake GOV.UK Notify HTTP server on the loopback interface."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyBackend(LocmemBackend):
    """Like locmem, but the next ``failures`` sends raise a connection error (SMTP down)."""

    failures = 0

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("SMTP server refused the connection")
        return super().send_messages(messages)


class FakeNotify:
    """Answers POST /v2/notifications/email like Notify; records every request."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 201
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(body or b"{}"),
                    }
                )
                payload = (
                    {"id": f"notify-{len(fake.requests)}", "reference": "x"}
                    if fake.status == 201
                    else {
                        "status_code": fake.status,
                        "errors": [{"error": "Error", "message": "fake failure"}],
                    }
                )
                data = json.dumps(payload).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeNotify:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
