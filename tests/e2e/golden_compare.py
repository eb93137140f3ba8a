"""Normalisation for the end-to-end golden files (both sides; see ``README.md``).

Values are first brought into one canonical form by ``tests/golden/sidebar.py``
(Node-RED's sidebar encoding decoded, flowengine's values converted, ``_msgid`` →
``<msgid-n>``). On top of that, only what must vary between two runs is replaced, and
where a varying value can be checked it is checked before it is replaced:

- in an http response message: ``headers.date`` → ``<date>``; ``headers.server`` →
  ``<server>`` (the Python version of the test server); ``headers.content-length`` →
  ``<length ok>`` when it equals the length of the compact JSON of ``payload`` (else
  ``<length N, body M>``); ``headers.x-node-red-request-node`` → ``<hash-sum ok>`` when
  it is the ``hash-sum`` of the other headers (else ``<hash-sum wrong: V>``);
- in every string: ``127.0.0.1:<port of the Camunda server>`` → ``<camunda>``, and
  UUIDs (the server's process-instance and definition ids) → ``<uuid-n>`` in order of
  first appearance.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flowengine.util.hashsum import hash_sum
from tests.golden.sidebar import canonical, decode_sidebar, normalise_outputs

__all__ = [
    "Output",
    "canonical_output",
    "normalise_outputs_e2e",
    "normalise_recording",
    "recorded_outputs",
    "request_view",
]

Output = tuple[str, Any]  # (debug node id, canonical value)

_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_STALE = "x-node-red-request-node"


def canonical_output(node_id: str, value: Any) -> Output:
    """A flowengine debug value as a comparable output (snapshot at emission)."""
    return node_id, canonical(value)


def recorded_outputs(message: dict[str, Any]) -> list[Output]:
    """The decoded outputs Node-RED's debug nodes showed for one published message."""
    return [(o["id"], decode_sidebar(o["format"], o["msg"])) for o in message["outputs"]]


def _check_response_headers(msg: dict[str, Any]) -> dict[str, Any]:
    headers = msg.get("headers")
    if not isinstance(headers, dict) or "statusCode" not in msg:
        return msg
    checked = dict(headers)
    if "date" in checked:
        checked["date"] = "<date>"
    if "server" in checked:
        checked["server"] = "<server>"
    length = headers.get("content-length")
    if isinstance(length, str):
        payload = msg.get("payload")
        body = (
            payload.encode("utf-8")
            if isinstance(payload, str)
            else payload
            if isinstance(payload, bytes)
            else json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        )
        ok = length == str(len(body))
        checked["content-length"] = "<length ok>" if ok else f"<length {length}, body {len(body)}>"
    if _STALE in headers:
        others = {k: v for k, v in headers.items() if k != _STALE}
        ok = hash_sum(others) == headers[_STALE]
        checked[_STALE] = "<hash-sum ok>" if ok else f"<hash-sum wrong: {headers[_STALE]}>"
    return {**msg, "headers": checked}


class _Strings:
    def __init__(self, camunda_port: int) -> None:
        self.camunda = f"127.0.0.1:{camunda_port}"
        self.uuids: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        text = text.replace(self.camunda, "<camunda>")
        return _UUID_RE.sub(self._uuid, text)

    def _uuid(self, m: re.Match[str]) -> str:
        return self.uuids.setdefault(m.group(0), f"<uuid-{len(self.uuids) + 1}>")


def _walk(value: Any, strings: _Strings) -> Any:
    if isinstance(value, dict):
        value = _check_response_headers(value)
        return {k: _walk(v, strings) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, strings) for v in value]
    if isinstance(value, str):
        return strings(value)
    return value


def normalise_outputs_e2e(outputs: list[Output], camunda_port: int) -> list[Output]:
    """Both sides: msgids, then response headers, the server's address and ids."""
    strings = _Strings(camunda_port)
    return [(node_id, _walk(value, strings)) for node_id, value in normalise_outputs(outputs)]


def request_view(
    method: str, path: str, headers: list[tuple[str, str]] | dict[str, str], body: str, port: int
) -> dict[str, Any]:
    """A request the Camunda server received, comparable across runs: the ``host``
    header's port normalised; header order is not compared (see README)."""
    items = dict(headers)
    if "host" in items:
        items["host"] = items["host"].replace(f"127.0.0.1:{port}", "<camunda>")
    return {"method": method, "path": path, "headers": items, "body": body}


def normalise_recording(recording: dict[str, Any]) -> Any:
    """A recording with everything that varies between runs normalised (for re-recording)."""
    port = recording["camunda_port"]
    out = {k: v for k, v in recording.items() if k not in ("camunda_port", "messages")}
    outputs = [o for m in recording["messages"] for o in recorded_outputs(m)]
    out["outputs"] = repr(normalise_outputs_e2e(outputs, port))
    out["requests"] = [
        request_view(r["method"], r["path"], r["headers"], r["body"], port)
        for m in recording["messages"]
        for r in m["requests"]
    ]
    out["messages"] = [{k: v for k, v in m.items() if k not in ("outputs", "requests")}
                       for m in recording["messages"]]  # fmt: skip
    return out
