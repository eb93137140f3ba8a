"""Load and validate Node-RED flow files into a read-only model.

Reads the on-disk flat array and the admin API's ``{"flows": [...], "rev"}``
form (never writing the file), the credentials file beside it, checks
structure (JSON Schema) and meaning (ids, wires, config references, subflows,
groups, types), and classifies every element the way ``RT/flows/util.js``
``parseConfig`` does. Runs nothing: the runtime builds nodes from the result.

Every problem is one :class:`~flowengine.errors.Problem` line; loading collects
all of them before failing, so ``flowengine validate`` reports them at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from .credentials import CredentialsError, load_credentials, parse_credentials
from .errors import FlowFileError, Problem
from .registry import NodeRegistry, RegistryError

__all__ = [
    "STRUCTURAL_TYPES",
    "FlowSet",
    "check_flow_files",
    "load_flow_files",
    "parse_flows",
    "read_flow_file",
]

STRUCTURAL_TYPES = frozenset({"tab", "subflow", "group"})
SUBFLOW_PREFIX = "subflow:"

_WIRES_SCHEMA = {"type": "array", "items": {"type": "array", "items": {"type": "string"}}}
_ENV_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "type": {"type": "string"}},
    },
}
_PORT_WIRES_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string"}, "port": {"type": "integer", "minimum": 0}},
    },
}
_PORT_SCHEMA = {"type": "object", "properties": {"wires": _PORT_WIRES_SCHEMA}}

NODE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "type"],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "type": {"type": "string", "minLength": 1},
        "z": {"type": "string"},
        "g": {"type": "string"},
        "name": {"type": "string"},
        "x": {"type": "number"},
        "y": {"type": "number"},
        "d": {"type": "boolean"},
        "wires": _WIRES_SCHEMA,
        "env": _ENV_SCHEMA,
    },
    "allOf": [
        {
            "if": {"properties": {"type": {"const": "tab"}}},
            "then": {
                "properties": {
                    "label": {"type": "string"},
                    "disabled": {"type": "boolean"},
                    "info": {"type": "string"},
                }
            },
        },
        {
            "if": {"properties": {"type": {"const": "subflow"}}},
            "then": {
                "properties": {
                    "in": {"type": "array", "maxItems": 1, "items": _PORT_SCHEMA},
                    "out": {"type": "array", "items": _PORT_SCHEMA},
                    "status": {"type": "object", "properties": {"wires": _PORT_WIRES_SCHEMA}},
                }
            },
        },
        {
            "if": {"properties": {"type": {"const": "group"}}},
            "then": {"properties": {"nodes": {"type": "array", "items": {"type": "string"}}}},
        },
    ],
}

_validator = jsonschema.Draft202012Validator(NODE_SCHEMA)
_TOP_LEVEL_KEYS = frozenset({"flows", "rev", "credentials"})


@dataclass
class FlowSet:
    """Everything in one or more flow files, classified; read-only by convention."""

    files: list[str]
    items: list[dict[str, Any]]
    by_id: dict[str, dict[str, Any]]
    tabs: dict[str, dict[str, Any]]
    subflows: dict[str, dict[str, Any]]
    groups: dict[str, dict[str, Any]]
    #: container id (tab or subflow) → flow nodes, file order
    flow_nodes: dict[str, list[dict[str, Any]]]
    #: container id → config nodes scoped to it; "" → global config nodes.
    #: Config nodes in :attr:`unknown` are left out (they are not run).
    configs: dict[str, list[dict[str, Any]]]
    credentials: dict[str, dict[str, Any]]
    source_of: dict[str, str]
    warnings: list[Problem] = field(default_factory=list)
    #: ids of nodes not to run: of unknown type (``--allow-unknown``), or, in a
    #: flow set built for ``validate``, nodes with a load problem.
    unknown: set[str] = field(default_factory=set)
    #: ids of nodes with a load problem (only in a flow set built for ``validate``)
    broken: set[str] = field(default_factory=set)

    def file_of(self, node_id: str) -> str:
        return self.source_of.get(node_id, self.files[0] if self.files else "<flows>")

    def is_flow_node(self, node: dict[str, Any]) -> bool:
        return "x" in node and "y" in node


# ---- reading -------------------------------------------------------------------------


@dataclass
class _Source:
    path: str
    items: list[Any]
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


def _read_json(path: str) -> Any:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise FlowFileError([Problem(path, "file not found")]) from None
    except IsADirectoryError:
        raise FlowFileError([Problem(path, "is a directory, not a flow file")]) from None
    except OSError as e:
        raise FlowFileError([Problem(path, f"cannot read file: {e.strerror or e}")]) from None
    if raw.startswith(b"\xef\xbb\xbf"):  # Node-RED strips a UTF-8 BOM too
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FlowFileError([Problem(path, f"not UTF-8 text (byte {e.start})")]) from None
    if not text.strip():
        raise FlowFileError([Problem(path, "file is empty; expected a JSON array of nodes")])
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise FlowFileError(
            [Problem(path, f"invalid JSON: {e.msg} at line {e.lineno} column {e.colno}")]
        ) from None


def _extract(path: str, data: Any, secret: str | None) -> _Source:
    """The node list of either file form, plus credentials the object form may carry."""
    if isinstance(data, list):
        return _Source(path, data)
    if isinstance(data, dict) and "flows" in data:
        flows = data["flows"]
        if not isinstance(flows, list):
            raise FlowFileError(
                [Problem(path, f"flows: expected an array of nodes, got {_json_type(flows)}")]
            )
        source = _Source(path, flows)
        rev = data.get("rev")
        if rev is not None and not isinstance(rev, str):
            source.warnings.append(
                Problem(path, f"rev: expected a string, got {_json_type(rev)}", warning=True)
            )
        for key in sorted(set(data) - _TOP_LEVEL_KEYS):
            source.warnings.append(
                Problem(path, f"{key}: unknown top-level key ignored", warning=True)
            )
        if "credentials" in data:
            try:
                source.credentials = parse_credentials(path, data["credentials"], secret)
            except CredentialsError as e:
                raise FlowFileError([Problem(path, f"credentials: {e.message}")]) from None
        return source
    raise FlowFileError(
        [
            Problem(
                path,
                'expected a JSON array of nodes or an object {"flows": [...]}, '
                f"got {_json_type(data)}",
            )
        ]
    )


def read_flow_file(path: str, credential_secret: str | None = None) -> list[Any]:
    """The raw node list of one flow file (either form). Raises :class:`FlowFileError`."""
    return _extract(path, _read_json(path), credential_secret).items


def _read_sources(
    paths: list[str], credential_secret: str | None
) -> tuple[list[_Source], list[Problem]]:
    problems: list[Problem] = []
    sources: list[_Source] = []
    for path in paths:
        try:
            source = _extract(path, _read_json(path), credential_secret)
        except FlowFileError as e:
            problems.extend(e.problems)
            continue
        try:
            file_creds = load_credentials(path, credential_secret)
        except CredentialsError as e:
            problems.append(Problem(e.path, e.message))
            file_creds = {}
        source.credentials = {**file_creds, **source.credentials}
        sources.append(source)
    return sources, problems


# ---- public entry points ---------------------------------------------------------------


def parse_flows(
    path: str,
    data: Any,
    registry: NodeRegistry | None,
    credentials: dict[str, dict[str, Any]] | None = None,
    allow_unknown: bool = False,
) -> FlowSet:
    """Validate already-decoded flow data. Raises :class:`FlowFileError`."""
    source = _extract(path, data, None)
    source.credentials = {**(credentials or {}), **source.credentials}
    flowset, problems = _build([source], registry, allow_unknown)
    if problems:
        raise FlowFileError(problems)
    return flowset


def load_flow_files(
    paths: list[str],
    registry: NodeRegistry | None,
    credential_secret: str | None = None,
    allow_unknown: bool = False,
) -> FlowSet:
    """Read, validate and merge flow files with their credential files.

    Raises :class:`FlowFileError` with every problem found.
    """
    sources, problems = _read_sources(paths, credential_secret)
    if problems:
        raise FlowFileError(problems)
    flowset, problems = _build(sources, registry, allow_unknown)
    if problems:
        raise FlowFileError(problems)
    return flowset


def check_flow_files(
    paths: list[str],
    registry: NodeRegistry | None,
    credential_secret: str | None = None,
    allow_unknown: bool = False,
) -> tuple[FlowSet | None, list[Problem]]:
    """Like :func:`load_flow_files` but never raises: every problem, and a flow set
    of what can still be built (problem nodes in ``unknown``) when the files could
    be read, so that ``validate`` can also report node option errors.
    """
    sources, problems = _read_sources(paths, credential_secret)
    if not sources:
        return None, problems
    flowset, found = _build(sources, registry, allow_unknown, lenient=True)
    return flowset, problems + found


# ---- checks ---------------------------------------------------------------------------


def _schema_problems(path: str, index: int, item: Any) -> list[Problem]:
    if not isinstance(item, dict):
        return [Problem(path, f"element [{index}]: expected an object, got {_json_type(item)}")]
    identified = isinstance(item.get("id"), str) and bool(item["id"])
    typed = isinstance(item.get("type"), str) and bool(item["type"])
    problems = []
    for err in sorted(_validator.iter_errors(item), key=lambda e: [str(p) for p in e.path]):
        field_name: str | None
        if err.validator == "required" and not err.absolute_path:
            field_name = str(err.message).split("'")[1] if "'" in err.message else "id"
            what = "missing"
        else:
            field_name = _field_path(err.absolute_path) or None
            what = _describe_schema_error(err)
        if identified and typed:
            problems.append(Problem.for_node(path, item, field_name, what))
        elif identified:
            node = {"id": item["id"], "type": "?"}
            problems.append(Problem.for_node(path, node, field_name, what))
        else:
            label = f"element [{index}]"
            problems.append(Problem(path, f"{label}: {field_name}: {what}"))
    return problems


def _field_path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _describe_schema_error(err: jsonschema.ValidationError) -> str:
    if err.validator == "type":
        expected = err.validator_value
        if isinstance(expected, list):
            expected = " or ".join(expected)
        if expected == "integer":
            expected = "whole number"
        return f"expected {_article(expected)}, got {_json_type(err.instance)}"
    if err.validator == "minLength":
        return "must not be empty"
    if err.validator == "maxItems":
        return f"at most {err.validator_value} element(s) allowed"
    if err.validator == "required":
        return err.message.replace(" is a required property", ": missing").replace("'", "")
    if err.validator == "minimum":
        return f"must be at least {err.validator_value}"
    return str(err.message)


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


class _Checker:
    """Collects problems and warnings for one flow set being built."""

    def __init__(self, source_of: dict[str, str]) -> None:
        self.source_of = source_of
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        #: nodes not to run (unknown type, or any problem when building leniently)
        self.excluded: set[str] = set()

    def error(self, item: dict[str, Any], fld: str | None, what: str) -> None:
        self.problems.append(Problem.for_node(self.source_of[item["id"]], item, fld, what))
        self.excluded.add(item["id"])

    def warn(self, item: dict[str, Any], fld: str | None, what: str) -> None:
        p = Problem.for_node(self.source_of[item["id"]], item, fld, what, warning=True)
        self.warnings.append(p)


def _build(
    sources: list[_Source],
    registry: NodeRegistry | None,
    allow_unknown: bool = False,
    lenient: bool = False,
) -> tuple[FlowSet, list[Problem]]:
    """Classify and check; returns the flow set and the problems (empty when fine)."""
    items: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    source_of: dict[str, str] = {}
    #: ids of elements that failed the schema: references to them are not reported again
    broken_ids: set[str] = set()
    check = _Checker(source_of)
    credentials: dict[str, dict[str, Any]] = {}
    for source in sources:
        check.warnings.extend(source.warnings)
        credentials.update(source.credentials)
        for index, item in enumerate(source.items):
            found = _schema_problems(source.path, index, item)
            if found:
                check.problems.extend(found)
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    broken_ids.add(item["id"])
                continue
            node_id = item["id"]
            if node_id in by_id:
                where = source_of[node_id]
                also = "" if where == source.path else f" (first in {where})"
                check.problems.append(
                    Problem.for_node(source.path, item, "id", f"duplicate id{also}")
                )
                continue
            by_id[node_id] = item
            source_of[node_id] = source.path
            items.append(item)

    tabs = {i["id"]: i for i in items if i["type"] == "tab"}
    subflows = {i["id"]: i for i in items if i["type"] == "subflow"}
    groups = {i["id"]: i for i in items if i["type"] == "group"}
    containers = {**tabs, **subflows}

    flow_nodes: dict[str, list[dict[str, Any]]] = {}
    configs: dict[str, list[dict[str, Any]]] = {"": []}
    config_ids: set[str] = set()
    for item in items:
        if item["type"] in STRUCTURAL_TYPES:
            continue
        z = item.get("z") or ""
        if "x" in item and "y" in item:
            placed = z in tabs or z in subflows
            if not placed and not _place_orphan(item, z, by_id, tabs, check):
                continue
            flow_nodes.setdefault(z, []).append(item)
        else:
            config_ids.add(item["id"])
            if z and z not in containers:
                check.warn(item, "z", f'unknown tab "{z}"; treated as a global config node')
            configs.setdefault(z if z in containers else "", []).append(item)
    containers = {**tabs, **subflows}  # now with tabs synthesised for orphans

    def container_of(node_id: str) -> str:
        node = by_id.get(node_id)
        return (node.get("z") or "") if node is not None else ""

    # subflow id → ids of the subflows instantiated inside it (for recursion checks)
    nested: dict[str, set[str]] = {}
    for item in items:
        z = item.get("z") or ""
        if item["type"].startswith(SUBFLOW_PREFIX) and z in subflows:
            nested.setdefault(z, set()).add(item["type"][len(SUBFLOW_PREFIX) :])

    classes: dict[str, Any] = {}
    unloadable: dict[str, str] = {}
    unknown_types: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        t = item["type"]
        if t == "group":
            _check_group(item, by_id, groups, containers, check)
            continue
        if t == "subflow":
            _check_subflow_ports(item, by_id, check)
        if t in STRUCTURAL_TYPES:
            continue
        if t.startswith(SUBFLOW_PREFIX):
            _check_instance(item, subflows, nested, check)
        elif registry is not None:
            if t not in registry:
                unknown_types.setdefault(t, []).append(item)
            else:
                if t not in classes and t not in unloadable:
                    try:
                        classes[t] = registry.get(t)
                    except RegistryError as e:  # registered, but its module is broken
                        unloadable[t] = str(e)
                if t in unloadable:
                    check.error(item, "type", unloadable[t])
        _check_wires(item, by_id, broken_ids, config_ids, container_of, subflows, check)
        g = item.get("g")
        if g and g not in groups:
            check.warn(item, "g", f'unknown group "{g}"')
        cls = classes.get(t)
        if cls is not None:
            _check_config_refs(item, cls, by_id, broken_ids, check)

    for nodes in unknown_types.values():
        for item in nodes:
            check.excluded.add(item["id"])
            if allow_unknown:
                check.warn(item, "type", "unknown node type; node disabled")
            else:
                check.error(item, "type", "unknown node type")
    if unknown_types and not allow_unknown:
        by_file: dict[str, list[str]] = {}
        for t, nodes in unknown_types.items():
            for path in dict.fromkeys(source_of[n["id"]] for n in nodes):
                ids = ", ".join(n["id"] for n in nodes if source_of[n["id"]] == path)
                by_file.setdefault(path, []).append(f'"{t}" ({ids})')
        for path, listed in by_file.items():
            check.problems.append(
                Problem(
                    path,
                    f"unknown node types, not starting: {'; '.join(listed)} "
                    "(--allow-unknown runs the rest without them)",
                )
            )

    # Nodes not to run: only unknown ones, unless building leniently for validate.
    unknown_ids = {i for nodes in unknown_types.values() for i in _ids(nodes)}
    not_run = check.excluded if lenient else unknown_ids
    flowset = FlowSet(
        files=[s.path for s in sources],
        items=items,
        by_id=by_id,
        tabs=tabs,
        subflows=subflows,
        groups=groups,
        flow_nodes=flow_nodes,
        configs={k: [c for c in v if c["id"] not in not_run] for k, v in configs.items()},
        credentials=credentials,
        source_of=source_of,
        warnings=check.warnings,
        unknown=set(not_run),
        # unknown nodes run disabled under --allow-unknown (warned); else they are errors
        broken=check.excluded - (unknown_ids if allow_unknown else set()) if lenient else set(),
    )
    return flowset, check.problems


def _ids(nodes: list[dict[str, Any]]) -> list[str]:
    return [n["id"] for n in nodes]


def _place_orphan(
    item: dict[str, Any],
    z: str,
    by_id: dict[str, dict[str, Any]],
    tabs: dict[str, dict[str, Any]],
    check: _Checker,
) -> bool:
    """A flow node whose ``z`` is no tab or subflow; False when it cannot be placed."""
    if not z:
        check.error(item, "z", "flow node has no tab (z)")
        return False
    other = by_id.get(z)
    if other is not None:
        check.error(item, "z", f'"{z}" is a {other["type"]} node, not a tab or subflow')
        return False
    # Node-RED synthesises the missing tab (parseConfig); so do we, with a warning
    # on the node that first names it.
    check.warn(item, "z", f'unknown tab "{z}"; created one')
    tabs[z] = {"id": z, "type": "tab", "label": z}
    return True


def _check_wires(
    item: dict[str, Any],
    by_id: dict[str, dict[str, Any]],
    broken_ids: set[str],
    config_ids: set[str],
    container_of: Any,
    subflows: dict[str, dict[str, Any]],
    check: _Checker,
) -> None:
    here = item.get("z") or ""
    for port, targets in enumerate(item.get("wires") or []):
        fld = f"wires[{port}]"
        for target in targets:
            other = by_id.get(target)
            if other is None:
                if target not in broken_ids:
                    check.error(item, fld, f'wire to unknown node "{target}"')
                continue
            if other["type"] in STRUCTURAL_TYPES:
                check.error(item, fld, f'wire to "{target}", a {other["type"]}, not a node')
            elif target in config_ids:
                check.error(item, fld, f'wire to "{target}", a config node ({other["type"]})')
            else:
                there = container_of(target)
                if there != here and (here in subflows or there in subflows):
                    check.error(item, fld, f'wire to "{target}" crosses a subflow boundary')


def _check_config_refs(
    item: dict[str, Any],
    cls: Any,
    by_id: dict[str, dict[str, Any]],
    broken_ids: set[str],
    check: _Checker,
) -> None:
    for prop, want in cls.config_refs.items():
        ref = item.get(prop)
        if ref is None or ref == "":
            continue
        if not isinstance(ref, str):
            check.error(item, prop, f"expected a config node id, got {_json_type(ref)}")
            continue
        target = by_id.get(ref)
        if target is None:
            if ref not in broken_ids:
                check.error(item, prop, f'config node "{ref}" not found')
        elif want is not None and target.get("type") != want:
            check.error(item, prop, f'"{ref}" is a {target.get("type")} node, expected {want}')
        elif target.get("d"):
            check.warn(item, prop, f'config node "{ref}" is disabled')


def _check_instance(
    item: dict[str, Any],
    subflows: dict[str, dict[str, Any]],
    nested: dict[str, set[str]],
    check: _Checker,
) -> None:
    sid = item["type"][len(SUBFLOW_PREFIX) :]
    template = subflows.get(sid)
    if template is None:
        check.error(item, "type", f'subflow definition "{sid}" not found')
        return
    label = template.get("name") or sid
    outs = len(template.get("out") or [])
    wires = item.get("wires") or []
    # Extra empty ports are harmless (hand edits); wires on a port the subflow lacks are not.
    if any(wires[outs:]):
        check.error(item, "wires", f'{len(wires)} outputs wired; subflow "{label}" has {outs}')
    cycle = _subflow_cycle(sid, item.get("z") or "", nested)
    if cycle:
        check.error(item, "type", f"subflow contains itself ({' -> '.join(cycle)})")


def _subflow_cycle(sid: str, container: str, nested: dict[str, set[str]]) -> list[str] | None:
    """Path container → sid → … → container when an instance of ``sid`` inside
    ``container`` (a subflow) would instantiate ``container`` again."""
    if container not in nested:
        return None
    stack: list[tuple[str, list[str]]] = [(sid, [sid])]
    seen: set[str] = set()
    while stack:  # depth-first search for container, starting from sid
        current, path = stack.pop()
        if current == container:
            return [container, *path]
        if current in seen:
            continue
        seen.add(current)
        for nxt in sorted(nested.get(current, ())):
            stack.append((nxt, [*path, nxt]))
    return None


def _check_subflow_ports(item: dict[str, Any], by_id: dict[str, Any], check: _Checker) -> None:
    sid = item["id"]

    def inside(wire: dict[str, Any]) -> bool:
        target = by_id.get(str(wire.get("id")))
        return target is not None and target.get("z") == sid

    for i, port in enumerate(item.get("in") or []):
        for j, w in enumerate(port.get("wires") or []):
            if not inside(w):
                check.error(item, f"in[{i}].wires[{j}]", _outside(w, by_id, "to"))
    for i, port in enumerate(item.get("out") or []):
        for j, w in enumerate(port.get("wires") or []):
            if w.get("id") != sid and not inside(w):
                check.error(item, f"out[{i}].wires[{j}]", _outside(w, by_id, "from"))
    status = item.get("status")
    if isinstance(status, dict):
        for j, w in enumerate(status.get("wires") or []):
            if not inside(w):
                check.error(item, f"status.wires[{j}]", _outside(w, by_id, "from"))


def _outside(wire: dict[str, Any], by_id: dict[str, Any], direction: str) -> str:
    wid = wire.get("id")
    if wid not in by_id:
        return f'wire {direction} unknown node "{wid}"'
    return f'wire {direction} "{wid}", a node outside the subflow'


def _check_group(
    item: dict[str, Any],
    by_id: dict[str, dict[str, Any]],
    groups: dict[str, dict[str, Any]],
    containers: dict[str, dict[str, Any]],
    check: _Checker,
) -> None:
    z = item.get("z") or ""
    if z not in containers:
        check.warn(item, "z", f'unknown tab "{z}"; group ignored' if z else "group has no tab (z)")
    parent = item.get("g")
    if parent and parent not in groups:
        check.warn(item, "g", f'unknown group "{parent}"')
    seen = {item["id"]}
    while parent and parent in groups:  # parent chain must end
        if parent in seen:
            check.error(item, "g", "groups contain each other")
            break
        seen.add(parent)
        parent = groups[parent].get("g")
    for member in item.get("nodes") or []:
        node = by_id.get(member)
        if node is None:
            check.warn(item, "nodes", f'unknown node "{member}"')
        elif node.get("g") != item["id"]:
            check.warn(item, "nodes", f'node "{member}" does not name this group in its g')
