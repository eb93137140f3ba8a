"""Transport errors and timeouts, reported as Node-RED 5.0.7 reports them."""

from __future__ import annotations

from .conftest import run_request
from .http_servers import (
    RawServer,
    RecordingServer,
    answer_garbage,
    close_after_request,
    closed_port,
    never_answer,
)

RED_RING = {"fill": "red", "shape": "ring"}


def test_connection_refused() -> None:
    port = closed_port()
    url = f"http://127.0.0.1:{port}/x"
    result = run_request({"url": url})
    assert result.msg["payload"] == f"RequestError: connect ECONNREFUSED 127.0.0.1:{port} : {url}"
    assert result.msg["statusCode"] == "ECONNREFUSED"
    assert result.errors == [f"RequestError: connect ECONNREFUSED 127.0.0.1:{port}"]
    assert result.statuses[-1] == {**RED_RING, "text": "ECONNREFUSED"}


def test_senderr_only_reports_to_catch() -> None:
    port = closed_port()
    result = run_request(
        {"url": f"http://127.0.0.1:{port}/", "senderr": True}, outputs=0, wait_log=True
    )
    assert result.outputs == []
    assert result.errors == [f"RequestError: connect ECONNREFUSED 127.0.0.1:{port}"]
    assert result.statuses[-1] == {**RED_RING, "text": "ECONNREFUSED"}


def test_error_url_includes_the_query_added_from_payload() -> None:
    port = closed_port()
    result = run_request(
        {"url": f"http://127.0.0.1:{port}/x", "paytoqs": "query"}, {"payload": {"a": 1}}
    )
    assert result.msg["payload"].endswith(f" : http://127.0.0.1:{port}/x?a=1")


def test_unknown_host() -> None:
    url = "http://nonexistent.invalid/x"
    msg = run_request({"url": url}).msg
    assert msg["statusCode"] in ("ENOTFOUND", "EAI_AGAIN")  # EAI_AGAIN without any DNS
    assert msg["payload"] == (
        f"RequestError: getaddrinfo {msg['statusCode']} nonexistent.invalid : {url}"
    )


def test_server_hangs_up() -> None:
    with RawServer(close_after_request) as raw:
        msg = run_request({"url": raw.url("/x")}).msg
    assert msg["payload"] == f"RequestError: socket hang up : {raw.url('/x')}"
    assert msg["statusCode"] == "ECONNRESET"


def test_garbage_response() -> None:
    with RawServer(answer_garbage) as raw:
        result = run_request({"url": raw.url("/x")})
    assert result.msg["payload"] == (
        f"RequestError: Parse Error: Expected HTTP/, RTSP/ or ICE/ : {raw.url('/x')}"
    )
    assert result.msg["statusCode"] == "HPE_INVALID_CONSTANT"


def test_timeout_from_msg() -> None:
    with RawServer(never_answer) as raw:
        url = raw.url("/x")
        result = run_request({"url": url}, {"requestTimeout": 300})
    assert result.msg["payload"] == f"TimeoutError: Timeout awaiting 'request' for 300ms : {url}"
    assert result.msg["statusCode"] == "ETIMEDOUT"
    assert result.errors == ["no response from server"]
    assert result.statuses[-1] == {**RED_RING, "text": "common.notification.errors.no-response"}


def test_timeout_from_settings(server: RecordingServer) -> None:
    url = server.url("/slow?ms=3000")
    result = run_request({"url": url}, settings={"httpRequestTimeout": "250"})
    assert result.msg["payload"] == f"TimeoutError: Timeout awaiting 'request' for 250ms : {url}"


def test_invalid_timeouts_warn_and_are_ignored(server: RecordingServer) -> None:
    url = server.url("/text")
    result = run_request({"url": url}, [{"requestTimeout": "abc"}, {"requestTimeout": 0}])
    assert [m["statusCode"] for m in result.outputs] == [200, 200]
    assert sorted(result.warnings) == [
        "Timeout value is negative, ignoring",
        "Timeout value is not a valid number, ignoring",
    ]


def test_timeout_as_string_is_rejected_by_got(server: RecordingServer) -> None:
    url = server.url("/slow?ms=2000")
    result = run_request({"url": url}, {"requestTimeout": "300"})
    text = (
        "RequestError: Option 'timeout.request': Expected values which are `number` or "
        "`undefined`. Received values of type `string`."
    )
    assert result.msg["payload"] == f"{text} : {url}"
    assert result.msg["statusCode"] == "ERR_GOT_REQUEST_ERROR"
    assert result.errors == [text]
    assert server.requests == []


def test_invalid_method_from_msg(server: RecordingServer) -> None:
    result = run_request({"url": server.url("/echo"), "method": "use"}, {"method": "GET X"})
    assert result.msg["statusCode"] == "ERR_INVALID_HTTP_TOKEN"
    assert server.requests == []


def test_status_is_cleared_again_after_an_error(server: RecordingServer) -> None:
    port = closed_port()
    from flowengine.testing import FlowTestHelper

    from .conftest import EXTRA_TYPES, NO_PROXY_ENV, request_flow

    flow = request_flow({"url": ""})
    with FlowTestHelper(flow, extra_types=EXTRA_TYPES, env=NO_PROXY_ENV) as h:
        h.inject("r", {"url": f"http://127.0.0.1:{port}/"})
        h.wait_for("out", 1)
        h.inject("r", {"url": server.url("/text")})
        h.wait_for("out", 2)
        h.wait_idle()
        statuses = list(h.statuses["r"])
    assert statuses[-1] == {}
    assert {**RED_RING, "text": "ECONNREFUSED"} in statuses
