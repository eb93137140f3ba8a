"""A local Camunda-speaking stand-in: the part of Camunda 7's REST API the tutorial uses.

This is **not** Camunda. It is a small HTTP server (stdlib ``http.server``, in a thread) that
answers ``POST /engine-rest/process-definition/key/{key}/start`` as Camunda 7 does, so the
demo and the tests can run the tutorial's BPMN step without a Camunda installation:

- a known key → 200 and a process-instance document (``links``, ``id``, ``definitionId``,
  ``businessKey`` echoing the request's, ``caseInstanceId``, ``ended``, ``suspended``,
  ``tenantId``);
- an unknown key → 404 ``{"type":"RestException","message":"No matching process definition
  with key: X and no tenant-id"}``;
- a body that is not JSON → 400 ``InvalidRequestException``; other paths → 404, other
  methods on the start path → 405.

Every request is counted and recorded (method, path, lower-cased headers, body, status);
``max_recorded`` bounds the record for long runs (the demo), the counters stay exact.
Nothing is started in any process: the "process instance" is just the answer.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["START_PATH_PREFIX", "CamundaStandIn", "RecordedRequest"]

START_PATH_PREFIX = "/engine-rest/process-definition/key/"
_START_SUFFIX = "/start"


@dataclass
class RecordedRequest:
    """One request the stand-in received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class CamundaStandIn:
    """``with CamundaStandIn() as camunda: ... camunda.url ... camunda.requests``."""

    known_keys: Iterable[str] = ("RechnungStep3",)
    requests: list[RecordedRequest] = field(default_factory=list)
    host: str = "127.0.0.1"
    #: keep at most this many requests in ``requests`` (None: all); counters count all
    max_recorded: int | None = None

    def __post_init__(self) -> None:
        self.known_keys = set(self.known_keys)
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.instances: list[dict[str, Any]] = []
        #: every request answered so far, and how many got each status
        self.calls = 0
        self.statuses: Counter[int] = Counter()

    # ---- lifecycle -------------------------------------------------------------
    def start(self, port: int = 0) -> CamundaStandIn:
        """Listen on ``host:port`` (0: a free port) and serve in a daemon thread."""
        server = ThreadingHTTPServer((self.host, port), _handler_class(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="camunda-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; idempotent."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> CamundaStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- addresses -------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "stand-in not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    def start_url(self, key: str = "RechnungStep3") -> str:
        return f"{self.url}{START_PATH_PREFIX}{key}{_START_SUFFIX}"

    # ---- observing -------------------------------------------------------------
    def wait_for(self, count: int, timeout: float = 30) -> list[RecordedRequest]:
        """Wait until ``count`` requests have been answered; returns those recorded."""
        with self._cond:
            if not self._cond.wait_for(lambda: self.calls >= count, timeout):
                raise AssertionError(
                    f"Camunda stand-in: expected {count} request(s), got {self.calls}"
                )
            return list(self.requests)

    def _record(self, request: RecordedRequest) -> None:
        with self._cond:
            self.calls += 1
            self.statuses[request.status] += 1
            self.requests.append(request)
            if self.max_recorded is not None and len(self.requests) > self.max_recorded:
                del self.requests[: len(self.requests) - self.max_recorded]
            self._cond.notify_all()

    # ---- answers ---------------------------------------------------------------
    def answer(self, method: str, path: str, body: bytes, base: str) -> tuple[int, dict[str, Any]]:
        """Status and JSON document for one request (Camunda 7.x shapes)."""
        route = path.split("?", 1)[0]
        if not (route.startswith(START_PATH_PREFIX) and route.endswith(_START_SUFFIX)):
            return 404, {"type": "NotFoundException", "message": f"No resource for {route}"}
        if method != "POST":
            return 405, {"type": "NotAllowedException", "message": "HTTP 405 Method Not Allowed"}
        key = route[len(START_PATH_PREFIX) : -len(_START_SUFFIX)]
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
            if self.max_recorded is not None and len(self.instances) > self.max_recorded:
                del self.instances[: len(self.instances) - self.max_recorded]
        return 200, instance


def _handler_class(server: CamundaStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("Host") or f"{server.host}:{server.port}"
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
            pass  # quiet: callers read the counters and the record

    return Handler
