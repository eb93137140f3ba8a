// The info panel (the selected node's properties, as loaded from the flow file; never
// credentials) and the config node list (each config node with the nodes that use it).

import { el } from "./util.js";

const HIDDEN_PROPS = new Set(["id", "type", "z", "x", "y", "wires", "g"]);

function valueText(value) {
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2);
}

function propertyRows(properties) {
  const rows = [];
  for (const [key, value] of Object.entries(properties)) {
    if (HIDDEN_PROPS.has(key)) continue;
    const cell = typeof value === "object" && value !== null
      ? el("pre", { class: "fe-pre", text: valueText(value) })
      : el("span", { text: value === "" ? "" : String(value) });
    rows.push(el("tr", { "data-prop": key }, el("td", { text: key }), el("td", {}, cell)));
  }
  return rows;
}

export class InfoPanel {
  constructor(box, model, { onReveal }) {
    this.box = box;
    this.model = model;
    this.onReveal = onReveal;
    this.configsById = new Map(model.configNodes.map((c) => [c.id, c]));
  }

  _nodeLink(id) {
    const node = this.model.nodes[id];
    const config = this.configsById.get(id);
    const label = node ? node.label : config ? config.label : id;
    return el("a", { class: "fe-link", href: "#", "data-node": id, text: label, onclick: (event) => {
      event.preventDefault();
      this.onReveal(id);
    } });
  }

  showTab(tab) {
    if (!tab) { this.box.replaceChildren(); return; }
    const nodes = Object.values(this.model.nodes).filter((n) => n.z === tab.id);
    this.box.replaceChildren(
      el("div", { class: "fe-info-section", text: tab.kind === "subflow" ? "subflow" : "flow" }),
      el("table", { class: "fe-info-table" },
        el("tr", {}, el("td", { text: "Flow" }), el("td", { text: tab.id })),
        el("tr", {}, el("td", { text: "Label" }), el("td", { text: tab.label })),
        el("tr", {}, el("td", { text: "Status" }), el("td", { text: tab.disabled ? "disabled" : "enabled" })),
        el("tr", {}, el("td", { text: "Nodes" }), el("td", { text: String(nodes.length) }))),
      tab.info ? el("p", { class: "fe-pre", text: tab.info }) : null,
    );
  }

  showNode(id) {
    const node = this.model.nodes[id];
    const config = this.configsById.get(id);
    const item = node || config;
    if (!item) return;
    const head = [
      el("tr", {}, el("td", { text: "Node" }), el("td", { text: item.id })),
      el("tr", {}, el("td", { text: "Type" }), el("td", { text: item.type })),
      el("tr", {}, el("td", { text: "Label" }), el("td", { text: item.label })),
    ];
    if (node && node.disabled) head.push(el("tr", {}, el("td", { text: "Status" }), el("td", { text: "disabled" })));
    if (node && node.unknown) head.push(el("tr", {}, el("td", { text: "Module" }), el("td", { text: "not installed (unknown type)" })));
    const children = [
      el("div", { class: "fe-info-section", text: config ? "config node" : "node" }),
      el("table", { class: "fe-info-table" }, ...head),
      el("div", { class: "fe-info-section", text: "properties" }),
      el("table", { class: "fe-info-table fe-properties" }, ...propertyRows(item.properties)),
    ];
    if (item.credentials && item.credentials.length) {
      children.push(el("div", { class: "fe-info-section", text: "credentials" }),
        el("p", { class: "fe-muted", text: `${item.credentials.join(", ")}: set (values are never sent to the browser)` }));
    }
    const uses = Object.entries(item.properties)
      .filter(([key, value]) => typeof value === "string" && this.configsById.has(value) && key !== "id");
    if (uses.length) {
      children.push(el("div", { class: "fe-info-section", text: "uses" }),
        ...uses.map(([key, value]) => el("div", {}, `${key}: `, this._nodeLink(value))));
    }
    if (config) {
      children.push(el("div", { class: "fe-info-section", text: `used by ${config.users.length}` }),
        ...config.users.map((u) => el("div", {}, this._nodeLink(u))));
    }
    this.box.replaceChildren(...children);
  }
}

export function renderConfigNodes(box, model, onSelect) {
  if (!model.configNodes.length) {
    box.replaceChildren(el("p", { class: "fe-muted", text: "No config nodes." }));
    return;
  }
  const groups = new Map();
  for (const c of model.configNodes) {
    const scope = c.scope ? c.scopeLabel : "global";
    if (!groups.has(scope)) groups.set(scope, []);
    groups.get(scope).push(c);
  }
  const children = [];
  for (const [scope, configs] of groups) {
    children.push(el("div", { class: "fe-info-section", text: scope }));
    for (const c of configs) {
      const users = c.users.map((u) => model.nodes[u]?.label || u);
      children.push(el("div", { class: "fe-config-node", "data-id": c.id, onclick: () => onSelect(c.id) },
        el("div", {}, el("b", { text: c.label }), c.disabled ? el("span", { class: "fe-muted", text: " (disabled)" }) : null),
        el("div", { class: "fe-config-type", text: c.type }),
        el("div", { class: "fe-config-users", text: users.length ? `${users.length} user${users.length === 1 ? "" : "s"}: ${users.join(", ")}` : "unused" })));
    }
  }
  box.replaceChildren(...children);
}
