"""User-facing errors: one line per problem, never a traceback.

A problem reads ``FILE: node <id> (<type> "<name>"): <field>: <what is wrong>``;
the name part is left out for unnamed nodes (tabs show their label), the node
part for problems of the file as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ConfigError", "FlowFileError", "JSError", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a flow file, formatted as Node-RED users read it."""

    file: str
    message: str
    node_id: str | None = None
    node_type: str | None = None
    node_name: str | None = None
    field: str | None = None
    warning: bool = False

    def __str__(self) -> str:
        text = f"{self.file}:"
        if self.node_id is not None:
            named = f' "{self.node_name}"' if self.node_name else ""
            text += f" node {self.node_id} ({self.node_type}{named}):"
        if self.field:
            text += f" {self.field}:"
        return f"{text} {self.message}"

    @classmethod
    def for_node(
        cls, file: str, node: dict[str, Any], field: str | None, message: str, warning: bool = False
    ) -> Problem:
        name = node.get("name")
        if not (isinstance(name, str) and name) and node.get("type") == "tab":
            name = node.get("label")  # tabs are named by their label
        return cls(
            file=file,
            message=message,
            node_id=str(node.get("id", "?")),
            node_type=str(node.get("type", "?")),
            node_name=name if isinstance(name, str) and name else None,
            field=field,
            warning=warning,
        )


class FlowFileError(Exception):
    """A flow set could not be loaded; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class ConfigError(Exception):
    """Raised by a node's ``setup`` for a bad or unsupported property."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class JSError(Exception):
    """An error that Node-RED would raise as a JavaScript ``Error`` object.

    ``str()`` of it in ``msg.error.message`` is ``"<name>: <message>"``, as
    ``err.toString()`` is in JavaScript.
    """

    def __init__(self, message: str, name: str = "Error", code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.code = code

    def __str__(self) -> str:
        return f"{self.name}: {self.message}" if self.message else self.name
