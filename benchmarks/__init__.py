"""Benchmarks of flowengine side by side with Node-RED 5.0.7 (issue 6).

``python -m benchmarks`` runs the whole suite (``benchmarks/run_all.py``);
``benchmarks/runtime_hops.py`` is the in-process hop benchmark on its own.
"""
