"""A/B experiments behind the proposals of the benchmark report (not part of the suite).

Each ``*_cli.py`` here is a ``flowengine`` command line with one engine change applied by
monkeypatching, for measurement only; ``ab.py`` runs them against the unpatched engine
and Node-RED in the same run (``FLOWENGINE_BENCH_COMMAND`` selects the command).
"""
