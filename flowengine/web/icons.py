"""Node icons: small white glyphs drawn for this viewer (not Node-RED's artwork).

Each glyph fits the 30×30 icon area at a node's end. Node-RED names icons by file
(``inject.svg``, ``bridge.svg``, ``font-awesome/fa-paper-plane``); those names map to
the glyphs below, and any other name gets the default arrow.
"""

from __future__ import annotations

__all__ = ["icon_svg"]


# (kind, path data): "fill" parts are filled white; "stroke" parts are drawn with a 2 px
# round line, "bold" with a 2.5 px square-ended one, "thin" with a 1.6 px one. Node-RED's
# icons are 40×60 drawings shown 20×30 in the middle of the area, so glyphs keep to
# x 5–25 where they stand in for one of them.
def _squares(xs: tuple[float, ...], ys: tuple[float, ...], w: float = 2, h: float = 2) -> str:
    """Path data of a grid of ``w``×``h`` rectangles at every (x, y)."""
    return " ".join(f"M{x:g} {y:g} h{w:g} v{h:g} h-{w:g} z" for y in ys for x in xs)


_GLYPHS: dict[str, list[tuple[str, str]]] = {
    "arrow-in": [("fill", "M7 12.5 h9 v-4.5 l7 7 -7 7 v-4.5 h-9 z")],
    "inject": [
        ("fill", "M5.5 9 h6 v4.5 h-6 z M5.5 16.5 h6 v4.5 h-6 z M11.5 5 l9.5 10 -9.5 10 2 -10 z")
    ],
    "debug": [("fill", _squares((10,), (6.5, 10.5, 14.5, 18.5, 22.5), 10, 1.5))],
    "swap": [
        ("bold", "M5.5 8 h3.5 l7 14 h4 M5.5 22 h3.5 l7 -14 h4"),
        ("fill", "M20 4 l5 4 -5 4 z M20 18 l5 4 -5 4 z"),
    ],
    "switch": [
        ("bold", "M5 15 h4.5 M9.5 15 l3.5 -7 h4.5 M9.5 15 l3.5 7 h4.5"),
        ("fill", "M17 4 l4.5 4 -4.5 4 z M17 18 l4.5 4 -4.5 4 z"),
    ],
    "function": [
        ("stroke", "M19.5 7.5 c-3 -1 -4.5 .5 -5 3.5 l-1.8 9 c-.5 2.5 -2 3 -4 2.5 M10.5 14 h7")
    ],
    "bridge": [
        ("thin", "M10.6 11.6 q2.4 3.4 0 6.8 M12.8 7.2 q5.2 7.8 0 15.6 M15 3.3 q7.4 11.7 0 23.4")
    ],
    "bridge-dash": [("thin", "M10.6 11.6 q2.4 3.4 0 6.8 M12.8 7.2 q5.2 7.8 0 15.6")],
    "white-globe": [
        (
            "stroke",
            "M15 7 a8 8 0 1 0 .01 0 z M15 7 c-4.5 4 -4.5 12 0 16 c4.5 -4 4.5 -12 0 -16 M7 15 h16",
        ),
    ],
    "link-out": [("stroke", "M8 8 h8 M8 8 v14 h8 M14 15 h9 M19.5 11.5 l3.5 3.5 -3.5 3.5")],
    "link-in": [("stroke", "M22 8 h-8 M22 8 v14 h-8 M7 15 h9 M12.5 11.5 l3.5 3.5 -3.5 3.5")],
    "link-return": [("stroke", "M22 8 h-8 M22 8 v14 h-8 M16 15 h-9 M10.5 11.5 l-3.5 3.5 3.5 3.5")],
    "link-call": [("stroke", "M8 11 h10 a4 4 0 0 1 0 8 h-10 M11 16 l-3 3 3 3")],
    "alert": [("fill", "M12.3 5 h5.4 l-.8 13 h-3.8 z M12.8 20.5 h4.4 v4.5 h-4.4 z")],
    "status": [("stroke", "M5 15 h3.5 l1.5 -3 1.5 5 2 -13 2 22 2 -14 1.5 3 h6")],
    "comment": [
        (
            "fill",
            "M15 8 c5.5 0 9 2.6 9 6 c0 3.4 -3.5 6 -9 6 c-1.2 0 -2.3 -.1 -3.3 -.4 l-4.7 3.2"
            " 1.6 -4.4 c-1.7 -1.1 -2.6 -2.6 -2.6 -4.4 c0 -3.4 3.5 -6 9 -6 z",
        )
    ],
    "template": [
        (
            "stroke",
            "M18 5 c-3.5 0 -3 3.5 -3 6.5 c0 2 -1 3.5 -3 3.5 c2 0 3 1.5 3 3.5 c0 3 -.5 6.5 3 6.5",
        )
    ],
    "range": [
        ("stroke", "M7 10 v10 M23 10 v10 M7 15 h16 M10.5 12 l-3.5 3 3.5 3 M19.5 12 l3.5 3 -3.5 3")
    ],
    "parser-json": [
        ("stroke", "M12 7 c-3 0 -2 4 -2 6 c0 1.5 -1 2 -2.5 2 c1.5 0 2.5 .5 2.5 2 c0 2 -1 6 2 6"),
        ("stroke", "M18 7 c3 0 2 4 2 6 c0 1.5 1 2 2.5 2 c-1.5 0 -2.5 .5 -2.5 2 c0 2 1 6 -2 6"),
    ],
    "parser-csv": [
        ("fill", "M8 8 h14 v2 h-14 z M8 14 h14 v2 h-14 z M8 20 h14 v2 h-14 z M14 8 h2 v14 h-2 z")
    ],
    "parser-xml": [("stroke", "M11 9 l-5 6 5 6 M19 9 l5 6 -5 6 M17 8 l-4 14")],
    "parser-yaml": [
        ("fill", "M8 8 h3 v3 h-3 z M13 8.5 h9 v2 h-9 z M11 14 h3 v3 h-3 z M16 14.5 h6 v2 h-6 z"),
        ("fill", "M8 20 h3 v3 h-3 z M13 20.5 h9 v2 h-9 z"),
    ],
    "parser-html": [("stroke", "M11 9 l-5 6 5 6 M19 9 l5 6 -5 6")],
    "file": [("fill", "M9 5 h7 v6 h6 v14 h-13 z M17.5 5 l4.5 4.5 h-4.5 z")],
    "file-out": [
        ("stroke", "M9 6.5 h8 l4 4 v13 h-12 z M17 6.5 v4 h4 M12 17 h6 M15.5 14.5 l2.5 2.5 -2.5 2.5")
    ],
    "file-in": [
        (
            "stroke",
            "M9 6.5 h8 l4 4 v13 h-12 z M17 6.5 v4 h4 M18 17 h-6 M14.5 14.5 l-2.5 2.5 2.5 2.5",
        )
    ],
    "watch": [("stroke", "M5.5 15 c5 -8 14 -8 19 0 c-5 8 -14 8 -19 0 z M15 12 a3 3 0 1 0 .01 0 z")],
    "timer": [("stroke", "M15 7 a8 8 0 1 0 .01 0 z M15 10 v5 h4")],
    "trigger": [("bold", "M6 24 h4.5 v-18 h4.5 v18 h9")],
    "split": [
        ("fill", "M5 10 h6 v10 h-6 z M12.5 11 l3 4 -3 4 z " + _squares((17.5, 21.5), (9, 14, 19)))
    ],
    "join": [
        ("fill", _squares((7, 11), (9, 14, 19)) + " M14.5 11 l3 4 -3 4 z M19 10 h6 v10 h-6 z")
    ],
    "sort": [
        ("bold", "M11.5 24 v-14 M18.5 6 v14"),
        ("fill", "M7.5 10.5 l4 -5 4 5 z M14.5 19.5 l4 5 4 -5 z"),
    ],
    "batch": [
        (
            "fill",
            _squares((6, 10), (10, 14, 18))
            + " M13.5 11 l3 4 -3 4 z "
            + _squares((19, 23), (6.5, 14, 21.5)),
        )
    ],
    "rbe": [("stroke", "M8 12 h14 M8 18 h14 M19 8 l-8 14")],
    "cog": [
        ("stroke", "M15 10.5 a4.5 4.5 0 1 0 .01 0 z"),
        ("stroke", "M15 6 v3 M15 21 v3 M6 15 h3 M21 15 h3"),
        (
            "stroke",
            "M8.6 8.6 l2.1 2.1 M19.3 19.3 l2.1 2.1 M8.6 21.4 l2.1 -2.1 M19.3 10.7 l2.1 -2.1",
        ),
    ],
    "subflow": [("stroke", "M7 9 h10 v8 h-10 z M13 13 h10 v8 h-10 z")],
    "kafka": [
        ("stroke", "M15 7 a2.5 2.5 0 1 0 .01 0 z M15 18 a2.5 2.5 0 1 0 .01 0 z"),
        ("stroke", "M22 11 a2.5 2.5 0 1 0 .01 0 z M15 12 v6 M17.3 15 l3 -2"),
    ],
    "fa-paper-plane": [("fill", "M6 15 L24 7 L19.5 23 L15 18 L21 10.5 L13 16.5 z")],
    "fa-inbox": [("stroke", "M7 16 l3 -8 h10 l3 8 v6 h-16 z M7 16 h5 l1 2 h4 l1 -2 h5")],
    "fa-shopping-basket": [("stroke", "M6 13 h18 l-2.5 9 h-13 z M11 13 l3 -6 M19 13 l-3 -6")],
    "fa-thumbs-up": [("stroke", "M8 14 h3 v8 h-3 z M11 14 l4 -7 c2 0 2 2 1.5 4 h5 l-2 11 h-8.5")],
    "fa-thumbs-down": [
        ("stroke", "M8 16 h3 v-8 h-3 z M11 16 l4 7 c2 0 2 -2 1.5 -4 h5 l-2 -11 h-8.5")
    ],
    "fa-info": [("fill", "M13.5 7 h3 v3 h-3 z M13.5 12 h3 v11 h-3 z")],
    "fa-cogs": [
        ("stroke", "M12 10.5 a3.5 3.5 0 1 0 .01 0 z M19.5 16.5 a2.5 2.5 0 1 0 .01 0 z"),
        (
            "stroke",
            "M12 7 v-1.5 M12 17.5 v1.5 M7 14 h-1.5 M17 14 h1.5 M19.5 13 v-1.5 M19.5 21.5 v1.5",
        ),
    ],
    "envelope": [("stroke", "M6 9 h18 v12 h-18 z M6 9 l9 7 9 -7")],
    "hash": [("stroke", "M12 7 l-2 16 M19 7 l-2 16 M8 12 h15 M7 18 h15")],
    "db": [("stroke", "M8 9 c0 -3 14 -3 14 0 v12 c0 3 -14 3 -14 0 z M8 9 c0 3 14 3 14 0")],
}

_ALIASES = {
    "node-red": "arrow-in",
    "font-awesome": "arrow-in",
    "leveldb": "db",
    "mongodb": "db",
    "redis": "db",
    "feed": "bridge",
    "serial": "bridge-dash",
}


_KIND_CLASSES = {
    "fill": "fe-icon-fill",
    "stroke": "fe-icon-stroke",
    "bold": "fe-icon-stroke fe-icon-bold",
    "thin": "fe-icon-stroke fe-icon-thin",
}


# drawn once: nodes share glyphs
_SVG = {
    name: "".join(f'<path class="{_KIND_CLASSES[kind]}" d="{d}"/>' for kind, d in parts)
    for name, parts in _GLYPHS.items()
}


def icon_svg(name: str) -> str:
    """SVG elements (no wrapper) drawing glyph ``name`` in a 30×30 box."""
    return _SVG.get(name) or _SVG[_ALIASES.get(name, "arrow-in")]
