"""``flowengine.util.mustache`` against mustache.js 4.2 (as Node-RED 5.0.7 ships it).

Expected texts were produced by ``Mustache.render`` in Node 22.
"""

from __future__ import annotations

from typing import Any

import pytest

from flowengine.errors import JSError
from flowengine.jsvalues import UNDEFINED
from flowengine.util.mustache import (
    Context,
    MustacheError,
    MustacheTemplate,
    parse_mustache,
    render_mustache,
)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{#a}}x", 'Unclosed section "a" at 7'),
        ("{{/a}}", 'Unopened section "a" at 0'),
        ("ab{{#a}}{{/b}}", 'Unclosed section "a" at 8'),
        ("{{a", "Unclosed tag at 3"),
        ("😀{{a", "Unclosed tag at 5"),  # positions count UTF-16 units
        ("{{= x =}}", "Invalid tags: x"),
    ],
)
def test_parse_errors_are_mustache_js_messages(template: str, message: str) -> None:
    with pytest.raises(MustacheError) as info:
        MustacheTemplate(template)
    assert info.value.message == message
    assert str(info.value) == f"Error: {message}"
    assert isinstance(info.value, JSError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("template", "view", "expected"),
    [
        ("{{=<% %>=}}<%a%>|<%={{ }}=%>{{a}}", {"a": "A&"}, "A&amp;|A&amp;"),
        # Standalone section and comment/partial lines disappear with their whitespace.
        ("a\n  {{#x}}  \nb{{x}}\n  {{/x}}\nc", {"x": "s"}, "a\nbs\nc"),
        (" {{! c }}\n{{>p}}\nx\n", {}, "x\n"),
        # A plain name on a string view is not one of its properties; a dotted one is.
        ("{{#l}}{{length}}{{/l}}|{{s.length}}", {"l": "abc", "s": "😀"}, "|2"),
        (
            "{{#o}}{{.}}|{{a.length}}{{/o}}|{{s.1}}|{{n.toFixed}}",
            {"o": {"a": "xy"}, "s": "abc", "n": 5},
            "[object Object]|2|b|",
        ),
    ],
)
def test_render_like_mustache_js(template: str, view: dict[str, Any], expected: str) -> None:
    assert render_mustache(template, view) == expected


def test_a_section_over_null_fails_as_javascript_does() -> None:
    with pytest.raises(MustacheError) as info:
        render_mustache("{{#l}}{{x}}{{/l}}", {"l": [None]})
    assert str(info.value) == "TypeError: Cannot read properties of null (reading 'x')"


def test_non_string_templates() -> None:
    assert parse_mustache(None) == ()
    with pytest.raises(MustacheError, match=r"this\.tail\.search is not a function"):
        parse_mustache({"a": 1})
    with pytest.raises(MustacheError) as info:
        render_mustache([], {})
    assert info.value.name == "TypeError"
    assert 'Template should be a "string" but "array" was given' in info.value.message


class _Fallback(Context):
    """A context that answers names no view has (as Node-RED's template node does)."""

    def push(self, view: Any) -> Context:
        return _Fallback(view, self)

    def lookup(self, name: str) -> Any:
        value = super().lookup(name)
        return f"<{name}>" if value is UNDEFINED else value


def test_a_context_subclass_changes_lookups_in_sections_too() -> None:
    template = MustacheTemplate("{{a}} {{#list}}{{.}}{{b}} {{/list}}")
    assert template.render(_Fallback({"a": 1, "list": [1, 2]})) == "1 1&lt;b&gt; 2&lt;b&gt; "
