"""Messages: ids and cloning (``RED.util.generateId`` / ``RED.util.cloneMessage``)."""

from __future__ import annotations

import copy
import random
from typing import Any

__all__ = ["Message", "clone_message", "clone_value", "generate_id"]

Message = dict[str, Any]

# Like Node-RED's Math.random-based ids: unique enough, not secret; os.urandom per
# message (SystemRandom) costs a system call on the hot path.
_getrandbits = random.Random().getrandbits


def generate_id() -> str:
    """16 lowercase hex characters, like Node-RED's 8 random bytes."""
    return f"{_getrandbits(64):016x}"


_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes})


def clone_value(value: Any) -> Any:
    """Deep copy tuned for JSON-like data (the hot path of every fan-out).

    ``bytearray`` is copied; ``bytes`` is immutable, so sharing it is
    indistinguishable from copying and avoids Node-RED's shared-Buffer bug (#5953).
    """
    t = type(value)
    if t in _IMMUTABLE:
        return value
    if t is dict:
        out = value.copy()
        for k, v in value.items():
            if type(v) not in _IMMUTABLE:
                out[k] = clone_value(v)
        return out
    if t is list:
        return [v if type(v) in _IMMUTABLE else clone_value(v) for v in value]
    if t is bytearray:
        return bytearray(value)
    return copy.deepcopy(value)


# Properties shared by reference, never cloned (HTTP request/response objects).
_SHARED_KEYS = ("req", "res")


def clone_message(msg: Message) -> Message:
    try:
        return _clone_message(msg)
    except RecursionError:
        # A message that contains itself: the memo of deepcopy handles cycles.
        shared = {k: msg[k] for k in _SHARED_KEYS if k in msg}
        rest = copy.deepcopy({k: v for k, v in msg.items() if k not in _SHARED_KEYS})
        return {**rest, **shared}


def _clone_message(msg: Message) -> Message:
    out = msg.copy()  # C-speed copy of the top level; then replace mutable values
    for k, v in msg.items():
        if type(v) not in _IMMUTABLE and k not in _SHARED_KEYS:
            out[k] = clone_value(v)
    return out
