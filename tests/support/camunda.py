"""A local HTTP server that speaks the part of Camunda 7's REST API the tutorial uses.

``POST /engine-rest/process-definition/key/{key}/start`` answers, as Camunda 7 does,
200 with a process-instance document for a known key, 404 with
``{"type":"RestException","message":"No matching process definition with key: X and no
tenant-id"}`` for an unknown one, and 400 ``InvalidRequestException`` for a body that is
not JSON. Every request (method, path, headers, body) is recorded. Runs on 127.0.0.1, on a
free port, in a thread (stdlib ``http.server``).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["CamundaServer", "RecordedRequest"]

_START_PREFIX = "/engine-rest/process-definition/key/"
_START_SUFFIX = "/start"


@dataclass
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class CamundaServer:
    """``with CamundaServer() as camunda: ... camunda.url ... camunda.requests``."""

    known_keys: Iterable[str] = ("RechnungStep3",)
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.known_keys = set(self.known_keys)
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.instances: list[dict[str, Any]] = []

    # ---- lifecycle -------------------------------------------------------------
    def start(self) -> CamundaServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="camunda-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> CamundaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- addresses -------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    def start_url(self, key: str = "RechnungStep3") -> str:
        return f"{self.url}{_START_PREFIX}{key}{_START_SUFFIX}"

    # ---- observing -------------------------------------------------------------
    def wait_for(self, count: int, timeout: float = 30) -> list[RecordedRequest]:
        """Wait until ``count`` requests have been recorded; returns them all."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(
                    f"camunda server: expected {count} request(s), got {len(self.requests)}"
                )
            return list(self.requests)

    def _record(self, request: RecordedRequest) -> None:
        with self._cond:
            self.requests.append(request)
            self._cond.notify_all()

    # ---- answers ---------------------------------------------------------------
    def answer(self, method: str, path: str, body: bytes, base: str) -> tuple[int, dict[str, Any]]:
        """Status and JSON document for one request (Camunda 7.x shapes)."""
        route = path.split("?", 1)[0]
        if not (route.startswith(_START_PREFIX) and route.endswith(_START_SUFFIX)):
            return 404, {"type": "NotFoundException", "message": f"No resource for {route}"}
        if method != "POST":
            return 405, {"type": "NotAllowedException", "message": "HTTP 405 Method Not Allowed"}
        key = route[len(_START_PREFIX) : -len(_START_SUFFIX)]
        try:
            document = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError) as e:
            return 400, {"type": "InvalidRequestException", "message": f"Invalid JSON: {e}"}
        if key not in self.known_keys:
            return 404, {
                "type": "RestException",
                "message": f"No matching process definition with key: {key} and no tenant-id",
            }
        instance_id = str(uuid.uuid4())
        business_key = document.get("businessKey") if isinstance(document, dict) else None
        instance = {
            "links": [
                {
                    "method": "GET",
                    "href": f"{base}/engine-rest/process-instance/{instance_id}",
                    "rel": "self",
                }
            ],
            "id": instance_id,
            "definitionId": f"{key}:1:{uuid.uuid4()}",
            "businessKey": business_key,
            "caseInstanceId": None,
            "ended": False,
            "suspended": False,
            "tenantId": None,
        }
        with self._cond:
            self.instances.append(instance)
        return 200, instance


def _handler_class(server: CamundaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("Host") or f"127.0.0.1:{server.port}"
            status, document = server.answer(self.command, self.path, body, f"http://{host}")
            recorded = RecordedRequest(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                status=status,
            )
            data = json.dumps(document, separators=(",", ":")).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            # Recorded after answering, so a waiter sees the request once it is complete.
            server._record(recorded)

        do_POST = _handle
        do_GET = _handle
        do_PUT = _handle
        do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests read server.requests

    return Handler
