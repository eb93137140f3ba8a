"""Saving and loading scikit-learn models.

The format is skops (a zip of JSON and numpy arrays): loading it runs no code from the file.
skops refuses types it does not trust by default (e.g. the tree storage of decision trees and
forests); such types load only when listed in ``trusted_types`` or with ``trusted=True``.
Pickle and joblib files can run arbitrary code when loaded, so they load only with
``trusted=True``. Saving writes a temporary file beside the target and renames it, so a reader
(``ml-score`` watching the file) never sees half a model.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ModelInfo",
    "ModelLoadError",
    "describe_model",
    "load_model",
    "save_model",
    "untrusted_types",
]

_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")


class ModelLoadError(Exception):
    """A model file that cannot (or may not) be loaded; the message says why."""


@dataclass(frozen=True)
class ModelInfo:
    """What the scoring side needs to know about a model."""

    classes: list[Any]
    n_features: int | None
    feature_names: list[str] | None
    estimator: str


def _read(path: str | os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise ModelLoadError(f"model file {os.fspath(path)} does not exist") from None
    except IsADirectoryError:
        raise ModelLoadError(f"model file {os.fspath(path)} is a directory") from None
    except OSError as e:
        reason = e.strerror or e
        raise ModelLoadError(f"cannot read model file {os.fspath(path)}: {reason}") from None


def untrusted_types(data: bytes) -> list[str]:
    """The types in a skops file that skops does not trust by default."""
    import skops.io as sio

    return list(sio.get_untrusted_types(data=data))


def load_model(
    path: str | os.PathLike[str],
    *,
    trusted: bool = False,
    trusted_types: Iterable[str] = (),
) -> Any:
    """Load a model file (skops; pickle/joblib only when ``trusted``)."""
    data = _read(path)  # read once: a rename while loading cannot mix two files
    name = os.fspath(path)
    if data.startswith(_ZIP_MAGIC):
        return _load_skops(name, data, trusted, set(trusted_types))
    if not data:
        raise ModelLoadError(f"model file {name} is empty")
    looks_pickled = name.lower().endswith(_PICKLE_SUFFIXES) or data[:1] == b"\x80"
    if not looks_pickled:
        raise ModelLoadError(f"model file {name} is neither a skops file nor a pickle/joblib file")
    if not trusted:
        raise ModelLoadError(
            f"model file {name} is a pickle/joblib file, which can run arbitrary code when "
            "loaded; save the model with skops, or set trusted if you trust this file"
        )
    import io

    import joblib

    try:
        return joblib.load(io.BytesIO(data))
    except Exception as e:
        raise ModelLoadError(f"cannot load model file {name}: {type(e).__name__}: {e}") from None


def _load_skops(name: str, data: bytes, trusted: bool, allowed: set[str]) -> Any:
    import skops.io as sio

    try:
        found = untrusted_types(data)
    except Exception as e:
        raise ModelLoadError(f"cannot load model file {name}: not a skops file ({e})") from None
    refused = [t for t in found if t not in allowed]
    if refused and not trusted:
        raise ModelLoadError(
            f"model file {name} holds types skops does not trust by default: "
            f"{', '.join(refused)}; list them in trustedTypes after reviewing them "
            "(or set trusted)"
        )
    try:
        return sio.loads(data, trusted=found)
    except Exception as e:
        raise ModelLoadError(f"cannot load model file {name}: {type(e).__name__}: {e}") from None


def save_model(model: Any, path: str | os.PathLike[str]) -> None:
    """Write ``model`` as a skops file, atomically (temporary file + rename)."""
    import skops.io as sio

    target = os.fspath(path)
    data = sio.dumps(model)
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=".model-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def describe_model(model: Any) -> ModelInfo:
    """Classes and input width of a fitted classifier; ``ValueError`` if it cannot score."""
    if not callable(getattr(model, "predict_proba", None)):
        raise ValueError(f"a {type(model).__name__} has no predict_proba (not a classifier?)")
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise ValueError(f"the {type(model).__name__} is not fitted (no classes_)")
    n_features = getattr(model, "n_features_in_", None)
    names = getattr(model, "feature_names_in_", None)
    return ModelInfo(
        classes=[_plain(c) for c in classes],
        n_features=int(n_features) if n_features is not None else None,
        feature_names=[str(n) for n in names] if names is not None else None,
        estimator=type(model).__name__,
    )


def _plain(value: Any) -> Any:
    """numpy scalars → Python values (JSON-friendly labels)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
