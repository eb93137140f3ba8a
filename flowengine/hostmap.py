"""``--host-map NAME[:PORT]=HOST[:PORT]``: run a flow against other hosts without editing it.

A flow file names the hosts of its brokers and services (``iotkit.mc-b.ch:1883``,
``kafka:9092``, ``http://camunda:8080/...``). A :class:`HostMap` says where each name
really is. Node types that talk to the network implement the classmethod hook
``Node.map_hosts(config, host_map)`` and return their config with every host they use
rewritten (``None`` when nothing changes); :func:`host_rewrites` calls the hook for
every node of a flow set and turns the answers into the runtime's ``overrides``
(``{node id: {property: value}}``), so the flow file itself is never touched.

Rules:

- ``NAME`` matches a host name case-insensitively (``[::1]`` style for IPv6).
  ``NAME:PORT`` matches only that port (the scheme's default port counts for a URL
  without one); it wins over a plain ``NAME`` entry.
- ``HOST`` replaces the host; ``:PORT`` replaces the port, else the original port
  (or the absence of one) is kept.
- Only literal hosts are mapped: a host that comes from ``${ENV}`` or a mustache
  template, or from a message at run time (``msg.url``, ``msg.broker``), is not.
- Every rewritten property's original value is kept in the config under
  :data:`ORIGINAL_KEY` (``{property: original}``), for nodes whose behaviour depends
  on the configured name (``mqtt in`` adds ``msg._topic`` only for a broker named
  ``localhost``/``127.0.0.1``: a mapped broker behaves as the flow file says).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .flowfile import FlowSet
    from .registry import NodeRegistry

__all__ = [
    "ORIGINAL_KEY",
    "HostMap",
    "HostMapError",
    "HostRewrite",
    "HostTarget",
    "NodeOverrides",
    "apply_host_map",
    "host_map_overrides",
    "host_rewrites",
]

#: Config key holding ``{property: original value}`` of what a host map rewrote.
ORIGINAL_KEY = "_mappedFrom"

#: Default ports of the URL schemes network nodes use (for ``NAME:PORT`` entries).
DEFAULT_PORTS: dict[str, int] = {
    "http": 80,
    "https": 443,
    "mqtt": 1883,
    "tcp": 1883,
    "mqtts": 8883,
    "ssl": 8883,
    "tls": 8883,
    "ws": 80,
    "wss": 443,
    "kafka": 9092,
    "plaintext": 9092,
}

_HOST_NAME_RE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$")
_IPV6_RE = re.compile(r"^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9]+)?$")
_URL_RE = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)?"
    r"(?P<userinfo>[^@/?#]*@)?"
    r"(?P<host>\[[^\]/?#]*\]|[^:/?#\[\]@]*)"
    r"(?::(?P<port>[^/?#]*))?"
    r"(?P<rest>.*)$",
    re.DOTALL,
)


class HostMapError(ValueError):
    """A ``--host-map`` entry that does not parse."""


@dataclass(frozen=True)
class HostTarget:
    """Where a mapped name really is: a host and, optionally, a port."""

    host: str
    port: int | None = None

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"


def _parse_host_port(text: str, what: str, spec: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` → (host without brackets, port)."""
    port_text: str | None = None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise HostMapError(f"--host-map {spec}: {what} {text!r}: missing ']'")
        host, rest = text[1:end], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise HostMapError(f"--host-map {spec}: {what} {text!r}: expected ':' after ']'")
            port_text = rest[1:]
        if not _IPV6_RE.match(host):
            raise HostMapError(f"--host-map {spec}: {what} {text!r}: not an IPv6 address")
    else:
        host, sep, port_part = text.partition(":")
        if sep:
            if ":" in port_part:
                raise HostMapError(
                    f"--host-map {spec}: {what} {text!r}: write an IPv6 address in brackets"
                )
            port_text = port_part
        if not host:
            raise HostMapError(f"--host-map {spec}: {what} is empty")
        if not _HOST_NAME_RE.match(host):
            raise HostMapError(f"--host-map {spec}: {what} {host!r} is not a host name")
    port: int | None = None
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise HostMapError(f"--host-map {spec}: {what} port {port_text!r} is not 1-65535")
        port = int(port_text)
    return host, port


def _bare(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def _port_number(port: Any) -> int | None:
    """A configured port (``"1883"``, ``9092``) as a number; None when not literal."""
    if isinstance(port, bool):
        return None
    if isinstance(port, int):
        return port
    if isinstance(port, float) and port.is_integer():
        return int(port)
    if isinstance(port, str) and port.strip().isdigit():
        return int(port.strip())
    return None


def _like(original: Any, port: int) -> Any:
    """``port`` in the type the config used (flow files hold ports as strings or numbers)."""
    if isinstance(original, int | float) and not isinstance(original, bool):
        return port
    return str(port)


class HostMap:
    """Names → :class:`HostTarget`; also remembers which entries were used."""

    def __init__(self, entries: Mapping[tuple[str, int | None], HostTarget] | None = None) -> None:
        self._entries: dict[tuple[str, int | None], HostTarget] = {
            (name.lower(), port): target for (name, port), target in (entries or {}).items()
        }
        self.specs: dict[tuple[str, int | None], str] = {}
        self.used: set[tuple[str, int | None]] = set()

    @classmethod
    def parse(cls, specs: Iterable[str]) -> HostMap:
        """Parse ``NAME[:PORT]=HOST[:PORT]`` entries; the last entry for a name wins."""
        host_map = cls()
        for spec in specs:
            name_text, eq, target_text = spec.partition("=")
            if not eq:
                raise HostMapError(f"--host-map {spec}: expected NAME=HOST[:PORT]")
            name, name_port = _parse_host_port(name_text.strip(), "NAME", spec)
            host, port = _parse_host_port(target_text.strip(), "HOST", spec)
            key = (name.lower(), name_port)
            host_map._entries[key] = HostTarget(host, port)
            host_map.specs[key] = spec
        return host_map

    def __bool__(self) -> bool:
        return bool(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def unused(self) -> list[str]:
        """The entries (as given) that matched no host so far."""
        return [
            self.specs.get(key, _key_text(key)) for key in self._entries if key not in self.used
        ]

    # ---- lookups ---------------------------------------------------------------------
    def target(self, host: Any, port: int | None = None) -> HostTarget | None:
        """Where ``host`` (on ``port``, if known) is mapped to; None when it is not."""
        if not isinstance(host, str) or not host:
            return None
        name = _bare(host.strip()).lower()
        for key in ((name, port), (name, None)) if port is not None else ((name, None),):
            found = self._entries.get(key)
            if found is not None:
                self.used.add(key)
                return found
        return None

    def host_port(
        self, host: Any, port: Any, default_port: int | None = None
    ) -> tuple[str, Any] | None:
        """A ``host`` + ``port`` pair of properties → the mapped pair, or None.

        ``port`` keeps its type (``"1883"`` stays a string); an empty/absent port means
        ``default_port`` for ``NAME:PORT`` matching and stays empty unless the target
        has a port.
        """
        number = _port_number(port)
        effective = number if number else default_port  # 0 or empty: the default port
        target = self.target(host, effective)
        if target is None:
            return None
        if target.port is None:
            return target.host, port
        return target.host, _like(port if port not in (None, "") else "", target.port)

    def url(self, url: Any, default_scheme: str | None = None) -> str | None:
        """Rewrite the host (and port) of a URL; None when it is not mapped.

        Works on URL templates too (``http://camunda:8080/{{path}}``): only the
        authority is touched. ``default_scheme`` names the scheme a URL without
        one is used with (``http`` for http request), for default-port matching.
        """
        if not isinstance(url, str) or not url:
            return None
        m = _URL_RE.match(url)
        if m is None:
            return None
        host = m.group("host")
        if not host or "{" in host or "$" in host:
            return None
        scheme = m.group("scheme")
        scheme_name = scheme[:-3].lower() if scheme else (default_scheme or "")
        port_text = m.group("port")
        number = _port_number(port_text) if port_text is not None else None
        effective = number if port_text not in (None, "") else DEFAULT_PORTS.get(scheme_name)
        target = self.target(host, effective)
        if target is None:
            return None
        new_host = f"[{target.host}]" if ":" in target.host else target.host
        if target.port is not None:
            authority = f"{new_host}:{target.port}"
        elif port_text is not None:
            authority = f"{new_host}:{port_text}"
        else:
            authority = new_host
        return f"{scheme or ''}{m.group('userinfo') or ''}{authority}{m.group('rest')}"

    def host_list(self, text: Any, default_port: int | None = None) -> str | None:
        """``"h1:9092,kafka://h2:9093"`` (a broker list) → the list with hosts mapped."""
        if not isinstance(text, str) or not text.strip():
            return None
        changed = False
        parts = []
        for part in text.split(","):
            lead = part[: len(part) - len(part.lstrip())]
            trail = part[len(part.rstrip()) :]
            core = part.strip()
            mapped = self._host_list_entry(core, default_port) if core else None
            if mapped is not None:
                changed = True
                parts.append(f"{lead}{mapped}{trail}")
            else:
                parts.append(part)
        return ",".join(parts) if changed else None

    def _host_list_entry(self, entry: str, default_port: int | None) -> str | None:
        if "://" in entry:
            return self.url(entry)
        m = _URL_RE.match(entry)
        if m is None or m.group("userinfo") or m.group("rest"):
            return None
        port_text = m.group("port")
        number = _port_number(port_text) if port_text else default_port
        target = self.target(m.group("host"), number)
        if target is None:
            return None
        host = f"[{target.host}]" if ":" in target.host else target.host
        if target.port is not None:
            return f"{host}:{target.port}"
        return f"{host}:{port_text}" if port_text is not None else host

    def host_entries(
        self, entries: Any, default_port: int | None = None
    ) -> list[dict[str, Any]] | None:
        """``[{"host": h, "port": p}, ...]`` → a mapped copy, or None when nothing maps."""
        if not isinstance(entries, list):
            return None
        changed = False
        out: list[dict[str, Any]] = []
        for entry in entries:
            if isinstance(entry, dict):
                mapped = self.host_port(entry.get("host"), entry.get("port"), default_port)
                if mapped is not None:
                    changed = True
                    new = {**entry, "host": mapped[0]}
                    if mapped[1] not in (None, "") or "port" in entry:
                        new["port"] = mapped[1]
                    out.append(new)
                    continue
            out.append(entry)
        return out if changed else None


def _key_text(key: tuple[str, int | None]) -> str:
    name, port = key
    return name if port is None else f"{name}:{port}"


# ---- applying a host map to a flow set ------------------------------------------------
@dataclass(frozen=True)
class HostRewrite:
    """What a host map changed on one node."""

    node_id: str
    node_type: str
    changes: dict[str, tuple[Any, Any]]  # property → (original, new)

    def __str__(self) -> str:
        parts = ", ".join(
            f"{k}: {_show(old)} → {_show(new)}" for k, (old, new) in self.changes.items()
        )
        return f"{self.node_type} {self.node_id}: {parts}"


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(
            f"{e.get('host')}:{e.get('port')}" if isinstance(e, dict) else str(e) for e in value
        )
    return str(value)


def host_rewrites(
    items: Iterable[Mapping[str, Any]],
    registry: NodeRegistry,
    host_map: HostMap,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[HostRewrite]:
    """Ask every node type's ``map_hosts`` hook what ``host_map`` changes in ``items``.

    ``overrides`` (from ``--set``) are applied first, so a host set there is mapped too.
    Types the registry does not know or cannot load are skipped (loading reports them).
    """
    if not host_map:
        return []
    from .flowfile import STRUCTURAL_TYPES, SUBFLOW_PREFIX

    rewrites: list[HostRewrite] = []
    for item in items:
        node_type = item.get("type")
        node_id = item.get("id")
        if not isinstance(node_type, str) or not isinstance(node_id, str):
            continue
        if node_type in STRUCTURAL_TYPES or node_type.startswith(SUBFLOW_PREFIX):
            continue
        if node_type not in registry:
            continue
        try:
            cls = registry.get(node_type)
        except Exception:  # reported when the flow is built
            continue
        config = {**item, **((overrides or {}).get(node_id) or {})}
        mapped = cls.map_hosts(config, host_map)
        if mapped is None:
            continue
        changes = {
            key: (config.get(key), value)
            for key, value in mapped.items()
            if key != ORIGINAL_KEY and (key not in config or config[key] != value)
        }
        if changes:
            rewrites.append(HostRewrite(node_id, node_type, changes))
    return rewrites


def _override_entry(rewrite: HostRewrite, earlier: Mapping[str, Any]) -> dict[str, Any]:
    entry = {key: new for key, (_, new) in rewrite.changes.items()}
    originals = dict(earlier.get(ORIGINAL_KEY) or {})
    for key, (old, _) in rewrite.changes.items():
        originals.setdefault(key, old)
    entry[ORIGINAL_KEY] = originals
    return entry


class NodeOverrides(dict[str, dict[str, Any]]):
    """The runtime's ``overrides`` (node id → properties), reaching into subflows too.

    A subflow-internal node runs as one copy per instance, with the id
    ``<instance id>-<original id>`` (nested instances prefix again); an entry for the
    original id also answers for every copy.
    """

    def __init__(
        self,
        entries: Mapping[str, dict[str, Any]],
        subflow_entries: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(entries)
        self.subflow_entries = dict(subflow_entries or {})

    def __bool__(self) -> bool:  # the runtime does ``overrides or {}``
        return len(self) > 0 or bool(self.subflow_entries)

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        for original, entry in self.subflow_entries.items():
            if key.endswith("-" + original):
                return entry
        return default


def host_map_overrides(
    flowset: FlowSet,
    registry: NodeRegistry,
    host_map: HostMap,
    overrides: Mapping[str, dict[str, Any]] | None = None,
) -> tuple[NodeOverrides, list[HostRewrite]]:
    """``overrides`` (from ``--set``) plus the host map's rewrites, for ``Runtime(...)``."""
    base = {node_id: dict(props) for node_id, props in (overrides or {}).items()}
    rewrites = host_rewrites(flowset.items, registry, host_map, base)
    subflow_entries: dict[str, dict[str, Any]] = {}
    for rewrite in rewrites:
        item = flowset.by_id.get(rewrite.node_id) or {}
        earlier = base.get(rewrite.node_id, {})
        entry = {**earlier, **_override_entry(rewrite, earlier)}
        if (item.get("z") or "") in flowset.subflows:
            subflow_entries[rewrite.node_id] = entry
        else:
            base[rewrite.node_id] = entry
    return NodeOverrides(base, subflow_entries), rewrites


def apply_host_map(
    items: Iterable[dict[str, Any]], registry: NodeRegistry, host_map: HostMap
) -> list[dict[str, Any]]:
    """A copy of a flow list with hosts mapped (for running a flow file in tests)."""
    listed = list(items)
    by_id = {r.node_id: r for r in host_rewrites(listed, registry, host_map)}
    out = []
    for item in listed:
        rewrite = by_id.get(item.get("id"))  # type: ignore[arg-type]
        out.append({**item, **_override_entry(rewrite, item)} if rewrite else item)
    return out
