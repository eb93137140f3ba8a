// Golden-file recorder client for a running Node-RED (see record.py).
//
// Usage: node recorder.js <baseUrl> <casesFile.json>
// Reads a JSON array of cases ({case, flow, injects}), and for each:
// deploys an empty flow (drops node/flow context), deletes every global
// context key, deploys the case flow (full), posts /inject/:id for each inject
// id in order and collects what Node-RED publishes on the /comms "debug" topic
// until the flow has been quiet for a while. Prints one JSON line per case:
// {case, ok, error?, outputs:[...], logs:[...]} where outputs are the debug
// node messages and logs the warn/error log records, in arrival order.
// Needs Node.js 22 (global fetch and WebSocket). Timing-based waits are fine
// here: this is the recorder, never a test.
"use strict";

const fs = require("fs");

const QUIET_MS = Number(process.env.GOLDEN_QUIET_MS || 250);
const MAX_WAIT_MS = 10000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const [baseUrl, casesFile] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));

const received = []; // {topic, data, at}
let lastArrival = Date.now();

function connect() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + "/comms");
    ws.addEventListener("open", () => {
      ws.send(JSON.stringify({ subscribe: "debug" }));
      ws.send(JSON.stringify({ subscribe: "notification/#" }));
      resolve(ws);
    });
    ws.addEventListener("error", (ev) => reject(new Error("websocket error: " + ev.message)));
    ws.addEventListener("message", (ev) => {
      let frames = JSON.parse(ev.data);
      if (!Array.isArray(frames)) frames = [frames];
      for (const frame of frames) {
        if (!frame || !frame.topic) continue;
        received.push({ topic: frame.topic, data: frame.data, at: Date.now() });
        if (frame.topic === "debug") lastArrival = Date.now();
      }
    });
  });
}

async function http(method, path, body, headers) {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { "Content-Type": "application/json", ...(headers || {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) {
    throw new Error(`${method} ${path} -> ${res.status} ${text}`);
  }
  try {
    return text ? JSON.parse(text) : null;
  } catch (err) {
    return text; // e.g. "OK" from /inject/:id
  }
}

async function deploy(flow) {
  const mark = received.length;
  await http("POST", "/flows", flow, { "Node-RED-Deployment-Type": "full" });
  const deadline = Date.now() + MAX_WAIT_MS;
  while (Date.now() < deadline) {
    for (const item of received.slice(mark)) {
      if (item.topic !== "notification/runtime-state") continue;
      const d = item.data || {};
      if (d.error) throw new Error("deploy failed: " + JSON.stringify(d));
      if (d.state === "start") return;
    }
    await sleep(20);
  }
  throw new Error("flows did not start after deploy");
}

async function clearGlobalContext() {
  const stores = await http("GET", "/context/global");
  // Single store: {key: {msg, format}}; several stores: {store: {key: ...}}.
  for (const key of Object.keys(stores || {})) {
    await http("DELETE", "/context/global/" + encodeURIComponent(key));
  }
}

// Wait until no debug message has arrived for quietMs (comms flushes every 50 ms).
async function waitQuiet(quietMs) {
  const start = Date.now();
  lastArrival = Math.max(lastArrival, start);
  while (Date.now() - start < MAX_WAIT_MS) {
    await sleep(20);
    if (Date.now() - lastArrival >= quietMs) return;
  }
  throw new Error("the flow never went quiet");
}

function pick(data) {
  const out = { id: data.id, name: data.name, format: data.format, msg: data.msg };
  if (Object.hasOwn(data, "_alias")) out._alias = data._alias;
  if (Object.hasOwn(data, "path")) out.path = data.path;
  if (Object.hasOwn(data, "property")) out.property = data.property;
  if (Object.hasOwn(data, "topic")) out.topic = data.topic;
  return out;
}

function pickLog(data) {
  return { level: data.level, id: data.id, type: data.type, name: data.name, format: data.format, msg: data.msg };
}

async function recordCase(c) {
  await deploy([]);
  await clearGlobalContext();
  const mark = received.length; // before the deploy: start-up output counts too
  await deploy(c.flow);
  await waitQuiet(QUIET_MS / 2); // anything emitted at start-up
  for (const id of c.injects) {
    await http("POST", "/inject/" + encodeURIComponent(id));
    await waitQuiet(QUIET_MS);
  }
  const outputs = [];
  const logs = [];
  for (const item of received.slice(mark)) {
    if (item.topic !== "debug") continue;
    if (item.data.level !== undefined) logs.push(pickLog(item.data));
    else outputs.push(pick(item.data));
  }
  return { case: c.case, ok: true, outputs, logs };
}

async function main() {
  const ws = await connect();
  await sleep(200);
  for (const c of cases) {
    let result;
    try {
      result = await recordCase(c);
    } catch (err) {
      result = { case: c.case, ok: false, error: String(err && err.stack || err) };
    }
    process.stdout.write(JSON.stringify(result) + "\n");
  }
  await deploy([]);
  ws.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(String(err && err.stack || err) + "\n");
    process.exit(1);
  }
);
