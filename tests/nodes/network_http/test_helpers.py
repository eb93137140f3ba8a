"""Unit tests of the JavaScript behaviours the http request node reproduces.

Expected values were observed on Node-RED 5.0.7 (hash-sum of response headers,
mustache.js escaping, cookie and querystring encoding, proxy selection).
"""

from __future__ import annotations

import pytest
from flowengine.nodes.network.http_proxy import ProxyOptions, proxy_for_url

from flowengine.errors import JSError
from flowengine.jsvalues import UNDEFINED
from flowengine.util.cookies import CookieJar, cookie_parse, cookie_serialize, extract_cookies
from flowengine.util.hashsum import hash_sum
from flowengine.util.http_headers import node_headers
from flowengine.util.jsobject import js_key_order
from flowengine.util.mustache import MustacheTemplate
from flowengine.util.querystring import querystring_stringify
from flowengine.util.uri import decode_uri_component


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"content-type": "application/json", "content-length": "195"}, "5b8952ef"),
        ({}, "59322f29"),
        ({"content-type": "text/plain; charset=utf-8", "content-length": "13"}, "392b918e"),
        (
            {
                "x-multi": "one, two",
                "content-type": "text/plain",
                "set-cookie": ["a=1; Path=/; HttpOnly", "b=hello%20there; Max-Age=60"],
                "etag": '"first"',
                "cache-control": "no-cache, no-store",
                "content-length": "3",
            },
            "3fea7cb8",
        ),
        (
            {"location": "/echo", "set-cookie": ["a=b"], "content-length": "0"},
            "ed9f873c",
        ),
    ],
)
def test_hash_sum_matches_node_red(headers: dict[str, object], expected: str) -> None:
    assert hash_sum(headers) == expected


def test_mustache_escapes_like_mustache_js() -> None:
    view = {"payload": "<a&b>/'\"=`", "num": 1.5, "obj": {"a": 1}, "list": [1, 2]}
    t = MustacheTemplate("{{payload}}|{{{payload}}}|{{& payload}}|{{num}}|{{obj}}|{{list}}")
    assert t.render(view) == (
        "&lt;a&amp;b&gt;&#x2F;&#39;&quot;&#x3D;&#x60;|<a&b>/'\"=`|<a&b>/'\"=`"
        "|1.5|[object Object]|1,2"
    )


def test_mustache_lookup_rules() -> None:
    view = {"payload": "hello", "a": {"b": {"c": 0}}, "t": True, "e": [], "n": None}
    t = MustacheTemplate(
        "{{missing}}-{{payload.length}}-{{a.b.c}}-{{a.x.y}}-{{#t}}T{{/t}}-{{^e}}E{{/e}}"
        "-{{#a}}{{b.c}}{{payload}}{{/a}}-{{n}}-{{! comment }}{{=<% %>=}}<%payload%>"
    )
    assert t.render(view) == "-5-0--T-E-0hello--hello"


def test_mustache_sections_iterate_lists() -> None:
    t = MustacheTemplate("{{#items}}[{{.}}]{{/items}}{{^items}}none{{/items}}")
    assert t.render({"items": ["a", "b"]}) == "[a][b]"
    assert t.render({"items": []}) == "none"


@pytest.mark.parametrize("bad", ["{{#a}}x", "{{/a}}", "{{#a}}{{/b}}", "{{a"])
def test_mustache_syntax_errors(bad: str) -> None:
    with pytest.raises(ValueError):
        MustacheTemplate(bad)


def test_cookie_parse_and_extract() -> None:
    assert cookie_parse('k1=v1; k2=v%202;k3="q"', decode=lambda v: v) == {
        "k1": "v1",
        "k2": "v%202",
        "k3": "q",
    }
    assert extract_cookies(["a=1; Path=/; HttpOnly", "b=hello%20there; Max-Age=60"]) == {
        "a": {"Path": "/", "value": "1"},
        "b": {"Max-Age": "60", "value": "hello there"},
    }
    assert extract_cookies("not a list") == {}


def test_cookie_serialize() -> None:
    assert cookie_serialize("a", "x y;") == "a=x%20y%3B"
    assert cookie_serialize("f", 5) == "f=5"
    assert cookie_serialize("b", "p%q", encode=False) == "b=p%q"
    with pytest.raises(JSError, match="argument val is invalid"):
        cookie_serialize("b", "p q", encode=False)
    with pytest.raises(JSError, match="argument name is invalid"):
        cookie_serialize("a b", "1")


def test_cookie_jar_paths_and_order() -> None:
    import ada_url

    jar = CookieJar()
    base = ada_url.URL("http://127.0.0.1:1/redirect/sub")
    jar.set_cookie("p1=1", base)
    jar.set_cookie("p2=2; Path=/", base)
    jar.set_cookie("deep=3; Path=/redirect", base)
    jar.set_cookie("gone=1; Max-Age=0", base)
    jar.set_cookie("novalue", base)
    assert jar.cookie_string(ada_url.URL("http://127.0.0.1:1/echo")) == "p2=2"
    assert jar.cookie_string(ada_url.URL("http://127.0.0.1:1/redirect/x")) == ("p1=1; deep=3; p2=2")
    jar.set_cookie("s=1; Secure", ada_url.URL("https://127.0.0.1:1/"))
    assert "s=1" not in jar.cookie_string(ada_url.URL("http://127.0.0.1:1/"))
    assert "s=1" in jar.cookie_string(ada_url.URL("https://127.0.0.1:1/"))


def test_querystring_stringify() -> None:
    payload = {"a": "x y", "b": [1, 2], "c": True, "d": None, "e": {"f": 1}, "g": "ä!*()~'"}
    assert querystring_stringify(payload) == "a=x%20y&b=1&b=2&c=true&d=&e=&g=%C3%A4!*()~'"
    assert querystring_stringify(None) == ""
    assert querystring_stringify(["x", "y"]) == "0=x&1=y"


def test_decode_uri_component() -> None:
    assert decode_uri_component("a%20b") == "a b"
    assert decode_uri_component("100%") is None
    assert decode_uri_component("%E0%A4%A") is None
    assert decode_uri_component("%C3%A4") == "ä"


def test_js_key_order_puts_indexes_first() -> None:
    assert js_key_order(["b", "1", "a", "0", "01"]) == ["0", "1", "b", "a", "01"]


def test_node_headers_merges_like_node() -> None:
    raw = [
        (b"X-Multi", b"one"),
        (b"x-multi", b"two"),
        (b"Content-Type", b"a"),
        (b"content-type", b"b"),
        (b"Set-Cookie", b"c=1"),
        (b"Set-Cookie", b"d=2"),
        (b"Cookie", b"e=1"),
        (b"cookie", b"f=2"),
    ]
    assert node_headers(raw) == {
        "x-multi": "one, two",
        "content-type": "a",
        "set-cookie": ["c=1", "d=2"],
        "cookie": "e=1; f=2",
    }


# ---- proxy selection (lib/proxyHelper.js) --------------------------------------------
def _env(values: dict[str, str]):  # type: ignore[no-untyped-def]
    return lambda name: values.get(name, "")


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("http://example.com/x", {"http_proxy": "http://p:3128"}, "http://p:3128"),
        ("http://example.com/x", {"HTTP_PROXY": "http://P:1"}, "http://P:1"),
        ("https://example.com/x", {"http_proxy": "http://p:3128"}, ""),
        ("https://example.com/x", {"https_proxy": "p:3128"}, "https://p:3128"),
        ("http://example.com/", {"all_proxy": "http://a:1"}, "http://a:1"),
        ("http://example.com/", {"npm_config_proxy": "http://n:1"}, "http://n:1"),
        ("http://example.com/", {"http_proxy": "http://p:1", "no_proxy": "example.com"}, ""),
        ("http://a.example.com/", {"http_proxy": "http://p:1", "no_proxy": ".example.com"}, ""),
        ("http://a.example.com/", {"http_proxy": "http://p:1", "no_proxy": "*.example.com"}, ""),
        ("http://example.com/", {"http_proxy": "http://p:1", "no_proxy": "*"}, ""),
        (
            "http://example.com:8080/",
            {"http_proxy": "http://p:1", "no_proxy": "example.com:9090"},
            "http://p:1",
        ),
        (
            "http://example.com:8080/",
            {"http_proxy": "http://p:1", "no_proxy": "example.com:8080"},
            "",
        ),
        ("not a url", {"http_proxy": "http://p:1"}, ""),
    ],
)
def test_proxy_for_url_strict(url: str, env: dict[str, str], expected: str) -> None:
    assert proxy_for_url(url, _env(env), ProxyOptions()) == expected


def test_proxy_for_url_legacy_mode() -> None:
    options = ProxyOptions(None, "legacy")
    env = {"http_proxy": "http://p:1", "no_proxy": "internal"}
    assert proxy_for_url("https://example.com/", _env(env), options) == "http://p:1"
    assert proxy_for_url("http://internal.local/", _env(env), options) == ""


def test_proxy_options_from_settings() -> None:
    options = ProxyOptions({"lowerCaseOnly": True})
    assert proxy_for_url("http://x/", _env({"HTTP_PROXY": "http://P:1"}), options) == ""
    options = ProxyOptions({"env": {"http_proxy": "http://e:1"}})
    assert proxy_for_url("http://x/", _env({}), options) == "http://e:1"


def test_undefined_is_not_a_cookie_value() -> None:
    assert cookie_serialize("u", UNDEFINED) == "u=undefined"
