// The viewer's entry point: loads the model and each tab's drawing, builds the tab bar,
// wires the sidebar, and applies the live updates streamed from /viewer/events.

import { Canvas } from "./canvas.js";
import { DebugSidebar } from "./debug.js";
import { InfoPanel, renderConfigNodes } from "./info.js";
import { el, getJSON, notify } from "./util.js";

const $ = (id) => document.getElementById(id);

async function start() {
  const model = await getJSON("/viewer/model");
  window.feModel = model; // handy in the browser console and for tests
  document.title = `${model.title} · flowengine`;
  $("fe-title").textContent = model.title;
  $("fe-mode").textContent = model.mode === "run" ? "live" : "viewing file";

  let activeTab = null;
  const info = new InfoPanel($("fe-info"), model, { onReveal: reveal });
  const canvas = new Canvas($("fe-chart"), {
    onSelect: (id) => {
      if (id) { info.showNode(id); showPanel("info"); } else info.showTab(model.tabs.find((t) => t.id === activeTab));
    },
    onInject: inject,
  });
  const debug = new DebugSidebar({
    list: $("fe-debug-messages"),
    pause: $("fe-debug-pause"),
    filter: $("fe-debug-filter"),
    clear: $("fe-debug-clear"),
    nodesBox: $("fe-debug-nodes"),
    count: $("fe-debug-count"),
    model,
    currentTab: () => activeTab,
    onReveal: reveal,
  });
  renderConfigNodes($("fe-config"), model, (id) => { canvas.select(null); info.showNode(id); showPanel("info"); });

  const drawings = await Promise.all(model.tabs.map(async (tab) => {
    const response = await fetch(`/viewer/tabs/${encodeURIComponent(tab.id)}.svg`, { credentials: "same-origin" });
    return [tab, await response.text()];
  }));
  const tabBar = $("fe-tabs");
  for (const [tab, markup] of drawings) {
    canvas.addTab(tab.id, markup, tab.disabled);
    const classes = "red-ui-tab" + (tab.disabled ? " red-ui-workspace-disabled" : "") + (tab.kind === "subflow" ? " fe-subflow-tab" : "");
    const button = el("button", { type: "button", class: classes, role: "tab", "data-tab": tab.id,
      title: tab.disabled ? `${tab.label} (disabled)` : tab.label },
      tab.kind === "subflow" ? el("span", { class: "fe-tab-icon" }) : null, tab.label);
    button.addEventListener("click", () => showTab(tab.id));
    tabBar.append(button);
  }
  canvas.setButtonsEnabled(model.mode === "run");

  function showTab(tabId) {
    activeTab = tabId;
    for (const b of tabBar.children) b.classList.toggle("active", b.dataset.tab === tabId);
    canvas.show(tabId);
    if (!canvas.selected) info.showTab(model.tabs.find((t) => t.id === tabId));
    debug.refilter();
  }

  function reveal(id) {
    const node = model.nodes[id];
    if (node && node.z !== activeTab) showTab(node.z);
    canvas.select(id);
  }

  function showPanel(name) {
    for (const b of document.querySelectorAll(".fe-sidebar-tab")) b.classList.toggle("active", b.dataset.panel === name);
    for (const p of document.querySelectorAll(".fe-panel")) p.classList.toggle("active", p.id === `fe-panel-${name}`);
  }
  for (const b of document.querySelectorAll(".fe-sidebar-tab")) b.addEventListener("click", () => showPanel(b.dataset.panel));

  async function inject(id, group) {
    const node = model.nodes[id];
    const label = node ? node.label : id;
    group.classList.add("fe-button-pressed");
    try {
      const response = await fetch(`/inject/${encodeURIComponent(id)}`, { method: "POST", credentials: "same-origin" });
      if (response.status === 200) notify(`Successfully injected: ${label}`);
      else if (response.status === 404) notify("Inject failed: node not deployed", true);
      else notify(`Inject failed: HTTP ${response.status}`, true);
    } catch (err) {
      notify(`Inject failed: ${err}`, true);
    } finally {
      setTimeout(() => group.classList.remove("fe-button-pressed"), 150);
    }
  }

  $("fe-zoom-in").addEventListener("click", () => canvas.zoomBy(1.25));
  $("fe-zoom-out").addEventListener("click", () => canvas.zoomBy(0.8));
  $("fe-zoom-reset").addEventListener("click", () => canvas.resetZoom());
  $("fe-zoom-fit").addEventListener("click", () => canvas.fit());
  $("fe-show-counters").addEventListener("change", (e) => $("fe-chart").classList.toggle("fe-hide-counters", !e.target.checked));
  $("fe-show-links").addEventListener("change", (e) => $("fe-chart").classList.toggle("fe-hide-links", !e.target.checked));

  const firstTab = model.tabs.find((t) => t.kind === "tab") || model.tabs[0];
  if (firstTab) showTab(firstTab.id);

  // ---- live updates --------------------------------------------------------------
  const state = $("fe-state");
  function setState(s, running) {
    if (!running) { state.textContent = ""; return; }
    state.textContent = s === "start" ? "running" : "stopped";
    state.className = "fe-badge " + (s === "start" ? "fe-running" : "fe-stopped");
  }
  function applyUpdate(data) {
    if (data.state) setState(data.state, data.running !== false);
    for (const [id, status] of Object.entries(data.statuses || {})) canvas.setStatus(id, status);
    for (const [id, row] of Object.entries(data.counters || {})) canvas.setCounter(id, row);
    for (const message of data.debug || []) debug.add(message);
    if (data.dropped) debug.dropped(data.dropped);
  }
  const events = new EventSource("/viewer/events");
  events.addEventListener("snapshot", (event) => {
    const data = JSON.parse(event.data);
    applyUpdate(data);
    document.body.dataset.live = "connected";
  });
  events.addEventListener("batch", (event) => applyUpdate(JSON.parse(event.data)));
  events.addEventListener("error", () => { document.body.dataset.live = "disconnected"; });
  document.body.dataset.ready = "true";
}

start().catch((err) => {
  document.body.dataset.ready = "error";
  document.body.append(el("pre", { class: "fe-pre", text: `Could not load the flows: ${err}` }));
});
