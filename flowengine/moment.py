"""The slice of moment.js Node-RED flows use: ``date`` typed values and ``$moment()``.

Format tokens (locale ``en``), add/subtract, startOf/endOf, time zones, diff,
comparisons and parsing with a format.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from .jsvalues import UNDEFINED, js_string, to_number

__all__ = ["Moment", "format_date", "moment_factory", "moment_format"]


_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
# Locale (en) long date formats, expanded before tokens.
_LONG_FORMATS = {
    "LTS": "h:mm:ss A",
    "LT": "h:mm A",
    "LLLL": "dddd, MMMM D, YYYY h:mm A",
    "LLL": "MMMM D, YYYY h:mm A",
    "LL": "MMMM D, YYYY",
    "L": "MM/DD/YYYY",
    "llll": "ddd, MMM D, YYYY h:mm A",
    "lll": "MMM D, YYYY h:mm A",
    "ll": "MMM D, YYYY",
    "l": "M/D/YYYY",
}
_LONG_RE = re.compile(r"(\[[^\[]*\])|(\\)?(LTS|LT|LL?L?L?|l{1,4})")
_TOKEN_RE = re.compile(
    r"(\[[^\[]*\])|(\\)?([Hh]mm(?:ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?"
    r"|Qo?|YYYYYY|YYYYY|YYYY|YY|gg(?:ggg?)?|GG(?:GGG?)?|e|E|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}"
    r"|x|X|zz?|ZZ?|.)",
    re.DOTALL,
)


def _ordinal(n: int) -> str:
    if 11 <= n % 100 <= 13:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _locale_week(dt: datetime) -> tuple[int, int]:
    """moment's ``weekYear()`` and ``week()`` in the en locale.

    Weeks start on Sunday and week 1 contains January 1st.
    """
    day = dt.date()
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    year = saturday.year
    jan1 = saturday.replace(month=1, day=1)
    first_saturday = jan1 + timedelta(days=(5 - jan1.weekday()) % 7)
    return year, (saturday - first_saturday).days // 7 + 1


def _offset(dt: datetime, colon: bool) -> str:
    off = dt.utcoffset() or timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}" if colon else f"{sign}{hours:02d}{mins:02d}"


def _format_token(tok: str, dt: datetime) -> str:
    h12 = dt.hour % 12 or 12
    ms = dt.microsecond // 1000
    weekday = (dt.weekday() + 1) % 7  # 0 = Sunday
    simple: dict[str, Callable[[], str]] = {
        "M": lambda: str(dt.month),
        "Mo": lambda: _ordinal(dt.month),
        "MM": lambda: f"{dt.month:02d}",
        "MMM": lambda: _MONTHS[dt.month - 1][:3],
        "MMMM": lambda: _MONTHS[dt.month - 1],
        "Q": lambda: str((dt.month - 1) // 3 + 1),
        "Qo": lambda: _ordinal((dt.month - 1) // 3 + 1),
        "D": lambda: str(dt.day),
        "Do": lambda: _ordinal(dt.day),
        "DD": lambda: f"{dt.day:02d}",
        "DDD": lambda: str(dt.timetuple().tm_yday),
        "DDDo": lambda: _ordinal(dt.timetuple().tm_yday),
        "DDDD": lambda: f"{dt.timetuple().tm_yday:03d}",
        "d": lambda: str(weekday),
        "do": lambda: _ordinal(weekday),
        "dd": lambda: _WEEKDAYS[weekday][:2],
        "ddd": lambda: _WEEKDAYS[weekday][:3],
        "dddd": lambda: _WEEKDAYS[weekday],
        "e": lambda: str(weekday),
        "E": lambda: str(dt.isoweekday()),
        "w": lambda: str(_locale_week(dt)[1]),
        "wo": lambda: _ordinal(_locale_week(dt)[1]),
        "ww": lambda: f"{_locale_week(dt)[1]:02d}",
        "W": lambda: str(dt.isocalendar()[1]),
        "Wo": lambda: _ordinal(dt.isocalendar()[1]),
        "WW": lambda: f"{dt.isocalendar()[1]:02d}",
        "YY": lambda: f"{dt.year % 100:02d}",
        "YYYY": lambda: f"{dt.year:04d}",
        "YYYYY": lambda: f"{dt.year:05d}",
        "YYYYYY": lambda: f"{'-' if dt.year < 0 else '+'}{abs(dt.year):06d}",
        "gg": lambda: f"{_locale_week(dt)[0] % 100:02d}",
        "gggg": lambda: f"{_locale_week(dt)[0]:04d}",
        "ggggg": lambda: f"{_locale_week(dt)[0]:05d}",
        "GG": lambda: f"{dt.isocalendar()[0] % 100:02d}",
        "GGGG": lambda: f"{dt.isocalendar()[0]:04d}",
        "GGGGG": lambda: f"{dt.isocalendar()[0]:05d}",
        "A": lambda: "AM" if dt.hour < 12 else "PM",
        "a": lambda: "am" if dt.hour < 12 else "pm",
        "H": lambda: str(dt.hour),
        "HH": lambda: f"{dt.hour:02d}",
        "h": lambda: str(h12),
        "hh": lambda: f"{h12:02d}",
        "k": lambda: str(dt.hour or 24),
        "kk": lambda: f"{dt.hour or 24:02d}",
        "m": lambda: str(dt.minute),
        "mm": lambda: f"{dt.minute:02d}",
        "s": lambda: str(dt.second),
        "ss": lambda: f"{dt.second:02d}",
        "hmm": lambda: f"{h12}{dt.minute:02d}",
        "hmmss": lambda: f"{h12}{dt.minute:02d}{dt.second:02d}",
        "Hmm": lambda: f"{dt.hour}{dt.minute:02d}",
        "Hmmss": lambda: f"{dt.hour}{dt.minute:02d}{dt.second:02d}",
        "Z": lambda: _offset(dt, True),
        "ZZ": lambda: _offset(dt, False),
        "z": lambda: "UTC" if dt.utcoffset() == timedelta(0) and dt.tzinfo is UTC else "",
        "zz": lambda: "UTC" if dt.utcoffset() == timedelta(0) and dt.tzinfo is UTC else "",
        "X": lambda: str(math.floor(dt.timestamp())),
        "x": lambda: str(round(dt.timestamp() * 1000)),
    }
    fn = simple.get(tok)
    if fn is not None:
        return fn()
    if tok[0] == "S":
        return f"{ms:03d}"[: len(tok)].ljust(len(tok), "0")
    return tok


def moment_format(fmt: str, dt: datetime) -> str:
    """``moment(dt).format(fmt)`` with the default (en) locale."""

    def long(m: re.Match[str]) -> str:
        if m.group(1) or m.group(2):
            return m.group(0)
        return _LONG_FORMATS[m.group(3)]

    for _ in range(5):  # long formats may nest (moment expands up to 5 times)
        expanded = _LONG_RE.sub(long, fmt)
        if expanded == fmt:
            break
        fmt = expanded

    def token(m: re.Match[str]) -> str:
        if m.group(1):
            return m.group(1)[1:-1]
        if m.group(2):
            return m.group(3)
        return _format_token(m.group(3), dt)

    return _TOKEN_RE.sub(token, fmt)


def format_date(fmt: Any, now_ms: float | None = None) -> Any:
    """``date`` typed value: ms timestamp, ``iso``, ``object`` (a datetime) or a moment format."""
    ms = now_ms if now_ms is not None else time.time() * 1000
    if not fmt:
        return int(ms)
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    if fmt == "iso":
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ms) % 1000:03d}Z"
    if fmt == "object":
        return dt
    return moment_format(js_string(fmt), dt.astimezone())


_UNIT_ALIASES = {
    "y": "year", "years": "year", "year": "year",
    "Q": "quarter", "quarters": "quarter", "quarter": "quarter",
    "M": "month", "months": "month", "month": "month",
    "w": "week", "weeks": "week", "week": "week",
    "isoWeek": "isoWeek", "isoWeeks": "isoWeek",
    "d": "day", "days": "day", "day": "day", "date": "day", "dates": "day",
    "h": "hour", "hours": "hour", "hour": "hour",
    "m": "minute", "minutes": "minute", "minute": "minute",
    "s": "second", "seconds": "second", "second": "second",
    "ms": "millisecond", "milliseconds": "millisecond", "millisecond": "millisecond",
}  # fmt: skip


def _unit(name: Any) -> str | None:
    return _UNIT_ALIASES.get(js_string(name)) if name is not None else None


def _add_months(dt: datetime, months: int) -> datetime:
    total = dt.year * 12 + dt.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    days = (datetime(year + (month == 12), month % 12 + 1, 1) - datetime(year, month, 1)).days
    return dt.replace(year=year, month=month, day=min(dt.day, days))


def _tz(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


_PARSE_TOKENS: dict[str, tuple[str, str]] = {
    "YYYY": (r"(\d{4})", "year"), "YY": (r"(\d\d)", "year2"),
    "MMMM": (r"([A-Za-z]+)", "monthname"), "MMM": (r"([A-Za-z]{3})", "monthname"),
    "MM": (r"(\d\d)", "month"), "M": (r"(\d\d?)", "month"),
    "DDDD": (r"(\d{3})", "yday"), "DDD": (r"(\d{1,3})", "yday"),
    "Do": (r"(\d\d?)(?:st|nd|rd|th)", "day"), "DD": (r"(\d\d)", "day"), "D": (r"(\d\d?)", "day"),
    "HH": (r"(\d\d)", "hour"), "H": (r"(\d\d?)", "hour"),
    "hh": (r"(\d\d)", "hour12"), "h": (r"(\d\d?)", "hour12"),
    "kk": (r"(\d\d)", "hour"), "k": (r"(\d\d?)", "hour"),
    "mm": (r"(\d\d)", "minute"), "m": (r"(\d\d?)", "minute"),
    "ss": (r"(\d\d)", "second"), "s": (r"(\d\d?)", "second"),
    "SSS": (r"(\d{3})", "ms"), "SS": (r"(\d\d)", "ms"), "S": (r"(\d)", "ms"),
    "A": (r"([AaPp][Mm])", "ampm"), "a": (r"([AaPp][Mm])", "ampm"),
    "ZZ": (r"([+-]\d\d:?\d\d|Z)", "tz"), "Z": (r"([+-]\d\d:?\d\d|Z)", "tz"),
    "X": (r"(-?\d+(?:\.\d+)?)", "unix"), "x": (r"(-?\d+)", "unixms"),
}  # fmt: skip
_PARSE_TOKEN_RE = re.compile(
    r"(\[[^\]]*\])|(YYYY|YY|MMMM|MMM|MM|M|DDDD|DDD|Do|DD|D|HH|H|hh|h|kk|k|mm|m|ss|s|SSS|SS|S"
    r"|A|a|ZZ|Z|X|x)"
)


def _parse_with_format(text: str, fmt: str) -> datetime | None:
    """``moment(text, fmt)`` (forgiving mode: a prefix match is enough)."""
    pattern: list[str] = []
    fields: list[str] = []
    pos = 0
    for m in _PARSE_TOKEN_RE.finditer(fmt):
        pattern.append(
            r"[^0-9A-Za-z]*?"
            if fmt[pos : m.start()].strip() == "" and pos != m.start()
            else re.escape(fmt[pos : m.start()])
        )
        if m.group(1):
            pattern.append(re.escape(m.group(1)[1:-1]))
        else:
            regex, field = _PARSE_TOKENS[m.group(2)]
            pattern.append(regex)
            fields.append(field)
        pos = m.end()
    found = re.match("".join(pattern), text)
    if not found:
        return None
    now = datetime.now().astimezone()
    parts: dict[str, Any] = {
        "year": now.year,
        "month": 1,
        "day": 1,
        "hour": 0,
        "minute": 0,
        "second": 0,
        "ms": 0,
    }
    tz: tzinfo | None = None
    pm: bool | None = None
    for field, value in zip(fields, found.groups(), strict=True):
        if field == "year2":
            parts["year"] = 2000 + int(value) if int(value) <= 68 else 1900 + int(value)
        elif field == "monthname":
            names = [n.lower() for n in _MONTHS]
            matches = [i for i, n in enumerate(names) if n.startswith(value.lower()[:3])]
            if not matches:
                return None
            parts["month"] = matches[0] + 1
        elif field == "hour12":
            parts["hour"] = int(value) % 12
        elif field == "ampm":
            pm = value.lower().startswith("p")
        elif field == "ms":
            parts["ms"] = int(value.ljust(3, "0"))
        elif field == "tz":
            tz = UTC if value == "Z" else datetime.strptime(value.replace(":", ""), "%z").tzinfo
        elif field == "unix":
            return datetime.fromtimestamp(float(value), tz=UTC).astimezone()
        elif field == "unixms":
            return datetime.fromtimestamp(int(value) / 1000, tz=UTC).astimezone()
        elif field == "yday":
            parts["yday"] = int(value)
        else:
            parts[field] = int(value)
    if pm is not None and pm and parts["hour"] < 12:
        parts["hour"] += 12
    try:
        dt = datetime(
            parts["year"],
            parts["month"],
            parts["day"],
            parts["hour"],
            parts["minute"],
            parts["second"],
            parts["ms"] * 1000,
        )
    except ValueError:
        return None
    if "yday" in parts:
        dt = dt.replace(month=1, day=1) + timedelta(days=parts["yday"] - 1)
    return dt.replace(tzinfo=tz).astimezone() if tz is not None else dt.astimezone()


def _parse_moment_input(value: Any, fmt: Any) -> datetime | None:
    if value is None or value is UNDEFINED:
        return datetime.now().astimezone()
    if isinstance(value, Moment):
        return value.dt
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.astimezone()
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if value != value:
            return None
        return datetime.fromtimestamp(value / 1000, tz=UTC).astimezone()
    if isinstance(value, list):
        nums = [int(to_number(v)) for v in value] + [0] * 7
        try:
            return datetime(
                nums[0], nums[1] + 1, nums[2] or 1, nums[3], nums[4], nums[5], nums[6] * 1000
            ).astimezone()
        except ValueError:
            return None
    if isinstance(value, str):
        if fmt is not None and fmt is not UNDEFINED:
            return _parse_with_format(value, js_string(fmt))
        text = value.strip()
        try:
            dt = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
        except ValueError:
            return None
        return dt.astimezone()  # moment keeps local mode whatever offset the text had
    return None


class Moment(dict[str, Any]):
    """A moment.js object inside JSONata: its methods are callable properties.

    ``$moment().add(1, "days").format("YYYY-MM-DD")`` works because JSONata
    looks ``add`` up on the object and calls it. At the end of an evaluation a
    moment becomes a datetime (a JavaScript Date: serialised as its ISO string).
    """

    def __init__(self, dt: datetime | None, utc_mode: bool = False) -> None:
        from jsonata import Jsonata

        super().__init__()
        self.dt = dt
        self.utc_mode = utc_mode
        lam = Jsonata.JLambda
        methods: dict[str, Callable[..., Any]] = {
            "format": self._format,
            "toISOString": self._iso,
            "toJSON": self._iso,
            "toString": lambda: self._format("ddd MMM DD YYYY HH:mm:ss [GMT]ZZ"),
            "valueOf": self._value_of,
            "unix": lambda: math.floor(self._value_of() / 1000) if self.dt else math.nan,
            "isValid": lambda: self.dt is not None,
            "toDate": self.to_datetime,
            "year": lambda v=None: self._field("year", v),
            "month": lambda v=None: self._field("month", v),
            "date": lambda v=None: self._field("day", v),
            "day": lambda v=None: self._field("weekday", v),
            "hour": lambda v=None: self._field("hour", v),
            "hours": lambda v=None: self._field("hour", v),
            "minute": lambda v=None: self._field("minute", v),
            "minutes": lambda v=None: self._field("minute", v),
            "second": lambda v=None: self._field("second", v),
            "seconds": lambda v=None: self._field("second", v),
            "millisecond": lambda v=None: self._field("ms", v),
            "milliseconds": lambda v=None: self._field("ms", v),
            "dayOfYear": lambda: self.dt.timetuple().tm_yday if self.dt else math.nan,
            "isoWeek": lambda: self.dt.isocalendar()[1] if self.dt else math.nan,
            "week": lambda: _locale_week(self.dt)[1] if self.dt else math.nan,
            "isoWeekday": lambda: self.dt.isoweekday() if self.dt else math.nan,
            "daysInMonth": self._days_in_month,
            "utcOffset": lambda: (
                int((self.dt.utcoffset() or timedelta(0)).total_seconds() // 60)
                if self.dt
                else math.nan
            ),
            "add": lambda n=None, unit=None: self._add(n, unit, 1),
            "subtract": lambda n=None, unit=None: self._add(n, unit, -1),
            "startOf": lambda unit=None: self._start_of(unit, False),
            "endOf": lambda unit=None: self._start_of(unit, True),
            "utc": lambda: Moment(self.dt.astimezone(UTC) if self.dt else None, True),
            "local": lambda: Moment(self.dt.astimezone() if self.dt else None),
            "tz": lambda name=None: Moment(
                self.dt.astimezone(_tz(js_string(name))) if self.dt else None
            ),
            "clone": lambda: Moment(self.dt, self.utc_mode),
            "isBefore": lambda other=None, unit=None: self._cmp(other, unit) < 0,
            "isAfter": lambda other=None, unit=None: self._cmp(other, unit) > 0,
            "isSame": lambda other=None, unit=None: self._cmp(other, unit) == 0,
            "isSameOrBefore": lambda other=None, unit=None: self._cmp(other, unit) <= 0,
            "isSameOrAfter": lambda other=None, unit=None: self._cmp(other, unit) >= 0,
            "diff": self._diff,
        }
        for name, fn in methods.items():
            self[name] = lam(fn)

    def to_datetime(self) -> Any:
        return self.dt if self.dt is not None else UNDEFINED

    def _format(self, fmt: Any = None) -> str:
        if self.dt is None:
            return "Invalid date"
        if fmt is None or fmt is UNDEFINED:
            fmt = "YYYY-MM-DDTHH:mm:ss[Z]" if self.utc_mode else "YYYY-MM-DDTHH:mm:ssZ"
        return moment_format(js_string(fmt), self.dt)

    def _iso(self) -> Any:
        if self.dt is None:
            return None
        utc = self.dt.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"

    def _value_of(self) -> float | int:
        return round(self.dt.timestamp() * 1000) if self.dt else math.nan

    def _days_in_month(self) -> Any:
        if self.dt is None:
            return math.nan
        nxt = _add_months(self.dt.replace(day=1), 1)
        return (nxt - self.dt.replace(day=1)).days

    def _field(self, name: str, value: Any) -> Any:
        dt = self.dt
        if dt is None:
            return math.nan if value is None else self
        getters = {
            "year": dt.year, "month": dt.month - 1, "day": dt.day,
            "weekday": (dt.weekday() + 1) % 7, "hour": dt.hour, "minute": dt.minute,
            "second": dt.second, "ms": dt.microsecond // 1000,
        }  # fmt: skip
        if value is None or value is UNDEFINED:
            return getters[name]
        n = int(to_number(value))
        if name == "month":
            return Moment(_add_months(dt, n - getters["month"]), self.utc_mode)
        if name == "weekday":
            return Moment(dt + timedelta(days=n - getters["weekday"]), self.utc_mode)
        if name == "year":
            return Moment(_add_months(dt, (n - dt.year) * 12), self.utc_mode)
        deltas = {"day": timedelta(days=1), "hour": timedelta(hours=1),
                  "minute": timedelta(minutes=1), "second": timedelta(seconds=1),
                  "ms": timedelta(milliseconds=1)}  # fmt: skip
        return Moment(dt + deltas[name] * (n - getters[name]), self.utc_mode)

    def _add(self, amount: Any, unit: Any, sign: int) -> Moment:
        dt = self.dt
        if dt is None:
            return self
        if isinstance(amount, dict):
            for key, value in amount.items():
                dt = Moment(dt, self.utc_mode)._add(value, key, sign).dt
            return Moment(dt, self.utc_mode)
        n = to_number(amount) * sign
        if n != n:
            return Moment(dt, self.utc_mode)
        kind = _unit(unit) or "millisecond"
        if kind in ("year", "quarter", "month"):
            months = round(n) * {"year": 12, "quarter": 3, "month": 1}[kind]
            return Moment(_add_months(dt, months), self.utc_mode)
        if kind in ("week", "isoWeek", "day"):
            # Calendar days keep the wall-clock time across DST changes.
            days = n * (7 if kind != "day" else 1)
            naive = dt.replace(tzinfo=None) + timedelta(days=days)
            return Moment(_relocalise(naive, dt), self.utc_mode)
        seconds = {"hour": 3600, "minute": 60, "second": 1, "millisecond": 0.001}[kind]
        return Moment(dt + timedelta(seconds=n * seconds), self.utc_mode)

    def _start_of(self, unit: Any, end: bool) -> Moment:
        dt = self.dt
        kind = _unit(unit)
        if dt is None or kind is None:
            return self
        naive = dt.replace(tzinfo=None)
        if kind == "year":
            start = naive.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        elif kind == "quarter":
            month = (naive.month - 1) // 3 * 3 + 1
            start = naive.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
        elif kind == "month":
            start = naive.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        elif kind in ("week", "isoWeek"):
            back = (naive.weekday() + 1) % 7 if kind == "week" else naive.weekday()
            start = (naive - timedelta(days=back)).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
        elif kind == "day":
            start = naive.replace(hour=0, minute=0, second=0, microsecond=0)
        elif kind == "hour":
            start = naive.replace(minute=0, second=0, microsecond=0)
        elif kind == "minute":
            start = naive.replace(second=0, microsecond=0)
        elif kind == "second":
            start = naive.replace(microsecond=0)
        else:
            start = naive
        result = Moment(_relocalise(start, dt), self.utc_mode)
        if end:
            step = {"quarter": (3, "month"), "isoWeek": (1, "week")}.get(kind, (1, kind))
            result = result._add(step[0], step[1], 1)._add(1, "ms", -1)
        return result

    def _other(self, other: Any) -> datetime | None:
        return _parse_moment_input(other, None)

    def _cmp(self, other: Any, unit: Any) -> int:
        theirs = self._other(other)
        if self.dt is None or theirs is None:
            return 2  # invalid: neither before, after nor same
        kind = _unit(unit)
        mine = self
        if kind is not None:
            mine = self._start_of(kind, False)
            theirs = Moment(theirs.astimezone(self.dt.tzinfo))._start_of(kind, False).dt
        assert mine.dt is not None and theirs is not None
        return (mine.dt > theirs) - (mine.dt < theirs)

    def _diff(self, other: Any = None, unit: Any = None, precise: Any = None) -> Any:
        theirs = self._other(other)
        if self.dt is None or theirs is None:
            return math.nan
        kind = _unit(unit) or "millisecond"
        if kind in ("year", "quarter", "month"):
            months = (self.dt.year - theirs.year) * 12 + self.dt.month - theirs.month
            anchor = _add_months(theirs, months)
            if (anchor > self.dt) != (months < 0) and anchor != self.dt:
                months += -1 if months > 0 or anchor > self.dt else 1
                anchor = _add_months(theirs, months)
            value: float = months
            if precise:
                nxt = _add_months(theirs, months + (1 if self.dt >= anchor else -1))
                span = abs((nxt - anchor).total_seconds()) or 1
                value += (self.dt - anchor).total_seconds() / span
            value /= {"year": 12, "quarter": 3, "month": 1}[kind]
        else:
            seconds = (self.dt - theirs).total_seconds()
            per = {"week": 604800, "isoWeek": 604800, "day": 86400, "hour": 3600,
                   "minute": 60, "second": 1, "millisecond": 0.001}[kind]  # fmt: skip
            value = seconds / per
        if precise:
            return value
        return math.trunc(value) if value == value else value


def _relocalise(naive: datetime, like: datetime) -> datetime:
    """Attach the time zone of ``like`` to a wall-clock time (fixed or named zone)."""
    tz = like.tzinfo
    if tz is None:
        return naive.astimezone()
    if hasattr(tz, "key"):  # a zoneinfo zone: its offset depends on the date
        return naive.replace(tzinfo=tz)
    local = naive.astimezone()
    if like.utcoffset() == timedelta(0) and tz is UTC:
        return naive.replace(tzinfo=UTC)
    return local


def moment_factory(value: Any = None, fmt: Any = None, *_rest: Any) -> Moment:
    """``$moment(...)`` in JSONata: now, a ms timestamp, an ISO string, or a string and format."""
    return Moment(_parse_moment_input(value, fmt))
