"""Binding and access: loopback by default, a token (Bearer) for anything else unless
``--insecure``; loopback servers answer loopback names only; no cross-origin POSTs."""

from __future__ import annotations

import argparse
import json
import socket
from typing import Any

import pytest

from flowengine.web import UIOptionError, add_ui_options, check_bind

from .live import LiveRuntime, http
from .test_api import _flow


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_needs_nothing(host: str) -> None:
    check_bind(host, None, False)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])
def test_other_addresses_need_a_token_or_insecure(host: str) -> None:
    with pytest.raises(UIOptionError, match="--admin-token"):
        check_bind(host, None, False)
    check_bind(host, "s3cret", False)
    check_bind(host, None, True)


def test_an_empty_token_is_refused() -> None:
    with pytest.raises(UIOptionError, match="empty"):
        check_bind("127.0.0.1", "  ", False)


def test_ui_options_defaults() -> None:
    parser = argparse.ArgumentParser()
    add_ui_options(parser)
    args = parser.parse_args([])
    assert (args.ui, args.host, args.port, args.admin_token, args.insecure) == (
        False,
        "127.0.0.1",
        1880,
        None,
        False,
    )
    args = parser.parse_args(["--ui", "--host", "0.0.0.0", "--port", "0", "--admin-token", "t"])
    assert (args.ui, args.host, args.port, args.admin_token) == (True, "0.0.0.0", 0, "t")


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        live = LiveRuntime(_flow())
        from flowengine.web import start_ui

        try:
            with pytest.raises(UIOptionError, match=f"127.0.0.1:{port}"):
                start_ui(live.runtime, "127.0.0.1", port)
        finally:
            live.loop.close()


@pytest.fixture
def guarded() -> Any:
    with LiveRuntime(_flow(), admin_token="s3cret") as live:
        yield live


def test_token_required_everywhere_but_health(guarded: LiveRuntime) -> None:
    for path in ("/flows", "/flows/state", "/metrics", "/nodes", "/viewer/model", "/"):
        status, headers, _ = guarded.request(path)
        assert status == 401, path
        assert headers["WWW-Authenticate"].startswith("Bearer")
    assert guarded.request("/inject/inj", "POST")[0] == 401
    bad = {"Authorization": "Bearer nope"}
    assert guarded.request("/flows", headers=bad)[0] == 401
    good = {"Authorization": "Bearer s3cret"}
    for path in ("/flows", "/flows/state", "/metrics", "/viewer/model", "/"):
        assert guarded.request(path, headers=good)[0] == 200, path
    assert guarded.request("/inject/inj", "POST", good)[0] == 200


def test_health_without_token_says_only_live_and_ready(guarded: LiveRuntime) -> None:
    status, _, body = guarded.request("/health")
    assert status == 200
    assert json.loads(body) == {"live": True, "ready": True}
    status, _, body = guarded.request("/health", headers={"Authorization": "Bearer s3cret"})
    assert "brokers" in json.loads(body)


def test_browser_login_by_access_token_sets_a_cookie(guarded: LiveRuntime) -> None:
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(guarded.url + "?access_token=s3cret", timeout=10)
        raise AssertionError("expected a redirect")
    except urllib.error.HTTPError as e:
        assert e.code == 302
        cookie = e.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    value = cookie.split(";")[0]
    assert guarded.request("/viewer/model", headers={"Cookie": value})[0] == 200
    assert guarded.request("/?access_token=wrong")[0] == 401


def test_loopback_server_refuses_other_host_names() -> None:
    with LiveRuntime(_flow()) as live:
        assert live.request("/flows", headers={"Host": "evil.example:1880"})[0] == 403
        assert live.request("/flows", headers={"Host": "localhost"})[0] == 200
        port = live.url.rsplit(":", 1)[1].strip("/")
        assert live.request("/flows", headers={"Host": f"127.0.0.1:{port}"})[0] == 200


def test_cross_origin_posts_are_refused() -> None:
    with LiveRuntime(_flow()) as live:
        assert live.request("/inject/inj", "POST", {"Origin": "http://evil.example"})[0] == 403
        same = live.url.rstrip("/")
        assert live.request("/inject/inj", "POST", {"Origin": same})[0] == 200


def test_insecure_serves_any_address_without_a_token() -> None:
    with LiveRuntime(_flow(), host="0.0.0.0", insecure=True) as live:
        assert live.ui is not None
        status, _, _ = http(f"http://127.0.0.1:{live.ui.port}/flows")
        assert status == 200
