"""``range``: map a numeric message property from one range onto another.

Behaviour of Node-RED 5.0.7's range node (``16-range.js``): actions ``scale``,
``clamp`` (limit the input to the input range first), ``roll`` (wrap the input
around the input range) and ``drop`` (drop messages outside the input range);
optional rounding; an input range given high-to-low is swapped together with
the target range. A missing property passes the message on unchanged; a value
that is not a number is logged ("Not a number: …") and the message dropped.
Arithmetic follows JavaScript doubles (division by zero gives Infinity/NaN).
"""

from __future__ import annotations

import math

from flowengine import ConfigError, JSError, Node
from flowengine.jsvalues import UNDEFINED, js_string, js_truthy, to_number
from flowengine.message import Message
from flowengine.node import Delivery, Done
from flowengine.props import (
    PropertyExpressionError,
    get_message_property,
    normalise_property_expression,
    set_message_property,
)

_ACTIONS = ("scale", "clamp", "roll", "drop")
_BOUNDS = ("minin", "maxin", "minout", "maxout")
_SAFE_INT = 2**53


def js_divide(a: float, b: float) -> float:
    """``a / b`` with JavaScript's IEEE semantics instead of ZeroDivisionError."""
    if b != 0:
        return a / b
    if a == 0 or math.isnan(a) or math.isnan(b):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def js_remainder(a: float, b: float) -> float:
    """JavaScript's ``a % b`` (sign of the dividend, NaN instead of exceptions)."""
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or b == 0:
        return math.nan
    if math.isinf(b):
        return a
    return math.fmod(a, b)


def js_round(x: float) -> float:
    """``Math.round``: halves round towards +Infinity."""
    if not math.isfinite(x):
        return x
    floor = math.floor(x)
    return float(floor + 1 if x - floor >= 0.5 else floor)


def _as_js_number(x: float) -> float | int:
    """Integral doubles become ints, as the rest of the engine holds them."""
    if math.isfinite(x) and x.is_integer() and abs(x) <= _SAFE_INT:
        return int(x)
    return x


class RangeNode(Node):
    type = "range"
    category = "function"

    def setup(self) -> None:
        action = self.config.get("action")
        if action in (None, ""):
            action = "scale"
        if action not in _ACTIONS:
            raise ConfigError("action", f"unknown action {action!r}; expected one of {_ACTIONS}")
        self.action: str = action
        self.round = js_truthy(self.config.get("round", False))
        minin, maxin, minout, maxout = (self._bound(name) for name in _BOUNDS)
        if minin > maxin:
            # A descending input range maps onto the target range reversed.
            minin, maxin = maxin, minin
            minout, maxout = maxout, minout
        if self.round:
            maxout = float(math.floor(maxout))
            minout = float(math.ceil(minout))
        self.minin, self.maxin, self.minout, self.maxout = minin, maxin, minout, maxout
        self.property: str = self.config.get("property") or "payload"
        try:
            normalise_property_expression(self.property)
        except PropertyExpressionError as e:
            raise ConfigError("property", str(e)) from None

    def _bound(self, name: str) -> float:
        raw = self.config.get(name)
        if raw is None or raw == "":
            raise ConfigError(name, "a number is required")
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise ConfigError(name, f"must be a number, got {raw!r}")
        value = float(to_number(raw))
        if math.isnan(value):
            raise ConfigError(name, f"must be a number, got {raw!r}")
        return value

    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        try:
            value = get_message_property(msg, self.property)
        except TypeError as e:
            raise JSError(str(e), "TypeError") from None
        if value is UNDEFINED:
            send(msg)
            done()
            return
        number = float(to_number(value))
        if math.isnan(number):
            self.log(f"Not a number: {js_string(value)}")
            done()
            return
        result = self._map(number)
        if result is not None:
            set_message_property(msg, self.property, _as_js_number(result))
            send(msg)
        done()

    def _map(self, n: float) -> float | None:
        """The mapped value, or None when the ``drop`` action discards the message."""
        minin, maxin = self.minin, self.maxin
        if self.action == "drop" and (n < minin or n > maxin):
            return None
        if self.action == "clamp":
            n = min(max(n, minin), maxin)
        elif self.action == "roll":
            span = maxin - minin
            n = js_remainder(js_remainder(n - minin, span) + span, span) + minin
        scaled = js_divide(n - minin, maxin - minin) * (self.maxout - self.minout) + self.minout
        return js_round(scaled) if self.round else scaled
