"""Redirects, cookies and authentication (basic, bearer, URL user-info, digest)."""

from __future__ import annotations

import base64
import urllib.parse

import pytest

from .conftest import run_request
from .http_servers import DIGEST_PASSWORD, DIGEST_USER, RecordingServer


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# ---- redirects ------------------------------------------------------------------------------
def test_redirect_chain_collects_cookies(server: RecordingServer) -> None:
    msg = run_request({"url": server.url("/redirects/3"), "ret": "obj"}).msg
    assert msg["statusCode"] == 200
    assert msg["responseUrl"] == server.url("/echo")
    assert msg["redirectList"] == [
        {"location": "/redirects/2", "cookies": {"hop3": {"Path": "/", "value": "yes"}}},
        {"location": "/redirects/1", "cookies": {"hop2": {"Path": "/", "value": "yes"}}},
        {"location": "/echo", "cookies": {"hop1": {"Path": "/", "value": "yes"}}},
    ]
    assert server.last().header("cookie") == "hop3=yes; hop2=yes; hop1=yes"


def test_follow_redirects_false_returns_the_redirect(server: RecordingServer) -> None:
    url = server.url("/redirect?to=/echo&cookie=a=b")
    msg = run_request({"url": url}, {"followRedirects": False}).msg
    assert msg["statusCode"] == 302
    assert msg["headers"] == {
        "location": "/echo",
        "set-cookie": ["a=b"],
        "content-length": "0",
        "x-node-red-request-node": "ed9f873c",
    }
    assert msg["responseCookies"] == {"a": {"value": "b"}}
    assert msg["redirectList"] == []
    assert len(server.requests) == 1


def test_302_keeps_method_and_body(server: RecordingServer) -> None:
    url = server.url("/redirect?to=/echo&status=302")
    msg = run_request({"url": url, "method": "POST"}, {"payload": "body"}).msg
    assert msg["redirectList"] == [{"location": "/echo"}]
    last = server.last()
    assert (last.method, last.body, last.header("Content-Length")) == ("POST", b"body", "4")


def test_303_turns_into_get_without_body(server: RecordingServer) -> None:
    url = server.url("/redirect?to=/echo&status=303")
    run_request({"url": url, "method": "POST"}, {"payload": "body"})
    last = server.last()
    assert (last.method, last.body, last.header("Content-Length")) == ("GET", b"", None)


def test_307_keeps_method_and_body(server: RecordingServer) -> None:
    url = server.url("/redirect?to=/echo&status=307")
    run_request({"url": url, "method": "PUT"}, {"payload": {"k": 1}})
    assert (server.last().method, server.last().body) == ("PUT", b'{"k":1}')


def test_too_many_redirects(server: RecordingServer) -> None:
    url = server.url("/loop")
    result = run_request({"url": url})
    assert result.msg["payload"] == f"MaxRedirectsError: Redirected 21 times. Aborting. : {url}"
    assert result.msg["statusCode"] == "ERR_TOO_MANY_REDIRECTS"
    assert result.errors == ["MaxRedirectsError: Redirected 21 times. Aborting."]
    assert len(server.requests) == 22


def test_redirect_cookies_respect_paths(server: RecordingServer) -> None:
    query = urllib.parse.urlencode([("to", "/echo"), ("cookie", "p1=1"), ("cookie", "p2=2;Path=/")])
    msg = run_request({"url": server.url(f"/redirect/sub?{query}")}, {"cookies": {"u": "1"}}).msg
    assert msg["redirectList"] == [
        {
            "location": "/echo",
            "cookies": {"p1": {"value": "1"}, "p2": {"Path": "/", "value": "2"}},
        }
    ]
    # p1 and u belong to /redirect (the default path); only p2 reaches /echo.
    assert server.last().header("cookie") == "p2=2"


def test_same_origin_redirect_keeps_credentials(server: RecordingServer) -> None:
    msg = {"headers": {"X-Keep": "1", "Authorization": "Bearer x", "Cookie": "c=1"}}
    run_request({"url": server.url("/redirect?to=/echo")}, msg)
    last = server.last()
    assert (last.header("X-Keep"), last.header("Authorization"), last.header("Cookie")) == (
        "1",
        "Bearer x",
        "c=1",
    )


def test_cross_origin_redirect_drops_credentials(server: RecordingServer) -> None:
    # Deliberate deviation: Node-RED 5.0.7 forwards re-capitalised Authorization and
    # Cookie headers to the other origin; we drop them as got means to.
    msg = {"headers": {"X-Keep": "1", "Authorization": "Bearer x", "Cookie": "c=1"}}
    target = f"http://localhost:{server.port}/echo"
    result = run_request({"url": server.url(f"/redirect?to={target}")}, msg)
    last = server.last()
    assert last.header("Host") == f"localhost:{server.port}"
    assert last.header("X-Keep") == "1"
    assert last.header("Authorization") is None and last.header("Cookie") is None
    assert result.msg["responseUrl"] == target


# ---- cookies ------------------------------------------------------------------------------------
def test_msg_cookies(server: RecordingServer) -> None:
    cookies = {
        "a": "x y;",
        "b": {"value": "p%q", "encode": False},
        "c": {"value": "z"},
        "d": None,
        "e": {"value": None},
        "f": 5,
    }
    run_request({"url": server.url("/echo")}, {"cookies": cookies})
    assert server.last().headers[1:3] == [
        ("user-agent", "got (https://github.com/sindresorhus/got)"),
        ("cookie", "a=x%20y%3B; b=p%q; c=z; f=5"),
    ]


def test_cookie_header_goes_through_the_jar(server: RecordingServer) -> None:
    msg = {"headers": {"cookie": 'k1=v1; k2=v%202;k3="q"'}, "cookies": {"a": "1"}}
    run_request({"url": server.url("/echo/deep/path")}, msg)
    assert server.last().header("cookie") == "k1=v1; k2=v%202; k3=q; a=1"


def test_capitalised_cookie_header_is_replaced_by_jar_cookies(server: RecordingServer) -> None:
    run_request({"url": server.url("/echo")}, {"headers": {"Cookie": "k1=v1"}})
    assert ("Cookie", "k1=v1") in server.last().headers
    run_request(
        {"url": server.url("/echo")}, {"headers": {"Cookie": "k1=v1"}, "cookies": {"a": "1"}}
    )
    assert ("Cookie", "a=1") in server.last().headers


def test_invalid_cookie_value_is_a_type_error(server: RecordingServer) -> None:
    msg = {"cookies": {"b": {"value": "p q", "encode": False}}}
    result = run_request({"url": server.url("/echo")}, msg, outputs=0, wait_log=True)
    assert result.errors == ["TypeError: argument val is invalid"]
    assert server.requests == []


# ---- authentication ---------------------------------------------------------------------------
def test_basic_auth_from_credentials(server: RecordingServer) -> None:
    creds = {"r": {"user": "bob", "password": "pw"}}
    run_request({"url": server.url("/echo"), "authType": "basic"}, credentials=creds)
    assert server.last().header("Authorization") == "Basic Ym9iOnB3"


def test_basic_auth_with_empty_auth_type(server: RecordingServer) -> None:
    creds = {"r": {"user": "bob"}}
    run_request({"url": server.url("/echo"), "authType": ""}, credentials=creds)
    assert server.last().header("Authorization") == _basic("bob", "")


def test_bearer_auth(server: RecordingServer) -> None:
    creds = {"r": {"password": "tok123"}}
    run_request({"url": server.url("/echo"), "authType": "bearer"}, credentials=creds)
    assert server.last().header("Authorization") == "Bearer tok123"


def test_url_user_info_is_decoded_into_basic_auth(server: RecordingServer) -> None:
    url = f"http://us%40er:p%3Ass@127.0.0.1:{server.port}/echo"
    msg = run_request({"url": url}).msg
    assert server.last().header("Authorization") == _basic("us@er", "p:ss")
    assert msg["responseUrl"] == url


def test_url_user_info_wins_over_bearer(server: RecordingServer) -> None:
    url = f"http://user:pass@127.0.0.1:{server.port}/echo"
    run_request({"url": url, "authType": "bearer"}, credentials={"r": {"password": "tok"}})
    assert server.last().header("Authorization") == _basic("user", "pass")


def test_url_user_info_kept_on_same_origin_redirect(server: RecordingServer) -> None:
    url = f"http://u:p@127.0.0.1:{server.port}/redirect?to=/text"
    msg = run_request({"url": url}).msg
    assert msg["responseUrl"] == f"http://u:p@127.0.0.1:{server.port}/text"
    assert server.last().header("Authorization") == _basic("u", "p")


@pytest.mark.parametrize("path", ["/digest/MD5", "/digest/SHA-256-sess", "/digest/SHA-512-256"])
def test_digest_auth(server: RecordingServer, path: str) -> None:
    creds = {"r": {"user": DIGEST_USER, "password": DIGEST_PASSWORD}}
    msg = run_request(
        {"url": server.url(path), "authType": "digest", "ret": "obj"}, credentials=creds
    ).msg
    assert msg["statusCode"] == 200
    params = msg["payload"]["params"]
    assert params["qop"] == "auth" and params["nc"] == "00000001"
    assert len(params["cnonce"]) == 32
    assert params["opaque"] == "op4que"
    assert [r.header("Authorization") is None for r in server.requests] == [True, False]


def test_digest_without_qop_and_with_query(server: RecordingServer) -> None:
    creds = {"r": {"user": DIGEST_USER, "password": DIGEST_PASSWORD}}
    props = {"url": server.url("/digest/MD5/noqop?x=1"), "authType": "digest", "ret": "obj"}
    msg = run_request(props, credentials=creds).msg
    params = msg["payload"]["params"]
    assert msg["statusCode"] == 200
    assert params["uri"] == "/digest/MD5/noqop?x=1"
    assert "qop" not in params and "cnonce" not in params
    header = server.last().header("Authorization") or ""
    assert header.startswith(f'Digest username="{DIGEST_USER}", realm="test-realm", nonce="')


def test_digest_wrong_password_answers_once(server: RecordingServer) -> None:
    creds = {"r": {"user": DIGEST_USER, "password": "wrong"}}
    msg = run_request(
        {"url": server.url("/digest/MD5"), "authType": "digest"}, credentials=creds
    ).msg
    assert msg["statusCode"] == 401
    assert len(server.requests) == 2


def test_digest_401_without_challenge_is_repeated_once(server: RecordingServer) -> None:
    creds = {"r": {"user": "u", "password": "p"}}
    msg = run_request(
        {"url": server.url("/status/401"), "authType": "digest"}, credentials=creds
    ).msg
    assert msg["statusCode"] == 401
    assert [r.header("Authorization") for r in server.requests] == [None, None]


def test_digest_non_digest_challenge_warns(server: RecordingServer) -> None:
    from .http_servers import Reply

    server.routes["/basic-only"] = lambda r: Reply(401, [("WWW-Authenticate", 'Basic realm="x"')])
    creds = {"r": {"user": "u", "password": "p"}}
    result = run_request(
        {"url": server.url("/basic-only"), "authType": "digest"}, credentials=creds
    )
    assert result.msg["statusCode"] == 401
    assert result.warnings == [
        "Digest authentication failed: Invalid digest challenge: missing nonce"
    ]
    assert len(server.requests) == 1


def test_no_credentials_no_authorization(server: RecordingServer) -> None:
    run_request({"url": server.url("/echo"), "authType": "basic"})
    assert server.last().header("Authorization") is None
