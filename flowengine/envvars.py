"""Environment variables as Node-RED resolves them.

Two mechanisms (``RT/flows/util.js`` ``mapEnvVarProperties`` and ``UT/util.js``
``evaluateEnvProperty``): whole-string ``${VAR}`` substitution of node
properties at creation, and ``env``-typed inputs evaluated on use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from .jsvalues import UNDEFINED, js_string

if TYPE_CHECKING:
    from .flow import Flow, Group

__all__ = ["evaluate_env_entries", "evaluate_env_property", "substitute_env_properties"]

_WHOLE_ENV = re.compile(r"^(?:\$\{([^}\s]+)\}|\$\(([^)\s]+)\))$")
_ANY_ENV = re.compile(r"\$\{([^}]+)\}")


class _Scope(Protocol):
    def get_setting(self, name: str) -> Any: ...


Lookup = Callable[[str], Any]


def substitute_env_properties(value: Any, lookup: Lookup) -> Any:
    """Replace every string that is exactly ``${NAME}`` (or legacy ``$(NAME)``)."""
    if isinstance(value, str):
        if "$" not in value:
            return value
        m = _WHOLE_ENV.match(value)
        if m:
            found = lookup(m.group(1) or m.group(2))
            if found is not UNDEFINED and found is not None:
                return found
        return value
    if isinstance(value, list):
        return [substitute_env_properties(v, lookup) for v in value]
    if isinstance(value, dict):
        return {k: substitute_env_properties(v, lookup) for k, v in value.items()}
    return value


def evaluate_env_property(value: str, lookup: Lookup) -> Any:
    """An ``env``-typed input: ``X``, ``${X}`` or a template with several ``${…}``."""
    m = re.fullmatch(r"\$\{([^}]+)\}", value.strip()) if isinstance(value, str) else None
    if m:
        result = lookup(m.group(1))
    elif isinstance(value, str) and "${" not in value:
        result = lookup(value)
    else:

        def repl(mm: re.Match[str]) -> str:
            v = lookup(mm.group(1))
            return "" if v is UNDEFINED or v is None else js_string(v)

        result = _ANY_ENV.sub(repl, value)
    return "" if result is UNDEFINED else result


def evaluate_env_entries(
    entries: list[dict[str, Any]] | None,
    scope: Flow | Group,
    credentials: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Evaluate a tab/subflow/group/global-config ``env`` array at flow start."""
    from .typed import evaluate_static

    result: dict[str, Any] = {}
    if not entries:
        return result
    scope.env = result
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            continue
        etype = entry.get("type") or "str"
        value = entry.get("value")
        if etype == "cred":
            value = (credentials or {}).get(name, value)
            result[name] = value if value is not None else ""
            continue
        if etype == "env":
            if value == name:
                result[name] = _parent_lookup(scope, name)
            else:
                result[name] = evaluate_env_property(value or "", scope.get_setting)
            continue
        result[name] = evaluate_static(value, etype, scope.get_setting)
    return result


def _parent_lookup(scope: Flow | Group, name: str) -> Any:
    return scope.get_setting("$parent." + name)
