"""``http proxy`` config node and proxy selection for a URL.

The config node holds a proxy ``url``, a ``noproxy`` host list and the
credentials ``username``/``password`` (Node-RED 5.0.7 ``06-httpproxy.js``).
:func:`proxy_for_url` reproduces Node-RED's ``lib/proxyHelper.js``
``getProxyForUrl``: in the default ``strict`` mode it honours
``npm_config_<proto>_proxy``, ``<proto>_proxy``, ``npm_config_proxy``,
``all_proxy`` and ``no_proxy`` (host suffixes, ``*``, ``host:port``); in
``legacy`` mode (``NR_PROXY_MODE=legacy`` or ``proxyOptions.mode``) only
``http_proxy`` and a substring ``no_proxy`` test. A config node replaces the
environment with its own url and ignore list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from flowengine import Node
from flowengine.errors import ConfigError

__all__ = ["HTTPProxyNode", "ProxyOptions", "proxy_for_url"]

EnvLookup = Callable[[str], str]

_DEFAULT_PORTS = {
    "ftp": 21,
    "gopher": 70,
    "http": 80,
    "https": 443,
    "ws": 80,
    "wss": 443,
    "mqtt": 1880,
    "mqtts": 8883,
}


class HTTPProxyNode(Node):
    """Config node: ``url``, ``noproxy`` (list of hosts), credentials."""

    type = "http proxy"
    category = "config"
    has_input = False

    def setup(self) -> None:
        url = self.config.get("url") or ""
        if not isinstance(url, str):
            raise ConfigError("url", "must be a string")
        # The editor insists on "http...://"; Node-RED itself uses whatever it gets.
        self.url: str = url
        noproxy = self.config.get("noproxy")
        if noproxy is None:
            noproxy = []
        if not isinstance(noproxy, list) or not all(isinstance(h, str) for h in noproxy):
            raise ConfigError("noproxy", "must be a list of host names")
        self.noproxy: list[str] = list(noproxy)
        for field in ("username", "password"):
            value = self.credentials.get(field)
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"credentials.{field}", "must be a string")
        self.username: str = self.credentials.get("username") or ""
        self.password: str = self.credentials.get("password") or ""

    def proxy_env(self) -> dict[str, str]:
        """The environment Node-RED substitutes for ``process.env`` with this node."""
        return {
            "no_proxy": ",".join(self.noproxy),
            "http_proxy": self.url,
            "https_proxy": self.url,
        }


class ProxyOptions:
    """Node-RED's ``proxyOptions`` (settings) plus the ``NR_PROXY_MODE`` override."""

    def __init__(
        self,
        settings: Mapping[str, Any] | None = None,
        mode_override: str | None = None,
    ) -> None:
        settings = settings or {}
        self.mode: str = str(settings.get("mode") or "strict")
        if mode_override in ("legacy", "strict"):
            self.mode = mode_override
        self.lower_case_only = bool(settings.get("lowerCaseOnly"))
        self.favour_upper_case = bool(settings.get("favourUpperCase"))
        self.exclude_npm = bool(settings.get("excludeNpm"))
        env = settings.get("env")
        self.env: Mapping[str, str] | None = env if isinstance(env, Mapping) else None


def _env_getter(options: ProxyOptions, env: EnvLookup) -> EnvLookup:
    def lookup(name: str) -> str:
        value = options.env.get(name) if options.env is not None else env(name)
        return value if isinstance(value, str) else ""

    def get(key: str) -> str:
        if options.exclude_npm and key.startswith("npm_config_"):
            return ""
        if options.lower_case_only:
            return lookup(key.lower())
        if options.favour_upper_case:
            return lookup(key.upper()) or lookup(key.lower())
        return lookup(key.lower()) or lookup(key.upper())

    return get


def proxy_for_url(url: str, env: EnvLookup, options: ProxyOptions) -> str:
    """The proxy URL to use for ``url`` ("" for a direct connection)."""
    if options.mode == "legacy":
        return _legacy_proxy(url, env if options.env is None else _mapping_env(options.env))
    get = _env_getter(options, env)
    parsed = _split_url(url)
    if parsed is None:
        return ""
    proto, host, port_text = parsed
    port = int(port_text) if port_text.isdigit() else _DEFAULT_PORTS.get(proto, 0)
    if not _should_proxy(host, port, get):
        return ""
    proxy = (
        get(f"npm_config_{proto}_proxy")
        or get(f"{proto}_proxy")
        or get("npm_config_proxy")
        or get("all_proxy")
    )
    if proxy and "://" not in proxy:
        proxy = f"{proto}://{proxy}"  # no scheme: use the requested URL's
    return proxy


def _mapping_env(mapping: Mapping[str, str]) -> EnvLookup:
    def get(name: str) -> str:
        value = mapping.get(name)
        return value if isinstance(value, str) else ""

    return get


def _split_url(url: str) -> tuple[str, str, str] | None:
    """(protocol, host without port, port text) as ``new URL`` gives them, or None."""
    import ada_url

    try:
        parsed = ada_url.URL(url)
    except ValueError:
        return None
    proto = parsed.protocol.split(":", 1)[0]
    host = parsed.host
    if not host or not proto:
        return None
    # Strip the port this way (not hostname) so IPv6 brackets stay, as Node-RED does.
    host = re.sub(r":\d*$", "", host)
    return proto, host, parsed.port


def _should_proxy(hostname: str, port: int, get: EnvLookup) -> bool:
    no_proxy = (get("npm_config_no_proxy") or get("no_proxy")).lower()
    if not no_proxy:
        return True
    if no_proxy == "*":
        return False
    for entry in re.split(r"[,\s]", no_proxy):
        if not entry:
            continue
        m = re.match(r"^(.+):(\d+)$", entry)
        entry_host = m.group(1) if m else entry
        entry_port = int(m.group(2)) if m else 0
        if entry_port and entry_port != port:
            continue
        if not re.match(r"^[.*]", entry_host):
            if hostname == entry_host:
                return False
            continue
        if entry_host.startswith("*"):
            entry_host = entry_host[1:]
        if hostname.endswith(entry_host):
            return False
    return True


def _legacy_proxy(url: str, env: EnvLookup) -> str:
    proxy = ""
    if env("http_proxy"):
        proxy = env("http_proxy")
    if env("HTTP_PROXY"):
        proxy = env("HTTP_PROXY")
    no_proxy: list[str] | None = None
    if env("no_proxy"):
        no_proxy = env("no_proxy").split(",")
    if env("NO_PROXY"):
        no_proxy = env("NO_PROXY").split(",")
    if no_proxy and any(entry.strip() in url for entry in no_proxy):
        return ""
    return proxy
