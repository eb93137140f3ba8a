// The canvas: one server-drawn SVG per tab, pan and zoom, selection, inject buttons,
// and the live overlays (node status under each node, message counters above it).

import { sel } from "./util.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const STATUS_FILLS = new Set(["red", "green", "yellow", "blue", "grey", "gray"]);
const MIN_ZOOM = 0.2;
const MAX_ZOOM = 3;

export class Canvas {
  constructor(chart, { onSelect, onInject }) {
    this.chart = chart;
    this.onSelect = onSelect;
    this.onInject = onInject;
    this.svgs = new Map(); // tab id -> svg element
    this.views = new Map(); // tab id -> {x, y, k}
    this.active = null;
    this.selected = null;
    this.statuses = new Map(); // node id -> status (kept for tabs drawn later)
    this.counters = new Map();
    this._bindPointer();
  }

  /** Add a tab's drawing (SVG markup from the server). */
  addTab(tabId, markup, disabled) {
    const holder = document.createElement("div");
    holder.innerHTML = markup;
    const svg = holder.querySelector("svg");
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.removeAttribute("viewBox");
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    svg.dataset.tab = tabId;
    svg.dataset.disabled = disabled ? "true" : "false";
    svg.setAttribute("hidden", "");
    this.chart.append(svg);
    this.svgs.set(tabId, svg);
    this.views.set(tabId, { x: 0, y: 0, k: 1 });
    this._apply(tabId);
    for (const [id, status] of this.statuses) this._drawStatus(svg, id, status);
    for (const [id, row] of this.counters) this._drawCounter(svg, id, row);
  }

  show(tabId) {
    for (const [id, svg] of this.svgs) svg.toggleAttribute("hidden", id !== tabId);
    this.active = tabId;
    this._apply(tabId);
  }

  // ---- pan and zoom -------------------------------------------------------------------
  _apply(tabId) {
    const svg = this.svgs.get(tabId);
    const view = this.views.get(tabId);
    if (!svg || !view) return;
    const viewport = svg.querySelector(".fe-viewport");
    viewport.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
    svg.dataset.zoom = String(view.k);
  }

  zoomBy(factor, cx, cy) {
    const view = this.views.get(this.active);
    if (!view) return;
    const rect = this.chart.getBoundingClientRect();
    const px = cx === undefined ? rect.width / 2 : cx;
    const py = cy === undefined ? rect.height / 2 : cy;
    const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.k * factor));
    view.x = px - ((px - view.x) * k) / view.k;
    view.y = py - ((py - view.y) * k) / view.k;
    view.k = k;
    this._apply(this.active);
  }

  resetZoom() {
    this.views.set(this.active, { x: 0, y: 0, k: 1 });
    this._apply(this.active);
  }

  fit() {
    const svg = this.svgs.get(this.active);
    if (!svg) return;
    const [x0, y0, x1, y1] = (svg.dataset.bounds || "0 0 0 0").split(" ").map(Number);
    const rect = this.chart.getBoundingClientRect();
    if (x1 <= x0 || y1 <= y0) return this.resetZoom();
    const pad = 40;
    const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM,
      Math.min((rect.width - 2 * pad) / (x1 - x0), (rect.height - 2 * pad) / (y1 - y0))));
    this.views.set(this.active, { x: pad - x0 * k, y: pad - y0 * k, k });
    this._apply(this.active);
  }

  _bindPointer() {
    const chart = this.chart;
    let drag = null;
    chart.addEventListener("wheel", (event) => {
      event.preventDefault();
      const rect = chart.getBoundingClientRect();
      this.zoomBy(event.deltaY < 0 ? 1.1 : 1 / 1.1, event.clientX - rect.left, event.clientY - rect.top);
    }, { passive: false });
    chart.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      const view = this.views.get(this.active);
      if (!view) return;
      drag = { sx: event.clientX, sy: event.clientY, x: view.x, y: view.y, moved: false };
    });
    window.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const dx = event.clientX - drag.sx;
      const dy = event.clientY - drag.sy;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      drag.moved = true;
      chart.classList.add("fe-panning");
      const view = this.views.get(this.active);
      view.x = drag.x + dx;
      view.y = drag.y + dy;
      this._apply(this.active);
    });
    window.addEventListener("pointerup", (event) => {
      if (!drag) return;
      const wasClick = !drag.moved;
      drag = null;
      chart.classList.remove("fe-panning");
      if (wasClick) this._click(event.target);
    });
  }

  _click(target) {
    if (!(target instanceof Element)) return;
    const button = target.closest(".red-ui-flow-node-button");
    const node = target.closest(".red-ui-flow-node-group, .red-ui-flow-junction");
    if (button && node && !button.classList.contains("red-ui-flow-node-button-disabled")) {
      this.onInject(node.dataset.id, node);
      return;
    }
    this.select(node ? node.dataset.id : null);
  }

  select(nodeId) {
    for (const svg of this.svgs.values()) {
      for (const g of svg.querySelectorAll(".fe-selected")) g.classList.remove("fe-selected");
    }
    this.selected = nodeId;
    if (nodeId) {
      for (const g of this.chart.querySelectorAll(`[data-id="${sel(nodeId)}"]`)) {
        g.classList.add("fe-selected");
      }
    }
    this.onSelect(nodeId);
  }

  /** Marks inject buttons usable or not (live flows vs. a file being viewed). */
  setButtonsEnabled(enabled) {
    for (const svg of this.svgs.values()) {
      const tabOff = svg.dataset.disabled === "true";
      for (const g of svg.querySelectorAll('.red-ui-flow-node-group[data-type="inject"]')) {
        const button = g.querySelector(".red-ui-flow-node-button");
        if (!button) continue;
        const off = !enabled || tabOff || g.classList.contains("red-ui-flow-node-disabled");
        button.classList.toggle("red-ui-flow-node-button-disabled", off);
      }
      for (const button of svg.querySelectorAll('.red-ui-flow-node-group:not([data-type="inject"]) .red-ui-flow-node-button')) {
        button.classList.add("red-ui-flow-node-button-stopped");
      }
    }
  }

  // ---- live overlays ----------------------------------------------------------------
  setStatus(nodeId, status) {
    this.statuses.set(nodeId, status);
    for (const svg of this.svgs.values()) this._drawStatus(svg, nodeId, status);
  }

  _drawStatus(svg, nodeId, status) {
    const group = svg.querySelector(`.red-ui-flow-node-group[data-id="${sel(nodeId)}"]`);
    if (!group) return;
    const statusGroup = group.querySelector(".red-ui-flow-node-status-group");
    const disabled = group.classList.contains("red-ui-flow-node-disabled");
    if (!status || disabled) {
      statusGroup.style.display = "none";
      return;
    }
    const h = Number(group.dataset.h);
    const background = statusGroup.querySelector(".red-ui-flow-node-status-background");
    const shape = statusGroup.querySelector("rect.red-ui-flow-node-status");
    const label = statusGroup.querySelector(".red-ui-flow-node-status-label");
    statusGroup.style.display = "inline";
    const fill = STATUS_FILLS.has(status.fill) ? status.fill : null;
    let width = 15;
    let hasIcon = true;
    if (status.shape == null && fill == null) {
      width = 0;
      hasIcon = false;
      shape.style.display = "none";
      background.setAttribute("x", 17);
      statusGroup.setAttribute("transform", `translate(-14,${h + 3})`);
    } else {
      statusGroup.setAttribute("transform", `translate(3,${h + 3})`);
      shape.style.display = "inline";
      shape.setAttribute("class", `red-ui-flow-node-status red-ui-flow-node-status-${status.shape || "dot"}-${status.fill}`);
      background.setAttribute("x", 3);
    }
    label.textContent = "text" in status && status.text !== undefined ? String(status.text) : "";
    const textWidth = label.textContent ? label.getBBox().width : 0;
    width += textWidth;
    if (width > 0 && textWidth > 0) width += 6;
    background.setAttribute("width", width);
    group.dataset.status = hasIcon || textWidth ? "shown" : "empty";
  }

  setCounter(nodeId, row) {
    this.counters.set(nodeId, row);
    for (const svg of this.svgs.values()) this._drawCounter(svg, nodeId, row);
  }

  _drawCounter(svg, nodeId, row) {
    const group = svg.querySelector(`.red-ui-flow-node-group[data-id="${sel(nodeId)}"]`);
    if (!group) return;
    const text = group.querySelector(".fe-counter");
    const [nIn, nOut, nErr, rate] = row;
    const hasInput = !!group.querySelector(".red-ui-flow-port-input");
    const hasOutput = !!group.querySelector(".red-ui-flow-port-output");
    const parts = [];
    if (hasInput || nIn) parts.push(`in ${nIn}`);
    if (hasOutput || nOut) parts.push(`out ${nOut}`);
    if (nErr) parts.push(`err ${nErr}`);
    if (rate) parts.push(`${rate}/s`);
    text.textContent = nIn || nOut || nErr ? parts.join(" · ") : "";
    text.dataset.in = nIn;
    text.dataset.out = nOut;
    text.dataset.errors = nErr;
    let title = text.querySelector("title");
    if (!title) {
      title = document.createElementNS(SVG_NS, "title");
      text.append(title);
    }
    title.textContent = `${nIn} in, ${nOut} out, ${nErr} errors, ${rate} msg/s`;
  }
}
