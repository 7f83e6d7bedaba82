// wash ui: renders the lattice views the server streams (server-sent events) and posts the forms.
// Plain JavaScript, no build step; every text goes through textContent, never innerHTML.
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);

/** Builds an element: el("td", {class: "x"}, "text", child, ...). */
function el(tag, attrs = {}, ...children) {
  const node = tag === "svg" || SVG_TAGS.has(tag)
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
const SVG_TAGS = new Set(["g", "rect", "text", "path", "title", "circle", "tspan"]);

/** `MBCF…3WD5` with the whole key as a tooltip. */
function shortKey(key) {
  if (!key) return "";
  return key.length > 12 ? `${key.slice(0, 4)}…${key.slice(-4)}` : key;
}
function keySpan(key) {
  return el("span", { class: "key", title: key, "data-key": key }, shortKey(key));
}

let current = null;          // the last view received
const rendered = {};         // section name -> signature of what is on screen

/** Re-renders a section only when its data changed, so inputs keep focus and typed values. */
function section(name, data, render) {
  const signature = JSON.stringify(data);
  if (rendered[name] === signature) return;
  rendered[name] = signature;
  render(data);
}

function render(view) {
  current = view;
  $("#lattice-id").textContent = view.lattice;
  $("#nats-url").textContent = view.nats_url;
  const pill = $("#nats-status");
  pill.className = "pill " + (view.nats.connected ? "ok" : "bad");
  pill.textContent = view.nats.connected ? "NATS connected" : "NATS connection lost";
  document.body.classList.toggle("stale", !view.nats.connected);
  showBanner("nats", view.nats.connected ? null : view.nats.message);
  showBanner("problem", view.nats.connected ? view.problem : null, "warn");
  section("overview", [view.hosts.length, view.actors, view.providers, view.links.length], renderOverview);
  section("graph", [view.actors, view.providers, view.links], renderGraph);
  section("hosts", view.hosts, renderHosts);
  section("actors", view.actors, renderActors);
  section("providers", view.providers, renderProviders);
  section("links", [view.links, view.actors, view.providers], renderLinks);
  section("selects", [view.hosts, view.actors, view.providers], renderSelects);
  section("events", view.events, renderEvents);
}

const banners = {};
function showBanner(kind, message, tone) {
  banners[kind] = message ? { message, tone } : null;
  const shown = banners.page || banners.nats || banners.problem;
  const banner = $("#banner");
  banner.hidden = !shown;
  banner.textContent = shown ? shown.message : "";
  banner.className = "banner" + (shown && shown.tone === "warn" ? " warn" : "");
  banner.dataset.kind = shown ? (banners.page ? "page" : banners.nats ? "nats" : "problem") : "";
}

function setCard(name, count, tone, label) {
  $(`#count-${name}`).textContent = count;
  $(`#card-${name}`).className = `card ${tone}`;
  if (label) $(`#label-${name}`).textContent = label;
}

function renderOverview([hosts, actors, providers, links]) {
  setCard("hosts", hosts, hosts > 0 ? "ok" : "bad");
  const instances = actors.reduce((sum, a) => sum + a.instances, 0);
  setCard("actors", actors.length, actors.length === 0 ? "" : instances > 0 ? "ok" : "warn",
    `actors · ${instances} instance${instances === 1 ? "" : "s"}`);
  const unhealthy = providers.filter((p) => p.health === "unhealthy").length;
  const pending = providers.filter((p) => p.health === "pending").length;
  const healthy = providers.length - unhealthy - pending;
  setCard("providers", providers.length, providers.length === 0 ? "" : unhealthy ? "bad" : pending ? "warn" : "ok",
    `providers · ${healthy} healthy` + (pending ? `, ${pending} awaiting check` : "") + (unhealthy ? `, ${unhealthy} unhealthy` : ""));
  setCard("links", links, links > 0 ? "ok" : "");
}

const HEALTH = {
  healthy: ["ok", "healthy"],
  unhealthy: ["bad", "unhealthy"],
  pending: ["warn", "awaiting health check"],
};

function emptyRow(columns, text) {
  return el("tr", {}, el("td", { class: "empty", colspan: columns }, text));
}

function renderHosts(hosts) {
  const body = $("#hosts-table tbody");
  body.replaceChildren(...(hosts.length ? hosts.map((h) => el("tr", { "data-host-id": h.id },
    el("td", {}, el("span", { class: "dot ok" }), " ", h.friendly_name || "(unnamed)"),
    el("td", {}, keySpan(h.id)),
    el("td", {}, Object.entries(h.labels).map(([k, v]) => el("span", { class: "chip" }, `${k}=${v}`))),
    el("td", {}, h.uptime_human || `${h.uptime_seconds} s`),
    el("td", {}, h.version),
  )) : [emptyRow(5, "No host answers: start one with `wash up`.")]));
}

function renderActors(actors) {
  const body = $("#actors-table tbody");
  body.replaceChildren(...(actors.length ? actors.map((a) => {
    const count = el("input", { type: "number", min: 0, value: a.instances, "aria-label": `instances of ${a.name}`, class: "scale-count" });
    const claims = a.claims;
    return el("tr", { "data-actor-id": a.id, "data-host-id": a.host_id },
      el("td", {}, el("strong", {}, a.name || "(unnamed)")),
      el("td", {}, keySpan(a.id)),
      el("td", { class: "instances" }, a.instances),
      el("td", {}, claims ? [
        claims.capabilities.map((c) => el("span", { class: "chip cap" }, c)),
        el("div", { class: "key", title: claims.issuer }, `issuer ${shortKey(claims.issuer)}` + (claims.revision ? ` · rev ${claims.revision}` : "")),
      ] : el("span", { class: "empty" }, "no claims known")),
      el("td", {},
        count,
        el("button", { class: "small secondary scale", type: "button", onclick: (e) => post("/api/actors/scale",
          { actor_id: a.id, actor_ref: a.image_ref, host_id: a.host_id, count: count.value }, "#actors-message", e.target) }, "Scale"),
        " ",
        el("button", { class: "small danger stop", type: "button", onclick: (e) => post("/api/actors/stop",
          { actor_id: a.id, host_id: a.host_id }, "#actors-message", e.target) }, "Stop")));
  }) : [emptyRow(5, "No actors running: start one with the form on the right.")]));
}

function renderProviders(providers) {
  const body = $("#providers-table tbody");
  body.replaceChildren(...(providers.length ? providers.map((p) => {
    const [tone, text] = HEALTH[p.health] || ["", p.health];
    return el("tr", { "data-provider-id": p.id, "data-link-name": p.link_name, "data-contract-id": p.contract_id },
      el("td", {}, el("span", { class: `health ${tone}` }, el("span", { class: `dot ${tone}` }), " ", text)),
      el("td", {}, el("strong", {}, p.name || "(unnamed)")),
      el("td", {}, el("code", {}, p.contract_id)),
      el("td", {}, p.link_name),
      el("td", {}, keySpan(p.id)),
      el("td", {}, el("button", { class: "small danger stop", type: "button", onclick: (e) => post("/api/providers/stop",
        { provider_id: p.id, link_name: p.link_name, contract_id: p.contract_id, host_id: p.host_id }, "#providers-message", e.target) }, "Stop")));
  }) : [emptyRow(6, "No providers running.")]));
}

function actorName(id) {
  const actor = current && current.actors.find((a) => a.id === id);
  return actor ? actor.name : "";
}
function providerName(id, linkName) {
  const provider = current && current.providers.find((p) => p.id === id && p.link_name === linkName)
    || current && current.providers.find((p) => p.id === id);
  return provider ? provider.name : "";
}

function renderLinks([links]) {
  const body = $("#links-table tbody");
  body.replaceChildren(...(links.length ? links.map((l) => el("tr", { "data-actor-id": l.actor_id, "data-contract-id": l.contract_id, "data-link-name": l.link_name },
    el("td", {}, actorName(l.actor_id) || "(not running)", " ", keySpan(l.actor_id)),
    el("td", {}, providerName(l.provider_id, l.link_name) || "(not running)", " ", keySpan(l.provider_id)),
    el("td", {}, el("code", {}, l.contract_id)),
    el("td", {}, l.link_name),
    el("td", {}, Object.entries(l.values || {}).map(([k, v]) => el("span", { class: "chip" }, `${k}=${v}`))),
    el("td", {}, el("button", { class: "small danger delete", type: "button", onclick: (e) => post("/api/links/delete",
      { actor_id: l.actor_id, contract_id: l.contract_id, link_name: l.link_name }, "#links-message", e.target) }, "Delete")),
  )) : [emptyRow(6, "No link definitions: link an actor to a provider with the form on the right.")]));
}

/** Rebuilds a select's options, keeping the chosen value when it is still offered. */
function fillSelect(select, first, options) {
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, first),
    ...options.map(([value, text, data]) => el("option", { value, ...data }, text)));
  if (options.some(([value]) => value === chosen)) select.value = chosen;
}

function renderSelects([hosts, actors, providers]) {
  for (const select of document.querySelectorAll(".host-select")) {
    fillSelect(select, "any (auction)", hosts.map((h) => [h.id, `${h.friendly_name || "host"} (${shortKey(h.id)})`]));
  }
  const seen = new Set();
  fillSelect($("#link-actor"), "choose an actor…", actors.filter((a) => !seen.has(a.id) && seen.add(a.id))
    .map((a) => [a.id, `${a.name || "actor"} (${shortKey(a.id)})`]));
  fillSelect($("#link-provider"), "choose a provider…", providers.map((p) =>
    [p.id, `${p.name || "provider"} · ${p.contract_id} · ${p.link_name} (${shortKey(p.id)})`,
      { "data-contract-id": p.contract_id, "data-link-name": p.link_name }]));
}

function renderEvents(events) {
  $("#events").replaceChildren(...(events.length ? events.map((e) => {
    const tone = /failed|deleted/.test(e.name) ? "bad" : /started|passed|_set/.test(e.name) ? "ok" : /stopped/.test(e.name) ? "warn" : "";
    const time = (e.time.split("T")[1] || e.time).slice(0, 8);
    return el("li", {}, el("time", { datetime: e.time }, time), el("span", { class: `name ${tone}` }, e.name), " ",
      el("span", { class: "summary" }, e.summary));
  }) : [el("li", { class: "empty" }, "No events yet.")]));
}

/** The link graph: actors on the left, providers on the right, one curve per link definition. */
function renderGraph([actors, providers, links]) {
  const root = $("#graph");
  const uniqueActors = [...new Map(actors.map((a) => [a.id, a])).values()];
  const linkedActorIds = links.map((l) => l.actor_id).filter((id) => !uniqueActors.some((a) => a.id === id));
  const actorNodes = [...uniqueActors.map((a) => ({ id: a.id, name: a.name, running: true })),
    ...[...new Set(linkedActorIds)].map((id) => ({ id, name: "(not running)", running: false }))];
  const providerNodes = providers.map((p) => ({ id: p.id, link: p.link_name, name: p.name, contract: p.contract_id, health: p.health }));
  if (!actorNodes.length && !providerNodes.length) {
    root.replaceChildren(el("div", { class: "empty" }, "Nothing runs yet: start an actor and a provider, then link them."));
    return;
  }
  const W = 860, boxW = 250, boxH = 46, gap = 18, top = 28;
  const rows = Math.max(actorNodes.length, providerNodes.length, 1);
  const H = top + rows * (boxH + gap) + 4;
  const leftX = 10, rightX = W - boxW - 10;
  const y = (i, n) => top + i * (boxH + gap) + ((rows - n) * (boxH + gap)) / 2;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "actor to provider link graph" },
    el("text", { x: leftX, y: 16, fill: "#5f6b7a", "font-size": 12, "font-weight": 600 }, "ACTORS"),
    el("text", { x: rightX, y: 16, fill: "#5f6b7a", "font-size": 12, "font-weight": 600 }, "PROVIDERS"));
  const edges = el("g", {});
  svg.append(edges);
  const actorY = new Map(actorNodes.map((a, i) => [a.id, y(i, actorNodes.length)]));
  const providerY = new Map();
  providerNodes.forEach((p, i) => {
    const py = y(i, providerNodes.length);
    providerY.set(`${p.id}/${p.link}`, py);
    if (!providerY.has(p.id)) providerY.set(p.id, py);
  });
  for (const l of links) {
    const ay = actorY.get(l.actor_id);
    const py = providerY.get(`${l.provider_id}/${l.link_name}`) ?? providerY.get(l.provider_id);
    if (ay === undefined || py === undefined) continue;
    const x1 = leftX + boxW, y1 = ay + boxH / 2, x2 = rightX, y2 = py + boxH / 2, mx = (x1 + x2) / 2;
    edges.append(el("g", { class: "edge", "data-actor-id": l.actor_id, "data-provider-id": l.provider_id, "data-contract-id": l.contract_id },
      el("path", { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, fill: "none", stroke: "#2463b5", "stroke-width": 2.2 }),
      el("circle", { cx: x2, cy: y2, r: 4, fill: "#2463b5" }),
      el("text", { x: mx, y: (y1 + y2) / 2 - 6, "text-anchor": "middle", "font-size": 12, fill: "#2463b5", stroke: "#fff", "stroke-width": 4, "paint-order": "stroke" },
        l.contract_id + (l.link_name !== "default" ? ` (${l.link_name})` : ""))));
  }
  actorNodes.forEach((a) => {
    const ay = actorY.get(a.id);
    svg.append(el("g", { class: "node actor", "data-actor-id": a.id },
      el("title", {}, a.id),
      el("rect", { x: leftX, y: ay, width: boxW, height: boxH, rx: 8, fill: a.running ? "#e6effa" : "#f4f6f8", stroke: a.running ? "#2463b5" : "#b9c2cc", "stroke-width": 1.5 }),
      el("text", { x: leftX + 12, y: ay + 19, "font-size": 14, "font-weight": 700, fill: "#1d2733" }, a.name || "actor"),
      el("text", { x: leftX + 12, y: ay + 36, "font-size": 11.5, fill: "#5f6b7a", "font-family": "monospace" }, shortKey(a.id))));
  });
  providerNodes.forEach((p) => {
    const py = providerY.get(`${p.id}/${p.link}`);
    const colour = p.health === "healthy" ? "#1f9d55" : p.health === "unhealthy" ? "#d0342c" : "#c98a04";
    svg.append(el("g", { class: "node provider", "data-provider-id": p.id },
      el("title", {}, `${p.id} (${p.health})`),
      el("rect", { x: rightX, y: py, width: boxW, height: boxH, rx: 8, fill: "#fff", stroke: colour, "stroke-width": 2 }),
      el("circle", { cx: rightX + boxW - 14, cy: py + 14, r: 5, fill: colour }),
      el("text", { x: rightX + 12, y: py + 19, "font-size": 14, "font-weight": 700, fill: "#1d2733" }, p.name || "provider"),
      el("text", { x: rightX + 12, y: py + 36, "font-size": 11.5, fill: "#5f6b7a" }, `${p.contract} · ${p.link}`)));
  });
  root.replaceChildren(svg);
}

/** Shows a settled request's outcome in `message`; returns `{ok, answer}` (wash ui's JSON answer). */
async function showOutcome(message, response) {
  let answer;
  try { answer = await response.json(); } catch { answer = { error: `wash ui answered ${response.status} without details` }; }
  message.className = response.ok ? "message ok" : "message error";
  message.textContent = response.ok ? answer.message : answer.error;
  return { ok: response.ok, answer };
}

/** Shows that wash ui could not be reached at all. */
function showUnreachable(message, err) {
  message.className = "message error";
  message.textContent = `wash ui does not answer (${err.message}): is \`wash ui\` still running?`;
}

/** Posts a form's fields as JSON; shows the outcome in `messageSelector` (or the form's message). */
async function post(endpoint, fields, messageTarget, button, form) {
  const message = typeof messageTarget === "string" ? $(messageTarget) : messageTarget;
  if (form) for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  message.className = "message busy";
  message.textContent = "Working…";
  if (button) button.disabled = true;
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fields),
    });
    const { ok, answer } = await showOutcome(message, response);
    if (!ok && form && answer.field) {
      const input = form.querySelector(`[name="${answer.field}"]`);
      if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
    }
  } catch (err) {
    showUnreachable(message, err);
  } finally {
    if (button) button.disabled = false;
  }
}

const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

/** Sends the file chosen in `picker` to /api/uploads/<kind> and puts the path it was kept at in the form. */
async function upload(picker) {
  const form = picker.closest("form");
  const message = $(".message", form);
  const reference = form.querySelector("[name=reference]");
  const button = $("button[type=submit]", form);
  const file = picker.files[0];
  if (!file) return;
  reference.removeAttribute("aria-invalid");
  message.className = "message busy";
  message.textContent = `Uploading ${file.name}…`;
  if (file.size > MAX_UPLOAD_BYTES) {
    message.className = "message error";
    message.textContent = `${file.name} is larger than 256 MiB: push it to a registry with \`wash reg push\` and start it by reference`;
    picker.value = "";
    return;
  }
  button.disabled = true;
  try {
    const response = await fetch(`/api/uploads/${picker.dataset.upload}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", "x-file-name": encodeURIComponent(file.name) },
      body: file,
    });
    const { ok, answer } = await showOutcome(message, response);
    if (ok) reference.value = answer.path;
  } catch (err) {
    showUnreachable(message, err);
  } finally {
    button.disabled = false;
    picker.value = "";
  }
}

function setUpForms() {
  for (const form of document.querySelectorAll("form.action-form")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const fields = Object.fromEntries(new FormData(form).entries());
      post(form.dataset.endpoint, fields, $(".message", form), $("button[type=submit]", form), form);
    });
  }
  // A file chosen in a start form is uploaded at once; its path on this machine fills the reference.
  for (const picker of document.querySelectorAll("input[type=file][data-upload]")) {
    picker.addEventListener("change", () => upload(picker));
  }
  // Choosing a provider fills in its contract id and link name.
  $("#link-provider").addEventListener("change", (event) => {
    const option = event.target.selectedOptions[0];
    if (option && option.dataset.contractId) {
      $("#link-contract").value = option.dataset.contractId;
      $("#link-name").value = option.dataset.linkName || "default";
    }
  });
}

function connect() {
  const source = new EventSource("/api/events");
  source.addEventListener("view", (event) => {
    showBanner("page", null);
    render(JSON.parse(event.data));
  });
  source.addEventListener("open", () => showBanner("page", null));
  source.addEventListener("error", () => {
    showBanner("page", "Lost the connection to wash ui: the page reconnects by itself when `wash ui` runs again.");
    const pill = $("#nats-status");
    pill.className = "pill pending";
    pill.textContent = "wash ui unreachable";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpForms();
  connect();
});
