"""YAML as js-yaml 4's ``load()`` reads it (its default schema), on PyYAML.

PyYAML is configured to resolve plain scalars as js-yaml does (YAML 1.2 core
schema plus timestamps, merge keys, ``!!set``/``!!omap``/``!!pairs``):
``yes``/``on`` stay strings, integers beyond 2**53 become doubles, a timestamp
is a UTC ``datetime``, duplicate keys are an error and mapping keys are strings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import yaml

from flowengine.errors import JSError
from flowengine.jsvalues import UNDEFINED, js_string

__all__ = ["js_yaml_load"]

_SAFE_INT = 2**53


class _JSYamlLoader(yaml.SafeLoader):
    """PyYAML resolving and constructing like js-yaml 4 (YAML 1.2 core schema + extras)."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}


_YAML_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_YAML_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_YAML_INT = re.compile(r"^[-+]?(?:0b[01]+|0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+)$")
_YAML_FLOAT = re.compile(
    r"^(?:[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_YAML_TIMESTAMP = re.compile(
    r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
    r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$"
)
for _tag, _regex, _first in (
    ("null", _YAML_NULL, ["~", "n", "N", ""]),
    ("bool", _YAML_BOOL, list("tTfF")),
    ("int", _YAML_INT, list("-+0123456789")),
    ("float", _YAML_FLOAT, list("-+0123456789.")),
    ("timestamp", _YAML_TIMESTAMP, list("0123456789")),
):
    _JSYamlLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", _regex, _first)
_JSYamlLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^<<$"), ["<"])


def _scalar(loader: _JSYamlLoader, node: yaml.ScalarNode, pattern: re.Pattern[str]) -> str:
    """The scalar's text, which must fit the type (explicit tags are not coerced)."""
    text = str(loader.construct_scalar(node))
    if not pattern.match(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"cannot resolve a node with !<{node.tag}> explicit tag", node.start_mark
        )
    return text


def _construct_null(loader: _JSYamlLoader, node: yaml.ScalarNode) -> None:
    _scalar(loader, node, _YAML_NULL)


def _construct_bool(loader: _JSYamlLoader, node: yaml.ScalarNode) -> bool:
    return _scalar(loader, node, _YAML_BOOL).lower() == "true"


def _construct_int(loader: _JSYamlLoader, node: yaml.ScalarNode) -> int | float:
    text = _scalar(loader, node, _YAML_INT)
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    bases = {"0b": 2, "0x": 16, "0o": 8}
    value = int(digits[2:], bases[digits[:2]]) if digits[:2] in bases else int(digits)
    value *= sign
    return float(value) if abs(value) > _SAFE_INT else value  # JavaScript numbers


def _construct_float(loader: _JSYamlLoader, node: yaml.ScalarNode) -> float | str:
    text = _scalar(loader, node, _YAML_FLOAT)
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    value = float(text)
    return text if math.isinf(value) else value  # js-yaml leaves "1e400" a string


def _construct_timestamp(loader: _JSYamlLoader, node: yaml.ScalarNode) -> datetime:
    value = yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    if not isinstance(value, datetime):
        assert isinstance(value, date)
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    # A Date: times without a zone are UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _construct_map(loader: _JSYamlLoader, node: yaml.MappingNode) -> Iterator[dict[str, Any]]:
    data: dict[str, Any] = {}
    yield data
    merge_keys = sum(1 for key, _ in node.value if key.tag == "tag:yaml.org,2002:merge")
    explicit = len(node.value) - merge_keys
    loader.flatten_mapping(node)
    merged = len(node.value) - explicit
    explicit_keys: set[str] = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        name = key if isinstance(key, str) else js_string(key)  # object keys are strings
        if index >= merged:
            if name in explicit_keys:
                raise yaml.constructor.ConstructorError(
                    None, None, "duplicated mapping key", key_node.start_mark
                )
            explicit_keys.add(name)
        data[name] = loader.construct_object(value_node, deep=True)


def _construct_set(loader: _JSYamlLoader, node: yaml.MappingNode) -> dict[str, None]:
    keys = [loader.construct_object(k, deep=True) for k, _ in node.value]
    return {k if isinstance(k, str) else js_string(k): None for k in keys}


def _construct_omap(loader: _JSYamlLoader, node: yaml.SequenceNode) -> list[Any]:
    return [loader.construct_object(item, deep=True) for item in node.value]


def _construct_pairs(loader: _JSYamlLoader, node: yaml.SequenceNode) -> list[list[Any]]:
    pairs: list[list[Any]] = []
    for item in node.value:
        for key_node, value_node in getattr(item, "value", []):
            key = loader.construct_object(key_node, deep=True)
            pairs.append([key, loader.construct_object(value_node, deep=True)])
    return pairs


_CONSTRUCTORS: dict[str, Callable[..., Any]] = {
    "tag:yaml.org,2002:null": _construct_null,
    "tag:yaml.org,2002:bool": _construct_bool,
    "tag:yaml.org,2002:int": _construct_int,
    "tag:yaml.org,2002:float": _construct_float,
    "tag:yaml.org,2002:timestamp": _construct_timestamp,
    "tag:yaml.org,2002:map": _construct_map,
    "tag:yaml.org,2002:set": _construct_set,
    "tag:yaml.org,2002:omap": _construct_omap,
    "tag:yaml.org,2002:pairs": _construct_pairs,
}
for _tag, _constructor in _CONSTRUCTORS.items():
    _JSYamlLoader.add_constructor(_tag, _constructor)


def js_yaml_load(text: Any) -> Any:
    """js-yaml's ``load(text)``: ``UNDEFINED`` for an empty document.

    Raises ``JSError(..., "YAMLException")``; the message is PyYAML's problem with
    js-yaml's ``(line:column)`` suffix (js-yaml's source snippet is not reproduced).
    """
    if not isinstance(text, str):
        text = js_string(text)
    loader = _JSYamlLoader(text)
    try:
        node = loader.get_single_node()
        return UNDEFINED if node is None else loader.construct_document(node)
    except yaml.composer.ComposerError as e:
        if (e.context or "").startswith("expected a single document"):
            message = "expected a single document in the stream, but found more"
            raise JSError(message, "YAMLException") from None
        raise JSError(_yaml_message(e), "YAMLException") from None
    except yaml.YAMLError as e:
        raise JSError(_yaml_message(e), "YAMLException") from None
    finally:
        loader.dispose()


def _yaml_message(e: yaml.YAMLError) -> str:
    if isinstance(e, yaml.MarkedYAMLError):
        problem = e.problem or e.context or "YAML error"
        mark = e.problem_mark or e.context_mark
        if mark is not None:
            return f"{problem} ({mark.line + 1}:{mark.column + 1})"
        return problem
    return str(e)
