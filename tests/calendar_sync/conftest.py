"""Loopback servers for calendar tests: a static ICS server, a raw TCP server whose
behaviour each test chooses, a real radicale; and a rebinding DNS."""

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.peers import free_port


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):
        route = self.routes.get(self.path)
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        status, headers, body = route
        self.send_response(status)
        for name, value in headers.items():
            if value is not None:
                self.send_header(name, value)
        if "Content-Length" not in headers and body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def ics_server():
    """`serve(path, body, status=200, headers=None)` → the URL of that path on loopback."""
    handler = type("Handler", (_Handler,), {"routes": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def serve(path, body, status=200, headers=None):
        if isinstance(body, str):
            body = body.encode()
        handler.routes[path] = (status, {"Content-Type": "text/calendar", **(headers or {})}, body)
        return base + path

    serve.base = base
    yield serve
    server.shutdown()
    server.server_close()


@pytest.fixture
def raw_server():
    """A loopback TCP server whose behaviour a test chooses: `handle(connection)` runs for
    each accepted connection. Yields (port, accepted connections, behaviour)."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []
    behaviour = {"handle": lambda connection: None}

    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)
            threading.Thread(target=behaviour["handle"], args=(connection,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1], accepted, behaviour
    listener.close()
    for connection in accepted:
        connection.close()


@pytest.fixture
def rebinding_dns(monkeypatch):
    """DNS rebinding for `name`: a public address (unreachable here) at the first lookup,
    loopback at every later one. Returns the list of lookups of `name`, for the test to
    check that the code under test asked only once."""

    def rebind(name):
        real_getaddrinfo = socket.getaddrinfo
        lookups = []

        def rebinding(host, *args, **kwargs):
            if host == name:
                lookups.append(host)
                host = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
            return real_getaddrinfo(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        return lookups

    return rebind


RADICALE_USER = "alice"
RADICALE_PASSWORD = "s3cret-pass"


@pytest.fixture
def radicale(tmp_path):
    """A radicale CalDAV server on loopback with one user; yields its base URL."""
    binary = Path(sys.executable).with_name("radicale")
    if not binary.exists():
        found = shutil.which("radicale")
        assert found, "radicale is a test dependency"
        binary = Path(found)
    users = tmp_path / "users"
    users.write_text(f"{RADICALE_USER}:{RADICALE_PASSWORD}\n")
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(binary),
            "-C",
            "/dev/null",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(tmp_path / "collections"),
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(users),
            "--auth-htpasswd-encryption",
            "plain",
            # No pause after a wrong password (a defence against guessing; tests try some).
            "--auth-delay",
            "0",
            "--rights-type",
            "owner_only",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            assert proc.poll() is None, "radicale exited"
            assert time.monotonic() < deadline, "radicale did not start"
            time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
