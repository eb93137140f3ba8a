// The debug sidebar: what debug nodes output, formatted as Node-RED's sidebar shows it
// (date, "node: <name>", "<topic> : msg.<property> : <format>", then the value as an
// expandable tree), with a filter by node or flow, clear and pause.

import { el } from "./util.js";

const MAX_MESSAGES = 100; // Node-RED keeps the last 100 in the sidebar
const MAX_STRING = 1000;
const SUMMARY_STRING = 30;

/** The sidebar value back from its wire encoding (Node-RED's RED.utils.decodeObject). */
export function decodeValue(payload, format) {
  if (format === "number" && (payload === "NaN" || payload === "Infinity" || payload === "-Infinity")) {
    return Number(payload);
  }
  if (format === "Object" || /^(array|set|map)/.test(format) || format === "boolean" || format === "number") {
    return JSON.parse(payload);
  }
  if (/error/i.test(format)) return JSON.parse(payload);
  if (format === "null") return null;
  if (format === "undefined") return undefined;
  if (/^buffer/.test(format)) {
    const bytes = [];
    for (let i = 0; i < payload.length; i += 2) bytes.push(parseInt(payload.substr(i, 2), 16));
    return { __enc__: true, type: "Buffer", data: bytes, length: Number(/\[(\d+)\]/.exec(format)?.[1] ?? bytes.length) };
  }
  return payload;
}

function isEncoded(value, type) {
  return value && typeof value === "object" && value.__enc__ === true && (type === undefined || value.type === type);
}

function isBuffer(value) {
  return value && typeof value === "object" && value.type === "Buffer" && Array.isArray(value.data);
}

function visibleString(text) {
  return text.replace(/\r?\n/g, "↵").replace(/\t/g, "→");
}

function summary(value) {
  if (Array.isArray(value)) return el("span", { class: "red-ui-debug-msg-type-meta", text: `array[${value.length}]` });
  if (value === null) return el("span", { class: "red-ui-debug-msg-type-null", text: "null" });
  if (typeof value === "object") {
    if (isEncoded(value, "undefined")) return el("span", { class: "red-ui-debug-msg-type-null", text: "undefined" });
    if (isBuffer(value)) return el("span", { class: "red-ui-debug-msg-type-meta", text: `buffer[${value.length ?? value.data.length}]` });
    if (isEncoded(value, "array")) return el("span", { class: "red-ui-debug-msg-type-meta", text: `array[${value.length}]` });
    if (isEncoded(value, "number") || isEncoded(value, "bigint")) return el("span", { class: "red-ui-debug-msg-type-number", text: value.data });
    if (isEncoded(value, "function")) return el("span", { class: "red-ui-debug-msg-type-meta", text: "function" });
    return el("span", { class: "red-ui-debug-msg-type-meta", text: "object" });
  }
  if (typeof value === "string") {
    const cut = value.length > SUMMARY_STRING ? value.slice(0, SUMMARY_STRING) + "…" : value;
    return el("span", { class: "red-ui-debug-msg-type-string", text: `"${visibleString(cut)}"` });
  }
  if (typeof value === "number") return el("span", { class: "red-ui-debug-msg-type-number", text: String(value) });
  return el("span", { class: "red-ui-debug-msg-type-other", text: String(value) });
}

/** One value as an element (expandable for objects, arrays, buffers, long strings). */
export function valueElement(value, key, typeHint) {
  const element = el("span", { class: "red-ui-debug-msg-element" });
  const row = el("span", { class: "red-ui-debug-msg-row" });
  element.append(row);
  if (key === undefined) element.classList.add("red-ui-debug-msg-top-level");
  else row.append(el("span", { class: "red-ui-debug-msg-object-key", text: key }), ": ");
  const holder = el("span", { class: "red-ui-debug-msg-object-value" });
  row.append(holder);

  const expandable = (build) => {
    element.classList.add("collapsed");
    row.classList.add("red-ui-debug-msg-expandable");
    row.prepend(el("span", { class: "red-ui-debug-msg-object-handle", text: "▸" }), " ");
    let built = false;
    row.addEventListener("click", (event) => {
      event.stopPropagation();
      if (!built) { build(); built = true; }
      element.classList.toggle("collapsed");
    });
  };

  if (value === null || value === undefined) {
    holder.append(el("span", { class: "red-ui-debug-msg-type-null", text: String(value) }));
  } else if (isEncoded(value, "undefined")) {
    holder.append(el("span", { class: "red-ui-debug-msg-type-null", text: "undefined" }));
  } else if (isEncoded(value, "number") || isEncoded(value, "bigint")) {
    holder.append(el("span", { class: "red-ui-debug-msg-type-number", text: value.data }));
  } else if (typeHint === "regexp" || isEncoded(value, "regexp")) {
    holder.append(el("span", { class: "red-ui-debug-msg-type-string", text: typeof value === "string" ? value : value.data }));
  } else if (typeHint === "function" || isEncoded(value, "function")) {
    holder.append(el("span", { class: "red-ui-debug-msg-type-meta", text: "function" }));
  } else if (typeHint === "internal" || isEncoded(value, "internal")) {
    holder.append(el("span", { class: "red-ui-debug-msg-type-meta", text: "[internal]" }));
  } else if (typeof value === "string") {
    const shown = value.length > MAX_STRING ? value.slice(0, MAX_STRING) + "..." : value;
    holder.append(el("span", { class: "red-ui-debug-msg-type-string red-ui-debug-msg-object-header", text: `"${visibleString(shown)}"` }));
    if (/[\t\n\r]/.test(value) || value.length > MAX_STRING) {
      expandable(() => {
        row.append(el("span", { class: "red-ui-debug-msg-type-meta red-ui-debug-msg-object-type-header", text: typeHint || "string" }));
        element.append(el("div", { class: "red-ui-debug-msg-object-entry" }, el("pre", { class: "red-ui-debug-msg-type-string", text: value })));
      });
    }
  } else if (typeof value === "number") {
    holder.append(el("span", { class: "red-ui-debug-msg-type-number", text: typeHint === "hex" ? hex(value) : String(value) }));
  } else if (typeof value === "boolean") {
    holder.append(el("span", { class: "red-ui-debug-msg-type-other", text: String(value) }));
  } else if (Array.isArray(value) || isBuffer(value) || isEncoded(value, "array") || isEncoded(value, "set")) {
    arrayElement(value, key, typeHint, holder, row, element, expandable);
  } else if (typeof value === "object") {
    const data = value.__enc__ ? value.data : value;
    const type = value.__enc__ ? String(value.type).toLowerCase() : "object";
    const keys = Object.keys(data ?? {});
    if (key !== undefined) {
      holder.append(el("span", { class: "red-ui-debug-msg-type-meta", text: type }));
    } else {
      const head = el("span", { class: "red-ui-debug-msg-object-header" }, "{ ");
      keys.slice(0, 5).forEach((k, i) => {
        head.append(el("span", { class: "red-ui-debug-msg-object-key", text: k }), ": ", summary(data[k]));
        if (i < Math.min(keys.length, 5) - 1) head.append(", ");
      });
      if (keys.length > 5) head.append(" …");
      if (keys.length === 0) head.append(el("span", { class: "red-ui-debug-msg-type-meta", text: "empty" }));
      head.append(" }");
      holder.append(head);
    }
    if (key !== undefined || keys.length > 0) {
      expandable(() => {
        if (key === undefined) row.append(el("span", { class: "red-ui-debug-msg-type-meta red-ui-debug-msg-object-type-header", text: type }));
        for (const k of keys) {
          element.append(el("div", { class: "red-ui-debug-msg-object-entry" }, valueElement(data[k], k, false)));
        }
        if (keys.length === 0) element.append(el("div", { class: "red-ui-debug-msg-object-entry red-ui-debug-msg-type-meta", text: "empty" }));
      });
    }
  } else {
    holder.append(el("span", { class: "red-ui-debug-msg-type-other", text: String(value) }));
  }
  return element;
}

function hex(n) {
  return "0x" + n.toString(16).padStart(2, "0");
}

function arrayElement(value, key, typeHint, holder, row, element, expandable) {
  let data = value;
  let type = "array";
  let length = Array.isArray(value) ? value.length : undefined;
  if (!Array.isArray(value)) {
    data = value.data;
    if (data && data.__enc__) data = data.data;
    type = String(value.type).toLowerCase();
    length = value.length ?? data.length;
  } else if (typeHint && /buffer/.test(typeHint)) {
    type = "buffer";
  }
  const m = typeHint ? /\[(\d+)\]/.exec(typeHint) : null;
  if (m) length = Number(m[1]);
  const label = typeHint || `${type}[${length}]`;
  if (key !== undefined) {
    holder.append(el("span", { class: "red-ui-debug-msg-type-meta", text: label }));
  } else {
    const head = el("span", { class: "red-ui-debug-msg-object-header" }, "[ ");
    const n = Math.min(length, 10);
    for (let i = 0; i < n && i < data.length; i++) {
      head.append(type === "buffer" ? el("span", { class: "red-ui-debug-msg-type-number", text: hex(data[i]) }) : summary(data[i]));
      if (i < n - 1) head.append(", ");
    }
    if (length > n) head.append(" …");
    if (n === 0) head.append(el("span", { class: "red-ui-debug-msg-type-meta", text: "empty" }));
    head.append(" ]");
    holder.append(head);
  }
  if (length > 0) {
    expandable(() => {
      if (key === undefined) row.append(el("span", { class: "red-ui-debug-msg-type-meta red-ui-debug-msg-object-type-header", text: label }));
      data.forEach((item, i) => {
        element.append(el("div", { class: "red-ui-debug-msg-object-entry" }, valueElement(item, String(i), type === "buffer" ? "hex" : false)));
      });
      if (data.length < length) {
        element.append(el("div", { class: "red-ui-debug-msg-object-entry" }, el("span", { class: "red-ui-debug-msg-object-key", text: `[${data.length} … ${length}]` })));
      }
    });
  }
}

/** The date Node-RED prints on each message (the browser's locale format). */
function timestamp(ms) {
  return new Date(ms).toLocaleString();
}

export class DebugSidebar {
  constructor({ list, pause, filter, clear, nodesBox, count, model, currentTab, selectedNode, onReveal }) {
    this.list = list;
    this.model = model;
    this.currentTab = currentTab;
    this.selectedNode = selectedNode;
    this.onReveal = onReveal;
    this.paused = false;
    this.pausedDropped = 0;
    this.count = count;
    this.filter = "all";
    this.excluded = new Set();
    this.nodesBox = nodesBox;
    pause.addEventListener("click", () => {
      this.paused = !this.paused;
      pause.classList.toggle("fe-active", this.paused);
      pause.textContent = this.paused ? "▶" : "❚❚";
      pause.title = this.paused ? "resume" : "pause";
      if (!this.paused && this.pausedDropped) {
        this._note(`${this.pausedDropped} messages dropped while paused`);
        this.pausedDropped = 0;
      }
    });
    clear.addEventListener("click", () => this.clear());
    filter.addEventListener("change", () => {
      this.filter = filter.value;
      this.nodesBox.hidden = this.filter !== "selected";
      this.refilter();
    });
    this._buildNodePicker();
  }

  _buildNodePicker() {
    const debugNodes = Object.values(this.model.nodes).filter((n) => n.type === "debug");
    this.nodesBox.replaceChildren(...debugNodes.map((n) => {
      const box = el("input", { type: "checkbox", checked: true, "data-node": n.id });
      box.addEventListener("change", () => {
        if (box.checked) this.excluded.delete(n.id); else this.excluded.add(n.id);
        this.refilter();
      });
      const tab = this.model.tabs.find((t) => t.id === n.z);
      return el("label", {}, box, ` ${n.label}`, el("span", { class: "fe-muted", text: tab ? `  (${tab.label})` : "" }));
    }));
  }

  clear() {
    this.list.replaceChildren();
    this._updateCount();
  }

  _visible(message) {
    if (this.filter === "flow") return message.dataset.z === this.currentTab();
    if (this.filter === "selected") return !this.excluded.has(message.dataset.source);
    return true;
  }

  refilter() {
    for (const m of this.list.children) m.hidden = m.dataset.source !== undefined && !this._visible(m);
  }

  /** Messages that did not fit the viewer's budget (Node-RED would flood the browser). */
  dropped(n) {
    if (this.paused) { this.pausedDropped += n; return; }
    this._note(`${n} debug messages not shown (rate limit)`);
  }

  _note(text) {
    const last = this.list.lastElementChild;
    if (last && last.classList.contains("fe-debug-dropped")) {
      const total = Number(last.dataset.n || 0) + Number(text.split(" ")[0]);
      last.dataset.n = total;
      last.textContent = text.replace(/^\d+/, String(total));
      return;
    }
    this.list.append(el("div", { class: "fe-debug-dropped", "data-n": text.split(" ")[0], text }));
    this._trim();
  }

  add(o) {
    if (this.paused) { this.pausedDropped += 1; return; }
    const atBottom = this.list.scrollHeight - this.list.clientHeight - this.list.scrollTop < 5;
    this.list.append(this._render(o));
    this._trim();
    this._updateCount();
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }

  _trim() {
    while (this.list.children.length > MAX_MESSAGES) this.list.firstElementChild.remove();
  }

  _updateCount() {
    const n = this.list.querySelectorAll(".red-ui-debug-msg").length;
    this.count.textContent = n ? `${n}` : "";
  }

  _render(o) {
    const source = this.model.nodes[o.id];
    const format = String(o.format || "");
    const baseFormat = /\w+\[\d+\]$/.test(format) ? format.replace(/\[\d+\]$/, "") : format;
    const msg = el("div", { class: "red-ui-debug-msg" + (o.level ? ` red-ui-debug-msg-level-${o.level}` : "") });
    msg.dataset.source = o.id;
    msg.dataset.z = o.z || (source && source.z) || "";
    const meta = el("div", { class: "red-ui-debug-msg-meta" });
    meta.append(el("span", { class: "red-ui-debug-msg-date", text: timestamp(o.timestamp || Date.now()) }));
    const name = o.name || (source && source.name) || o.id;
    const link = el("a", { class: "red-ui-debug-msg-name", href: "#", text: `node: ${name}` });
    link.addEventListener("click", (event) => { event.preventDefault(); this.onReveal(o._alias || o.id); });
    meta.append(link);
    const topic = o.topic !== undefined && o.topic !== null && o.topic !== "" ? String(o.topic) : "";
    const info = `${topic ? " : " : ""}msg${o.property ? "." + o.property : ""} : ${format}`;
    const topicText = topic.length > 120 - info.length ? topic.slice(0, 120 - info.length) + "..." : topic;
    meta.append(el("span", { class: "red-ui-debug-msg-topic", text: topicText + info }));
    msg.append(meta);
    let value;
    try {
      value = decodeValue(o.msg, baseFormat);
    } catch (err) {
      value = o.msg;
    }
    const payload = el("span", { class: "red-ui-debug-msg-payload" });
    payload.append(valueElement(value, undefined, format));
    msg.append(payload);
    msg.hidden = !this._visible(msg);
    return msg;
  }
}
