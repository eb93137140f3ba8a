"""SVG of a laid-out tab: the drawing the viewer shows and ``flowengine render`` writes.

The markup follows the structure of Node-RED's canvas (a group per node translated to
its top-left corner, holding the body rectangle, icon area, label, ports and a hidden
status group; wires drawn under the nodes) and uses its class names, so the picture
reads like the editor's. The style sheet is embedded, so a file renders on its own.
"""

from __future__ import annotations

from html import escape

from .icons import icon_svg
from .layout import GroupBox, NodeBox, OffFlowLink, Scene, SubflowPort, Wire, _num

__all__ = ["SVG_STYLE", "scene_svg"]

FONT = '"Helvetica Neue", Arial, Helvetica, sans-serif'

#: Node-RED's default theme colours, restated.
SVG_STYLE = f"""
.fe-flow {{ font-family: {FONT}; }}
.red-ui-workspace-chart-background {{ fill: #fff; }}
.fe-grid line {{ stroke: #eee; stroke-width: 1; shape-rendering: crispEdges; }}
.red-ui-flow-node {{ stroke: #999; stroke-width: 1; }}
.red-ui-flow-node-unknown {{ stroke: #ce2c31; stroke-dasharray: 10,4; }}
.red-ui-flow-node-disabled .red-ui-flow-node,
.red-ui-workspace-disabled .red-ui-flow-node {{ stroke-dasharray: 8,3; fill-opacity: .5; }}
.red-ui-flow-node-label {{ stroke-width: 0; fill: #333; font-size: 14px; }}
.red-ui-flow-node-label-text {{ dominant-baseline: middle; }}
.red-ui-flow-node-label, .red-ui-flow-node-icon-group, .red-ui-flow-link-path,
.red-ui-flow-port-label, .red-ui-flow-group-label {{ pointer-events: none; }}
.red-ui-flow-node-label-right .red-ui-flow-node-label-text {{ text-anchor: end; }}
.node_label_italic {{ font-style: italic; }}
.red-ui-flow-node-label.hide {{ display: none; }}
.fe-icon-fill {{ fill: #fff; stroke: none; }}
.fe-icon-stroke {{ fill: none; stroke: #fff; stroke-width: 2; stroke-linecap: round;
  stroke-linejoin: round; }}
.fe-icon-bold {{ stroke-width: 2.5; stroke-linecap: butt; stroke-linejoin: miter; }}
.fe-icon-thin {{ stroke-width: 1.6; stroke-linecap: butt; }}
.red-ui-flow-port {{ stroke: #999; stroke-width: 1; fill: #d9d9d9; }}
.red-ui-flow-link-port {{ fill: #eee; stroke: #aaa; stroke-width: 1; }}
.red-ui-flow-port-label {{ stroke-width: 0; fill: #646464; font-size: 16px;
  dominant-baseline: middle; text-anchor: middle; }}
.red-ui-flow-link-outline {{ stroke: #fff; stroke-opacity: .4; stroke-width: 5; fill: none; }}
.red-ui-flow-link-line {{ stroke: #999; stroke-width: 3; fill: none; }}
.red-ui-flow-link-line.red-ui-flow-link-link,
.red-ui-flow-link-link {{ stroke: #aaa; stroke-width: 2; fill: none; stroke-dasharray: 25,4; }}
.red-ui-flow-link-line.red-ui-flow-node-disabled,
.red-ui-workspace-disabled .red-ui-flow-link-line {{ stroke: #ccc; stroke-width: 2;
  stroke-dasharray: 10,8; }}
.red-ui-flow-link-unknown .red-ui-flow-link-line {{ stroke: #ce2c31; stroke-width: 2;
  stroke-dasharray: 10,4; }}
.red-ui-flow-node-button-background {{ fill: #eee; }}
.red-ui-flow-node-button-disabled, .red-ui-flow-node-button-stopped {{ opacity: .4; }}
.red-ui-flow-junction-background {{ stroke: #999; stroke-width: 1; fill: #d9d9d9; }}
.red-ui-flow-group-body {{ fill: none; stroke: #999; stroke-width: 2; }}
.red-ui-flow-group-label {{ stroke-width: 0; fill: #767676; font-size: 14px; }}
.red-ui-flow-subflow-port {{ fill: #eee; stroke: #999; }}
.red-ui-flow-node-status-background {{ stroke: none; fill: #fff; fill-opacity: .9; }}
.red-ui-flow-node-status-label {{ stroke-width: 0; fill: #646464; font-size: 9pt;
  text-anchor: start; }}
.red-ui-flow-node-status-dot-red {{ fill: #dc3e42; stroke: #dc3e42; }}
.red-ui-flow-node-status-ring-red {{ fill: #fff; stroke: #dc3e42; }}
.red-ui-flow-node-status-dot-green {{ fill: #30a46c; stroke: #30a46c; }}
.red-ui-flow-node-status-ring-green {{ fill: #fff; stroke: #30a46c; }}
.red-ui-flow-node-status-dot-yellow {{ fill: #F9DF31; stroke: #F9DF31; }}
.red-ui-flow-node-status-ring-yellow {{ fill: #fff; stroke: #F9DF31; }}
.red-ui-flow-node-status-dot-blue {{ fill: #53A3F3; stroke: #53A3F3; }}
.red-ui-flow-node-status-ring-blue {{ fill: #fff; stroke: #53A3F3; }}
.red-ui-flow-node-status-dot-grey, .red-ui-flow-node-status-dot-gray {{ fill: #d3d3d3;
  stroke: #d3d3d3; }}
.red-ui-flow-node-status-ring-grey, .red-ui-flow-node-status-ring-gray {{ fill: #fff;
  stroke: #d3d3d3; }}
.fe-counter {{ stroke-width: 0; fill: #8a8a8a; font-size: 10px; text-anchor: end; }}
"""


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _n(value: float) -> str:
    return _num(float(value))


def scene_svg(
    scene: Scene,
    *,
    standalone: bool = True,
    margin: float = 40,
    grid: bool = True,
) -> str:
    """The whole tab as one ``<svg>`` element (``standalone`` adds the XML prolog and
    sizes the picture to its contents)."""
    min_x, min_y, max_x, max_y = scene.bounds()
    vx = min(0.0, min_x - margin)
    vy = min(0.0, min_y - margin)
    vw = max(max_x + margin - vx, 200)
    vh = max(max_y + margin - vy, 120)
    classes = "fe-flow" + (" red-ui-workspace-disabled" if scene.disabled else "")
    out: list[str] = []
    if standalone:
        out.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{classes}" '
        f'data-id="{_attr(scene.id)}" data-kind="{scene.kind}" '
        f'data-bounds="{_n(min_x)} {_n(min_y)} {_n(max_x)} {_n(max_y)}" '
        f'width="{_n(vw)}" height="{_n(vh)}" viewBox="{_n(vx)} {_n(vy)} {_n(vw)} {_n(vh)}">'
    )
    out.append(f"<title>{escape(scene.label)}</title>")
    out.append(f"<style>{SVG_STYLE}</style>")
    out.append('<g class="fe-viewport">')
    out.append(
        f'<rect class="red-ui-workspace-chart-background" x="{_n(vx - 4000)}" '
        f'y="{_n(vy - 4000)}" width="{_n(vw + 8000)}" height="{_n(vh + 8000)}"/>'
    )
    if grid:
        out.append(_grid(vx - 4000, vy - 4000, vw + 8000, vh + 8000))
    out.append('<g class="fe-group-layer">')
    out.extend(_group(g) for g in scene.groups)
    out.append('</g><g class="fe-link-layer">')
    out.extend(_wire(w) for w in scene.wires)
    out.extend(_off_flow(o) for o in scene.off_links)
    out.append('</g><g class="fe-junction-layer">')
    out.extend(_junction(j) for j in scene.junctions)
    out.append('</g><g class="fe-node-layer">')
    out.extend(_port(p) for p in scene.ports)
    out.extend(_node(n) for n in scene.nodes)
    out.append("</g></g></svg>\n")
    return "".join(out)


def _grid(x: float, y: float, w: float, h: float) -> str:
    """Node-RED's 20 px grid: 1 px lines every 20 px, drawn once as a pattern. The lines
    sit half a pixel in so the tile does not clip them (the editor's grid line at 20
    covers the pixel from 20 to 21)."""
    return (
        '<defs><pattern id="fe-grid" width="20" height="20" patternUnits="userSpaceOnUse">'
        '<path d="M 20 0.5 H 0.5 V 20" fill="none" stroke="#eee" stroke-width="1"/></pattern>'
        f'</defs><rect class="fe-grid" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" '
        f'height="{_n(h)}" fill="url(#fe-grid)"/>'
    )


def _wire(w: Wire) -> str:
    cls = "red-ui-flow-link" + (" red-ui-flow-link-unknown" if w.unknown else "")
    if w.link:
        cls += " fe-link-wire"
    line_cls = "red-ui-flow-link-line red-ui-flow-link-path"
    if w.link:
        line_cls += " red-ui-flow-link-link"
    if w.disabled:
        line_cls += " red-ui-flow-node-disabled"
    return (
        f'<g class="{cls}" data-source="{_attr(w.source)}" data-port="{w.port}" '
        f'data-target="{_attr(w.target)}" data-x1="{_n(w.x1)}" data-y1="{_n(w.y1)}" '
        f'data-x2="{_n(w.x2)}" data-y2="{_n(w.y2)}">'
        f'<path class="red-ui-flow-link-outline red-ui-flow-link-path" d="{w.path}"/>'
        f'<path class="{line_cls}" d="{w.path}"/></g>'
    )


def _off_flow(o: OffFlowLink) -> str:
    """A link node's connections to other tabs: a stem, a branch and a label per tab."""
    s = o.direction
    stem = s * 30
    branch = s * 20
    width = 10
    anchor = "start" if s == 1 else "end"
    parts = [
        f'<g class="red-ui-flow-link-off-flow" data-node="{_attr(o.node)}" '
        f'transform="translate({_n(o.x)},{_n(o.y)})">',
        f'<path class="red-ui-flow-link-link" d="M 0 0 h {stem}"/>',
    ]
    y = -(len(o.tabs) - 1) * 30 / 2
    for tab_id, label in o.tabs:
        end = stem + branch * 1.5
        parts.append(
            f'<g class="red-ui-flow-link-group" data-tab="{_attr(tab_id)}">'
            f'<path class="red-ui-flow-link-link" d="M {_n(stem)} 0 C {_n(stem + 1.7 * branch)} 0 '
            f'{_n(stem + 0.1 * branch)} {_n(y)} {_n(end)} {_n(y)}"/>'
            f'<path class="red-ui-flow-link-port" d="M {_n(end + s * (width + 7))} {_n(y - 12)} '
            f"h {_n(-s * width)} a 3 3 45 0 {0 if s == 1 else 1} {_n(s * -3)} 3 v 18 "
            f'a 3 3 45 0 {0 if s == 1 else 1} {_n(s * 3)} 3 h {_n(s * width)}"/>'
            f'<rect class="red-ui-flow-port red-ui-flow-link-port" x="{_n(end - 4 + s * 4)}" '
            f'y="{_n(y - 4)}" rx="2" ry="2" width="8" height="8"/>'
            f'<text class="red-ui-flow-port-label" x="{_n(end + s * 15)}" y="{_n(y + 1)}" '
            f'style="font-size:10px;text-anchor:{anchor}">{escape(label)}</text></g>'
        )
        y += 30
    parts.append("</g>")
    return "".join(parts)


def _junction(j: NodeBox) -> str:
    cls = "red-ui-flow-junction" + (" red-ui-flow-node-disabled" if j.disabled else "")
    return (
        f'<g class="{cls}" data-id="{_attr(j.id)}" data-type="junction" '
        f'transform="translate({_n(j.x)},{_n(j.y)})">'
        '<rect class="red-ui-flow-junction-background" x="-5" y="-5" width="10" height="10" '
        'rx="3" ry="3"/></g>'
    )


def _group(g: GroupBox) -> str:
    style = g.style
    body_style = []
    if style.get("stroke"):
        body_style.append(f"stroke:{style['stroke']}")
    if "stroke-opacity" in style:
        body_style.append(f"stroke-opacity:{style['stroke-opacity']}")
    if style.get("fill"):
        body_style.append(f"fill:{style['fill']}")
    if "fill-opacity" in style:
        body_style.append(f"fill-opacity:{style['fill-opacity']}")
    parts = [
        f'<g class="red-ui-flow-group" data-id="{_attr(g.id)}" '
        f'transform="translate({_n(g.x)},{_n(g.y)})">',
        f'<rect class="red-ui-flow-group-body" rx="4" ry="4" width="{_n(g.w)}" '
        f'height="{_n(g.h)}" style="{_attr(";".join(body_style))}"/>',
    ]
    if style.get("label") and g.lines:
        position = str(style.get("label-position") or "nw")
        label_y = 15 if position[0] == "n" else g.h - 5 - (len(g.lines) - 1) * 16
        if position[1:2] == "w":
            label_x, anchor = 5.0, "start"
        elif position[1:2] == "e":
            label_x, anchor = g.w - 5, "end"
        else:
            label_x, anchor = g.w / 2, "middle"
        fill = f' style="fill:{_attr(style["color"])}"' if style.get("color") else ""
        spans = "".join(
            f'<tspan class="red-ui-flow-group-label-text" x="0" y="{i * 16}">{escape(line)}</tspan>'
            for i, line in enumerate(g.lines)
        )
        parts.append(
            f'<text class="red-ui-flow-group-label" transform="translate({_n(label_x)},'
            f'{_n(label_y)})" text-anchor="{anchor}"{fill}>{spans}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _port(p: SubflowPort) -> str:
    """A subflow definition's input/output/status port box."""
    cls = f"red-ui-flow-node red-ui-flow-subflow-port-{'input' if p.kind == 'in' else p.kind}"
    if p.kind == "out":
        cls = "red-ui-flow-node red-ui-flow-subflow-port-output"
    x0, y0 = p.x - p.w / 2, p.y - p.h / 2
    stub_x = p.w - 5 if p.kind == "in" else -5
    parts = [
        f'<g class="{cls}" data-id="{_attr(p.id)}" data-type="subflow-port" '
        f'transform="translate({_n(x0)},{_n(y0)})">',
        f'<rect class="red-ui-flow-subflow-port" rx="8" ry="8" width="{_n(p.w)}" '
        f'height="{_n(p.h)}"/>',
    ]
    if p.kind == "status":
        parts.append(
            '<text class="red-ui-flow-port-label" x="22" y="20" style="font-size:10px">'
            "status</text>"
        )
    elif p.kind == "in":
        parts.append(
            f'<text class="red-ui-flow-port-label" transform="translate(20,{_n(p.h / 2)})" '
            'style="font-size:10px">input</text>'
        )
    else:
        parts.append(
            f'<text class="red-ui-flow-port-label" transform="translate(20,{_n(p.h / 2 - 8)})" '
            'style="font-size:10px">output</text>'
            f'<text class="red-ui-flow-port-label red-ui-flow-port-index" '
            f'transform="translate(20,{_n(p.h / 2 + 7)})">{p.index + 1}</text>'
        )
    if p.label:
        parts.append(
            '<g class="red-ui-flow-port-label" transform="translate(48,'
            f'{_n(p.h / 2 - 12 + 13)})" style="fill:#888"><text '
            f'class="red-ui-flow-node-label-text">{escape(p.label)}</text></g>'
        )
    parts.append(
        f'<g transform="translate({_n(stub_x)},{_n(p.h / 2 - 5)})"><rect class="red-ui-flow-port" '
        'rx="3" ry="3" width="10" height="10"/></g></g>'
    )
    return "".join(parts)


def _node(n: NodeBox) -> str:
    w, h = n.w, n.h
    cls = "red-ui-flow-node red-ui-flow-node-group"
    if n.disabled:
        cls += " red-ui-flow-node-disabled"
    parts = [
        f'<g class="{cls}" id="{_attr(n.id)}" data-id="{_attr(n.id)}" '
        f'data-type="{_attr(n.type)}" data-x="{_n(n.x)}" data-y="{_n(n.y)}" '
        f'data-w="{_n(w)}" data-h="{_n(h)}" transform="translate({_n(n.x - w / 2)},'
        f'{_n(n.y - h / 2)})">'
    ]
    if n.button is not None:
        right = n.button["right"]
        active = n.button["active"]
        bx = (w - 6 if right else -26) + (0 if active else (-8 if right else 8))
        opacity = "" if active else ' fill-opacity="0.2"'
        parts.append(
            f'<g class="red-ui-flow-node-button" transform="translate({_n(bx)},2)">'
            f'<rect class="red-ui-flow-node-button-background" rx="5" ry="5" width="32" '
            f'height="26"{opacity}/>'
            f'<rect class="red-ui-flow-node-button-button" x="{11 if right else 5}" y="4" '
            f'rx="4" ry="4" width="16" height="18" fill="{_attr(n.color)}"{opacity}/></g>'
        )
    body_cls = "red-ui-flow-node" + (" red-ui-flow-node-unknown" if n.unknown else "")
    parts.append(
        f'<rect class="{body_cls}" rx="5" ry="5" fill="{_attr(n.color)}" width="{_n(w)}" '
        f'height="{_n(h)}"/>'
    )
    if not n.unknown:
        parts.append(_icon(n))
    label_cls = "red-ui-flow-node-label"
    if n.right:
        label_cls += " red-ui-flow-node-label-right"
    if n.italic:
        label_cls += " node_label_italic"
    if n.hide_label:
        label_cls += " hide"
    yp = h / 2 - (len(n.lines) / 2) * 24 + 13
    lx = w - 38 if n.right else 38
    texts = "".join(
        f'<text class="red-ui-flow-node-label-text" x="0" y="{i * 24}">{escape(line)}</text>'
        for i, line in enumerate(n.lines)
    )
    parts.append(f'<g class="{label_cls}" transform="translate({_n(lx)},{_n(yp)})">{texts}</g>')
    # Status (filled in by the viewer), as Node-RED: under the node, hidden until set.
    parts.append(
        f'<g class="red-ui-flow-node-status-group" style="display:none" '
        f'transform="translate(3,{_n(h + 3)})">'
        '<rect class="red-ui-flow-node-status-background" x="3" y="-1" width="200" '
        'height="13" rx="2" ry="2"/>'
        '<rect class="red-ui-flow-node-status" x="6" y="1" width="9" height="9" rx="2" '
        'ry="2" stroke-width="3"/>'
        '<text class="red-ui-flow-node-status-label" x="20" y="10"></text></g>'
    )
    parts.append(f'<text class="fe-counter" x="{_n(w)}" y="-4"></text>')
    if n.has_input:
        parts.append(
            f'<g class="red-ui-flow-port-input" transform="translate(-5,{_n(h / 2 - 5)})">'
            '<rect class="red-ui-flow-port" rx="3" ry="3" width="10" height="10"/></g>'
        )
    elif n.link_in_port:
        parts.append(
            f'<g class="red-ui-flow-port-input" transform="translate(-5,{_n(h / 2 - 5)})">'
            '<circle class="red-ui-flow-port red-ui-flow-link-port" cx="-1" cy="5" r="5"/></g>'
        )
    y0 = h / 2 - ((n.outputs - 1) / 2) * 13
    for i in range(n.outputs):
        parts.append(
            f'<g class="red-ui-flow-port-output" data-port="{i}" '
            f'transform="translate({_n(w - 5)},{_n(y0 + 13 * i - 5)})">'
            '<rect class="red-ui-flow-port" rx="3" ry="3" width="10" height="10"/></g>'
        )
    if n.link_out_port:
        parts.append(
            f'<g class="red-ui-flow-port-output" data-port="0" '
            f'transform="translate({_n(w - 5)},{_n(h / 2 - 5)})">'
            '<circle class="red-ui-flow-port red-ui-flow-link-port" cx="11" cy="5" r="5"/></g>'
        )
    parts.append("</g>")
    return "".join(parts)


def _icon(n: NodeBox) -> str:
    """The icon area: just the glyph. Node-RED 5.0.7's editor creates a shade and a
    separator line for the icon area but never displays them (``display: none`` on
    every node, running or not), so the icon sits on the node's own colour."""
    transform = f' transform="translate({_n(n.w - 30)},0)"' if n.right else ""
    cls = "red-ui-flow-node-icon-group" + (" red-ui-flow-node-icon-group-right" if n.right else "")
    glyph_y = (n.h - 30) / 2
    glyph = f'<g class="fe-icon" transform="translate(0,{_n(glyph_y)})">{icon_svg(n.icon)}</g>'
    return f'<g class="{cls}"{transform}>{glyph}</g>'
