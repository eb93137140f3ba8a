"""Command line: ``flowengine run|validate|info``.

Exit codes: 0 success, 1 runtime failure, 2 a user mistake (bad flow file,
bad argument); user mistakes are one line each, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from typing import Any, TextIO

from .errors import FlowFileError, Problem
from .flowfile import FlowSet, load_flow_files
from .graph import build_graph, flow_info, graph_warnings
from .jsvalues import js_json_dumps
from .node import Node
from .registry import NodeRegistry, default_registry
from .runtime import Runtime

__all__ = ["main"]

EXAMPLES = """\
examples:
  flowengine run flows/demo.json
  flowengine run flows/demo.json --debug-out - --until-idle 1
  flowengine run flows/Node-RED-Kafka.json --set mosquitto.broker=127.0.0.1 --env KAFKA=127.0.0.1:9092
  flowengine validate flows/Node-RED-Kafka.json
  flowengine info flows/demo.json --json
"""

EXIT_USER = 2


class UsageError(Exception):
    pass


class _NodeRedFormatter(logging.Formatter):
    """``28 Nov 14:05:32 - [info] message``, as Node-RED logs."""

    _LEVELS = {"WARNING": "warn", "CRITICAL": "fatal", "Level 5": "trace"}

    def format(self, record: logging.LogRecord) -> str:
        t = time.localtime(record.created)
        stamp = f"{t.tm_mday} {time.strftime('%b %H:%M:%S', t)}"
        level = self._LEVELS.get(record.levelname, record.levelname.lower())
        text = f"{stamp} - [{level}] {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def _setup_logging(level_name: str) -> None:
    levels = {
        "fatal": logging.CRITICAL,
        "error": logging.ERROR,
        "warn": logging.WARNING,
        "info": logging.INFO,
        "debug": logging.DEBUG,
        "trace": 5,
    }
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_NodeRedFormatter())
    root = logging.getLogger("flowengine")
    root.handlers[:] = [handler]
    root.setLevel(levels[level_name])
    root.propagate = False


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="flowengine",
        description="Run Node-RED flow files without Node.js.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("flows", nargs="+", metavar="FLOW", help="Node-RED flow JSON file(s)")
        sp.add_argument(
            "--credential-secret",
            default=None,
            help="secret of an encrypted flows_cred.json (env FLOWENGINE_CREDENTIAL_SECRET)",
        )
        sp.add_argument(
            "--allow-unknown",
            action="store_true",
            help="run with nodes of unknown type disabled instead of refusing to start",
        )

    run = sub.add_parser(
        "run", help="run flows", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    common(run)
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NODE.PROP=VALUE",
        help="override a node property (NODE = id or unique name; VALUE parsed as JSON if it can be)",
    )
    run.add_argument("--env", action="append", default=[], metavar="K=V", help="set an env var")
    run.add_argument("--debug-out", metavar="FILE|-", help="write debug node output as JSON lines")
    run.add_argument(
        "--until-idle",
        type=float,
        metavar="SECONDS",
        help="exit 0 once nothing has been in flight for SECONDS and no timer is pending",
    )
    run.add_argument(
        "--log-level",
        default="info",
        choices=["fatal", "error", "warn", "info", "debug", "trace"],
    )
    validate = sub.add_parser("validate", help="check flow files and report every problem")
    common(validate)
    info = sub.add_parser("info", help="describe flows: tabs, types, sources, sinks, cycles")
    common(info)
    info.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def _load(args: argparse.Namespace, registry: NodeRegistry) -> FlowSet:
    secret = args.credential_secret or os.environ.get("FLOWENGINE_CREDENTIAL_SECRET")
    return load_flow_files(args.flows, registry, secret, allow_unknown=args.allow_unknown)


def _print_problems(problems: list[Problem], out: TextIO = sys.stderr) -> None:
    for p in problems:
        prefix = "warning: " if p.warning else ""
        print(f"{prefix}{p}", file=out)


def _resolve_overrides(flowset: FlowSet, sets: list[str]) -> dict[str, dict[str, Any]]:
    from .props import set_object_property

    overrides: dict[str, dict[str, Any]] = {}
    names: dict[str, list[str]] = {}
    for item in flowset.items:
        if isinstance(item.get("name"), str) and item["name"]:
            names.setdefault(item["name"], []).append(item["id"])
    for spec in sets:
        target, eq, raw = spec.partition("=")
        if not eq:
            raise UsageError(f"--set {spec}: expected NODE.PROP=VALUE")
        best: tuple[str, str] | None = None
        for key in [*flowset.by_id, *names]:
            if target.startswith(key + ".") and (best is None or len(key) > len(best[0])):
                best = (key, target[len(key) + 1 :])
        if best is None or not best[1]:
            raise UsageError(f"--set {spec}: no node with id or name matching {target!r}")
        key, prop = best
        if key in flowset.by_id:
            node_id = key
        else:
            ids = names[key]
            if len(ids) > 1:
                raise UsageError(f"--set {spec}: name {key!r} is not unique ({', '.join(ids)})")
            node_id = ids[0]
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        node = overrides.setdefault(node_id, {})
        base = {**flowset.by_id[node_id], **node}
        if "." in prop or "[" in prop:
            top = prop.split(".")[0].split("[")[0]
            import copy

            container = {top: copy.deepcopy(base.get(top))}
            if not set_object_property(container, prop, value):
                raise UsageError(f"--set {spec}: cannot set {prop!r}")
            node[top] = container[top]
        else:
            node[prop] = value
    return overrides


def _parse_env(pairs: list[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        k, eq, v = pair.partition("=")
        if not eq or not k:
            raise UsageError(f"--env {pair}: expected K=V")
        env[k] = v
    return env


def cmd_validate(args: argparse.Namespace, registry: NodeRegistry) -> int:
    flowset = _load(args, registry)
    g = build_graph(flowset, registry)
    # Build nodes (parse properties, start nothing) so option errors show too.
    Runtime(flowset, registry).build()
    warnings = flowset.warnings + graph_warnings(flowset, g, registry)
    _print_problems(warnings)
    print(f"{', '.join(args.flows)}: ok ({len(g)} nodes)")
    return 0


def cmd_info(args: argparse.Namespace, registry: NodeRegistry) -> int:
    flowset = _load(args, registry)
    info = flow_info(flowset, registry)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"files: {', '.join(info['files'])}")
    for tab in info["flows"]:
        state = " (disabled)" if tab["disabled"] else ""
        print(f"{tab['kind']} {tab['id']} {tab['label']!r}{state}: {tab['nodes']} nodes")
        for t, n in tab["types"].items():
            print(f"  {n:4d}  {t}")
    for key in ("sources", "sinks"):
        print(f"{key}:")
        for d in info[key]:
            named = f' "{d["name"]}"' if d["name"] else ""
            print(f"  {d['id']} ({d['type']}{named})")
    print("cycles:" + ("" if info["cycles"] else " none"))
    for c in info["cycles"]:
        print("  " + " -> ".join(c))
    print("config nodes:")
    for c in info["config_nodes"]:
        print(f"  {c['id']} ({c['type']}) scope {c['scope']}: used by {', '.join(c['users']) or 'nobody'}")
    return 0


def cmd_run(args: argparse.Namespace, registry: NodeRegistry) -> int:
    _setup_logging(args.log_level)
    log = logging.getLogger("flowengine")
    env = _parse_env(args.env)
    flowset = _load(args, registry)
    overrides = _resolve_overrides(flowset, args.set)
    _print_problems(flowset.warnings)
    runtime = Runtime(flowset, registry, env=env, overrides=overrides)
    runtime.build()
    out: TextIO | None = None
    if args.debug_out:
        out = sys.stdout if args.debug_out == "-" else open(args.debug_out, "a", encoding="utf-8")  # noqa: SIM115

        def write_debug(node: Node, value: Any, *_: Any) -> None:
            assert out is not None
            line = js_json_dumps({"debug": node.id, "name": node.name, "msg": value})
            out.write(line + "\n")
            out.flush()

        runtime.on("debug", write_debug)
    try:
        return asyncio.run(_run(runtime, args.until_idle, log))
    finally:
        if out is not None and out is not sys.stdout:
            out.close()


async def _run(runtime: Runtime, until_idle: float | None, log: logging.Logger) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    log.info("Starting flows")
    await runtime.start()
    log.info("Started flows")
    if until_idle is None:
        await stop.wait()
    else:
        idle_since: float | None = None
        while not stop.is_set():
            now = loop.time()
            if runtime.idle():
                idle_since = idle_since if idle_since is not None else now
                if now - idle_since >= until_idle:
                    break
            else:
                idle_since = None
            try:
                await asyncio.wait_for(stop.wait(), 0.02)
            except TimeoutError:
                pass
    log.info("Stopping flows")
    await runtime.stop()
    log.info("Stopped flows")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    registry = default_registry()
    commands = {"run": cmd_run, "validate": cmd_validate, "info": cmd_info}
    try:
        return commands[args.command](args, registry)
    except FlowFileError as e:
        _print_problems(e.problems)
        return EXIT_USER
    except UsageError as e:
        print(f"flowengine: {e}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
