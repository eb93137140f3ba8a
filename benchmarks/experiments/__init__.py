"""A/B experiments behind the proposals of the benchmark report (not part of the suite).

Each ``*_cli.py`` here is a ``flowengine`` command line with one engine change applied by
monkeypatching, for measurement only; ``ab.py`` runs them against the unpatched engine
and Node-RED in the same run (``FLOWENGINE_BENCH_COMMAND`` selects the command).

They measured the engine when every MQTT connection used paho (up to commit 95b6766;
results in ``benchmarks/results/ab-mqtt-transport.md``). P3, the asyncio client, led to
``nodes/network/mqtt_client.py``; the mqtt-broker node now uses paho for websocket
brokers only, so the patches here no longer change what the bridge benchmark measures.
"""
