"""Machine learning on IoTKit sensor data, shared by ``ml-score`` and ``flowengine train``.

- :mod:`.captures` reads capture files (``0xBC,22.90,36.9,low\\0`` lines) tolerantly; pure Python.
- :mod:`.features` turns a message value into a feature vector (CSV columns, object paths, a
  list); pure Python.
- :mod:`.models` saves and loads models with skops (safe loading; pickle/joblib only when
  trusted).
- :mod:`.training` fits and evaluates an estimator; :mod:`.plot` draws the decision regions.

Importing this package imports nothing heavy: numpy, scikit-learn, skops and matplotlib are
imported by :mod:`.models`, :mod:`.training` and :mod:`.plot` only, which are loaded only by a
flow that uses ``ml-score`` or by the ``train`` command.
"""

from collections.abc import Iterable

#: ``flowengine train --estimator`` choices (here, so building the parser imports no numpy)
ESTIMATORS = ("knn", "tree", "forest")

#: The IoTKit firmware's classes in their natural order (cool → warm).
IOTKIT_CLASSES = ("low", "middle", "high")


def ordered_labels(labels: Iterable[object]) -> list[str]:
    """Class labels in display order: the IoTKit order when they are IoTKit's, else sorted."""
    unique = sorted({str(label) for label in labels})
    if set(unique) <= set(IOTKIT_CLASSES):
        return [c for c in IOTKIT_CLASSES if c in unique]
    return unique
