"""Credentials files beside the flow file: plain, and encrypted as Node-RED 5.0.7 does.

``fixtures/creds_flow_cred.json`` was written by Node-RED's own credentials
module (``fixtures/make_node_red_credentials.js``, secret ``fixture-secret``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from flowengine import FlowFileError, Node, default_registry, load_flow_files
from flowengine.credentials import (
    CredentialsError,
    credentials_file_for,
    decrypt_credentials,
    encrypt_credentials,
    load_credentials,
)
from flowengine.runtime import Runtime

from .conftest import FIXTURES, cli, errors, node, tab, write_flow

SECRET = "fixture-secret"
NODE_RED_CREDS = {
    "cred.tab": {"API_KEY": "s3cret-äöü"},
    "cred.node": {"user": "alice", "password": "${CRED_PASSWORD}"},
}


@pytest.fixture
def creds_dir(tmp_path: Path) -> Path:
    for name in ("creds_flow.json", "creds_flow_cred.json"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def test_decrypts_a_file_written_by_node_red(creds_dir: Path) -> None:
    blob = json.loads((creds_dir / "creds_flow_cred.json").read_text())
    assert set(blob) == {"$"}
    assert decrypt_credentials(blob["$"], SECRET) == NODE_RED_CREDS
    assert load_credentials(str(creds_dir / "creds_flow.json"), SECRET) == NODE_RED_CREDS


class RecordingJunction(Node):
    """A junction that shows what credentials and env it was given."""

    type = "junction"


def test_decrypted_credentials_reach_nodes_and_tab_env(creds_dir: Path) -> None:
    registry = default_registry().copy()
    registry.register(RecordingJunction)
    flowset = load_flow_files([str(creds_dir / "creds_flow.json")], registry, SECRET)
    runtime = Runtime(flowset, registry, env={"CRED_PASSWORD": "from-env"})
    runtime.build()
    junction = runtime.get_node("cred.node")
    assert junction is not None
    assert junction.credentials == {"user": "alice", "password": "from-env"}
    assert junction.get_env("API_KEY") == "s3cret-äöü"


def test_file_is_never_rewritten(creds_dir: Path) -> None:
    before = {p.name: p.read_bytes() for p in creds_dir.iterdir()}
    result = cli("validate", "creds_flow.json", "--credential-secret", SECRET, cwd=creds_dir)
    assert result.returncode == 0, result.stderr
    assert {p.name: p.read_bytes() for p in creds_dir.iterdir()} == before


def test_secret_from_environment(creds_dir: Path) -> None:
    result = cli(
        "validate", "creds_flow.json", cwd=creds_dir, env={"FLOWENGINE_CREDENTIAL_SECRET": SECRET}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("creds_flow.json: ok")


def test_missing_secret(creds_dir: Path) -> None:
    result = cli("validate", "creds_flow.json", cwd=creds_dir)
    assert result.returncode == 2
    assert errors(result.stderr) == [
        "creds_flow_cred.json: credentials are encrypted; give --credential-secret or set "
        "FLOWENGINE_CREDENTIAL_SECRET"
    ]


@pytest.mark.parametrize("command", ["validate", "run", "info"])
def test_wrong_secret(creds_dir: Path, command: str) -> None:
    result = cli(command, "creds_flow.json", "--credential-secret", "not-it", cwd=creds_dir)
    assert result.returncode == 2
    assert errors(result.stderr) == [
        "creds_flow_cred.json: cannot decrypt credentials: wrong credential secret"
    ]


def test_credentials_file_name() -> None:
    assert credentials_file_for("flows.json") == "flows_cred.json"
    assert credentials_file_for("dir/my.flows.json") == "dir/my.flows_cred.json"
    assert credentials_file_for("dir/flows") == "dir/flows_cred"  # no extension: none added


def test_encrypt_round_trip() -> None:
    creds = {"n1": {"password": "p", "unicode": "äöü"}}
    blob = encrypt_credentials(creds, "k")
    assert len(blob) > 32 and all(c in "0123456789abcdef" for c in blob[:32])
    assert decrypt_credentials(blob, "k") == creds


def test_plain_credentials_need_no_secret(tmp_path: Path) -> None:
    write_flow(tmp_path, [tab(), node("n1")])
    (tmp_path / "flows_cred.json").write_text(json.dumps({"n1": {"password": "p"}}))
    assert load_credentials(str(tmp_path / "flows.json"), None) == {"n1": {"password": "p"}}
    # a secret given for a plain file is not needed and does no harm (Node-RED reads it too)
    assert load_credentials(str(tmp_path / "flows.json"), "s") == {"n1": {"password": "p"}}


def test_no_or_empty_credentials_file(tmp_path: Path) -> None:
    write_flow(tmp_path, [tab(), node("n1")])
    assert load_credentials(str(tmp_path / "flows.json"), None) == {}
    (tmp_path / "flows_cred.json").write_text("")
    assert load_credentials(str(tmp_path / "flows.json"), None) == {}


BAD_FILES: dict[str, tuple[str, str]] = {
    "invalid JSON": ('{"n1": ', "invalid JSON: Expecting value at line 1 column 8"),
    "not an object": ("[1, 2]", "expected a JSON object of node id → credentials"),
    "node entry not an object": (
        '{"n1": "pw"}',
        'credentials of node "n1": expected an object of fields',
    ),
    "encrypted value not a string": ('{"$": 5}', '"$": expected a string'),
    "encrypted value not hex + base64": (
        '{"$": "zz"}',
        "encrypted credentials are malformed: too short to hold an initialisation vector",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_credentials_files(tmp_path: Path, case: str) -> None:
    content, message = BAD_FILES[case]
    write_flow(tmp_path, [tab(), node("n1")])
    (tmp_path / "flows_cred.json").write_text(content, encoding="utf-8")
    with pytest.raises(CredentialsError) as caught:
        load_credentials(str(tmp_path / "flows.json"), "secret")
    assert caught.value.message == message
    result = cli("validate", "flows.json", "--credential-secret", "secret", cwd=tmp_path)
    assert result.returncode == 2
    assert errors(result.stderr) == [f"flows_cred.json: {message}"]


def test_object_form_may_carry_credentials(tmp_path: Path) -> None:
    encrypted = encrypt_credentials({"n1": {"password": "p"}}, "k")
    data: dict[str, Any] = {
        "flows": [tab(), node("n1")],
        "rev": "x",
        "credentials": {"$": encrypted},
    }
    write_flow(tmp_path, data)
    flowset = load_flow_files([str(tmp_path / "flows.json")], None, "k")
    assert flowset.credentials == {"n1": {"password": "p"}}
    with pytest.raises(FlowFileError) as caught:
        load_flow_files([str(tmp_path / "flows.json")], None, "wrong")
    path = tmp_path / "flows.json"
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: credentials: cannot decrypt credentials: wrong credential secret"
    ]
