"""Requests and responses against a real server: what reaches the wire, what comes out.

Expected values were observed by running Node-RED 5.0.7 against the same server
(``http_servers.py``); differences are noted where we deviate on purpose.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from .conftest import run_request
from .http_servers import RecordingServer

GOT_UA = "got (https://github.com/sindresorhus/got)"
NO_OVERRIDE = (
    "Warning: msg properties can no longer override set node properties. "
    "See bit.ly/nr-override-msg-props"
)


def _wire(server: RecordingServer) -> list[tuple[str, str]]:
    """The last request's header lines, Host (h11 always writes it first) removed."""
    return [h for h in server.last().headers if h[0].lower() != "host"]


# ---- the basics -------------------------------------------------------------------------
def test_get_sends_what_got_sends(server: RecordingServer) -> None:
    result = run_request({"url": server.url("/echo")})
    request = server.last()
    assert request.method == "GET"
    assert request.target == "/echo"
    assert request.headers == [
        ("Host", f"127.0.0.1:{server.port}"),
        ("user-agent", GOT_UA),
        ("Connection", "keep-alive"),
    ]
    msg = result.msg
    assert msg["statusCode"] == 200
    assert msg["responseUrl"] == server.url("/echo")
    assert msg["redirectList"] == []
    assert msg["retry"] == 0
    assert isinstance(msg["payload"], str)
    assert "responseCookies" not in msg


def test_output_headers_and_request_node_hash(server: RecordingServer) -> None:
    msg = run_request({"url": server.url("/text")}).msg
    # Same headers, same hash as Node-RED 5.0.7 computed for this response.
    assert msg["headers"] == {
        "content-type": "text/plain; charset=utf-8",
        "content-length": "13",
        "x-node-red-request-node": "392b918e",
    }
    assert msg["payload"] == "héllo wörld"


def test_status_requesting_then_cleared(server: RecordingServer) -> None:
    result = run_request({"url": server.url("/text")})
    assert result.statuses == [
        {"fill": "blue", "shape": "dot", "text": "httpin.status.requesting"},
        {},
    ]


def test_concurrent_requests_clear_status_once(server: RecordingServer) -> None:
    url = server.url("/slow?ms=800")
    result = run_request({"url": url}, [{"n": 1}, {"n": 2}])
    assert sorted(m["n"] for m in result.outputs) == [1, 2]
    requesting = {"fill": "blue", "shape": "dot", "text": "httpin.status.requesting"}
    assert result.statuses == [requesting, requesting, {}]


def test_return_binary_buffer(server: RecordingServer) -> None:
    msg = run_request({"url": server.url("/bin"), "ret": "bin"}).msg
    assert msg["payload"] == bytes([0, 1, 2, 255, 254])


def test_return_parsed_json(server: RecordingServer) -> None:
    msg = run_request({"url": server.url("/json"), "ret": "obj"}).msg
    assert msg["payload"] == {"a": 1, "b": [True, None, "x"]}


def test_invalid_json_warns_and_keeps_string(server: RecordingServer) -> None:
    result = run_request({"url": server.url("/badjson"), "ret": "obj"})
    assert result.msg["payload"] == "{not json"
    assert result.warnings == ["JSON parse error"]


def test_204_gives_empty_object(server: RecordingServer) -> None:
    result = run_request({"url": server.url("/nocontent"), "ret": "obj"})
    assert result.msg["payload"] == {}
    assert result.msg["headers"] == {"x-node-red-request-node": "59322f29"}
    assert result.warnings == []


def test_head_with_obj_warns_on_empty_body(server: RecordingServer) -> None:
    result = run_request({"url": server.url("/status/200"), "method": "HEAD", "ret": "obj"})
    assert result.msg["payload"] == ""
    assert result.warnings == ["JSON parse error"]
    assert server.last().method == "HEAD"


def test_http_error_status_is_not_an_error(server: RecordingServer) -> None:
    result = run_request({"url": server.url("/status/503")})
    assert result.msg["statusCode"] == 503
    assert result.msg["payload"] == "status 503"
    assert result.errors == []


def test_body_is_not_decompressed(server: RecordingServer) -> None:
    import gzip

    msg = run_request({"url": server.url("/gzip"), "ret": "bin"}).msg
    assert msg["headers"]["content-encoding"] == "gzip"
    assert gzip.decompress(msg["payload"]) == b"compressed text"


def test_repeated_response_headers_and_response_cookies(server: RecordingServer) -> None:
    msg = run_request({"url": server.url("/dup")}).msg
    assert msg["headers"] == {
        "x-multi": "one, two",
        "content-type": "text/plain",
        "set-cookie": ["a=1; Path=/; HttpOnly", "b=hello%20there; Max-Age=60"],
        "etag": '"first"',
        "cache-control": "no-cache, no-store",
        "content-length": "3",
        "x-node-red-request-node": "3fea7cb8",
    }
    assert msg["responseCookies"] == {
        "a": {"Path": "/", "value": "1"},
        "b": {"Max-Age": "60", "value": "hello there"},
    }


# ---- URL ------------------------------------------------------------------------------------
def test_msg_url_used_when_node_has_none(server: RecordingServer) -> None:
    result = run_request({}, {"url": server.url("/echo")})
    assert result.msg["statusCode"] == 200
    assert result.warnings == []


def test_node_url_wins_over_msg_url_with_warning(server: RecordingServer) -> None:
    result = run_request({"url": server.url("/echo")}, {"url": server.url("/other")})
    assert server.last().path == "/echo"
    assert result.warnings == [NO_OVERRIDE]
    assert result.msg["url"] == server.url("/other")


def test_no_url_is_an_error() -> None:
    result = run_request({}, {}, outputs=0, wait_log=True)
    assert result.errors == ["No url specified"]
    assert result.outputs == []


def test_non_http_transport_warns() -> None:
    result = run_request({"url": "ftp://127.0.0.1/x"}, outputs=0, wait_log=True)
    assert result.warnings == ["non-http transport requested"]
    assert result.statuses[-1] == {
        "fill": "red",
        "shape": "ring",
        "text": "httpin.errors.invalid-transport",
    }


def test_scheme_defaults_to_http_and_stray_percent_is_encoded(server: RecordingServer) -> None:
    url = f"127.0.0.1:{server.port}/echo?a=%zz&b=10%&c=%41%%42"
    msg = run_request({"url": url}).msg
    assert server.last().target == "/echo?a=%25zz&b=10%25&c=%41%25%42"
    assert msg["responseUrl"] == server.url("/echo?a=%25zz&b=10%25&c=%41%25%42")


def test_url_is_normalised_like_whatwg(server: RecordingServer) -> None:
    msg = run_request({"url": server.url("/echo?q=ä ö&r=a#frag")}).msg
    assert server.last().target == "/echo?q=%C3%A4%20%C3%B6&r=a"
    assert msg["responseUrl"] == server.url("/echo?q=%C3%A4%20%C3%B6&r=a#frag")


def test_mustache_url(server: RecordingServer) -> None:
    url = server.url(
        "/echo?q={{payload}}&r={{{payload}}}&n={{num}}&o={{obj}}&m={{missing}}&l={{payload.length}}"
    )
    msg = run_request({"url": url}, {"payload": "<a&b>/'\"=`", "num": 1.5, "obj": {"a": 1}}).msg
    # The HTML escape "&#x2F;" starts a fragment, exactly as in Node-RED.
    assert server.last().target == "/echo?q=&lt;a&amp;b&gt;&"
    assert msg["responseUrl"] == server.url(
        "/echo?q=&lt;a&amp;b&gt;&#x2F;&#39;&quot;&#x3D;&#x60;&r=%3Ca&b%3E/'%22=%60"
        "&n=1.5&o=[object%20Object]&m=&l=10"
    )


def test_msg_url_is_not_a_template(server: RecordingServer) -> None:
    run_request({}, {"url": server.url("/echo?x={{payload}}"), "payload": "p"})
    assert server.last().target == "/echo?x={{payload}}"


def test_invalid_url_is_a_type_error() -> None:
    result = run_request({"url": "http://exa mple.com/"}, outputs=0, wait_log=True)
    assert result.errors == ["TypeError: Invalid URL"]
    assert result.outputs == []


# ---- methods and bodies ----------------------------------------------------------------------
def test_post_object_as_json(server: RecordingServer) -> None:
    run_request({"url": server.url("/echo"), "method": "POST"}, {"payload": {"a": 1, "b": "x y"}})
    request = server.last()
    assert request.body == b'{"a":1,"b":"x y"}'
    assert _wire(server) == [
        ("user-agent", GOT_UA),
        ("Content-Type", "application/json"),
        ("Content-Length", "17"),
        ("Connection", "keep-alive"),
    ]


def test_post_string_buffer_number_boolean(server: RecordingServer) -> None:
    props = {"url": server.url("/echo"), "method": "POST"}
    payloads: list[dict[str, Any]] = [
        {"payload": "text"},
        {"payload": b"\x01\x02\xff"},
        {"payload": 1e21},
        {"payload": True},
    ]
    run_request(props, payloads)
    bodies = {r.body: r.header("Content-Type") for r in server.requests}
    assert bodies == {
        b"text": None,
        b"\x01\x02\xff": None,
        b"1e+21": None,
        b"true": "application/json",
    }


def test_post_without_payload_sends_zero_length(server: RecordingServer) -> None:
    run_request({"url": server.url("/echo"), "method": "POST"})
    assert _wire(server)[-1] == ("Content-Length", "0")
    run_request({"url": server.url("/echo"), "method": "DELETE"})
    assert server.last().header("Content-Length") is None
    assert server.last().method == "DELETE"


def test_form_urlencoded_body(server: RecordingServer) -> None:
    payload = {"a": "x y", "b": [1, 2], "c": True, "d": None, "e": {"f": 1}, "g": "ä!*()~'"}
    run_request(
        {"url": server.url("/echo"), "method": "POST"},
        {"headers": {"Content-Type": "application/x-www-form-urlencoded"}, "payload": payload},
    )
    assert server.last().body == b"a=x%20y&b=1&b=2&c=true&d=&e=&g=%C3%A4!*()~'"
    assert _wire(server) == [
        ("user-agent", GOT_UA),
        ("Content-Length", "43"),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Connection", "keep-alive"),
    ]


def test_multipart_form_data(server: RecordingServer) -> None:
    payload = {
        "s": "str",
        "b": b"buf",
        "n": 12,
        "o": {"x": 1},
        "f": {"value": b"filedata", "options": {"filename": "a.txt"}},
        "g": {"value": "gg", "options": {"filename": "b.json", "contentType": "x/y"}},
        "h": {"value": "hh", "options": "c.png"},
        "z": None,
        "t": True,
    }
    run_request(
        {"url": server.url("/echo"), "method": "POST"},
        {"headers": {"content-type": "multipart/form-data"}, "payload": payload},
    )
    request = server.last()
    content_type = request.header("content-type") or ""
    m = re.fullmatch(r"multipart/form-data; boundary=(-{26}[0-9a-f]{24})", content_type)
    assert m, content_type
    b = m.group(1)
    expected = (
        f'--{b}\r\nContent-Disposition: form-data; name="s"\r\n\r\nstr\r\n'
        f'--{b}\r\nContent-Disposition: form-data; name="b"\r\n'
        "Content-Type: application/octet-stream\r\n\r\nbuf\r\n"
        f'--{b}\r\nContent-Disposition: form-data; name="n"\r\n\r\n12\r\n'
        f'--{b}\r\nContent-Disposition: form-data; name="o"\r\n\r\n{{"x":1}}\r\n'
        f'--{b}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nfiledata\r\n"
        f'--{b}\r\nContent-Disposition: form-data; name="g"; filename="b.json"\r\n'
        "Content-Type: x/y\r\n\r\ngg\r\n"
        f'--{b}\r\nContent-Disposition: form-data; name="h"; filename="c.png"\r\n'
        "Content-Type: image/png\r\n\r\nhh\r\n"
        f'--{b}\r\nContent-Disposition: form-data; name="t"\r\n\r\ntrue\r\n'
        f"--{b}--\r\n"
    )
    assert request.body.decode() == expected
    assert [n for n, _ in _wire(server)] == [
        "user-agent",
        "content-type",
        "content-length",
        "Connection",
    ]


def test_payload_to_query_string(server: RecordingServer) -> None:
    props = {"url": server.url("/echo?x=1"), "paytoqs": "query"}
    run_request(props, {"payload": {"a": "b c", "n": [1, 2]}})
    assert server.last().target == "/echo?x=1&a=b%20c&n=1&n=2"
    run_request({"url": server.url("/echo?"), "paytoqs": True}, {"payload": {"a": 1}})
    assert server.last().target == "/echo?a=1"


def test_payload_to_query_string_needs_an_object(server: RecordingServer) -> None:
    props = {"url": server.url("/echo"), "paytoqs": "query"}
    result = run_request(props, {"payload": "str"}, outputs=0, wait_log=True)
    assert result.errors == ["Invalid payload"]
    assert server.requests == []


def test_payload_as_get_body(server: RecordingServer) -> None:
    run_request({"url": server.url("/echo"), "paytoqs": "body"}, {"payload": {"a": 1}})
    request = server.last()
    assert (request.method, request.body) == ("GET", b'{"a":1}')
    assert _wire(server) == [
        ("user-agent", GOT_UA),
        ("content-length", "7"),
        ("Connection", "keep-alive"),
    ]


def test_get_ignores_payload_by_default(server: RecordingServer) -> None:
    run_request({"url": server.url("/echo")}, {"payload": {"a": 1}})
    assert server.last().body == b""
    assert server.last().target == "/echo"


def test_method_from_msg_with_use(server: RecordingServer) -> None:
    props = {"url": server.url("/echo"), "method": "use"}
    run_request(props, {"method": "put", "payload": 5})
    assert (server.last().method, server.last().body) == ("PUT", b"5")
    run_request(props, {})
    assert server.last().method == "USE"
    assert _wire(server)[-1] == ("Content-Length", "0")


def test_msg_method_does_not_override_fixed_method(server: RecordingServer) -> None:
    result = run_request({"url": server.url("/echo")}, {"method": "POST"})
    assert server.last().method == "GET"
    assert result.warnings == [NO_OVERRIDE]


# ---- request headers --------------------------------------------------------------------------
def test_header_list_and_msg_headers(server: RecordingServer) -> None:
    headers = [
        {"keyType": "other", "keyValue": "X-Custom", "valueType": "other", "valueValue": "v1"},
        {"keyType": "Content-Type", "keyValue": "", "valueType": "text/plain", "valueValue": ""},
        {"keyType": "msg", "keyValue": "hname", "valueType": "msg", "valueValue": "hval"},
        {"keyType": "other", "keyValue": "x-remove", "valueType": "other", "valueValue": ""},
    ]
    msg = {
        "hname": "X-From-Msg",
        "hval": 42,
        "headers": {
            "X-REMOVE": "gone",
            "content-type": "app/x",
            "X-Num": 7,
            "X-Arr": ["a", "b"],
            "x-false": False,
        },
        "payload": {"a": 1},
    }
    run_request({"url": server.url("/echo"), "method": "POST", "headers": headers}, msg)
    assert _wire(server) == [
        ("user-agent", GOT_UA),
        ("X-Num", "7"),
        ("X-Arr", "a"),
        ("X-Arr", "b"),
        ("X-Custom", "v1"),
        ("X-From-Msg", "42"),
        ("Content-Length", "7"),
        ("Content-Type", "text/plain"),
        ("Connection", "keep-alive"),
    ]
    assert server.last().body == b'{"a":1}'


def test_header_letter_case_is_kept(server: RecordingServer) -> None:
    msg = {"headers": {"content-TYPE": "text/x", "CONTENT-length": "3"}, "payload": "abc"}
    run_request({"url": server.url("/echo"), "method": "PUT"}, msg)
    assert _wire(server) == [
        ("user-agent", GOT_UA),
        ("content-TYPE", "text/x"),
        ("CONTENT-length", "3"),
        ("Connection", "keep-alive"),
    ]


def test_falsy_and_object_header_values(server: RecordingServer) -> None:
    msg = {"headers": {"x-a": None, "x-c": 0, "x-d": {"a": 1}, "x-e": ""}}
    run_request({"url": server.url("/echo")}, msg)
    assert _wire(server) == [
        ("user-agent", GOT_UA),
        ("x-d", "[object Object]"),
        ("Connection", "keep-alive"),
    ]


def test_string_msg_headers_become_indexed_headers(server: RecordingServer) -> None:
    run_request({"url": server.url("/echo")}, {"headers": "ab"})
    assert _wire(server)[:3] == [("0", "a"), ("1", "b"), ("user-agent", GOT_UA)]


def test_response_headers_fed_back_are_dropped(server: RecordingServer) -> None:
    first = run_request({"url": server.url("/text")}).msg
    run_request({"url": server.url("/echo")}, {"headers": first["headers"]})
    assert _wire(server) == [("user-agent", GOT_UA), ("Connection", "keep-alive")]


def test_stale_hash_that_does_not_match_keeps_other_headers(server: RecordingServer) -> None:
    msg = {
        "headers": {"content-type": "text/plain", "x-extra": "1", "x-node-red-request-node": "abc"}
    }
    run_request({"url": server.url("/echo")}, msg)
    assert _wire(server) == [
        ("user-agent", GOT_UA),
        ("content-type", "text/plain"),
        ("x-extra", "1"),
        ("Connection", "keep-alive"),
    ]


def test_user_agent_can_be_replaced(server: RecordingServer) -> None:
    run_request({"url": server.url("/echo")}, {"headers": {"User-Agent": "mine/1"}})
    assert _wire(server) == [("User-Agent", "mine/1"), ("Connection", "keep-alive")]


def test_invalid_header_name_fails_the_request(server: RecordingServer) -> None:
    result = run_request({"url": server.url("/echo")}, {"headers": {"bad name": "x"}})
    assert result.msg["statusCode"] == "ERR_INVALID_HTTP_TOKEN"
    assert result.errors == ['RequestError: Header name must be a valid HTTP token ["bad name"]']
    assert server.requests == []


def test_connection_is_reused(server: RecordingServer) -> None:
    url = server.url("/echo")
    result = run_request({"url": url}, [{"n": 1}], outputs=1)
    assert result.msg["statusCode"] == 200
    # Two sequential requests through one node share the pooled connection.
    from flowengine.testing import FlowTestHelper

    from .conftest import EXTRA_TYPES, NO_PROXY_ENV, request_flow

    with FlowTestHelper(request_flow({"url": url}), extra_types=EXTRA_TYPES, env=NO_PROXY_ENV) as h:
        h.inject("r", {})
        h.wait_for("out", 1)
        h.inject("r", {})
        h.wait_for("out", 2)
    ports = [r.client_port for r in server.requests[-2:]]
    assert ports[0] == ports[1]


def test_echo_payload_round_trip(server: RecordingServer) -> None:
    msg = run_request(
        {"url": server.url("/echo"), "ret": "obj", "method": "POST"}, {"payload": "é"}
    ).msg
    echoed: dict[str, Any] = msg["payload"]
    assert base64.b64decode(echoed["body64"]) == "é".encode()
    assert json.loads(json.dumps(echoed))["method"] == "POST"
