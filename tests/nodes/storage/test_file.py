"""Tests of the write-file node; expected behaviour was observed on Node-RED 5.0.7."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from flowengine.nodes.storage.file import encoder_for, node_error_text

from flowengine.testing import FlowTestHelper, load_error_lines


def _flow(tab: dict[str, Any], **config: Any) -> list[dict[str, Any]]:
    z = tab["id"]
    node = {"id": "f", "type": "file", "z": z, "x": 1, "y": 1, "name": "", "filename": ""}
    node.update({"filenameType": "str", "appendNewline": True, "createDir": False})
    node.update({"overwriteFile": "false", "encoding": "none", "wires": [["out"]]})
    node.update(config)
    return [
        tab,
        node,
        {"id": "out", "type": "helper", "z": z, "x": 1, "y": 1, "wires": []},
        {"id": "c", "type": "catch", "z": z, "x": 1, "y": 1, "scope": None, "wires": [["err"]]},
        {"id": "err", "type": "helper", "z": z, "x": 1, "y": 1, "wires": []},
        {
            "id": "done",
            "type": "complete",
            "z": z,
            "x": 1,
            "y": 1,
            "scope": ["f"],
            "wires": [["cmp"]],
        },
        {"id": "cmp", "type": "helper", "z": z, "x": 1, "y": 1, "wires": []},
    ]


def _run(
    tab: dict[str, Any],
    msgs: list[dict[str, Any]],
    settings: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    **config: Any,
) -> FlowTestHelper:
    with FlowTestHelper(_flow(tab, **config), settings=settings, env=env) as h:
        for m in msgs:
            h.inject("f", m)
        h.wait_until(lambda: len(h.received("cmp")) + len(h.received("err")) >= len(msgs))
        h.wait_idle()
    return h


def _errors(h: FlowTestHelper) -> list[str]:
    return [m["error"]["message"] for m in h.received("err")]


# ---- payloads and newlines ---------------------------------------------------------------


def test_append_converts_payloads(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    msgs: list[dict[str, Any]] = [
        {"payload": "line1"},
        {"payload": {"x": [1, 2]}},
        {"payload": 42},
        {"payload": False},
        {"payload": b"BUF"},
        {"payload": None},
        {"payload": 1.5},
    ]
    h = _run(tab, msgs, filename=str(target))
    nl = os.linesep
    expected = f'line1{nl}{{"x":[1,2]}}{nl}42{nl}false{nl}BUFnull{nl}1.5{nl}'
    assert target.read_bytes() == expected.encode()
    out = h.received("out")
    assert [m["payload"] for m in out] == [m["payload"] for m in msgs]
    assert all(m["filename"] == str(target) for m in out)


def test_message_without_payload_is_done_without_output(
    tab: dict[str, Any], tmp_path: Path
) -> None:
    h = _run(tab, [{"topic": "t"}], filename=str(tmp_path / "x.txt"))
    assert h.received("out") == [] and len(h.received("cmp")) == 1
    assert not (tmp_path / "x.txt").exists()


def test_last_string_part_gets_no_newline(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "p.txt"
    msgs = [
        {"payload": "part0", "parts": {"type": "string", "index": 0, "count": 2}},
        {"payload": "part1", "parts": {"type": "string", "index": 1, "count": 2}},
        {"payload": "arr", "parts": {"type": "array", "index": 0, "count": 1}},
    ]
    _run(tab, msgs, filename=str(target))
    assert target.read_bytes() == f"part0{os.linesep}part1arr{os.linesep}".encode()


def test_no_newline_option(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "n.txt"
    _run(tab, [{"payload": "n1"}, {"payload": "n2"}], filename=str(target), appendNewline=False)
    assert target.read_text() == "n1n2"


def test_overwrite(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "o.txt"
    target.write_text("old")
    h = _run(
        tab,
        [{"payload": "first"}, {"payload": "second"}],
        filename=str(target),
        overwriteFile="true",
    )
    assert target.read_text() == f"second{os.linesep}"
    assert len(h.received("out")) == 2


def test_boolean_overwrite_flag(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "b.txt"
    _run(tab, [{"payload": "a"}, {"payload": "b"}], filename=str(target), overwriteFile=True)
    assert target.read_text() == f"b{os.linesep}"


def test_writes_keep_arrival_order(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "order.txt"
    msgs = [{"payload": str(i)} for i in range(200)]
    h = _run(tab, msgs, filename=str(target), appendNewline=False)
    assert target.read_text() == "".join(str(i) for i in range(200))
    assert [m["payload"] for m in h.received("out")] == [str(i) for i in range(200)]


def test_rotated_file_is_recreated(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "log.txt"
    with FlowTestHelper(_flow(tab, filename=str(target), appendNewline=False)) as h:
        h.inject("f", {"payload": "a"})
        h.wait_for("out", 1)
        target.rename(tmp_path / "log.1")
        h.inject("f", {"payload": "b"})
        h.wait_for("out", 2)
        target.unlink()
        h.inject("f", {"payload": "c"})
        h.wait_for("out", 3)
    assert (tmp_path / "log.1").read_text() == "a" and target.read_text() == "c"


# ---- filenames -------------------------------------------------------------------------------


def test_filename_from_msg_env_jsonata_and_context(tab: dict[str, Any], tmp_path: Path) -> None:
    d = str(tmp_path)
    h = _run(tab, [{"payload": "m", "fn": f"{d}/m.txt"}], filename="fn", filenameType="msg")
    assert (tmp_path / "m.txt").read_text() == f"m{os.linesep}"
    assert h.received("out")[0]["filename"] == f"{d}/m.txt"
    _run(tab, [{"payload": "e"}], env={"FN": f"{d}/e.txt"}, filename="FN", filenameType="env")
    assert (tmp_path / "e.txt").exists()
    expr = f'"{d}/j_" & topic & ".txt"'
    _run(tab, [{"payload": "j", "topic": "tp"}], filename=expr, filenameType="jsonata")
    assert (tmp_path / "j_tp.txt").exists()


def test_old_flows_use_msg_filename(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "old.txt"
    h = _run(tab, [{"payload": "x", "filename": str(target)}], filenameType="")
    assert target.exists() and h.received("out")[0]["filename"] == str(target)
    flow = _flow(tab, filename=str(tmp_path / "static.txt"))
    del flow[1]["filenameType"]
    with FlowTestHelper(flow) as h2:
        h2.inject("f", {"payload": "s"})
        h2.wait_for("out")
    assert (tmp_path / "static.txt").exists()


def test_missing_filename_warns(tab: dict[str, Any], tmp_path: Path) -> None:
    h = _run(tab, [{"payload": "x"}], filenameType="")
    assert h.warnings() == ["No filename specified"]
    assert h.received("out") == [] and h.received("cmp")[0]["filename"] == ""


def test_empty_configured_filename_shows_status(tab: dict[str, Any]) -> None:
    with FlowTestHelper(_flow(tab, filename="")) as h:
        h.inject("f", {"payload": "x"})
        h.wait_until(lambda: bool(h.statuses.get("f")))
        first = h.statuses["f"][0]
    assert first == {"fill": "grey", "shape": "dot", "text": ""}
    assert h.statuses["f"][-1] == {}  # cleared when the node closes


def test_relative_names_use_file_working_directory(tab: dict[str, Any], tmp_path: Path) -> None:
    h = _run(
        tab,
        [{"payload": "r", "fn": 123}],
        settings={"fileWorkingDirectory": str(tmp_path)},
        filename="fn",
        filenameType="msg",
    )
    assert (tmp_path / "123").read_text() == f"r{os.linesep}"
    assert h.received("out")[0]["filename"] == "123"


def test_relative_names_default_to_cwd(
    tab: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _run(tab, [{"payload": "r"}], filename="rel.txt")
    assert (tmp_path / "rel.txt").exists()


def test_bad_msg_filename_path_is_an_error(tab: dict[str, Any]) -> None:
    h = _run(tab, [{"payload": "x"}], filename="a.b", filenameType="msg")
    assert _errors(h) == ["TypeError: Cannot read properties of undefined (reading 'b')"]
    assert len(h.received("cmp")) == 1  # Node-RED reports the error, then calls done()


# ---- directories, deleting and failures ----------------------------------------------------


def test_create_dir(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "sub" / "dir" / "c.txt"
    _run(tab, [{"payload": "made"}], filename=str(target), createDir=True)
    assert target.read_text() == f"made{os.linesep}"


def test_create_dir_failure(tab: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    target = tmp_path / "afile" / "sub" / "x.txt"
    h = _run(tab, [{"payload": "x"}], filename=str(target), createDir=True)
    folder = tmp_path / "afile" / "sub"
    assert _errors(h) == [
        f"failed to create file: Error: ENOTDIR: not a directory, mkdir '{folder}'"
    ]
    assert h.received("out") == [] and len(h.received("cmp")) == 1


def test_append_and_write_failures(tab: dict[str, Any], tmp_path: Path) -> None:
    missing = tmp_path / "nodir" / "a.txt"
    h = _run(tab, [{"payload": "a"}], filename=str(missing))
    assert _errors(h) == [
        f"failed to append to file: Error: ENOENT: no such file or directory, open '{missing}'"
    ]
    h = _run(tab, [{"payload": "a"}], filename=str(missing), overwriteFile="true")
    assert _errors(h) == [
        f"failed to write to file: Error: ENOENT: no such file or directory, open '{missing}'"
    ]
    h = _run(tab, [{"payload": "a"}], filename=str(tmp_path))
    eisdir = "Error: EISDIR: illegal operation on a directory"
    assert _errors(h) == [f"failed to append to file: {eisdir}, open '{tmp_path}'"]


def test_delete(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "d.txt"
    target.write_text("x")
    h = _run(
        tab,
        [{"payload": "whatever"}, {"payload": "again"}],
        filename=str(target),
        overwriteFile="delete",
    )
    assert not target.exists()
    assert [m["payload"] for m in h.received("out")] == ["whatever"]
    assert _errors(h) == [
        f"failed to delete file: Error: ENOENT: no such file or directory, unlink '{target}'"
    ]
    assert (logging.DEBUG, f"deleted file: {target}") in [(lvl, t) for _, lvl, t in h.logs]


# ---- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "payload", "expected"),
    [
        ("utf-16le", "hé\U0001f600", "6800e9003dd800de"),
        ("ucs2", "a\ud800b", "610000d86200"),
        ("utf-16be", "a\ud800b", "0061d8000062"),
        ("utf16", "a", "fffe6100"),
        ("utf32", "a", "fffe000061000000"),
        ("ISO-8859-1", "hé€", "68e93f"),
        ("latin1", "é\U0001f600", "e93f3f"),
        ("binary", "a\U0001f600b", "613d0062"),
        ("ascii", "aé\ufffd", "613fff"),
        ("win1252", "é€\ufffd", "e9809d"),
        ("base64", "aGVsbG8=\n", "68656c6c6f"),
        ("base64", "aGVs bG8", "68656c6c6f"),
        ("base64", "aGVsbG8=aGk=", "68656c6c6f"),
        ("base64", "a-_b", "6befdb"),
        ("hex", "4865zz6c", "4865"),
        ("hex", "486", "48"),
        ("Shift_JIS", "a\U0001f600b", "613f62"),
        ("GB18030", "a\U0001f600b", "619439fc3662"),
        ("UTF-8", "a\ud800b", "61efbfbd62"),
        ("none", "a\ud800b", "61efbfbd62"),
    ],
)
def test_encoders_match_iconv_lite(encoding: str, payload: str, expected: str) -> None:
    assert encoder_for(encoding)(payload).hex() == expected


def test_configured_encoding(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "u16.txt"
    _run(
        tab,
        [{"payload": "hé"}, {"payload": b"h\xc3\xa9"}],
        filename=str(target),
        encoding="utf-16le",
        appendNewline=False,
    )
    # A Buffer is turned into its UTF-8 text and re-encoded, as iconv-lite does.
    assert target.read_bytes().hex() == "6800e900" * 2


def test_encoding_set_by_msg(tab: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "sbm.txt"
    msgs = [
        {"payload": "hé", "encoding": "utf-16be"},
        {"payload": "x", "encoding": "bogus"},
        {"payload": "y", "encoding": "viscii"},
        {"payload": "after"},
    ]
    h = _run(tab, msgs, filename=str(target), encoding="setbymsg", appendNewline=False)
    assert target.read_bytes() == b"\x00h\x00\xe9after"
    assert _errors(h) == [
        "Error: Encoding not recognized: 'bogus' (searched as: 'bogus')",
        "Error: Encoding not supported by flowengine: 'viscii'",
    ]
    assert len(h.received("cmp")) == 2  # failed encodings end without "complete"


# ---- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"overwriteFile": "maybe"}, "overwriteFile"),
        ({"overwriteFile": None}, "overwriteFile"),
        ({"filenameType": "num"}, "filenameType"),
        ({"filenameType": "msg", "filename": "a..b"}, "filename"),
        ({"filenameType": "jsonata", "filename": "$$$("}, "filename"),
        ({"encoding": "klingon"}, "encoding"),
        ({"encoding": "viscii"}, "encoding"),
        ({"encoding": 5}, "encoding"),
    ],
)
def test_bad_config_is_rejected(tab: dict[str, Any], config: dict[str, Any], field: str) -> None:
    lines = load_error_lines(_flow(tab, **{"filename": "x.txt", **config}))
    assert len(lines) == 1 and f"(file): {field}:" in lines[0], lines


def test_close_clears_status(tab: dict[str, Any], tmp_path: Path) -> None:
    h = _run(tab, [{"payload": "x"}], filename=str(tmp_path / "s.txt"))
    assert h.statuses["f"] == [{}]


def test_node_error_text() -> None:
    err = FileNotFoundError(2, "No such file or directory", "/x")
    assert node_error_text(err, "open", "/x") == (
        "Error: ENOENT: no such file or directory, open '/x'"
    )
    assert node_error_text(PermissionError(13, "Permission denied"), "unlink", "/y") == (
        "Error: EACCES: permission denied, unlink '/y'"
    )
