"""One line per golden case that flowengine does not reproduce (a summary of the replay test).

    .venv/bin/python scripts/golden/report.py [-k FILTER] [-v]

Runs the same replay as ``tests/golden/test_golden.py`` and prints, for each
failing case, whether the flow does not load or the first differing debug
output (Node-RED vs flowengine), then the counts. ``-v`` prints the full diff.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.golden import test_golden as replay  # noqa: E402
from tests.golden.sidebar import (  # noqa: E402
    describe,
    first_deep_difference,
    normalise_outputs,
    recorded_outputs,
)


def first_difference(expected: list, got: list) -> str:
    for i in range(max(len(expected), len(got))):
        want = expected[i] if i < len(expected) else "(nothing)"
        have = got[i] if i < len(got) else "(nothing)"
        if want != have:
            where = first_deep_difference(want, have)
            if where and where[0] != "(top)":
                return (
                    f"#{i} of {len(expected)}/{len(got)} at {where[0]}: "
                    f"want {describe(where[1], 200)} | got {describe(where[2], 200)}"
                )
            return (
                f"#{i} of {len(expected)}/{len(got)}: want {describe(want, 220)} "
                f"| got {describe(have, 220)}"
            )
    return "equal"


def problems_of(path: Path, verbose: bool) -> list[str]:
    """What differs for one recording (empty when flowengine reproduces it)."""
    recording = replay._load(path)
    try:
        outcome = replay.replay(path)
    except BaseException as e:  # a crash or a wait timeout
        return [f"ERROR {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"]
    verdict = replay.accepted_rejection(recording, outcome)
    if verdict is True:
        return []
    if verdict:
        return [f"NO LOAD {str(verdict).splitlines()[0][:250]}"]
    problems = []
    expected = normalise_outputs(recorded_outputs(recording))
    got = normalise_outputs(outcome.outputs)
    if got != expected:
        problems.append("VALUES " + first_difference(expected, got))
        if verbose:
            problems.append("\n" + (replay.compare(expected, got) or ""))
    elif len(outcome.sidebar) == len(outcome.outputs):
        want_sb = replay.normalise_sidebar(replay.recorded_sidebar(recording))
        got_sb = replay.normalise_sidebar(outcome.sidebar)
        if want_sb != got_sb:
            problems.append("SIDEBAR " + first_difference(want_sb, got_sb))
    if recording.get("compare_logs"):
        want_logs = replay.expected_logs(recording)
        if want_logs != outcome.logs:
            problems.append(
                f"LOGS want {describe(want_logs, 200)} | got {describe(outcome.logs, 200)}"
            )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-k", "--filter", action="append", default=[])
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # node logs are still captured by the helper
    passed = failed = 0
    for path in replay.RECORDINGS:
        if args.filter and not any(k in path.stem for k in args.filter):
            continue
        problems = problems_of(path, args.verbose)
        if problems:
            failed += 1
            print(f"{path.stem}: " + " ; ".join(problems))
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
