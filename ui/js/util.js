// Small DOM and HTTP helpers shared by the viewer modules.

/** Create an element: el("span", {class: "x", text: "hi"}, child, ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/** A short message at the top of the canvas (Node-RED's RED.notify). */
export function notify(text, isError = false) {
  const box = document.getElementById("fe-notify");
  const note = el("div", { class: "fe-notification" + (isError ? " fe-error" : ""), role: "status" }, text);
  box.append(note);
  setTimeout(() => note.remove(), 3000);
}

/** CSS.escape for attribute selectors (node ids contain dots). */
export function sel(id) {
  return window.CSS && CSS.escape ? CSS.escape(id) : String(id).replace(/["\\]/g, "\\$&");
}
