/**
 * Benchmark node types for Node-RED, the twins of the Python ones in
 * benchmarks/runtime_hops.py (same names, same behaviour):
 *
 * - "bench-source": once flows have started, sends `count` messages
 *   {payload, seq} in batches of `batch`, yielding to the event loop with
 *   setImmediate between batches, so the runtime delivers while it emits.
 *   `payload` is a string, or an object sent as is (the 10 kB fan-out).
 * - "bench-sink": counts what it receives; when all sinks together have
 *   received `expect` messages it prints one line
 *   `BENCH_RESULT {"elapsed_s", "cpu_s", "received", "last_topic", "max_rss_kb"}`
 *   to stdout, timed (wall clock and process CPU) from the first send to the
 *   last delivery.
 */
"use strict";

module.exports = function (RED) {
    const run = { expected: 0, received: 0, startedAt: 0n, cpuAt: null, reported: false };

    function BenchSource(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        const count = Number(config.count);
        const batch = Number(config.batch) || 1000;
        const payload =
            config.payload !== null && typeof config.payload === "object"
                ? config.payload
                : String(config.payload || "");
        run.expected = Number(config.expect);
        let seq = 0;
        let stopped = false;

        function emitBatch() {
            if (stopped) {
                return;
            }
            const end = Math.min(seq + batch, count);
            for (; seq < end; seq++) {
                node.send({ payload: payload, seq: seq });
            }
            if (seq < count) {
                setImmediate(emitBatch);
            }
        }

        function begin() {
            setTimeout(function () {
                run.startedAt = process.hrtime.bigint();
                run.cpuAt = process.cpuUsage();
                emitBatch();
            }, 100);
        }

        RED.events.once("flows:started", begin);
        node.on("close", function () {
            stopped = true;
            RED.events.removeListener("flows:started", begin);
        });
    }

    function BenchSink(config) {
        RED.nodes.createNode(this, config);
        this.on("input", function (msg, send, done) {
            run.received += 1;
            if (run.received === run.expected && !run.reported) {
                run.reported = true;
                const elapsed = Number(process.hrtime.bigint() - run.startedAt) / 1e9;
                const cpu = process.cpuUsage(run.cpuAt);
                const result = {
                    elapsed_s: elapsed,
                    cpu_s: (cpu.user + cpu.system) / 1e6,
                    received: run.received,
                    last_topic: msg.topic === undefined ? null : msg.topic,
                    max_rss_kb: process.resourceUsage().maxRSS,
                };
                process.stdout.write("BENCH_RESULT " + JSON.stringify(result) + "\n");
            }
            done();
        });
    }

    RED.nodes.registerType("bench-source", BenchSource);
    RED.nodes.registerType("bench-sink", BenchSink);
};
