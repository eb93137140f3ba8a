"""``flowengine render``: write a static SVG of each tab, as Node-RED's editor draws it.

For documentation: the same drawing the viewer shows (nodes, wires, groups, link
connections, junctions, comments), self-contained (styles embedded), without live
status. One tab goes to ``-o FILE``; several go to ``FILE-<tab label>.svg`` each, or to
``DIR/<tab label>.svg`` when ``-o`` names a directory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]

EXIT_OK, EXIT_USER = 0, 2

EXAMPLES = """\
examples:
  flowengine render flows/Node-RED-Kafka.json -o flow.svg
      the flow's one tab as flow.svg
  flowengine render flows.json -o docs/flows/
      every tab as docs/flows/<tab label>.svg
  flowengine render flows.json --tab "MQTT to Kafka" --subflows -o out.svg
      one tab (by id or label); --subflows adds subflow definitions
"""


def add_parser(subparsers: Any) -> None:
    """Add the ``render`` sub-command to ``subparsers`` (an argparse sub-parsers action)."""
    p = subparsers.add_parser(
        "render",
        help="write an SVG of each tab as Node-RED's editor draws it",
        description="Write a static, self-contained SVG of each tab (and optionally each "
        "subflow definition) as Node-RED's editor draws it.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("flows", nargs="+", metavar="FLOW", help="Node-RED flow file(s)")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="SVG file (one tab), file name stem or directory (several tabs), - for stdout",
    )
    p.add_argument(
        "--tab",
        action="append",
        default=[],
        metavar="ID|LABEL",
        help="only this tab or subflow (repeatable)",
    )
    p.add_argument("--subflows", action="store_true", help="also draw subflow definitions")
    p.add_argument("--no-grid", action="store_true", help="no background grid")
    p.add_argument("--credential-secret", metavar="S", default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from ..registry import default_registry
    from ..web.model import build_model, slug
    from ..web.svg import scene_svg
    from .view import load_for_drawing

    flowset = load_for_drawing(args.flows, args.credential_secret)
    if flowset is None:
        return EXIT_USER
    registry = default_registry()
    model = build_model(flowset.items, None, lambda t: t in registry)
    tabs = [t for t in model.tabs if args.subflows or t["kind"] == "tab" or args.tab]
    if args.tab:
        wanted = set(args.tab)
        tabs = [t for t in tabs if t["id"] in wanted or t["label"] in wanted]
        missing = wanted - {t["id"] for t in tabs} - {t["label"] for t in tabs}
        if missing:
            print(f"flowengine: no tab or subflow {', '.join(sorted(missing))}", file=sys.stderr)
            return EXIT_USER
    if not tabs:
        print("flowengine: nothing to draw (no tabs)", file=sys.stderr)
        return EXIT_USER
    drawings = [(t, scene_svg(model.scenes[t["id"]], grid=not args.no_grid)) for t in tabs]
    out = args.output
    if out == "-":
        if len(drawings) > 1:
            print("flowengine: -o - takes one tab; pick one with --tab", file=sys.stderr)
            return EXIT_USER
        sys.stdout.write(drawings[0][1])
        return EXIT_OK
    target = Path(out)
    names: list[Path]
    if target.is_dir() or out.endswith(("/", "\\")):
        used: set[str] = set()
        names = []
        for t, _ in drawings:
            name = slug(t["label"])
            if name in used:
                name = f"{name}-{slug(t['id'])}"
            used.add(name)
            names.append(target / f"{name}.svg")
    elif len(drawings) == 1:
        names = [target]
    else:
        stem = target.with_suffix("") if target.suffix.lower() == ".svg" else target
        names = [stem.with_name(f"{stem.name}-{slug(t['label'])}.svg") for t, _ in drawings]
    try:
        for path, (_, svg) in zip(names, drawings, strict=True):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(svg, encoding="utf-8")
            print(path)
    except OSError as e:
        print(f"flowengine: cannot write {e.filename}: {e.strerror}", file=sys.stderr)
        return EXIT_USER
    return EXIT_OK
