"""Load and validate Node-RED flow files into an immutable model.

Reads the on-disk flat array and the admin API's ``{"flows": [...], "rev"}``
form, the credentials file beside it, checks structure (JSON Schema) and
meaning (ids, wires, config references, subflows, types), and classifies every
element the way ``RT/flows/util.js`` ``parseConfig`` does. Runs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from .credentials import CredentialsError, load_credentials
from .errors import FlowFileError, Problem
from .registry import NodeRegistry, RegistryError

__all__ = ["FlowSet", "load_flow_files", "parse_flows"]

STRUCTURAL_TYPES = frozenset({"tab", "subflow", "group"})

_WIRES_SCHEMA = {"type": "array", "items": {"type": "array", "items": {"type": "string"}}}

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
        "disabled": {"type": "boolean"},
        "env": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "type": {"type": "string"}},
            },
        },
    },
    "allOf": [
        {
            "if": {"properties": {"type": {"const": "subflow"}}},
            "then": {
                "properties": {
                    "in": {"type": "array", "maxItems": 1},
                    "out": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "wires": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["id"],
                                        "properties": {
                                            "id": {"type": "string"},
                                            "port": {"type": "integer", "minimum": 0},
                                        },
                                    },
                                }
                            },
                        },
                    },
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
    #: container id → config nodes scoped to it; "" → global config nodes
    configs: dict[str, list[dict[str, Any]]]
    credentials: dict[str, dict[str, Any]]
    source_of: dict[str, str]
    warnings: list[Problem] = field(default_factory=list)
    #: ids of nodes of unknown type, run as disabled (``--allow-unknown``)
    unknown: set[str] = field(default_factory=set)

    def file_of(self, node_id: str) -> str:
        return self.source_of.get(node_id, self.files[0] if self.files else "<flows>")

    def is_flow_node(self, node: dict[str, Any]) -> bool:
        return "x" in node and "y" in node


def _read_json(path: str) -> Any:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise FlowFileError([Problem(path, "file not found")]) from None
    except OSError as e:
        raise FlowFileError([Problem(path, f"cannot read file: {e.strerror or e}")]) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FlowFileError([Problem(path, f"not UTF-8 text (byte {e.start})")]) from None
    if not text.strip():
        raise FlowFileError([Problem(path, "file is empty")])
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise FlowFileError(
            [Problem(path, f"invalid JSON: {e.msg} at line {e.lineno} column {e.colno}")]
        ) from None


def _extract_items(path: str, data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("flows"), list):
        return data["flows"]
    raise FlowFileError(
        [Problem(path, 'expected a JSON array of nodes or an object {"flows": [...]}')]
    )


def _schema_problems(path: str, index: int, item: Any) -> list[Problem]:
    if not isinstance(item, dict):
        return [Problem(path, f"element [{index}]: expected an object, got {_json_type(item)}")]
    problems = []
    for err in sorted(_validator.iter_errors(item), key=lambda e: list(e.absolute_path)):
        if not err.absolute_path:
            if err.validator == "required":
                missing = err.message.split("'")[1] if "'" in err.message else "id"
                if isinstance(item.get("id"), str) and item.get("id"):
                    problems.append(Problem.for_node(path, item, missing, "missing"))
                else:
                    problems.append(Problem(path, f"element [{index}]: {missing}: missing"))
                continue
            field_name = None
        else:
            field_name = _field_path(err.absolute_path)
        what = _describe_schema_error(err)
        if isinstance(item.get("id"), str) and item.get("id") and isinstance(item.get("type"), str):
            problems.append(Problem.for_node(path, item, field_name, what))
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
        return f"expected {_article(expected)}, got {_json_type(err.instance)}"
    if err.validator == "minLength":
        return "must not be empty"
    if err.validator == "maxItems":
        return f"at most {err.validator_value} element(s) allowed"
    if err.validator == "required":
        return err.message.replace("is a required property", "missing")
    if err.validator == "minimum":
        return f"must be at least {err.validator_value}"
    return err.message


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def parse_flows(
    path: str,
    data: Any,
    registry: NodeRegistry | None,
    credentials: dict[str, dict[str, Any]] | None = None,
    allow_unknown: bool = False,
) -> FlowSet:
    """Validate already-decoded flow data. Raises :class:`FlowFileError`."""
    return _build([(path, _extract_items(path, data))], registry, credentials or {}, allow_unknown)


def load_flow_files(
    paths: list[str],
    registry: NodeRegistry | None,
    credential_secret: str | None = None,
    allow_unknown: bool = False,
) -> FlowSet:
    """Read, validate and merge flow files with their credential files."""
    problems: list[Problem] = []
    sources: list[tuple[str, list[Any]]] = []
    creds: dict[str, dict[str, Any]] = {}
    for path in paths:
        try:
            sources.append((path, _extract_items(path, _read_json(path))))
        except FlowFileError as e:
            problems.extend(e.problems)
            continue
        try:
            creds.update(load_credentials(path, credential_secret))
        except CredentialsError as e:
            problems.append(Problem(e.path, e.message))
    if problems:
        raise FlowFileError(problems)
    return _build(sources, registry, creds, allow_unknown)


def _build(
    sources: list[tuple[str, list[Any]]],
    registry: NodeRegistry | None,
    credentials: dict[str, dict[str, Any]],
    allow_unknown: bool = False,
) -> FlowSet:
    problems: list[Problem] = []
    unknown: set[str] = set()
    warnings: list[Problem] = []
    items: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    source_of: dict[str, str] = {}
    for path, raw_items in sources:
        for index, item in enumerate(raw_items):
            found = _schema_problems(path, index, item)
            if found:
                problems.extend(found)
                continue
            node_id = item["id"]
            if node_id in by_id:
                where = source_of[node_id]
                also = "" if where == path else f" (first in {where})"
                problems.append(Problem.for_node(path, item, "id", f"duplicate id{also}"))
                continue
            by_id[node_id] = item
            source_of[node_id] = path
            items.append(item)

    tabs: dict[str, dict[str, Any]] = {}
    subflows: dict[str, dict[str, Any]] = {}
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        t = item["type"]
        if t == "tab":
            tabs[item["id"]] = item
        elif t == "subflow":
            subflows[item["id"]] = item
        elif t == "group":
            groups[item["id"]] = item

    flow_nodes: dict[str, list[dict[str, Any]]] = {}
    configs: dict[str, list[dict[str, Any]]] = {"": []}
    for item in items:
        t = item["type"]
        if t in STRUCTURAL_TYPES:
            continue
        z = item.get("z") or ""
        is_flow_node = "x" in item and "y" in item
        if is_flow_node:
            if z not in tabs and z not in subflows:
                if z:
                    warnings.append(
                        Problem.for_node(
                            source_of[item["id"]], item, "z", f'unknown tab "{z}"; created one',
                            warning=True,
                        )
                    )
                    tabs[z] = {"id": z, "type": "tab", "label": z}
                else:
                    problems.append(
                        Problem.for_node(
                            source_of[item["id"]], item, "z", "flow node has no tab (z)"
                        )
                    )
                    continue
            flow_nodes.setdefault(z, []).append(item)
        else:
            scope = z if (z in tabs or z in subflows) else ""
            configs.setdefault(scope, []).append(item)

    def node_problem(item: dict[str, Any], fld: str | None, what: str, warn: bool = False) -> None:
        p = Problem.for_node(source_of[item["id"]], item, fld, what, warning=warn)
        (warnings if warn else problems).append(p)

    # Types, wires, references.
    classes: dict[str, Any] = {}
    for item in items:
        t = item["type"]
        if t in STRUCTURAL_TYPES:
            _check_structural(item, by_id, node_problem)
            continue
        if t.startswith("subflow:"):
            sid = t[8:]
            template = subflows.get(sid)
            if template is None:
                node_problem(item, "type", f'subflow definition "{sid}" not found')
            else:
                outs = len(template.get("out") or [])
                if len(item.get("wires") or []) > outs:
                    node_problem(
                        item, "wires", f"has {len(item['wires'])} outputs; subflow has {outs}"
                    )
        elif registry is not None:
            if t not in registry:
                if allow_unknown:
                    unknown.add(item["id"])
                    node_problem(item, "type", "unknown node type; node disabled", warn=True)
                else:
                    node_problem(item, "type", "unknown node type")
            else:
                try:
                    classes[t] = registry.get(t)
                except RegistryError as e:
                    node_problem(item, "type", str(e))
        for port, targets in enumerate(item.get("wires") or []):
            for target in targets:
                if target not in by_id:
                    node_problem(item, f"wires[{port}]", f'wire to unknown node "{target}"')
        g = item.get("g")
        if g and g not in groups:
            node_problem(item, "g", f'unknown group "{g}"', warn=True)
        cls = classes.get(t)
        if cls is not None:
            for prop, want in cls.config_refs.items():
                ref = item.get(prop)
                if not ref:
                    continue
                if not isinstance(ref, str):
                    node_problem(item, prop, f"expected a config node id, got {_json_type(ref)}")
                    continue
                target_cfg = by_id.get(ref)
                if target_cfg is None:
                    node_problem(item, prop, f'config node "{ref}" not found')
                elif want is not None and target_cfg.get("type") != want:
                    node_problem(
                        item, prop, f'"{ref}" is a {target_cfg.get("type")}, expected {want}'
                    )
    if problems:
        raise FlowFileError(problems)
    return FlowSet(
        files=[p for p, _ in sources],
        items=items,
        by_id=by_id,
        tabs=tabs,
        subflows=subflows,
        groups=groups,
        flow_nodes=flow_nodes,
        configs=configs,
        credentials=credentials,
        source_of=source_of,
        warnings=warnings,
        unknown=unknown,
    )


def _check_structural(item: dict[str, Any], by_id: dict[str, Any], node_problem: Any) -> None:
    if item["type"] == "subflow":
        sid = item["id"]
        for i, port in enumerate(item.get("in") or []):
            for j, w in enumerate((port or {}).get("wires") or []):
                target = by_id.get(w.get("id")) if isinstance(w, dict) else None
                if target is None or target.get("z") != sid:
                    node_problem(item, f"in[{i}].wires[{j}]", "wire to a node outside the subflow")
        for i, port in enumerate(item.get("out") or []):
            for j, w in enumerate((port or {}).get("wires") or []):
                wid = w.get("id") if isinstance(w, dict) else None
                if wid == sid:
                    continue
                target = by_id.get(wid) if wid else None
                if target is None or target.get("z") != sid:
                    node_problem(item, f"out[{i}].wires[{j}]", "wire from a node outside the subflow")
        status = item.get("status")
        if isinstance(status, dict):
            for j, w in enumerate(status.get("wires") or []):
                wid = w.get("id") if isinstance(w, dict) else None
                target = by_id.get(wid) if wid else None
                if target is None or target.get("z") != sid:
                    node_problem(item, f"status.wires[{j}]", "wire from a node outside the subflow")
