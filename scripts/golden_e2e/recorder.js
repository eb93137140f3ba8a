// Bridge between a running Node-RED and scripts/golden_e2e/record.py.
//
// Usage: node recorder.js <baseUrl> <flow.json>
// Connects to /comms (debug, status/#, notification/#), deploys the flow (full
// deployment), prints {"event":"started"} once the flows run, then one JSON line
// per comms frame as it arrives: {"event":"debug","data":...} or
// {"event":"status","topic":"status/<id>","data":...}. When stdin closes it
// deploys an empty flow (Node-RED closes its MQTT connections) and exits.
// Needs Node.js 22 (global fetch and WebSocket). The Python side publishes the
// MQTT messages and decides when a message's outputs are complete.
"use strict";

const fs = require("fs");

const [baseUrl, flowFile] = process.argv.slice(2);
const flow = JSON.parse(fs.readFileSync(flowFile, "utf8"));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let runtimeState = null;

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function connect() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + "/comms");
    ws.addEventListener("open", () => {
      for (const topic of ["debug", "status/#", "notification/#"]) {
        ws.send(JSON.stringify({ subscribe: topic }));
      }
      resolve(ws);
    });
    ws.addEventListener("error", (ev) => reject(new Error("websocket error: " + ev.message)));
    ws.addEventListener("message", (ev) => {
      let frames = JSON.parse(ev.data);
      if (!Array.isArray(frames)) frames = [frames];
      for (const frame of frames) {
        if (!frame || !frame.topic) continue;
        if (frame.topic === "debug") emit({ event: "debug", data: frame.data });
        else if (frame.topic.startsWith("status/")) {
          emit({ event: "status", topic: frame.topic, data: frame.data });
        } else if (frame.topic === "notification/runtime-state") runtimeState = frame.data || {};
      }
    });
  });
}

async function deploy(nodes) {
  runtimeState = null;
  const res = await fetch(baseUrl + "/flows", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Node-RED-Deployment-Type": "full" },
    body: JSON.stringify(nodes),
  });
  if (res.status >= 300) throw new Error(`POST /flows -> ${res.status} ${await res.text()}`);
  for (let waited = 0; waited < 20000; waited += 20) {
    if (runtimeState && runtimeState.error) {
      throw new Error("deploy failed: " + JSON.stringify(runtimeState));
    }
    if (runtimeState && runtimeState.state === "start") return;
    await sleep(20);
  }
  throw new Error("flows did not start after deploy");
}

async function main() {
  const ws = await connect();
  await sleep(200); // let the subscriptions reach the server
  await deploy(flow);
  emit({ event: "started" });
  await new Promise((resolve) => {
    process.stdin.on("end", resolve);
    process.stdin.resume();
  });
  await deploy([]);
  ws.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(String((err && err.stack) || err) + "\n");
    process.exit(1);
  }
);
