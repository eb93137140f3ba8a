"""``flowengine train``: the tutorial notebook (MLTempHumSensor) as a command.

Reads a capture file tolerantly, drops the first N readings as the notebook does, fits a
classifier on temperature and humidity (k-nearest neighbours with k = 1 by default), prints the
training and test accuracy, the per-class report and the confusion matrix, and optionally
writes the model (skops), the decision-region plot (PNG) and a JSON report.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ..ml import ESTIMATORS
from . import non_negative_int, positive_int

__all__ = ["add_parser", "run"]

EXIT_OK, EXIT_FAILURE, EXIT_USER, EXIT_BELOW = 0, 1, 2, 3

EXAMPLES = """\
examples:
  flowengine train data/samples/iotkit-train.csv --test data/samples/iotkit-test.csv \\
      --model model.skops --plot regions.png
  flowengine train ../shared/data/iotkit-captures/data.csv --drop-first 7 \\
      --test ../shared/data/iotkit-captures/test.csv --report report.json
      the notebook's run: k-nearest neighbours (k = 1) on temperature and humidity

exit codes: 0 ok, 1 failure, 2 bad input or option, 3 accuracy below --min-accuracy
"""


def add_parser(subparsers: Any) -> None:
    """Add the ``train`` sub-command to ``subparsers`` (an argparse sub-parsers action)."""
    p = subparsers.add_parser(
        "train",
        help="train a classifier on IoTKit sensor captures (the tutorial notebook)",
        description="Fit a classifier on temperature and humidity readings of an IoTKit capture "
        "file (lines like '0xBC,22.90,36.9,low'; NUL bytes, spaces, blank and broken lines are "
        "tolerated and counted), print accuracy, per-class report and confusion matrix, and "
        "write the model, the decision-region plot and a JSON report.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("data", metavar="DATA.csv", help="training captures")
    p.add_argument("--test", metavar="TEST.csv", help="captures to score the model on")
    p.add_argument(
        "--drop-first",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="skip the first N non-blank lines of DATA.csv (the notebook drops 7)",
    )
    p.add_argument(
        "--estimator",
        choices=ESTIMATORS,
        default="knn",
        help="knn (k-nearest neighbours, default), tree (decision tree) or forest (random "
        "forest; tree and forest models need trustedTypes in ml-score)",
    )
    p.add_argument(
        "--k", type=positive_int, default=None, metavar="K", help="neighbours for knn (default 1)"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of tree/forest (default 0)")
    p.add_argument("--model", metavar="OUT.skops", help="write the fitted model (skops format)")
    p.add_argument("--plot", metavar="REGIONS.png", help="write the decision-region plot")
    p.add_argument("--report", metavar="REPORT.json", help="write the results as JSON")
    p.add_argument(
        "--min-accuracy",
        type=float,
        default=None,
        metavar="A",
        help="exit 3 when the test accuracy (training accuracy without --test) is below A",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


class _UserError(Exception):
    pass


def run(args: argparse.Namespace, registry: object = None) -> int:
    """Run ``train``; returns the exit code. (``registry`` is unused: it lets ``cli.main``
    call this as it calls its own commands.)"""
    try:
        return _train(args)
    except _UserError as e:
        print(f"flowengine train: {e}", file=sys.stderr)
        return EXIT_USER


def _check_output(path: str | None, option: str, suffix: str) -> None:
    if path is None:
        return
    if not path.lower().endswith(suffix):
        raise _UserError(f"{option} {path}: expected a {suffix} file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise _UserError(f"{option} {path}: directory {directory} does not exist")


def _train(args: argparse.Namespace) -> int:
    if args.k is not None and args.estimator != "knn":
        raise _UserError(f"--k applies to --estimator knn only, not {args.estimator}")
    if args.min_accuracy is not None and not 0.0 <= args.min_accuracy <= 1.0:
        raise _UserError(f"--min-accuracy {args.min_accuracy}: expected a number from 0 to 1")
    _check_output(args.model, "--model", ".skops")
    _check_output(args.plot, "--plot", ".png")
    _check_output(args.report, "--report", ".json")
    k = args.k or 1

    from ..ml.captures import Capture, read_capture
    from ..ml.progress import Progress

    progress = Progress(enabled=not args.quiet)

    def read(path: str, drop_first: int, what: str) -> Capture:
        progress.start(f"reading {path}")
        try:
            capture = read_capture(path, drop_first, progress.update)
        except OSError as e:
            raise _UserError(f"{what} {path}: cannot read: {e.strerror or e}") from None
        finally:
            progress.finish()
        print(f"{what}: {capture.summary()}")
        for b in capture.broken_examples[:5]:
            print(f"  line {b.line}: {b.reason}: {b.text!r}")
        if capture.broken > 5:
            print(f"  ... {capture.broken - 5} more broken line(s)")
        if not capture.readings:
            raise _UserError(f"{what} {path}: no readings to use")
        return capture

    data = read(args.data, args.drop_first, "data")
    test = read(args.test, 0, "test") if args.test else None

    # numpy / scikit-learn only from here on
    from ..ml.models import save_model, untrusted_types
    from ..ml.training import arrays, evaluate, format_confusion, format_report, make_estimator

    x, y = arrays(data.readings)
    if args.estimator == "knn" and k > len(x):
        raise _UserError(f"--k {k}: DATA.csv has only {len(x)} reading(s)")
    model = make_estimator(args.estimator, k=k, seed=args.seed)
    progress.start("fitting")
    model.fit(x, y)
    progress.finish()
    print(f"estimator: {_describe_estimator(model)}")
    progress.start("scoring the training data")
    train_eval = evaluate(model, x, y, progress.update)
    progress.finish()
    print(f"train accuracy: {_accuracy(train_eval.correct, train_eval.total)}")
    test_eval = None
    test_arrays = None
    if test is not None:
        test_arrays = arrays(test.readings)
        progress.start("scoring the test data")
        test_eval = evaluate(model, *test_arrays, progress=progress.update)
        progress.finish()
        print(f"test accuracy:  {_accuracy(test_eval.correct, test_eval.total)}")
    shown = test_eval or train_eval
    which = "test" if test_eval is not None else "training"
    print(f"\nper-class report ({which} data):")
    print(format_report(shown))
    print(f"\nconfusion matrix ({which} data; rows: true class, columns: predicted):")
    print(format_confusion(shown))
    print()

    needs_trust: list[str] = []
    if args.model:
        save_model(model, args.model)
        with open(args.model, "rb") as model_file:
            needs_trust = untrusted_types(model_file.read())
        note = (
            f"; ml-score needs trustedTypes {', '.join(needs_trust)}"
            if needs_trust
            else "; ml-score loads it as it is"
        )
        print(f"model written: {args.model}{note}")
    if args.plot:
        from ..ml import ordered_labels
        from ..ml.plot import plot_decision_regions

        progress.start("plotting the decision regions")
        labels = ordered_labels([*model.classes_, *y, *(test_arrays[1] if test_arrays else [])])
        title = f"{_describe_estimator(model)}: {which} accuracy {shown.accuracy:.3f}"
        plot_decision_regions(
            model, labels, (x, y), test_arrays, args.plot, title=title, progress=progress.update
        )
        progress.finish()
        print(f"plot written: {args.plot}")
    if args.report:
        report = _report(args, k, model, data, test, train_eval, test_eval, needs_trust)
        with open(args.report, "w", encoding="utf-8") as report_file:
            json.dump(report, report_file, indent=2)
            report_file.write("\n")
        print(f"report written: {args.report}")
    if args.min_accuracy is not None and shown.accuracy < args.min_accuracy:
        print(
            f"flowengine train: {which} accuracy {shown.accuracy:.4f} is below "
            f"--min-accuracy {args.min_accuracy}",
            file=sys.stderr,
        )
        return EXIT_BELOW
    return EXIT_OK


def _accuracy(correct: int, total: int) -> str:
    return f"{correct / total:.4f} ({correct}/{total})"


def _describe_estimator(model: Any) -> str:
    name = type(model).__name__
    if hasattr(model, "n_neighbors"):
        return f"{name}(n_neighbors={model.n_neighbors})"
    return name


def _report(
    args: argparse.Namespace,
    k: int,
    model: Any,
    data: Any,
    test: Any,
    train_eval: Any,
    test_eval: Any,
    needs_trust: list[str],
) -> dict[str, Any]:
    import sklearn

    return {
        "estimator": {
            "name": args.estimator,
            "class": type(model).__name__,
            "k": k if args.estimator == "knn" else None,
            "seed": args.seed if args.estimator != "knn" else None,
            "features": ["temperature", "humidity"],
            "classes": [str(c) for c in model.classes_],
        },
        "data": data.as_dict(),
        "test": test.as_dict() if test is not None else None,
        "train_accuracy": train_eval.accuracy,
        "test_accuracy": test_eval.accuracy if test_eval is not None else None,
        "train": train_eval.as_dict(),
        "test_scores": test_eval.as_dict() if test_eval is not None else None,
        "model": args.model,
        "model_trusted_types_needed": needs_trust,
        "plot": args.plot,
        "versions": {"scikit-learn": sklearn.__version__},
    }
