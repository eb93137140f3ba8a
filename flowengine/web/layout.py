"""Geometry of one tab or subflow as Node-RED's editor lays it out (``RED.view``).

Positions come from the flow file (``x``/``y`` are node centres); sizes and the rest
follow the editor's rules: a node is 30 px high per label line (``6 + 24·lines``, at
least 30 and ``15·outputs``), as wide as its label needs rounded up to the 20 px grid
(at least 100), ports 10 px squares spaced 13 px, wires cubic béziers from
``generateLinkPath``, groups boxes around their members with a 26 px margin.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .appearance import NodeDef, as_list, get_def, node_label, subflow_def
from .textwidth import offset_width

__all__ = [
    "GroupBox",
    "NodeBox",
    "OffFlowLink",
    "Scene",
    "SubflowPort",
    "Wire",
    "convert_line_breaks",
    "layout_container",
    "link_path",
]

NODE_WIDTH = 100
NODE_HEIGHT = 30
GRID = 20
LINE_CURVE_SCALE = 0.75
GROUP_MARGIN = 26
LINK_TYPES = ("link in", "link out")

Item = Mapping[str, Any]


@dataclass
class NodeBox:
    """One node as drawn: ``x``/``y`` the centre, ``w``/``h`` the size."""

    id: str
    type: str
    x: float
    y: float
    w: float
    h: float
    label: str
    lines: list[str]
    italic: bool
    color: str
    icon: str
    #: label and icon on the right (``align: "right"``, or an input and no outputs)
    right: bool
    #: the definition itself says ``align: "right"`` (not only "input and no outputs")
    def_right: bool
    hide_label: bool
    has_input: bool
    outputs: int
    disabled: bool
    unknown: bool
    group: str | None
    #: ``None`` or {"right": bool, "active": bool} for inject/debug-style buttons
    button: dict[str, Any] | None = None
    link_in_port: bool = False  # link in: a circular input port for its virtual wires
    link_out_port: bool = False  # link out: a circular output port


@dataclass
class Wire:
    source: str
    port: int
    target: str
    path: str
    x1: float
    y1: float
    x2: float
    y2: float
    #: a link out → link in connection (dashed); not a wire in the flow file
    link: bool = False
    disabled: bool = False
    unknown: bool = False


@dataclass
class GroupBox:
    id: str
    name: str
    x: float
    y: float
    w: float
    h: float
    style: dict[str, Any]
    lines: list[str]
    parent: str | None
    disabled: bool = False


@dataclass
class SubflowPort:
    """A subflow definition's input, output or status port (a 40×40 box)."""

    id: str
    kind: str  # "in", "out" or "status"
    index: int
    x: float
    y: float
    w: float = 40
    h: float = 40
    label: str = ""


@dataclass
class OffFlowLink:
    """A link node's connections to link nodes on other tabs: a stub per tab."""

    node: str
    x: float
    y: float
    direction: int  # 1 to the right (link out), -1 to the left (link in)
    tabs: list[tuple[str, str]]  # (tab id, tab label)


@dataclass
class Scene:
    id: str
    kind: str  # "tab" or "subflow"
    label: str
    disabled: bool
    nodes: list[NodeBox] = field(default_factory=list)
    junctions: list[NodeBox] = field(default_factory=list)
    wires: list[Wire] = field(default_factory=list)
    groups: list[GroupBox] = field(default_factory=list)
    ports: list[SubflowPort] = field(default_factory=list)
    off_links: list[OffFlowLink] = field(default_factory=list)

    def bounds(self) -> tuple[float, float, float, float]:
        """``(min x, min y, max x, max y)`` of everything drawn (status text included)."""
        xs: list[float] = []
        ys: list[float] = []
        for n in [*self.nodes, *self.junctions]:
            left = n.x - n.w / 2 - (30 if n.button and not n.button["right"] else 0)
            right = n.x + n.w / 2 + (30 if n.button and n.button["right"] else 0)
            xs += [left, right]
            ys += [n.y - n.h / 2, n.y + n.h / 2 + 16]
        for g in self.groups:
            xs += [g.x, g.x + g.w]
            ys += [g.y, g.y + g.h]
        for p in self.ports:
            xs += [p.x - p.w / 2, p.x + p.w / 2]
            ys += [p.y - p.h / 2, p.y + p.h / 2]
        for o in self.off_links:
            xs.append(o.x + o.direction * 170)
            ys += [o.y - 15 * len(o.tabs), o.y + 15 * len(o.tabs)]
        if not xs:
            return (0.0, 0.0, 0.0, 0.0)
        return (min(xs), min(ys), max(xs), max(ys))


def convert_line_breaks(text: str) -> list[str]:
    """The editor's ``convertLineBreakCharacter``: ``\\n `` (backslash, n, space) splits a
    label into lines; ``\\\\n `` keeps a literal one; each line is trimmed."""
    parts = re.split(r"\\n ", text)
    lines: list[str] = []
    if len(parts) > 1:
        i = 0
        while i < len(parts) - 1:
            if parts[i].endswith("\\"):
                lines.append(parts[i] + "\\n " + parts[i + 1])
                i += 1
            else:
                lines.append(parts[i])
            i += 1
        if i == len(parts) - 1:
            lines.append(parts[-1])
    else:
        lines = parts
    return [line.replace("\\\\n ", "\\n ").strip() for line in lines]


def _measure(line: str) -> int:
    # A <span>'s text: runs of white space collapse to one space.
    return offset_width(re.sub(r"[ \t\n\r\f]+", " ", line))


def label_width(lines: list[str]) -> int:
    return max((_measure(line) for line in lines), default=0)


def _int_prop(value: Any) -> int | None:
    """``parseInt(value, 10)`` (None for NaN)."""
    match = re.match(r"\s*([+-]?\d+)", str(value)) if value is not None else None
    return int(match.group(1)) if match else None


def _node_box(
    item: Item,
    definition: NodeDef,
    lookup: Callable[[str], Item | None],
) -> NodeBox:
    node_type = item["type"]
    label = node_label(item, definition, lookup)
    lines = convert_line_breaks(label)
    is_link = node_type in LINK_TYPES
    hide_label = not item.get("l") if "l" in item else (is_link or not definition.show_label)
    inputs: int | None = None if definition.unknown else definition.inputs
    if "inputs" in definition.port_props and "inputs" in item:
        inputs = _int_prop(item["inputs"])
    wires = as_list(item.get("wires"))
    # As the editor's import: the type's outputs, or the node's own ``outputs`` property
    # where the type has one (unparsable: as many as ``wires``); an unknown type has as
    # many as it says or is wired with.
    outputs: int | None = definition.outputs
    if definition.outputs_for is not None:
        outputs = definition.outputs_for(item)
    if definition.unknown:
        outputs = _int_prop(item.get("outputs")) or len(wires) or 0
    elif "outputs" in definition.port_props and "outputs" in item:
        outputs = _int_prop(item["outputs"])
    if outputs is None:
        outputs = len(wires)
    if hide_label:
        h = max(NODE_HEIGHT, outputs * 15)
        w = NODE_HEIGHT
    else:
        h = max(6 + 24 * len(lines), outputs * 15, 30)
        extra = 7 if (definition.inputs or 0) > 0 and not definition.unknown else 0
        w = max(NODE_WIDTH, GRID * math.ceil((label_width(lines) + 50 + extra) / GRID))
    right = definition.align == "right" or (not definition.align and inputs != 0 and outputs == 0)
    button = None
    if definition.button:
        visible = definition.button_visible is None or definition.button_visible(item)
        if visible:
            toggle = definition.button_toggle
            active = True if toggle is None else bool(item.get(toggle))
            button = {"right": definition.align == "right", "active": active}
    drawn_outputs = 0 if node_type == "link out" else outputs
    return NodeBox(
        id=item["id"],
        type=node_type,
        x=float(item.get("x") or 0),
        y=float(item.get("y") or 0),
        w=w,
        h=h,
        label=label,
        lines=lines,
        italic=definition.italic(item),
        color=_node_color(item, definition),
        icon=_icon_for(item, definition),
        right=right,
        def_right=definition.align == "right",
        hide_label=hide_label,
        has_input=inputs == 1 and node_type != "link in",
        outputs=drawn_outputs,
        disabled=item.get("d") is True,
        unknown=definition.unknown,
        group=item.get("g") or None,
        button=button,
    )


def _node_color(item: Item, definition: NodeDef) -> str:
    return definition.color_or_default()


def _icon_for(item: Item, definition: NodeDef) -> str:
    icon = item.get("icon")
    if isinstance(icon, str) and icon:
        # "node-red/bridge.svg", "font-awesome/fa-bolt", "my-module/x.png" → a glyph name
        name = icon.rsplit("/", 1)[-1]
        return re.sub(r"\.(svg|png)$", "", name)
    return definition.icon


def link_path(
    x1: float, y1: float, x2: float, y2: float, sc: int = 1, has_status: bool = False
) -> str:
    """The editor's ``generateLinkPath``: a wire from an output port to an input port."""
    dy = y2 - y1
    dx = x2 - x1
    delta = math.sqrt(dy * dy + dx * dx)
    scale = LINE_CURVE_SCALE
    scale_y = 0.0
    if dx * sc > 0:
        if delta < NODE_WIDTH:
            scale = 0.75 - 0.75 * ((NODE_WIDTH - delta) / NODE_WIDTH)
    else:
        spread = max(0.0, (NODE_WIDTH - min(abs(dx), abs(dy))) / NODE_WIDTH)
        scale = 0.4 - 0.2 * spread
    f = _num
    if dx * sc > 0:
        c1x = x1 + sc * (NODE_WIDTH * scale)
        c1y = y1 + scale_y * NODE_HEIGHT
        c2x = x2 - sc * scale * NODE_WIDTH
        c2y = y2 - scale_y * NODE_HEIGHT
        return f"M {f(x1)} {f(y1)} C {f(c1x)} {f(c1y)} {f(c2x)} {f(c2y)} {f(x2)} {f(y2)}"
    mid_x = math.floor(x2 - dx / 2)
    mid_y = math.floor(y2 - dy / 2)
    if abs(dy) < 10:
        bottom_y = max(y1, y2) + (35 if has_status else 25)
        start_h = bottom_y - y1
        end_h = bottom_y - y2
        cp = [
            (x1 + sc * 15, y1),
            (x1 + sc * 25, y1 + 5),
            (x1 + sc * 25, y1 + start_h / 2),
            (x1 + sc * 25, y1 + start_h - 5),
            (x1 + sc * 15, y1 + start_h),
            (x1, y1 + start_h),
            (x2 - sc * 15, y1 + start_h),
            (x2 - sc * 25, y1 + start_h - 5),
            (x2 - sc * 25, y2 + end_h / 2),
            (x2 - sc * 25, y2 + 5),
            (x2 - sc * 15, y2),
            (x2, y2),
        ]
        p = [f"{f(a)} {f(b)}" for a, b in cp]
        return (
            f"M {f(x1)} {f(y1)} C {p[0]} {p[1]} {p[2]}  C {p[3]} {p[4]} {p[5]}  h {f(dx)}"
            f" C {p[6]} {p[7]} {p[8]}  C {p[9]} {p[10]} {p[11]} "
        )
    cp_height = NODE_HEIGHT / 2
    y_1 = (y2 + mid_y) / 2
    top_x = x1 + sc * NODE_WIDTH * scale
    top_y = min(y_1 - dy / 2, y1 + cp_height) if dy > 0 else max(y_1 - dy / 2, y1 - cp_height)
    bottom_x = x2 - sc * NODE_WIDTH * scale
    bottom_y = max(y_1, y2 - cp_height) if dy > 0 else min(y_1, y2 + cp_height)
    x_1 = (x1 + top_x) / 2
    scy = 1 if dy > 0 else -1
    cps = [
        [x_1, y1],
        [top_x, max(y1, top_y - cp_height) if dy > 0 else min(y1, top_y + cp_height)],
        [x_1, min(mid_y, top_y + cp_height) if dy > 0 else max(mid_y, top_y - cp_height)],
        [
            bottom_x,
            max(mid_y, bottom_y - cp_height) if dy > 0 else min(mid_y, bottom_y + cp_height),
        ],
        [(x2 + bottom_x) / 2, y2],
    ]
    if cps[2][1] == top_y + scy * cp_height:
        if abs(dy) < cp_height * 10:
            cps[1][1] = top_y - scy * cp_height / 2
            cps[3][1] = bottom_y - scy * cp_height / 2
        cps[2][0] = top_x
    return (
        f"M {f(x1)} {f(y1)} C {f(cps[0][0])} {f(cps[0][1])} {f(cps[1][0])} {f(cps[1][1])}"
        f" {f(top_x)} {f(top_y)} S {f(cps[2][0])} {f(cps[2][1])} {f(mid_x)} {f(mid_y)}"
        f" S {f(cps[3][0])} {f(cps[3][1])} {f(bottom_x)} {f(bottom_y)}"
        f" S {f(cps[4][0])} {f(cps[4][1])} {f(x2)} {f(y2)}"
    )


def _num(value: float) -> str:
    """A number as JavaScript prints it in a string (``120``, ``122.5``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value)


def layout_container(
    container: Item,
    kind: str,
    items: Sequence[Item],
    by_id: Mapping[str, Item],
    tabs: Mapping[str, Item],
    subflows: Mapping[str, Item],
    known: Callable[[str], bool] | None = None,
) -> Scene:
    """Lay out the flow nodes, junctions, groups and wires of one tab or subflow."""
    cid = container["id"]
    label = (container.get("label") if kind == "tab" else container.get("name")) or cid
    scene = Scene(cid, kind, str(label), bool(container.get("disabled")))

    def lookup(node_id: str) -> Item | None:
        return by_id.get(node_id)

    boxes: dict[str, NodeBox] = {}
    members = [i for i in items if (i.get("z") or "") == cid and "x" in i and "y" in i]
    for item in members:
        t = item.get("type")
        if t in ("tab", "subflow", "group"):
            continue
        if t == "junction":
            box = NodeBox(
                id=item["id"],
                type="junction",
                x=float(item.get("x") or 0),
                y=float(item.get("y") or 0),
                w=0,
                h=0,
                label="junction",
                lines=[],
                italic=False,
                color="#d9d9d9",
                icon="",
                right=False,
                def_right=False,
                hide_label=True,
                has_input=True,
                outputs=1,
                disabled=item.get("d") is True,
                unknown=False,
                group=item.get("g") or None,
            )
            scene.junctions.append(box)
            boxes[box.id] = box
            continue
        if isinstance(t, str) and t.startswith("subflow:"):
            sf = subflows.get(t[8:])
            definition = subflow_def(sf) if sf is not None else get_def(t, None)
        else:
            definition = get_def(str(t), known)
        box = _node_box(item, definition, lookup)
        scene.nodes.append(box)
        boxes[box.id] = box

    # Subflow definition ports
    if kind == "subflow":
        _subflow_ports(container, scene)
    port_boxes = {p.id: p for p in scene.ports}

    # Wires of the flow file
    for item in members:
        source = boxes.get(item["id"])
        if source is None:
            continue
        wires = as_list(item.get("wires"))
        for port, targets in enumerate(wires):
            if not isinstance(targets, list) or port >= max(source.outputs, 1):
                continue
            for target_id in targets:
                target = boxes.get(target_id) if isinstance(target_id, str) else None
                if target is None:
                    continue
                scene.wires.append(_wire(source, port, target))
    # Link out → link in on this tab; stubs for other tabs
    for item in members:
        t = item.get("type")
        links = as_list(item.get("links"))
        if t not in LINK_TYPES or (t == "link out" and item.get("mode") == "return"):
            continue
        node = boxes.get(item["id"])
        if node is None:
            continue
        off: dict[str, str] = {}
        for other_id in links:
            other = by_id.get(other_id) if isinstance(other_id, str) else None
            if other is None:
                continue
            other_z = other.get("z") or ""
            if other_z == cid:
                if t == "link out" and other_id in boxes:
                    target = boxes[other_id]
                    node.link_out_port = True
                    target.link_in_port = True
                    wire = _wire(node, 0, target)
                    wire.link = True
                    if not any(
                        w.link and w.source == wire.source and w.target == wire.target
                        for w in scene.wires
                    ):
                        scene.wires.append(wire)
            else:
                tab = tabs.get(other_z) or subflows.get(other_z) or {}
                off[other_z] = str(tab.get("label") or tab.get("name") or other_z)
        if off:
            direction = -1 if t == "link in" else 1
            scene.off_links.append(
                OffFlowLink(
                    node.id,
                    node.x + direction * node.w / 2,
                    node.y,
                    direction,
                    sorted(off.items(), key=lambda kv: _tab_order(kv[0], tabs)),
                )
            )
    # Subflow port wires
    for sf_port in scene.ports:
        definition_ports = _port_items(container)
        raw = definition_ports.get((sf_port.kind, sf_port.index), {})
        for w in raw.get("wires") or []:
            if not isinstance(w, dict):
                continue
            if sf_port.kind == "in":
                target = boxes.get(str(w.get("id")))
                if target is not None:
                    x1, y1 = sf_port.x + sf_port.w / 2, sf_port.y
                    x2, y2 = target.x - target.w / 2, target.y
                    scene.wires.append(
                        Wire(sf_port.id, 0, target.id, link_path(x1, y1, x2, y2), x1, y1, x2, y2)
                    )
            else:
                src_id = w.get("id")
                src_port = int(w.get("port") or 0)
                if src_id == cid:
                    src_port_box = port_boxes.get(f"{cid}:in:0")
                    if src_port_box is None:
                        continue
                    x1, y1 = src_port_box.x + src_port_box.w / 2, src_port_box.y
                    source_id = src_port_box.id
                else:
                    src = boxes.get(str(src_id))
                    if src is None:
                        continue
                    n_out = src.outputs or 1
                    x1 = src.x + src.w / 2
                    y1 = src.y - ((n_out - 1) / 2) * 13 + 13 * src_port
                    source_id = src.id
                x2, y2 = sf_port.x - sf_port.w / 2, sf_port.y
                scene.wires.append(
                    Wire(source_id, src_port, sf_port.id, link_path(x1, y1, x2, y2), x1, y1, x2, y2)
                )
    # Groups, innermost first so that a parent's box can enclose its children's
    groups = [i for i in items if i.get("type") == "group" and (i.get("z") or "") == cid]
    scene.groups = _layout_groups(groups, boxes)
    return scene


def _tab_order(tab_id: str, tabs: Mapping[str, Item]) -> int:
    order = list(tabs)
    return order.index(tab_id) if tab_id in order else len(order)


def _wire(source: NodeBox, port: int, target: NodeBox) -> Wire:
    n_out = source.outputs or 1
    x1 = source.x + (source.w / 2 or 0)
    y1 = source.y - ((n_out - 1) / 2) * 13 + 13 * port
    x2 = target.x - (target.w / 2 or 0)
    y2 = target.y
    return Wire(
        source=source.id,
        port=port,
        target=target.id,
        path=link_path(x1, y1, x2, y2),
        x1=x1,
        y1=y1,
        x2=x2,
        y2=y2,
        disabled=source.disabled or target.disabled,
        unknown=source.unknown or target.unknown,
    )


def _port_items(container: Item) -> dict[tuple[str, int], Item]:
    ports: dict[tuple[str, int], Item] = {}
    for kind in ("in", "out"):
        for i, port in enumerate(container.get(kind) or []):
            if isinstance(port, dict):
                ports[(kind, i)] = port
    if isinstance(container.get("status"), dict):
        ports[("status", 0)] = container["status"]
    return ports


def _subflow_ports(container: Item, scene: Scene) -> None:
    cid = container["id"]
    labels = {
        "in": container.get("inputLabels") or [],
        "out": container.get("outputLabels") or [],
    }
    for (kind, index), port in _port_items(container).items():
        label_list = labels.get(kind) or []
        label = label_list[index] if index < len(label_list) and label_list[index] else ""
        sp = SubflowPort(
            id=f"{cid}:{kind}:{index}",
            kind=kind,
            index=index,
            x=float(port.get("x") or 0),
            y=float(port.get("y") or 0),
            label=str(label) if kind != "status" else "",
        )
        if sp.label:
            lines = convert_line_breaks(sp.label)
            sp.h = max(6 + 24 * len(lines), 40)
            sp.w = max(40, GRID * math.ceil((label_width(lines) + 50 + 7) / GRID))
        scene.ports.append(sp)


def _layout_groups(groups: list[Item], boxes: Mapping[str, NodeBox]) -> list[GroupBox]:
    by_id = {g["id"]: g for g in groups}
    depth: dict[str, int] = {}

    def level(gid: str, seen: frozenset[str] = frozenset()) -> int:
        if gid in depth:
            return depth[gid]
        parent = by_id.get(gid, {}).get("g")
        d = (
            0
            if not parent or parent not in by_id or parent in seen
            else level(parent, seen | {gid}) + 1
        )
        depth[gid] = d
        return d

    for g in groups:
        level(g["id"])
    laid: dict[str, GroupBox] = {}
    for g in sorted(groups, key=lambda g: -depth[g["id"]]):
        style: dict[str, Any] = g["style"] if isinstance(g.get("style"), dict) else {}
        name = str(g.get("name") or "")
        member_nodes = [b for b in boxes.values() if b.group == g["id"]]
        member_groups = [laid[c] for c in laid if by_id[c].get("g") == g["id"]]
        box = GroupBox(
            id=g["id"],
            name=name,
            x=float(g.get("x") or 0),
            y=float(g.get("y") or 0),
            w=40,
            h=40,
            style=dict(style),
            lines=[],
            parent=g.get("g") or None,
            disabled=g.get("d") is True,
        )
        has_members = bool(member_nodes or member_groups)
        if has_members:
            min_x = min_y = math.inf
            max_x = max_y = 0.0
            for n in member_nodes:
                left_button = 20 if (n.button and not n.button["right"]) else 0
                right_button = 20 if (n.button and n.button["right"]) else 0
                min_x = min(min_x, n.x - n.w / 2 - GROUP_MARGIN - left_button)
                min_y = min(min_y, n.y - n.h / 2 - GROUP_MARGIN)
                max_x = max(max_x, n.x + n.w / 2 + GROUP_MARGIN + right_button)
                max_y = max(max_y, n.y + n.h / 2 + GROUP_MARGIN)
            for c in member_groups:
                min_x = min(min_x, c.x - GROUP_MARGIN)
                min_y = min(min_y, c.y - GROUP_MARGIN)
                max_x = max(max_x, c.x + c.w + GROUP_MARGIN)
                max_y = max(max_y, c.y + c.h + GROUP_MARGIN)
            box.x, box.y, box.w, box.h = min_x, min_y, max_x - min_x, max_y - min_y
        if style.get("label") and name:
            box.lines = convert_line_breaks(name)
            min_width = label_width(box.lines) + 8
        else:
            min_width = 40
        box.w = max(min_width, box.w)
        if style.get("label") and box.lines:
            position = str(style.get("label-position") or "nw")
            extra = (len(box.lines) - 1) * 16 + (8 if position[0] == "s" else 0)
            box.h += extra
            if position[0] == "n" and has_members:
                box.y -= extra
        laid[g["id"]] = box
    # Draw outer groups first (underneath), then in file order
    order = {g["id"]: i for i, g in enumerate(groups)}
    return sorted(laid.values(), key=lambda b: (depth[b.id], order[b.id]))
