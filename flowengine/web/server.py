"""Serving the viewer: a threaded werkzeug server on its own thread, in the engine process.

``start_ui(runtime, ...)`` serves the live view of a running runtime (``flowengine run
--ui``); ``start_view(flowset, ...)`` serves a flow file without running it
(``flowengine view``). Both return a :class:`UIHandle` whose ``stop()`` shuts the server,
the batcher and every open event stream down. Nothing here runs on the engine loop:
the server threads read runtime state through the observer and reach the loop only
through ``Runtime.call_threadsafe``.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import ServerConfig, create_app
from .hub import EventHub
from .model import FlowModel, build_model
from .observer import RuntimeObserver
from .options import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    UIOptionError,
    add_ui_options,
    check_bind,
)

if TYPE_CHECKING:
    from ..flowfile import FlowSet
    from ..registry import NodeRegistry
    from ..runtime import Runtime

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "UIHandle",
    "UIOptionError",
    "add_ui_options",
    "check_bind",
    "start_ui",
    "start_view",
]

log = logging.getLogger("flowengine.web")


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request (the event stream and assets would flood it)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class UIHandle:
    """A running viewer server."""

    host: str
    port: int
    _server: BaseWSGIServer
    _thread: threading.Thread
    hub: EventHub
    model: FlowModel

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1"
        return f"http://{host}:{self.port}/"

    def stop(self) -> None:
        """Stop serving: close event streams, the batcher and the server; idempotent."""
        self.hub.stop()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def _serve(
    model: FlowModel,
    observer: RuntimeObserver | None,
    host: str,
    port: int,
    admin_token: str | None,
    insecure: bool,
    mode: str,
    registry_types: Callable[[], list[str]] | None,
    interval: float,
) -> UIHandle:
    check_bind(host, admin_token, insecure)
    hub = EventHub(model, observer, interval=interval)
    title = next((t["label"] for t in model.tabs if t["kind"] == "tab"), "flowengine")
    config = ServerConfig(host, admin_token or None, mode, registry_types, title)
    app = create_app(model, hub, config)
    _check_port_free(host, port)
    try:
        server = make_server(host, port, app, threaded=True, request_handler=_QuietRequestHandler)
    except (OSError, SystemExit) as e:  # werkzeug exits on a bind error
        reason = getattr(e, "strerror", None) or "address in use"
        raise UIOptionError(f"cannot serve on {host}:{port}: {reason}") from None
    hub.start()
    thread = threading.Thread(target=server.serve_forever, name="flowengine-ui", daemon=True)
    thread.start()
    handle = UIHandle(host, int(server.server_port), server, thread, hub, model)
    log.info("Flow viewer at %s", handle.url)
    return handle


def _check_port_free(host: str, port: int) -> None:
    """Fail clearly before werkzeug would (it prints and exits the process)."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host.strip("[]"), port))
    except OSError as e:
        raise UIOptionError(f"cannot serve on {host}:{port}: {e.strerror or e}") from None


def _known(registry: NodeRegistry | None) -> Callable[[str], bool] | None:
    if registry is None:
        return None
    return lambda type_name: type_name in registry


def start_ui(
    runtime: Runtime,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    admin_token: str | None = None,
    insecure: bool = False,
    *,
    interval: float = 0.2,
) -> UIHandle:
    """Serve the live viewer of ``runtime`` (built; started before or after this call).

    Raises :class:`UIOptionError` for a refused address/token combination or a port in use.
    """
    fs = runtime.flowset
    model = build_model(fs.items, fs.credentials, _known(runtime.registry))
    observer = RuntimeObserver(runtime)
    return _serve(
        model,
        observer,
        host,
        port,
        admin_token,
        insecure,
        "run",
        runtime.registry.types,
        interval,
    )


def start_view(
    flowset: FlowSet,
    registry: NodeRegistry | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    admin_token: str | None = None,
    insecure: bool = False,
) -> UIHandle:
    """Serve the viewer for a flow set that is not running (``flowengine view``)."""
    model = build_model(flowset.items, flowset.credentials, _known(registry))
    types = registry.types if registry is not None else None
    return _serve(model, None, host, port, admin_token, insecure, "view", types, 0.2)
