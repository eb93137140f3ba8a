"""A small builder for golden-case flows, writing nodes as the editor exports them.

Each helper adds one node with the editor's default properties (so the flows
look like real Node-RED exports) and returns its id. Wires are given as a list
of target ids (one output) or a list of such lists (several outputs).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GOLDEN_ENV", "Case", "FlowBuilder", "prop"]

# Environment variables set on the Node-RED process while recording and passed
# to FlowTestHelper(env=...) on replay. Fixed names and values.
GOLDEN_ENV: dict[str, str] = {
    "FE_GOLDEN_FOO": "hello",
    "FE_GOLDEN_BAR": "bar",
    "FE_GOLDEN_NUM": "42",
    "FE_GOLDEN_JSON": '{"a":1,"b":[true,null]}',
    "FE_GOLDEN_EMPTY": "",
    "FE_GOLDEN_SPACES": "two words",
    "FE_GOLDEN_TRUE": "true",
    "FE_GOLDEN_HTML": "<b>&\"'</b>",
    "FE_GOLDEN_SHARED": "from-process",
}

Wires = list[str] | list[list[str]]


def prop(p: str, v: str | None = None, vt: str | None = "str") -> dict[str, Any]:
    """One inject property ``{p, v, vt}`` (omit v/vt with None)."""
    out: dict[str, Any] = {"p": p}
    if v is not None:
        out["v"] = v
    if vt is not None:
        out["vt"] = vt
    return out


def _wires(wires: Wires | None, outputs: int = 1) -> list[list[str]]:
    if not wires:
        return [[] for _ in range(outputs)]
    ports: list[list[str]] = []
    single: list[str] = []
    for w in wires:
        if isinstance(w, str):
            single.append(w)
        else:
            ports.append(list(w))
    return [single] if single else ports


@dataclass
class Case:
    """One golden case: a flow and the inject ids to trigger in order."""

    name: str
    description: str
    flow: list[dict[str, Any]]
    injects: list[str]
    compare_logs: bool = False
    notes: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "case": self.name,
            "description": self.description,
            "flow": self.flow,
            "env": dict(GOLDEN_ENV),
            "injects": self.injects,
            "compare_logs": self.compare_logs,
        }
        if self.notes:
            out["notes"] = self.notes
        return out


@dataclass
class FlowBuilder:
    """Collects the nodes of one case's flow."""

    tab: str = "gt"
    label: str = "Golden"
    tab_env: list[dict[str, Any]] | None = None
    nodes: list[dict[str, Any]] = field(default_factory=list)
    _y: int = 0

    def __post_init__(self) -> None:
        tab: dict[str, Any] = {
            "id": self.tab,
            "type": "tab",
            "label": self.label,
            "disabled": False,
            "info": "",
        }
        if self.tab_env is not None:
            tab["env"] = self.tab_env
        self.nodes.append(tab)

    # ---- generic ---------------------------------------------------------------
    def add(
        self,
        node_type: str,
        node_id: str,
        wires: Wires | None = None,
        *,
        z: str | None = None,
        outputs: int = 1,
        **props: Any,
    ) -> str:
        self._y += 40
        node: dict[str, Any] = {"id": node_id, "type": node_type, "z": z or self.tab}
        node.setdefault("name", "")
        node.update(props)
        node["x"] = 200
        node["y"] = self._y
        if outputs >= 0:
            node["wires"] = _wires(wires, outputs)
        self.nodes.append(node)
        return node_id

    def raw(self, node: dict[str, Any]) -> str:
        self.nodes.append(copy.deepcopy(node))
        return str(node["id"])

    def extra_tab(self, tab_id: str, label: str, env: list[dict[str, Any]] | None = None) -> str:
        tab: dict[str, Any] = {"id": tab_id, "type": "tab", "label": label, "disabled": False}
        if env is not None:
            tab["env"] = env
        self.nodes.insert(1, tab)
        return tab_id

    def set_group(self, node_id: str, group_id: str) -> None:
        for n in self.nodes:
            if n["id"] == node_id:
                n["g"] = group_id
                return
        raise KeyError(node_id)

    # ---- common ------------------------------------------------------------------
    def inject(
        self,
        node_id: str,
        wires: Wires | None,
        *props: dict[str, Any],
        z: str | None = None,
        **kw: Any,
    ) -> str:
        fields: dict[str, Any] = {
            "props": list(props),
            "repeat": "",
            "crontab": "",
            "once": False,
            "onceDelay": 0.1,
            "topic": "",
            "payload": "",
            "payloadType": "str",
        }
        fields.update(kw)
        if fields["props"] is None:
            del fields["props"]
        return self.add("inject", node_id, wires, z=z, **fields)

    def injects(
        self, wires: Wires, values: list[tuple[str, str]], *, prefix: str = "i", **kw: Any
    ) -> list[str]:
        """One inject node per ``(value, type)`` payload, ids ``<prefix>1...``; returns the ids."""
        ids = []
        for n, (v, vt) in enumerate(values, 1):
            ids.append(self.inject(f"{prefix}{n}", wires, prop("payload", v, vt), **kw))
        return ids

    def debug(
        self, node_id: str, complete: str = "true", *, z: str | None = None, **kw: Any
    ) -> str:
        fields: dict[str, Any] = {
            "active": True,
            "tosidebar": True,
            "console": False,
            "tostatus": False,
            "complete": complete,
            "targetType": "full" if complete == "true" else "msg",
            "statusVal": "",
            "statusType": "auto",
        }
        fields.update(kw)
        self.add("debug", node_id, None, z=z, **fields)
        self.nodes[-1]["wires"] = []
        return node_id

    def junction(self, node_id: str, wires: Wires, *, z: str | None = None) -> str:
        self._y += 40
        self.nodes.append(
            {
                "id": node_id,
                "type": "junction",
                "z": z or self.tab,
                "x": 100,
                "y": self._y,
                "wires": _wires(wires),
            }
        )
        return node_id

    def comment(self, node_id: str, text: str, *, z: str | None = None) -> str:
        return self.add("comment", node_id, None, z=z, outputs=0, name=text, info="")

    def catch(
        self,
        node_id: str,
        wires: Wires,
        scope: list[str] | str | None = None,
        uncaught: bool = False,
        *,
        z: str | None = None,
        **kw: Any,
    ) -> str:
        return self.add("catch", node_id, wires, z=z, scope=scope, uncaught=uncaught, **kw)

    def status(
        self,
        node_id: str,
        wires: Wires,
        scope: list[str] | str | None = None,
        *,
        z: str | None = None,
    ) -> str:
        return self.add("status", node_id, wires, z=z, scope=scope)

    def complete(
        self, node_id: str, wires: Wires, scope: list[str], *, z: str | None = None
    ) -> str:
        return self.add("complete", node_id, wires, z=z, scope=scope, uncaught=False)

    def link_in(
        self, node_id: str, wires: Wires, links: list[str], *, z: str | None = None, **kw: Any
    ) -> str:
        return self.add("link in", node_id, wires, z=z, links=links, **kw)

    def link_out(
        self, node_id: str, links: list[str], mode: str = "link", *, z: str | None = None, **kw: Any
    ) -> str:
        self.add("link out", node_id, None, z=z, mode=mode, links=links, **kw)
        self.nodes[-1]["wires"] = []
        return node_id

    def link_call(
        self,
        node_id: str,
        wires: Wires,
        links: list[str],
        link_type: str = "static",
        timeout: str = "30",
        *,
        z: str | None = None,
        **kw: Any,
    ) -> str:
        return self.add(
            "link call", node_id, wires, z=z, links=links, linkType=link_type, timeout=timeout, **kw
        )

    def group(
        self,
        group_id: str,
        members: list[str],
        *,
        name: str = "",
        env: list[dict[str, Any]] | None = None,
        parent: str | None = None,
        z: str | None = None,
    ) -> str:
        grp: dict[str, Any] = {
            "id": group_id,
            "type": "group",
            "z": z or self.tab,
            "name": name,
            "style": {"label": True},
            "nodes": list(members),
            "x": 10,
            "y": 10,
            "w": 400,
            "h": 200,
        }
        if env is not None:
            grp["env"] = env
        if parent:
            grp["g"] = parent
        self.nodes.append(grp)
        for m in members:
            self.set_group(m, group_id)
        return group_id

    def global_config(self, node_id: str, env: list[dict[str, Any]]) -> str:
        self.nodes.append({"id": node_id, "type": "global-config", "env": env, "modules": {}})
        return node_id

    # ---- function ----------------------------------------------------------------
    def change(
        self, node_id: str, wires: Wires, rules: list[dict[str, Any]] | None, **kw: Any
    ) -> str:
        fields: dict[str, Any] = {"action": "", "property": "", "from": "", "to": "", "reg": False}
        if rules is not None:
            fields["rules"] = rules
        fields.update(kw)
        return self.add("change", node_id, wires, **fields)

    def switch(
        self,
        node_id: str,
        wires: list[list[str]],
        rules: list[dict[str, Any]],
        *,
        prop: str = "payload",
        prop_type: str = "msg",
        checkall: str = "true",
        repair: bool = False,
        z: str | None = None,
    ) -> str:
        self.add(
            "switch",
            node_id,
            None,
            z=z,
            outputs=0,
            property=prop,
            propertyType=prop_type,
            rules=rules,
            checkall=checkall,
            repair=repair,
        )
        node = self.nodes[-1]
        node["outputs"] = len(rules)
        node["wires"] = [list(p) for p in wires] + [[] for _ in range(len(rules) - len(wires))]
        return node_id

    def template(
        self,
        node_id: str,
        wires: Wires,
        template: str,
        *,
        field_name: str = "payload",
        field_type: str = "msg",
        syntax: str = "mustache",
        output: str = "str",
        z: str | None = None,
    ) -> str:
        return self.add(
            "template",
            node_id,
            wires,
            z=z,
            field=field_name,
            fieldType=field_type,
            format="handlebars",
            syntax=syntax,
            template=template,
            output=output,
        )

    def range(
        self,
        node_id: str,
        wires: Wires,
        minin: str,
        maxin: str,
        minout: str,
        maxout: str,
        action: str = "scale",
        round_: bool = False,
        prop: str = "payload",
    ) -> str:
        return self.add(
            "range",
            node_id,
            wires,
            minin=minin,
            maxin=maxin,
            minout=minout,
            maxout=maxout,
            action=action,
            round=round_,
            property=prop,
        )

    # ---- parser ------------------------------------------------------------------
    def json(
        self,
        node_id: str,
        wires: Wires,
        action: str = "",
        prop: str = "payload",
        pretty: bool = False,
    ) -> str:
        return self.add("json", node_id, wires, property=prop, action=action, pretty=pretty)

    # ---- subflows ----------------------------------------------------------------
    def subflow(
        self,
        sid: str,
        name: str,
        in_targets: list[str] | None,
        out_ports: list[list[tuple[str, int]]],
        *,
        env: list[dict[str, Any]] | None = None,
        status: list[tuple[str, int]] | None = None,
    ) -> str:
        """A subflow template; ``out_ports[i]`` lists ``(node id, port)`` wired to out i.

        Use the subflow id itself as node id for an input→output pass-through.
        """
        sf: dict[str, Any] = {
            "id": sid,
            "type": "subflow",
            "name": name,
            "info": "",
            "category": "",
            "in": [],
            "out": [
                {"x": 400, "y": 40 + 40 * i, "wires": [{"id": n, "port": p} for n, p in port]}
                for i, port in enumerate(out_ports)
            ],
            "env": env or [],
            "meta": {},
            "color": "#DDAA99",
        }
        if in_targets is not None:
            sf["in"] = [{"x": 50, "y": 40, "wires": [{"id": t} for t in in_targets]}]
        if status is not None:
            sf["status"] = {"x": 400, "y": 200, "wires": [{"id": n, "port": p} for n, p in status]}
        self.nodes.append(sf)
        return sid

    def instance(
        self,
        node_id: str,
        sid: str,
        wires: Wires | None,
        *,
        outputs: int = 1,
        name: str = "",
        env: list[dict[str, Any]] | None = None,
        z: str | None = None,
    ) -> str:
        return self.add(
            f"subflow:{sid}", node_id, wires, z=z, outputs=outputs, name=name, env=env or []
        )

    # ---- finishing ---------------------------------------------------------------
    def case(
        self,
        name: str,
        description: str,
        injects: list[str],
        *,
        compare_logs: bool = False,
        notes: str = "",
    ) -> Case:
        return Case(name, description, copy.deepcopy(self.nodes), injects, compare_logs, notes)
