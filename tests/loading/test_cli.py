"""The command line: help, ``--set`` / ``--env`` / ``--debug-out`` / ``--until-idle``,
argument mistakes (exit 2, one line) and graceful shutdown on SIGTERM / Ctrl-C."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from flowengine import default_registry, parse_flows
from flowengine.cli import UsageError, resolve_overrides

from .conftest import REPO, cli, lines, node, tab, write_flow


def _loadable(*types: str) -> bool:
    registry = default_registry()
    try:
        for t in types:
            registry.get(t)
    except Exception:
        return False
    return True


needs_inject_debug = pytest.mark.skipif(
    not _loadable("inject", "debug"), reason="inject/debug node modules not available yet"
)
needs_change = pytest.mark.skipif(
    not _loadable("inject", "debug", "change"), reason="change node module not available yet"
)


def inject(
    node_id: str, payload: Any, payload_type: str = "str", once_delay: str = "0", **extra: Any
) -> dict[str, Any]:
    """An inject node as the Node-RED editor saves it, firing once at start."""
    return node(
        node_id,
        "inject",
        props=[{"p": "payload"}, {"p": "topic", "vt": "str"}],
        repeat="",
        crontab="",
        once=True,
        onceDelay=once_delay,
        topic="",
        payload=payload,
        payloadType=payload_type,
        **extra,
    )


def debug(node_id: str = "dbg", name: str = "out", complete: str = "false") -> dict[str, Any]:
    return node(
        node_id,
        "debug",
        name=name,
        active=True,
        tosidebar=True,
        console=False,
        tostatus=False,
        complete=complete,
        targetType="full" if complete == "true" else "msg",
        statusVal="",
        statusType="auto",
        wires=[],
    )


def debug_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines(text)]


# ---- help and usage --------------------------------------------------------------------------


def test_help_has_examples() -> None:
    result = cli("--help")
    assert result.returncode == 0
    assert "examples:" in result.stdout
    for command in ("run", "validate", "info"):
        assert command in result.stdout
    run_help = cli("run", "--help").stdout
    for option in ("--set", "--env", "--credential-secret", "--debug-out", "--until-idle",
                   "--allow-unknown", "--log-level", "examples:"):  # fmt: skip
        assert option in run_help


def test_module_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flowengine", "validate", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "usage: flowengine validate" in result.stdout


def test_no_command_is_a_usage_error() -> None:
    result = cli()
    assert result.returncode == 2
    assert "usage: flowengine" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "nosuch.prop=1"], "flowengine: --set nosuch.prop=1: no node with id or name "
         "matching 'nosuch.prop'"),
        (["--set", "n1.name"], "flowengine: --set n1.name: expected NODE.PROP=VALUE"),
        (["--set", "twin.x2=1"], "flowengine: --set twin.x2=1: name 'twin' is not unique "
         "(n1, n2)"),
        (["--set", "n1.wires=[]"], "flowengine: --set n1.wires=[]: 'wires' cannot be overridden"),
        (["--set", "t1.label=x"], "flowengine: --set t1.label=x: t1 is a tab, not a node"),
        (["--env", "NOEQUALS"], "flowengine: --env NOEQUALS: expected K=V"),
        (["--debug-out", "no/such/dir/out.jsonl"], "flowengine: --debug-out "
         "no/such/dir/out.jsonl: cannot open: No such file or directory"),
    ],
)  # fmt: skip
def test_argument_mistakes_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    write_flow(tmp_path, [tab(), node("n1", name="twin"), node("n2", name="twin")])
    result = cli("run", "flows.json", "--until-idle", "0", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert [line for line in lines(result.stderr) if "[warn]" not in line] == [message]


def test_bad_until_idle_value(tmp_path: Path) -> None:
    write_flow(tmp_path, [tab()])
    result = cli("run", "flows.json", "--until-idle", "-1", cwd=tmp_path)
    assert result.returncode == 2
    assert "--until-idle: expected a number of seconds >= 0, got '-1'" in result.stderr


# ---- --set resolution ----------------------------------------------------------------------


SET_FLOW = [
    tab(),
    node("a.b", name="dotted"),
    node("a.b.c", name="longer"),
    node("n3", name="My Node", rules=[{"t": "set", "to": "x"}]),
    {"id": "cfg.1", "type": "mqtt-broker", "name": "mosquitto", "broker": "localhost"},
]


def overrides(*specs: str) -> dict[str, dict[str, Any]]:
    return resolve_overrides(parse_flows("flows.json", SET_FLOW, None), list(specs))


def test_set_by_id_with_dots_longest_match_wins() -> None:
    assert overrides("a.b.c.port=1883") == {"a.b.c": {"port": 1883}}
    assert overrides("a.b.port=1883") == {"a.b": {"port": 1883}}


def test_set_by_unique_name_and_value_parsing() -> None:
    assert overrides(
        'My Node.topic="quoted"',
        "My Node.count=3.5",
        "My Node.flag=true",
        "My Node.obj={\"a\": [1]}",
        "My Node.text=plain words",
        "mosquitto.broker=127.0.0.1",
    ) == {
        "n3": {"topic": "quoted", "count": 3.5, "flag": True, "obj": {"a": [1]},
               "text": "plain words"},
        "cfg.1": {"broker": "127.0.0.1"},
    }  # fmt: skip


def test_set_nested_property_path() -> None:
    assert overrides("n3.rules[0].to=5") == {"n3": {"rules": [{"t": "set", "to": 5}]}}


def test_set_rejects_unknown_node_and_subflow_internals() -> None:
    with pytest.raises(UsageError):
        overrides("zzz.port=1")
    flow = [
        tab(),
        {"id": "sf", "type": "subflow", "name": "S", "in": [], "out": []},
        node("inner", z="sf"),
    ]
    with pytest.raises(UsageError) as caught:
        resolve_overrides(parse_flows("flows.json", flow, None), ["inner.x2=1"])
    assert str(caught.value) == (
        "--set inner.x2=1: inner is inside subflow sf; set the subflow instance's env instead"
    )


# ---- running ---------------------------------------------------------------------------


def test_until_idle_exits_when_nothing_happens(tmp_path: Path) -> None:
    write_flow(tmp_path, [tab(), node("n1", wires=[["n2"]]), node("n2")])
    result = cli("run", "flows.json", "--until-idle", "0.2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    messages = [line.split(" - ", 1)[1] for line in lines(result.stderr)]
    assert messages == [
        "[info] Starting flows",
        "[info] Started flows",
        "[info] Stopping flows",
        "[info] Stopped flows",
    ]


def test_log_level_warn_hides_info(tmp_path: Path) -> None:
    write_flow(tmp_path, [tab(), node("n1")])
    result = cli("run", "flows.json", "--until-idle", "0", "--log-level", "warn", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ""


class _Running:
    """A ``flowengine run`` subprocess whose stderr is read line by line."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flowengine", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, text: str, timeout: float = 60) -> None:
        while not any(text in line for line in self.seen):
            self.seen.append(self.lines.get(timeout=timeout))

    def finish(self, timeout: float = 60) -> tuple[int, list[str]]:
        code = self.proc.wait(timeout)
        self.reader.join(timeout)  # stderr is at its end once the process exited
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code, self.seen


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_gracefully(tmp_path: Path, sig: signal.Signals) -> None:
    # junctions only: nothing ever makes the flow idle-and-exit by itself
    write_flow(tmp_path, [tab(), node("n1", wires=[["n2"]]), node("n2")])
    running = _Running(["run", "flows.json"], tmp_path)
    try:
        running.wait_for_line("Started flows")
        running.proc.send_signal(sig)
        code, seen = running.finish()
    finally:
        if running.proc.poll() is None:
            running.proc.kill()
    assert code == 0
    assert any("Stopped flows" in line for line in seen)
    assert not any("Traceback" in line for line in seen)


@needs_inject_debug
def test_debug_out_stdout(tmp_path: Path) -> None:
    flow = [tab(), inject("inj.1", "hello", wires=[["dbg"]]), debug()]
    write_flow(tmp_path, flow)
    result = cli("run", "flows.json", "--debug-out", "-", "--until-idle", "0.3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout) == ['{"debug": "dbg", "name": "out", "msg": "hello"}']


@needs_inject_debug
def test_debug_out_file_whole_message_and_buffers(tmp_path: Path) -> None:
    flow = [
        tab(),
        inject("inj.1", "[1,2,255]", "bin", wires=[["dbg", "whole"]]),
        debug(),
        debug("whole", name="", complete="true"),
    ]
    write_flow(tmp_path, flow)
    result = cli("run", "flows.json", "--debug-out", "out.jsonl", "--until-idle", "0.3",
                 cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    first, second = debug_lines((tmp_path / "out.jsonl").read_text())
    assert first == {"debug": "dbg", "name": "out", "msg": {"type": "Buffer", "data": [1, 2, 255]}}
    assert second["debug"] == "whole" and second["name"] == ""
    assert second["msg"]["payload"] == {"type": "Buffer", "data": [1, 2, 255]}
    assert second["msg"]["topic"] == ""
    assert isinstance(second["msg"]["_msgid"], str)


@needs_inject_debug
def test_set_and_env_reach_the_flow(tmp_path: Path) -> None:
    flow = [
        tab(),
        inject("inj.1", "unchanged", name="First", wires=[["dbg"]]),
        inject("inj.2", "GREETING", "env", wires=[["dbg"]]),
        inject("inj.3", "${GREETING}", wires=[["dbg"]]),
        debug(),
    ]
    write_flow(tmp_path, flow)
    result = cli(
        "run", "flows.json", "--debug-out", "-", "--until-idle", "0.3",
        "--set", "First.payload=42", "--set", "First.payloadType=num",
        "--env", "GREETING=hi there",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(json.dumps(d["msg"]) for d in debug_lines(result.stdout)) == [
        '"hi there"',
        '"hi there"',
        "42",
    ]


@needs_change
def test_change_node_flow_with_env(tmp_path: Path) -> None:
    change = node(
        "chg",
        "change",
        rules=[{"t": "set", "p": "payload", "pt": "msg", "to": "TARGET", "tot": "env"}],
        wires=[["dbg"]],
    )
    flow = [tab(), inject("inj.1", "x", wires=[["chg"]]), change, debug()]
    write_flow(tmp_path, flow)
    result = cli("run", "flows.json", "--debug-out", "-", "--until-idle", "0.3",
                 "--env", "TARGET=kafka:9092", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert debug_lines(result.stdout) == [{"debug": "dbg", "name": "out", "msg": "kafka:9092"}]


@needs_inject_debug
def test_until_idle_waits_for_pending_timers(tmp_path: Path) -> None:
    # the inject fires after 0.5 s; idle-for-0.1 s must not end the run before that
    flow = [tab(), inject("inj.1", "late", once_delay="0.5", wires=[["dbg"]]), debug()]
    write_flow(tmp_path, flow)
    result = cli("run", "flows.json", "--debug-out", "-", "--until-idle", "0.1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert debug_lines(result.stdout) == [{"debug": "dbg", "name": "out", "msg": "late"}]
