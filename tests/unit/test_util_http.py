"""The HTTP helpers in ``flowengine.util`` against the Node packages Node-RED uses.

Expected values were produced in Node 22 with the packages Node-RED 5.0.7 ships
(form-data, querystring, hash-sum, crypto for the digest vector).
"""

from __future__ import annotations

import errno
import math
import socket

import pytest

from flowengine.errors import JSError
from flowengine.util.digest_auth import digest_authorization
from flowengine.util.hashsum import hash_sum
from flowengine.util.http_body import multipart_body
from flowengine.util.http_errors import transport_error
from flowengine.util.querystring import querystring_stringify
from flowengine.util.uri import encode_uri_component, new_url


def test_multipart_body_is_form_data_encoding() -> None:
    body, boundary = multipart_body(
        {"a": "x", "b": {"value": b"\x01\x02", "options": {"filename": "d/f.txt"}}, "j": {"k": 1}}
    )
    assert boundary.startswith("--------------------------")
    assert body.decode("latin-1").replace(boundary, "B") == (
        '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n'
        '--B\r\nContent-Disposition: form-data; name="b"; filename="f.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n\x01\x02\r\n"
        '--B\r\nContent-Disposition: form-data; name="j"\r\n\r\n{"k":1}\r\n'
        "--B--\r\n"
    )
    assert multipart_body({})[0] == b""


def test_querystring_of_non_finite_and_nested_values() -> None:
    value = {"a": [1, "b"], "n": math.nan, "i": math.inf, "o": {"x": 1}, "z": None, "ä": "€"}
    assert querystring_stringify(value) == "a=1&a=b&n=&i=&o=&z=&%C3%A4=%E2%82%AC"


def test_hash_sum_of_plain_values() -> None:
    assert hash_sum({"a": [1, 2], "b": "x", "c": None}) == "0345eb44"
    assert [hash_sum([]), hash_sum("s"), hash_sum(1)] == ["5d844489", "8daa1986", "1a96284b"]


def test_digest_answer_without_qop() -> None:
    challenge = 'Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"'
    answer = digest_authorization(("Mufasa", "Circle Of Life"), "GET", "/dir/index.html", challenge)
    assert answer == (
        'Digest username="Mufasa", realm="testrealm@host.com", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", '
        'response="670fd8c2df070c60b045671b8b24ff02"'
    )
    with pytest.raises(ValueError, match="missing nonce"):
        digest_authorization(("u", "p"), "GET", "/", 'Digest realm="r"')


def test_transport_errors_read_as_node_reports_them() -> None:
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    err = transport_error(refused, "127.0.0.1", 1)
    assert (str(err), err.code) == (
        "RequestError: connect ECONNREFUSED 127.0.0.1:1",
        "ECONNREFUSED",
    )
    unknown = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    err = transport_error(unknown, "nowhere.invalid", 80)
    assert (err.message, err.code) == ("getaddrinfo ENOTFOUND nowhere.invalid", "ENOTFOUND")


def test_uri_helpers() -> None:
    assert encode_uri_component("a b/ä") == "a%20b%2F%C3%A4"
    with pytest.raises(JSError) as info:
        encode_uri_component("\ud800")
    assert str(info.value) == "URIError: URI malformed"
    with pytest.raises(JSError) as info:
        new_url("http://exa mple.com/")
    assert (str(info.value), info.value.code) == ("TypeError: Invalid URL", "ERR_INVALID_URL")
