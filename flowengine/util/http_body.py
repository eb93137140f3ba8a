"""Request bodies as Node-RED's http request node encodes them.

:func:`multipart_body` is the ``form-data`` package's encoding of an object:
strings and Buffers as parts, ``{value, options}`` parts with a file name,
path, content type or a whole custom header, other values as JSON.
"""

from __future__ import annotations

import mimetypes
import posixpath
import secrets
from typing import Any

from flowengine.errors import JSError
from flowengine.jsvalues import UNDEFINED, js_json_dumps, js_string

from .jsobject import js_own_get, js_own_keys

__all__ = ["body_bytes", "multipart_body"]


def body_bytes(value: str | bytes | bytearray) -> bytes:
    """A string (UTF-8) or Buffer payload as the bytes sent."""
    return bytes(value) if isinstance(value, bytes | bytearray) else value.encode()


def multipart_body(payload: Any) -> tuple[bytes, str]:
    """``multipart/form-data`` of ``payload``'s own properties: (body, boundary)."""
    boundary = "--------------------------" + secrets.token_hex(12)
    chunks: list[bytes] = []
    for key in js_own_keys(payload) if payload is not None else []:
        val = js_own_get(payload, key)
        if val is None or val is UNDEFINED:
            continue
        if isinstance(val, str | bytes | bytearray):
            chunks.append(_form_part(boundary, key, val, {}))
        elif isinstance(val, dict) and "value" in val:
            options = val.get("options") or {}
            chunks.append(_form_part(boundary, key, val["value"], options))
        else:
            chunks.append(_form_part(boundary, key, js_json_dumps(val), {}))
    if chunks:
        chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), boundary


def _escape_form_param(text: str) -> str:
    return text.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def _form_part(boundary: str, name: str, value: Any, options: Any) -> bytes:
    if isinstance(options, str):
        options = {"filename": options}
    if not isinstance(options, dict):
        options = {}
    if (isinstance(value, int | float) and not isinstance(value, bool)) or value is None:
        value = js_string(value)
    if value is UNDEFINED:
        value = "undefined"
    if isinstance(value, list):
        raise JSError("Arrays are not supported.")
    if not isinstance(value, str | bytes | bytearray):
        raise JSError("multipart/form-data values must be strings, numbers or Buffers")
    data = body_bytes(value)
    header = options.get("header")
    if isinstance(header, str):
        return header.encode("utf-8") + data + b"\r\n"
    disposition = f'form-data; name="{_escape_form_param(name)}"'
    filename = None
    if isinstance(options.get("filepath"), str):
        filename = posixpath.normpath(options["filepath"].replace("\\", "/"))
    elif options.get("filename"):
        filename = posixpath.basename(js_string(options["filename"]))
    if filename:
        disposition += f'; filename="{_escape_form_param(filename)}"'
    content_type = options.get("contentType") or None
    if not content_type and (options.get("filepath") or options.get("filename")):
        content_type = mimetypes.guess_type(
            js_string(options.get("filepath") or options.get("filename"))
        )[0]
    if not content_type and isinstance(value, bytes | bytearray):
        content_type = "application/octet-stream"
    head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {js_string(content_type)}\r\n"
    return (head + "\r\n").encode("utf-8") + data + b"\r\n"
