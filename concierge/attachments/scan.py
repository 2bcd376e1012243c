"""An optional malware scan of each upload by clamd (ClamAV's daemon), before anyone can
download it: configured by `CLAMD_SOCKET` (a Unix socket) or `CLAMD_HOST` and
`CLAMD_PORT`. The file is streamed to clamd with its INSTREAM command, in chunks, from
the temporary file the upload was received in. A file clamd finds infected is refused
(400 `malware_detected`); when clamd is configured but cannot answer, the upload is
refused too (503 `scanner_unavailable`), never kept unscanned.
"""

import socket
import struct

from django.conf import settings
from django.utils.translation import gettext as _

from concierge import errors
from concierge.errors import ApplicationError

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 60


def configured() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _connect() -> socket.socket:
    if settings.CLAMD_SOCKET:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(TIMEOUT_SECONDS)
        conn.connect(settings.CLAMD_SOCKET)
        return conn
    return socket.create_connection(
        (settings.CLAMD_HOST, settings.CLAMD_PORT), timeout=TIMEOUT_SECONDS
    )


def _answer(conn: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0"):
        part = conn.recv(4096)
        if not part:
            break
        reply += part
    return reply.rstrip(b"\0").decode("utf-8", "replace")


def scan(path: str) -> str:
    """clamd's verdict on the file at `path`: "OK", else raises (see the module)."""
    try:
        with _connect() as conn, open(path, "rb") as stream:
            conn.sendall(b"zINSTREAM\0")
            while chunk := stream.read(CHUNK):
                conn.sendall(struct.pack(">I", len(chunk)) + chunk)
            conn.sendall(struct.pack(">I", 0))
            reply = _answer(conn)
    except OSError as exc:
        raise ApplicationError(
            errors.Code.SCANNER_UNAVAILABLE,
            _("The malware scanner cannot be reached; try again in a moment."),
            status=503,
        ) from exc
    # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
    verdict = reply.partition(": ")[2] or reply
    if verdict == "OK":
        return verdict
    if verdict.endswith("FOUND"):
        raise ApplicationError(
            errors.Code.MALWARE_DETECTED,
            _("This file was refused: the malware scanner found %(verdict)s.")
            % {"verdict": verdict[:-6].strip()},
        )
    raise ApplicationError(
        errors.Code.SCANNER_UNAVAILABLE,
        _("The malware scanner could not scan this file (%(reply)s).") % {"reply": reply[:100]},
        status=503,
    )
