"""``ml-score``: score messages with a scikit-learn classifier (flowengine's own node type).

Reads a feature vector from a message property — an IoTKit CSV line by column positions, an
object by property paths, or an array (see :mod:`flowengine.ml.features`) — scores it with a
model saved by ``flowengine train`` (skops), and writes ``{"label", "confidence",
"probabilities", "model"}`` to ``msg.prediction`` (configurable). With a minimum confidence the
node has a second output that gets the messages scored below it.

Messages that arrive in the same loop turn are scored together: ``on_input`` only buffers, and
one task per turn turns the buffer into one matrix and makes one ``predict_proba`` call. A
message whose features cannot be read is an error for that message alone (``done(err)``, so a
catch node gets it); if the batch call fails, the messages are scored one by one so only the
bad ones fail. The model file is checked for changes (one ``stat``, at most every
``watchInterval`` ms, when messages arrive) and reloaded in a worker thread; messages that
arrive meanwhile wait and are scored with the new model, none are dropped. A file that does not
load keeps the old model (warning and yellow status).

Config (all validated at load; ``ConfigError`` for anything wrong, including a model file that
is missing or does not load): ``model``, ``trusted``, ``trustedTypes``, ``property``,
``format`` (auto/csv/paths/array), ``columns``, ``paths``, ``separator``, ``output``,
``minConfidence``, ``watch``, ``watchInterval``, ``outputs``. See docs/ml.md.

numpy and scikit-learn are imported only when a flow holds this node (the registry imports node
modules on first use).
"""

from __future__ import annotations

import asyncio
import math
import os
from typing import Any

import numpy as np

from flowengine import ConfigError, Node
from flowengine.jsvalues import UNDEFINED
from flowengine.message import Message
from flowengine.ml.features import (
    DEFAULT_PATHS,
    FORMATS,
    FeatureError,
    FeatureReader,
)
from flowengine.ml.models import ModelInfo, ModelLoadError, describe_model, load_model
from flowengine.node import Delivery, Done
from flowengine.props import PropertyExpressionError, PropertyPath, compile_property

#: status text is refreshed at most this often (s); a timer shows the last counts
_STATUS_INTERVAL = 0.5
_DEFAULT_WATCH_MS = 1000

Pending = tuple[Message, Delivery, Done]


def _file_signature(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class _LoadedModel:
    """A model with what scoring needs, computed once per load."""

    def __init__(self, model: Any, info: ModelInfo) -> None:
        self.model = model
        self.info = info
        self.keys = [str(c) for c in info.classes]

    def frame(self, rows: np.ndarray) -> Any:
        """What ``predict_proba`` takes: a DataFrame if the model was fitted on one."""
        if self.info.feature_names is None:
            return rows
        import pandas as pd

        return pd.DataFrame(rows, columns=self.info.feature_names)


class MLScoreNode(Node):
    type = "ml-score"
    category = "ml"

    # ---- configuration ------------------------------------------------------------------
    def setup(self) -> None:
        cfg = self.config
        path = cfg.get("model")
        if not isinstance(path, str) or not path.strip():
            raise ConfigError("model", "the path of a model file is required")
        self.model_path = path.strip()
        self.model_name = os.path.basename(self.model_path)
        self.trusted = self._bool("trusted", False)
        self.trusted_types = self._string_list("trustedTypes", [])
        prop = cfg.get("property", "payload")
        self.property_path = self._path("property", "payload" if prop in (None, "") else prop)
        out = cfg.get("output", "prediction")
        self.output_path = self._path("output", "prediction" if out in (None, "") else out)
        fmt = cfg.get("format") or "auto"
        if fmt not in FORMATS:
            raise ConfigError("format", f"unknown format {fmt!r}; expected one of {FORMATS}")
        columns = self._columns()
        paths = self._string_list("paths", list(DEFAULT_PATHS))
        separator = cfg.get("separator", ",")
        if separator in (None, ""):
            separator = ","
        if not isinstance(separator, str):
            raise ConfigError("separator", f"expected a string, got {separator!r}")
        # An option the chosen format does not use is a mistake, not something to ignore.
        if fmt == "paths" and columns is not None:
            raise ConfigError("columns", "applies to format csv or array, not paths")
        if fmt in ("csv", "array") and cfg.get("paths") not in (None, "", []):
            raise ConfigError("paths", f"applies to format paths, not {fmt}")
        if fmt in ("paths", "array") and separator != ",":
            raise ConfigError("separator", f"applies to format csv, not {fmt}")
        try:
            self.reader = FeatureReader(fmt, columns, paths, separator)
        except ValueError as e:
            raise ConfigError("paths" if "path" in str(e) else "columns", str(e)) from None
        self.min_confidence = self._min_confidence()
        wanted_outputs = 2 if self.min_confidence is not None else 1
        outputs = cfg.get("outputs")
        if outputs not in (None, ""):
            try:
                n = int(outputs)
            except (TypeError, ValueError):
                raise ConfigError("outputs", f"expected 1 or 2, got {outputs!r}") from None
            if n != wanted_outputs:
                why = "minConfidence is set" if wanted_outputs == 2 else "no minConfidence is set"
                raise ConfigError("outputs", f"must be {wanted_outputs} when {why}, got {n}")
        if len(self.wires) > wanted_outputs:
            raise ConfigError(
                "wires", f"{len(self.wires)} outputs wired, the node has {wanted_outputs}"
            )
        self.watch = self._bool("watch", True)
        self.watch_interval = self._watch_interval()
        # The model is loaded here so a missing or unloadable file stops the flow at load.
        self.signature = _file_signature(self.model_path)
        try:
            self.loaded = self._load()
        except ModelLoadError as e:
            raise ConfigError("model", str(e)) from None
        except ValueError as e:
            raise ConfigError("model", f"{self.model_path}: {e}") from None
        self._check_width(self.loaded.info, config_error=True)
        # runtime state
        self.pending: list[Pending] = []
        self.flush_scheduled = False
        self.last_check = 0.0
        self.failed_signature: tuple[int, int, int] | None = None
        self.reload_problem: str | None = None
        self.scored = 0
        self.low = 0
        self.errors = 0
        self.reloads = 0
        self.batches = 0  # predict_proba calls for whole batches (tests look at it)
        self._status_due: asyncio.TimerHandle | None = None
        self._status_at = 0.0

    def _bool(self, field: str, default: bool) -> bool:
        value = self.config.get(field, default)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise ConfigError(field, f"expected true or false, got {value!r}")

    def _string_list(self, field: str, default: list[str]) -> list[str]:
        value = self.config.get(field)
        if value in (None, "", []):
            return default
        if isinstance(value, str):
            items = [v.strip() for v in value.split(",")]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = [v.strip() for v in value]
        else:
            raise ConfigError(
                field, f"expected a list of strings or a comma-separated string, got {value!r}"
            )
        if not all(items):
            raise ConfigError(field, f"empty entry in {value!r}")
        return items

    def _path(self, field: str, expr: Any) -> PropertyPath:
        if not isinstance(expr, str):
            raise ConfigError(field, f"expected a message property, got {expr!r}")
        text = expr[4:] if expr.startswith("msg.") else expr
        try:
            return compile_property(text)
        except PropertyExpressionError as e:
            raise ConfigError(field, f"bad property {expr!r}: {e}") from None

    def _columns(self) -> list[int] | None:
        value = self.config.get("columns")
        if value in (None, "", []):
            return None
        raw = value.split(",") if isinstance(value, str) else value
        if not isinstance(raw, list):
            raise ConfigError("columns", f'expected positions like "1,2", got {value!r}')
        out = []
        for item in raw:
            text = item.strip() if isinstance(item, str) else item
            if isinstance(text, bool):
                raise ConfigError("columns", f"{item!r} is not a position (0, 1, 2, ...)")
            try:
                n = int(text)
            except (TypeError, ValueError):
                raise ConfigError("columns", f"{item!r} is not a position (0, 1, 2, ...)") from None
            if n < 0 or (isinstance(text, float) and not text.is_integer()):
                raise ConfigError("columns", f"{item!r} is not a position (0, 1, 2, ...)")
            out.append(n)
        return out

    def _min_confidence(self) -> float | None:
        value = self.config.get("minConfidence")
        if value in (None, ""):
            return None
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not 0.0 <= number <= 1.0:
            raise ConfigError("minConfidence", f"expected a number from 0 to 1, got {value!r}")
        return number

    def _watch_interval(self) -> float:
        value = self.config.get("watchInterval")
        if value in (None, ""):
            return _DEFAULT_WATCH_MS / 1000
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not (number >= 0 and math.isfinite(number)):
            raise ConfigError("watchInterval", f"expected milliseconds >= 0, got {value!r}")
        return number / 1000

    def _load(self) -> _LoadedModel:
        model = load_model(self.model_path, trusted=self.trusted, trusted_types=self.trusted_types)
        return _LoadedModel(model, describe_model(model))

    def _check_width(self, info: ModelInfo, config_error: bool) -> str | None:
        """The model's input width must be one the reader can produce."""
        if info.n_features is None:
            return None
        widths = self.reader.widths()
        fixed = widths - {-1}
        if info.n_features in widths or (-1 in widths and not fixed):
            return None
        bad = {w for w in fixed if w != info.n_features}
        if not bad:
            return None
        sources = []
        if self.reader.format in ("auto", "csv") and len(self.reader.csv_columns) in bad:
            sources.append(f"columns {','.join(map(str, self.reader.csv_columns))}")
        if self.reader.format in ("auto", "paths") and len(self.reader.paths) in bad:
            sources.append(f"paths {','.join(self.reader.path_texts)}")
        if self.reader.format in ("auto", "array") and self.reader.explicit_columns:
            sources.append("columns")
        text = (
            f"{self.model_name} expects {info.n_features} feature(s), but "
            f"{' and '.join(sources)} give(s) {', '.join(str(w) for w in sorted(bad))}"
        )
        if config_error:
            field = "paths" if sources and sources[0].startswith("paths") else "columns"
            raise ConfigError(field, text)
        return text

    # ---- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self.last_check = self.runtime.loop.time()
        self._show_status()

    def close(self) -> None:
        # Stopped only once in-flight work is done; anything still buffered fails visibly.
        for _msg, _send, done in self._take():
            done("ml-score: the flow stopped before this message was scored")
        return None

    # ---- scoring ------------------------------------------------------------------------
    def on_input(self, msg: Message, send: Delivery, done: Done) -> None:
        self.pending.append((msg, send, done))
        if not self.flush_scheduled:
            self.flush_scheduled = True
            # A task (not call_soon) so the runtime counts the buffered messages as in flight.
            self.runtime.spawn(self._flush(), self)

    def _take(self) -> list[Pending]:
        batch, self.pending = self.pending, []
        self.flush_scheduled = False
        return batch

    async def _flush(self) -> None:
        try:
            await self._reload_if_changed()
        except Exception as e:  # never lose the batch over a reload problem
            self.reload_problem = f"reload failed: {e}"
        batch = self._take()
        try:
            self._score(batch)
        except Exception as e:
            # A bug, not bad input: fail the messages that were not answered, loudly.
            for _msg, _send, done in batch:
                done(e)
        self._show_status()

    async def _reload_if_changed(self) -> None:
        if not self.watch:
            return
        loop = self.runtime.loop
        now = loop.time()
        if now - self.last_check < self.watch_interval:
            return
        self.last_check = now
        signature = _file_signature(self.model_path)
        if signature == self.signature or signature == self.failed_signature:
            return
        if signature is None:
            if self.reload_problem != "file missing":
                self.warn(f"model file {self.model_path} is gone; keeping the loaded model")
            self.reload_problem = "file missing"
            self.failed_signature = None
            return
        # Load in a worker thread; messages arriving meanwhile wait in the buffer.
        try:
            loaded = await loop.run_in_executor(None, self._load)
        except (ModelLoadError, ValueError) as e:
            self.failed_signature = signature
            self.reload_problem = "reload failed"
            self.warn(f"cannot reload {self.model_path}: {e}; keeping the loaded model")
            return
        problem = self._check_width(loaded.info, config_error=False)
        if problem is not None:
            self.failed_signature = signature
            self.reload_problem = "reload failed"
            self.warn(f"cannot use the new {self.model_path}: {problem}; keeping the loaded model")
            return
        self.loaded = loaded
        self.signature = signature
        self.failed_signature = None
        self.reload_problem = None
        self.reloads += 1
        self.log(f"reloaded model {self.model_path} ({loaded.info.estimator})")

    def _score(self, batch: list[Pending]) -> None:
        ready: list[Pending] = []
        rows: list[list[float]] = []
        width = self.loaded.info.n_features
        for item in batch:
            msg, _send, done = item
            try:
                value = self.property_path.get(msg)
            except (TypeError, PropertyExpressionError):
                value = UNDEFINED
            try:
                if value is UNDEFINED:
                    raise FeatureError(f"msg.{self.property_path.expr} is undefined")
                features = self.reader.read(value)
                if width is not None and len(features) != width:
                    raise FeatureError(f"{len(features)} feature(s), the model expects {width}")
            except FeatureError as e:
                self.errors += 1
                done(f"ml-score: bad features: {e}")
                continue
            ready.append(item)
            rows.append(features)
        if not ready:
            return
        loaded = self.loaded
        matrix = np.asarray(rows, dtype=float)
        self.batches += 1
        try:
            probabilities = loaded.model.predict_proba(loaded.frame(matrix))
        except Exception:
            self._score_one_by_one(loaded, ready, matrix)
            return
        for item, probs in zip(ready, probabilities, strict=True):
            self._deliver(loaded, item, probs)

    def _score_one_by_one(
        self, loaded: _LoadedModel, ready: list[Pending], matrix: np.ndarray
    ) -> None:
        for i, item in enumerate(ready):
            try:
                probs = loaded.model.predict_proba(loaded.frame(matrix[i : i + 1]))[0]
            except Exception as e:
                self.errors += 1
                item[2](f"ml-score: the model cannot score {matrix[i].tolist()}: {e}")
                continue
            self._deliver(loaded, item, probs)

    def _deliver(self, loaded: _LoadedModel, item: Pending, probs: np.ndarray) -> None:
        msg, send, done = item
        best = int(np.argmax(probs))
        confidence = float(probs[best])
        result = {
            "label": loaded.info.classes[best],
            "confidence": confidence,
            "probabilities": {k: float(p) for k, p in zip(loaded.keys, probs, strict=True)},
            "model": self.model_name,
        }
        if not self.output_path.set(msg, result):
            self.errors += 1
            done(f"ml-score: cannot set msg.{self.output_path.expr}")
            return
        self.scored += 1
        if self.min_confidence is not None and confidence < self.min_confidence:
            self.low += 1
            send([None, msg])
        else:
            send(msg)
        done()

    # ---- status ---------------------------------------------------------------------------
    def _show_status(self) -> None:
        """Counts at most every ``_STATUS_INTERVAL`` s; a timer shows the last ones."""
        loop = self.runtime.loop
        now = loop.time()
        wait = self._status_at + _STATUS_INTERVAL - now
        if wait > 0:
            if self._status_due is None:
                self._status_due = self.set_timeout(wait, self._status_timer)
            return
        self._status_at = now
        self.status(self._status())

    def _status_timer(self) -> None:
        self._status_due = None
        self._status_at = self.runtime.loop.time()
        self.status(self._status())

    def _status(self) -> dict[str, str]:
        parts = [f"{self.scored} scored"]
        if self.min_confidence is not None:
            parts.append(f"{self.low} low")
        if self.errors:
            parts.append(f"{self.errors} error{'s' if self.errors != 1 else ''}")
        if self.reloads:
            parts.append(f"{self.reloads} reload{'s' if self.reloads != 1 else ''}")
        text = f"{self.model_name}: {', '.join(parts)}"
        if self.reload_problem:
            return {"fill": "yellow", "shape": "ring", "text": f"{text} ({self.reload_problem})"}
        return {"fill": "green", "shape": "dot", "text": text}
