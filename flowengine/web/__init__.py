"""The web flow viewer and admin API: see a flow as Node-RED's editor draws it, live.

``start_ui`` serves a running runtime (``flowengine run --ui``), ``start_view`` a flow
file that is not running (``flowengine view``); ``build_model`` and ``scene_svg`` give
the static drawing (``flowengine render``). See docs/viewer.md.

Importing this package is cheap: Flask and werkzeug load with the first server.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .options import DEFAULT_HOST, DEFAULT_PORT, UIOptionError, add_ui_options, check_bind

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "FlowModel",
    "UIHandle",
    "UIOptionError",
    "add_ui_options",
    "build_model",
    "check_bind",
    "scene_svg",
    "start_ui",
    "start_view",
]

_LAZY = {
    "FlowModel": "model",
    "build_model": "model",
    "scene_svg": "svg",
    "UIHandle": "server",
    "start_ui": "server",
    "start_view": "server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
