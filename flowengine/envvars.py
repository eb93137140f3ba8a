"""Environment variables as Node-RED resolves them.

Two mechanisms:

* whole-string ``${VAR}`` (or legacy ``$(VAR)``) substitution of node properties
  and credentials when a node is created (``RT/flows/util.js``
  ``mapEnvVarProperties``); partial strings such as ``"pre-${VAR}"`` stay literal;
* ``env``-typed inputs evaluated on use (``UT/util.js`` ``evaluateEnvProperty``):
  ``X``, ``${X}``, or a template where every ``${name}`` is replaced.

``env`` arrays of tabs, subflows, groups and the ``global-config`` node are
evaluated once at flow start (``evaluateEnvProperties``). Lookups go node →
group chain → tab/subflow (→ the instance's groups and parent flow) → global
config env → process env; a ``$parent.`` prefix skips the current level.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from .errors import ConfigError
from .jsvalues import UNDEFINED, js_string

if TYPE_CHECKING:
    from .flow import Flow, Group

__all__ = ["evaluate_env_entries", "evaluate_env_property", "substitute_env_properties"]

# mapEnvVarProperties: the whole string, no whitespace inside.
_WHOLE_ENV = re.compile(r"\$\{\S+\}|\$\(\S+\)")
# evaluateEnvProperty's three cases.
_ONE_VAR = re.compile(r"\$\{[^}]+\}")
_ANY_VAR = re.compile(r"\$\{\S+\}")
_EACH_VAR = re.compile(r"\$\{([^}]+)\}")


class _Scope(Protocol):
    env: dict[str, Any]

    def get_setting(self, name: str) -> Any: ...


Lookup = Callable[[str], Any]


def substitute_env_properties(value: Any, lookup: Lookup) -> Any:
    """Replace every string that is exactly ``${NAME}`` / ``$(NAME)``, recursively.

    A name that resolves to nothing (``UNDEFINED``) leaves the string as it is;
    bytes (Buffers) are never touched. Returns new containers, never edits ``value``.
    """
    if isinstance(value, str):
        if value[:1] == "$" and _WHOLE_ENV.fullmatch(value):
            found = lookup(value[2:-1])
            if found is not UNDEFINED:
                return found
        return value
    if isinstance(value, list):
        return [substitute_env_properties(v, lookup) for v in value]
    if isinstance(value, dict):
        return {k: substitute_env_properties(v, lookup) for k, v in value.items()}
    return value


def evaluate_env_property(value: Any, lookup: Lookup) -> Any:
    """An ``env``-typed input: ``X``, ``${X}`` or a template with several ``${…}``.

    Undefined results are ``""``; in a template an undefined variable is ``""`` and
    any other value is converted as JavaScript's ``String()`` does.
    """
    text = value if isinstance(value, str) else js_string(value)
    if _ONE_VAR.fullmatch(text):
        result = lookup(text[2:-1])
    elif not _ANY_VAR.search(text):
        result = lookup(text)
    else:

        def replace(match: re.Match[str]) -> str:
            found = lookup(match.group(1))
            return "" if found is UNDEFINED else js_string(found)

        return _EACH_VAR.sub(replace, text)
    return "" if result is UNDEFINED else result


def evaluate_env_entries(
    entries: list[dict[str, Any]] | None,
    scope: Flow | Group,
    credentials: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Evaluate a tab/subflow/group/global-config ``env`` array at flow start.

    As ``evaluateEnvProperties``: ``env``-typed entries are evaluated last so they
    can refer to the other entries of the same level; everything else looks up
    the parent levels only. A value that cannot be evaluated (bad JSON, bad
    JSONata, ...) raises :class:`ConfigError` naming the entry.
    """
    result: dict[str, Any] = {}
    if not entries:
        return result
    from .typed import evaluate_static  # typed imports this module

    scope.env = {}  # while evaluating, lookups see the parent levels only
    creds = credentials or {}
    env_typed: list[tuple[int, str, Any]] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            continue
        etype = entry.get("type") or "str"
        value = entry.get("value")
        if etype == "env":
            env_typed.append((index, name, value))
            continue
        try:
            if etype == "bool":
                result[name] = value == "true" or value is True
            elif etype == "cred":
                result[name] = creds[name] if name in creds else _or_undefined(value)
            elif etype == "conf-type" and isinstance(value, str) and _ONE_VAR.fullmatch(value):
                result[name] = scope.get_setting(value[2:-1])
            else:
                result[name] = evaluate_static(value, etype, scope.get_setting)
        except Exception as e:
            raise _entry_error(index, name, etype, e) from None

    def lookup(var: str) -> Any:
        return result[var] if var in result else scope.get_setting(var)

    for index, name, value in env_typed:
        if value == name:  # refers to itself: the parent's value (node-red#2099)
            value = f"$parent.{name}"
        try:
            if isinstance(value, str) and value in result:
                result[name] = result[value]
            else:
                result[name] = evaluate_env_property(value if value is not None else "", lookup)
        except Exception as e:
            raise _entry_error(index, name, "env", e) from None
    return result


def _or_undefined(value: Any) -> Any:
    return UNDEFINED if value is None else value


def _entry_error(index: int, name: str, etype: str, err: Exception) -> ConfigError:
    from .flow import error_text

    return ConfigError(f"env[{index}]", f'"{name}" ({etype}): {error_text(err)}')
