"""The Flask application: the viewer's pages and data, Node-RED's admin routes (a
read-mostly subset) and the operations endpoints.

Routes (Node-RED's where they exist):

- ``GET /``: the viewer (``ui/``); ``GET /viewer/model``, ``/viewer/tabs/<id>.svg``,
  ``/viewer/events`` (server-sent events, batched)
- ``GET /flows`` (``Node-RED-API-Version: v2`` → ``{flows, rev}``), ``GET /flows/state``,
  ``POST /inject/<id>``, ``GET /nodes``
- ``GET /health``, ``GET /metrics``

Security: with an admin token every request needs ``Authorization: Bearer <token>``
(the browser gets a cookie from ``/?access_token=<token>``), except ``/health``, which
then answers live/ready only. Bound to a loopback address, requests must name a
loopback host (no DNS rebinding); a POST from another origin is refused.
"""

from __future__ import annotations

import hmac
import html
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, jsonify, redirect, request, send_from_directory

from ..jsvalues import js_json_dumps
from .hub import EventHub
from .model import FlowModel
from .ops import health, prometheus_text

__all__ = ["ServerConfig", "create_app", "ui_directory"]

TOKEN_COOKIE = "flowengine_admin_token"
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
_FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" '
    'rx="3" fill="#a01010"/><path d="M3 8h4M9 4h4M9 12h4M7 8l2-4M7 8l2 4" stroke="#fff" '
    'fill="none"/></svg>'
)


def ui_directory() -> Path:
    """Where the front end lives: ``$FLOWENGINE_UI_DIR``, ``ui/`` of the checkout, or the
    installed copy (``flowengine/ui``, package data of a non-editable install)."""
    configured = os.environ.get("FLOWENGINE_UI_DIR")
    if configured:
        return Path(configured)
    here = Path(__file__).resolve()
    checkout = here.parents[2] / "ui"
    return checkout if (checkout / "index.html").is_file() else here.parents[1] / "ui"


@dataclass
class ServerConfig:
    host: str
    admin_token: str | None
    #: "run" (live flows) or "view" (a flow file, nothing running)
    mode: str
    registry_types: Callable[[], list[str]] | None = None
    title: str = "flowengine"


def _is_loopback(host: str) -> bool:
    return host in _LOOPBACK_NAMES or host.startswith("127.")


def create_app(model: FlowModel, hub: EventHub, config: ServerConfig) -> Flask:
    app = Flask("flowengine.web", static_folder=None)
    app.config["JSON_SORT_KEYS"] = False
    observer = hub.observer
    ui_dir = ui_directory()

    def authorized() -> bool:
        token = config.admin_token
        if not token:
            return True
        header = request.headers.get("Authorization", "")
        offered = header[7:] if header.startswith("Bearer ") else request.cookies.get(TOKEN_COOKIE)
        return offered is not None and hmac.compare_digest(offered.encode(), token.encode())

    @app.before_request
    def guard() -> Any:
        if _is_loopback(config.host):
            requested = urlsplit(f"//{request.host}").hostname or ""
            if not _is_loopback(requested):
                abort(403)  # a loopback server answers loopback names only (DNS rebinding)
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin and urlsplit(origin).netloc != request.host:
                abort(403)
        if request.path == "/health":
            return None
        if request.path == "/" and config.admin_token and "access_token" in request.args:
            offered = request.args["access_token"]
            if hmac.compare_digest(offered.encode(), config.admin_token.encode()):
                response = redirect("/")
                response.set_cookie(TOKEN_COOKIE, offered, httponly=True, samesite="Strict")
                return response
        if not authorized():
            return Response(
                "Unauthorized\n", 401, {"WWW-Authenticate": 'Bearer realm="flowengine"'}
            )
        return None

    @app.after_request
    def no_store(response: Response) -> Response:
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    # ---- the viewer ----------------------------------------------------------------
    @app.get("/")
    def index() -> Any:
        return send_from_directory(ui_dir, "index.html")

    @app.get("/favicon.ico")
    def favicon() -> Any:
        return Response(_FAVICON, mimetype="image/svg+xml")

    @app.get("/ui/<path:name>")
    def ui_file(name: str) -> Any:
        return send_from_directory(ui_dir, name)

    @app.get("/viewer/model")
    def viewer_model() -> Any:
        body = model.to_json()
        body["mode"] = config.mode
        body["title"] = config.title
        return Response(js_json_dumps(body), mimetype="application/json")

    @app.get("/viewer/tabs/<path:tab_id>.svg")
    def viewer_svg(tab_id: str) -> Any:
        if tab_id not in model.scenes:
            abort(404)
        return Response(model.svg(tab_id), mimetype="image/svg+xml")

    @app.get("/viewer/events")
    def viewer_events() -> Any:
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return Response(hub.stream(), mimetype="text/event-stream", headers=headers)

    # ---- Node-RED's admin routes (subset) -----------------------------------------
    @app.get("/flows")
    def get_flows() -> Any:
        version = request.headers.get("Node-RED-API-Version", "v1").lower()
        if version == "v1":
            body: Any = model.items
        elif version == "v2":
            body = {"flows": model.items, "rev": model.rev}
        else:
            error = {"code": "invalid_api_version", "message": "Invalid API Version requested"}
            return jsonify(error), 400
        return Response(js_json_dumps(body), mimetype="application/json")

    @app.get("/flows/state")
    def flows_state() -> Any:
        state = observer.state if observer is not None else "stop"
        return jsonify({"state": state})

    @app.post("/inject/<path:node_id>")
    def inject(node_id: str) -> Any:
        body = request.get_json(silent=True) if request.data else None
        status = (
            404
            if observer is None
            else observer.inject(node_id, body if isinstance(body, dict) else None)
        )
        return _status_text(status)

    @app.get("/nodes")
    def nodes() -> Any:
        sets = _node_sets(config.registry_types() if config.registry_types else [])
        if request.accept_mimetypes.best == "application/json" or (
            "application/json" in request.headers.get("Accept", "")
        ):
            return jsonify(sets)

        def escape(text: str) -> str:
            return html.escape(text, quote=False)

        rows = "".join(
            f"<li><b>{escape(s['id'])}</b>: {escape(', '.join(s['types']))}</li>" for s in sets
        )
        return Response(
            f"<!DOCTYPE html><title>node types</title><ul>{rows}</ul>", mimetype="text/html"
        )

    # ---- operations ------------------------------------------------------------------
    @app.get("/health")
    def get_health() -> Any:
        body, status = health(model, observer, detail=authorized())
        return Response(js_json_dumps(body), status, mimetype="application/json")

    @app.get("/metrics")
    def metrics() -> Any:
        return Response(
            prometheus_text(model, observer), mimetype="text/plain; version=0.0.4; charset=utf-8"
        )

    return app


def _status_text(status: int) -> Response:
    """A bare status as Express's ``res.sendStatus``: the reason phrase as plain text."""
    reason = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}.get(status, "")
    return Response(reason, status, mimetype="text/plain")


def _node_sets(types: list[str]) -> list[dict[str, Any]]:
    """Registered node types as Node-RED's node-set list (``GET /nodes`` as JSON)."""
    by_type = {ep.name: ep for ep in entry_points(group="flowengine.nodes")}
    sets: dict[str, dict[str, Any]] = {}
    for type_name in types:
        ep = by_type.get(type_name)
        if ep is not None:
            dist = ep.dist.name if ep.dist is not None else "flowengine"
            version = ep.dist.version if ep.dist is not None else ""
            module_path = ep.value.partition(":")[0]
            set_name = module_path.rsplit(".", 1)[-1]
        else:
            dist, version, set_name = "flowengine", "", "local"
        set_id = f"{dist}/{set_name}"
        entry = sets.setdefault(
            set_id,
            {
                "id": set_id,
                "name": set_name,
                "types": [],
                "enabled": True,
                "local": ep is None,
                "user": False,
                "module": dist,
                "version": version,
            },
        )
        entry["types"].append(type_name)
    return list(sets.values())
