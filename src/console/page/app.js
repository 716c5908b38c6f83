// quai console: status arrives over a WebSocket (GET polling as a fallback); control is POST with
// the login cookie. Plain ES2020, no framework: every status push updates the page in place.
"use strict";

const $ = (id) => document.getElementById(id);
const MAX_LOG = 500;            // log lines kept client side
const PARAM_GAP_MS = 50;        // a slider sends at most ~20 requests/s
const GO_GUARD_MS = 300;        // a second tap on the same GO this soon is taken as a double tap

let status = null;              // the latest STATUS
let lastStatusAt = 0;           // Date.now() when it came
let lastSeq = -1;               // the highest log seq shown

/* ---------- helpers ---------- */

// el("div", {class: "x", text: "hi", "data-list": "main"}, child...)
function el(tag, props = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.includes("-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...kids);
  return e;
}
// Only touch the DOM when the text changes (keeps selections and repaints down).
function setText(node, v) {
  const t = v == null ? "–" : String(v);
  if (node.textContent !== t) node.textContent = t;
}
const show = (node, on) => { node.hidden = !on; };
const num = (v, d) => (typeof v === "number" && isFinite(v) ? v.toFixed(d) : "–");
const clamp01 = (v) => Math.min(1, Math.max(0, Number(v) || 0));
// True (and remembers) when `data` differs from what `node` last showed.
function changed(node, data) {
  const key = JSON.stringify(data);
  if (node.dataset.key === key) return false;
  node.dataset.key = key;
  return true;
}
function duration(s) {
  s = Math.floor(s || 0);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
}

/* ---------- #message and requests ---------- */

function say(text, kind = "info") {
  const m = $("message");
  m.textContent = text;
  m.title = new Date().toLocaleTimeString();
  m.className = kind;
  void m.offsetWidth;           // restart the flash so that a repeated message is still noticed
  m.classList.add("flash");
}

async function getJSON(path) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 5000);
  try {
    const res = await fetch(path, { credentials: "same-origin", cache: "no-store", signal: ctl.signal });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await res.json();
  } finally { clearTimeout(timer); }
}

// POST a JSON body; returns the parsed answer, or null after showing why it failed.
async function post(path, body = {}) {
  let res, text = "", data = null;
  try {
    res = await fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    text = await res.text();
  } catch (e) {
    say(`no answer from quai: ${e.message}`, "error");
    return null;
  }
  try { data = JSON.parse(text); } catch (_) { /* not JSON: show the text itself */ }
  if (res.ok && !(data && data.ok === false)) return data || {};
  const why = (data && data.error) || text.trim().slice(0, 200) || res.statusText || "refused";
  say(`${why} (${res.status})`, "error");
  return null;
}

// A control command: "sent: go main" on success.
async function command(path, body) {
  const r = await post(path, body);
  if (r) say(`sent: ${r.command || path.replace("/api/", "")}`, "ok");
}

/* ---------- rendering a STATUS ---------- */

function applyStatus(s) {
  if (status && s.uptime_s + 1 < status.uptime_s) {   // quai restarted: log seqs start again
    lastSeq = -1;
    $("log").append(el("div", { class: "line l-warn", text: "— quai restarted —" }));
  }
  status = s;
  lastStatusAt = Date.now();
  renderHeader(s);
  renderCues(s.cues || []);
  renderParams(s.params || [], s.learning);
  renderSchedule(s.schedule);
  renderFunctions(s.functions || []);
  renderCalibrate(s);
  renderIO(s);
  drawGraph();
}

function renderHeader(s) {
  setText($("scene"), s.scene || "(no scene)");
  document.title = `quai · ${s.scene || ""}`;
  setText($("frame"), s.frame);
  setText($("fps"), num(s.fps, 1));
  setText($("dropped"), s.dropped ?? 0);
  $("dropped").classList.toggle("bad", s.dropped > 0);
  setText($("standby-state"), s.standby);
  $("standby-state").dataset.state = s.standby || "";
  $("standby").classList.toggle("active", s.standby === "closing" || s.standby === "asleep");
  const c = s.control;
  document.body.dataset.control = c;
  show($("login"), c === "locked");
  show($("control-on"), c === "on");
  show($("control-off"), c === "off");
  show($("health"), s.healthy === false);
  setText($("health"), s.health);
  show($("reload-error"), !!s.reload_error);
  setText($("reload-error"), s.reload_error || "");
  setText($("about"), `${s.path || ""} · quai ${s.version || "?"} · up ${duration(s.uptime_s)} · reloads ${s.reloads ?? 0}`);
}

function cueCard(l) {
  const d = { "data-list": l.name };
  return el("article", { class: "card", ...d },
    el("div", { class: "card-head" },
      el("h3", { text: l.name }),
      el("span", { class: "now" }, "now ", el("b", { class: "current" }), " · next ", el("b", { class: "next" }))),
    el("div", { class: "fade off" }, el("div", { class: "fill" })),
    el("button", { class: "go", type: "button", text: "GO", ...d }),
    el("div", { class: "row" },
      el("button", { class: "back", type: "button", text: "Back", ...d }),
      el("button", { class: "stop", type: "button", text: "Stop", ...d })),
    el("div", { class: "row" },
      el("select", { class: "goto-cue", "aria-label": `cue of ${l.name}`, ...d },
        ...(l.cues || []).map((c) => el("option", { value: c, text: c }))),
      el("button", { class: "goto", type: "button", text: "Go to", ...d })));
}

function renderCues(lists) {
  const box = $("cues");
  if (changed(box, lists.map((l) => [l.name, l.cues]))) {
    const picked = {};           // keep what the user chose in each "Go to" select
    box.querySelectorAll("select").forEach((s) => { picked[s.dataset.list] = s.value; });
    box.replaceChildren(...(lists.length ? lists.map(cueCard) : [el("p", { class: "empty", text: "no cue lists" })]));
    box.querySelectorAll("select").forEach((s) => {
      const cues = lists.find((l) => l.name === s.dataset.list).cues || [];
      if (cues.includes(picked[s.dataset.list])) s.value = picked[s.dataset.list];
    });
  }
  lists.forEach((l, i) => {
    const card = box.children[i];
    setText(card.querySelector(".current"), l.current);
    setText(card.querySelector(".next"), l.next);
    // visibility, not display: a fade starting must not move the GO under a thumb
    card.querySelector(".fade").classList.toggle("off", l.fade == null);
    card.querySelector(".fill").style.width = `${clamp01(l.fade) * 100}%`;
  });
}

const sliders = {};              // param name -> {input, val, learn, min, max, lastSent, lastInput, timer, dragging}

function formatParam(r, v) {
  const d = Math.min(4, Math.max(0, 2 - Math.floor(Math.log10(Math.abs(r.max - r.min) || 1))));
  return `${num(v, d)}${r.unit ? " " + r.unit : ""}`;
}

function renderParams(list, learning) {
  const box = $("params");
  if (changed(box, list.map((p) => [p.name, p.min, p.max, p.unit]))) {
    for (const k of Object.keys(sliders)) delete sliders[k];
    box.replaceChildren(...(list.length ? [] : [el("p", { class: "empty", text: "none" })]));
    for (const p of list) {
      const d = { "data-param": p.name };
      const r = sliders[p.name] = { min: p.min, max: p.max, unit: p.unit, lastSent: 0, lastInput: 0, timer: 0, dragging: false };
      r.input = el("input", { type: "range", min: p.min, max: p.max, step: p.max > p.min ? (p.max - p.min) / 1000 : "any", "aria-label": p.name, ...d });
      r.val = el("span", { class: "pval" });
      r.learn = el("button", { class: "learn", type: "button", text: "learn", ...d });
      box.append(el("div", { class: "param" }, el("span", { class: "pname", text: p.name, title: `default ${p.default}` }), r.val, r.learn, r.input));
    }
  }
  for (const p of list) {
    const r = sliders[p.name];
    // do not fight the user: a slider being dragged (or just let go) keeps its own value
    if (!r.dragging && performance.now() - r.lastInput > 1000) {
      r.input.value = p.value;
      setText(r.val, formatParam(r, p.value));
    }
    r.learn.classList.toggle("armed", learning === p.name);
    setText(r.learn, learning === p.name ? "learning…" : "learn");
  }
}

// Throttle: send at once, or once more at the end of the gap with the latest value.
function slide(name) {
  const r = sliders[name];
  r.lastInput = performance.now();
  setText(r.val, formatParam(r, Number(r.input.value)));
  const send = () => {
    r.timer = 0;
    r.lastSent = performance.now();
    command(`/api/param/${encodeURIComponent(name)}`, { value: Number(Number(r.input.value).toPrecision(7)) });
  };
  const wait = PARAM_GAP_MS - (performance.now() - r.lastSent);
  if (wait <= 0) send();
  else if (!r.timer) r.timer = setTimeout(send, wait);
}

// A button per script function `call` can run (fn NAME() in the scene's scripts).
function renderFunctions(names) {
  show($("functions-section"), names.length > 0);
  const box = $("functions");
  if (!changed(box, names.join("\n"))) return;
  box.replaceChildren(...names.map(n => el("button", {
    class: "fn", text: n, title: `call ${n}`,
    onclick: () => command(`/api/call/${encodeURIComponent(n)}`),
  })));
}

function renderSchedule(sc) {
  show($("schedule"), !!sc);
  if (!sc) return;
  setText($("schedule-open"), sc.open ? "open" : "closed");
  $("schedule-open").className = sc.open ? "good" : "warn";
  setText($("schedule-next"), sc.next || "");
  setText($("schedule-zone"), sc.zone ? `(${sc.zone})` : "");
}

function fillTable(table, rows, cols) {
  const body = table.tBodies[0];
  if (!changed(body, rows)) return;
  body.replaceChildren(...(rows.length
    ? rows.map((r) => el("tr", {}, ...cols.map((c) => el("td", { text: r[c] ?? "–", class: c }))))
    : [el("tr", {}, el("td", { class: "empty", text: "none", colSpan: cols.length }))]));
}

function renderIO(s) {
  fillTable($("inputs"), (s.inputs || []).map((i) => ({ ...i, rate: num(i.rate, 1) })),
    ["name", "kind", "state", "rate", "received", "dropped", "last"]);
  fillTable($("outputs"), (s.outputs || []).map((o) => ({ ...o, rate: num(o.rate, 1) })), ["name", "kind", "state", "rate"]);
  const a = s.audio;
  show($("audio"), !!a);
  if (!a) return;
  setText($("audio-device"), a.device);
  const box = $("meters"), meters = a.meters || [];
  if (box.children.length !== meters.length)
    box.replaceChildren(...meters.map((_, i) => el("div", { class: "meter", title: `channel ${i + 1}` }, el("div", { class: "fill" }))));
  meters.forEach((m, i) => {
    const f = box.children[i].firstChild, v = clamp01(m);
    f.style.width = `${v * 100}%`;
    f.className = `fill${v > 0.95 ? " clip" : v > 0.7 ? " hot" : ""}`;
  });
}

// ms per frame as a line, newest at the right; dashed: the frame budget 1000/target_fps.
function drawGraph() {
  const c = $("frame-graph"), s = status;
  if (!s || !c.clientWidth) return;
  const fm = s.frame_ms || {}, recent = fm.recent || [];
  const budget = s.target_fps > 0 ? 1000 / s.target_fps : null;
  setText($("frame-stats"), `mean ${num(fm.mean, 1)} ms · p99 ${num(fm.p99, 1)} ms${budget ? ` · budget ${budget.toFixed(1)} ms` : ""}`);
  const dpr = window.devicePixelRatio || 1, w = c.clientWidth, h = c.clientHeight;
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
  }
  const g = c.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const top = Math.max(1, budget ? budget * 2 : 0, ...recent) * 1.05;
  const y = (v) => h - 2 - (v / top) * (h - 4);
  g.font = "11px system-ui, sans-serif";
  g.fillStyle = "#77777f";
  g.fillText(`${top.toFixed(0)} ms`, 4, 12);
  const dx = w / 119;            // up to 120 values across the width
  g.strokeStyle = "#5fbf77";
  g.lineWidth = 1.5;
  g.beginPath();
  recent.forEach((v, i) => {
    const x = w - (recent.length - 1 - i) * dx;
    if (i) g.lineTo(x, y(v)); else g.moveTo(x, y(v));
  });
  g.stroke();
  if (budget) {                  // drawn over the line, so it shows where they meet
    g.strokeStyle = "#b4b4bc";
    g.lineWidth = 1;
    g.setLineDash([5, 4]);
    g.beginPath(); g.moveTo(0, y(budget)); g.lineTo(w, y(budget)); g.stroke();
    g.setLineDash([]);
  }
}

/* ---------- log ---------- */

function addLog(entries) {
  const box = $("log");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  for (const e of entries || []) {
    if (e.seq <= lastSeq) continue;  // a reconnect resends the recent history
    lastSeq = e.seq;
    const lvl = String(e.level || "INFO").toUpperCase();
    box.append(el("div", { class: `line l-${lvl.toLowerCase()}` },
      el("span", { class: "t", text: e.time || "" }), " ",
      el("span", { class: "lv", text: lvl.padEnd(5) }), " ",
      el("span", { class: "tg", text: e.target || "" }), " ", e.message || ""));
  }
  while (box.childElementCount > MAX_LOG) box.firstElementChild.remove();
  if (atBottom) box.scrollTop = box.scrollHeight;   // follow unless the user scrolled up
}

/* ---------- connection: WebSocket, backoff, polling fallback ---------- */

let ws = null, wsFails = 0, backoff = 1000, polling = false, wsTriedAt = 0;

function setConn(live, via) {
  const c = $("conn");
  setText(c, live ? "live" : "reconnecting");
  c.className = live ? "up" : "down";
  if (via) c.dataset.via = via;
  c.title = live ? `connected (${via === "poll" ? "polling" : "WebSocket"})` : "no news from quai";
}

function connect() {
  wsTriedAt = Date.now();
  let got = false, sock;
  try {
    sock = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/ws`);
  } catch (_) { return closed(false); }
  ws = sock;
  sock.onmessage = (ev) => {
    let m;
    try { m = JSON.parse(ev.data); } catch (_) { return; }
    if (m.type !== "status") return;
    got = true; wsFails = 0; backoff = 1000; polling = false;
    setConn(true, "ws");
    if (m.status) applyStatus(m.status);
    addLog(m.log);
  };
  sock.onclose = () => { if (ws === sock) closed(got); };
  sock.stale = () => { sock.onclose = null; sock.close(); closed(got); };
}

function closed(got) {
  ws = null;
  if (!got) wsFails++;
  if (polling) return;             // the poll loop tries the socket again now and then
  setConn(false);
  if (wsFails >= 3) { polling = true; poll(); return; }
  setTimeout(connect, backoff);
  backoff = Math.min(backoff * 2, 10000);
}

// The server decides what a socket may see when it opens (the login cookie): after logging in
// or out, open a new one.
function reconnect() {
  if (ws) { const old = ws; old.onclose = null; ws = null; old.close(); }
  if (!polling) connect();
}

async function refresh() {
  try { applyStatus(await getJSON("/api/status")); } catch (_) { /* the next push will do */ }
}

async function poll() {
  if (!polling) return;            // the WebSocket is back
  try {
    applyStatus(await getJSON("/api/status"));
    addLog((await getJSON(lastSeq < 0 ? "/api/log" : `/api/log?since=${lastSeq}`)).log);
    if (polling) setConn(true, "poll");
  } catch (_) { if (polling) setConn(false); }
  if (polling && !ws && Date.now() - wsTriedAt > 30000) connect();
  setTimeout(poll, 1000);
}

// No status for 4 s: say so, and drop a socket that went quiet (dead Wi-Fi keeps one "open")
// or that hangs while connecting.
setInterval(() => {
  if (Date.now() - lastStatusAt < 4000) return;
  setConn(false);
  if (ws && !polling && Date.now() - wsTriedAt > 4000) ws.stale();
}, 1000);

/* ---------- thumbnail ---------- */

let thumbN = 0, thumbSince = 0;
const img = $("thumbnail");
img.onload = () => { thumbSince = 0; show(img, true); show($("thumb-none"), false); };
img.onerror = () => { thumbSince = 0; show(img, false); show($("thumb-none"), true); };
function reloadThumb() {
  if (document.hidden || (thumbSince && Date.now() - thumbSince < 10000)) return;  // one load at a time
  thumbSince = Date.now();
  img.src = `/api/thumbnail.png?n=${++thumbN}`;
}

/* ---------- controls ---------- */

$("cues").addEventListener("click", (ev) => {
  const b = ev.target.closest("button[data-list]");
  if (!b) return;
  const list = b.dataset.list;
  if (b.classList.contains("go")) {
    const now = performance.now();
    if (now - (b.lastGo || 0) < GO_GUARD_MS) return;
    b.lastGo = now;
    command("/api/cue/go", { list });
  } else if (b.classList.contains("back")) command("/api/cue/back", { list });
  else if (b.classList.contains("stop")) command("/api/cue/stop", { list });
  else if (b.classList.contains("goto")) command("/api/cue/goto", { list, cue: b.parentElement.querySelector("select").value });
});

const params = $("params");
params.addEventListener("input", (ev) => { if (ev.target.dataset.param) slide(ev.target.dataset.param); });
params.addEventListener("pointerdown", (ev) => { const r = sliders[ev.target.dataset?.param]; if (r && ev.target.type === "range") r.dragging = true; });
const letGo = () => Object.values(sliders).forEach((r) => { if (r.dragging) { r.dragging = false; r.lastInput = performance.now(); } });
window.addEventListener("pointerup", letGo);
window.addEventListener("pointercancel", letGo);
params.addEventListener("click", (ev) => {
  const b = ev.target.closest("button.learn");
  if (b) command("/api/learn", status && status.learning === b.dataset.param ? { cancel: true } : { what: b.dataset.param });
});

$("panic").addEventListener("click", () => command("/api/panic", {}));
$("standby").addEventListener("click", () => command("/api/standby", {}));
$("wake").addEventListener("click", () => command("/api/wake", {}));
// Reset wants a second tap within 3 s: it throws the show back to its start.
$("reset").addEventListener("click", (ev) => {
  const b = ev.currentTarget;
  clearTimeout(b.timer);
  if (b.dataset.armed) {
    delete b.dataset.armed;
    b.textContent = "Reset";
    command("/api/reset", {});
  } else {
    b.dataset.armed = "1";
    b.textContent = "Reset? tap again";
    b.timer = setTimeout(() => { delete b.dataset.armed; b.textContent = "Reset"; }, 3000);
  }
});

/* ---------- calibration (a window running with --calibrate) ---------- */

function renderCalibrate(s) {
  show($("calibrate"), !!s.calibrating);
  if (!s.calibrating) return;
  const sel = $("cal-output");
  const names = (s.outputs || []).filter((o) => o.kind === "projector").map((o) => o.name);
  if (changed(sel, names)) {
    sel.replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
  }
}
const calibrate = (address, args = []) => command("/api/calibrate", { address, args });
$("cal-output").addEventListener("change", (ev) => calibrate("focus", [ev.target.value]));
$("calibrate").addEventListener("click", (ev) => {
  const b = ev.target.closest("button");
  if (!b) return;
  if (b.dataset.cal) calibrate(b.dataset.cal);
  if (b.dataset.nudge) {
    const step = Number($("cal-step").value) || 1;
    const [dx, dy] = b.dataset.nudge.split(",").map(Number);
    calibrate("nudge", [dx * step, dy * step]);
  }
});

$("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const r = await post("/api/login", { token: $("token").value });
  if (r) { $("token").value = ""; say("control unlocked", "ok"); reconnect(); refresh(); }
});
$("logout").addEventListener("click", async () => {
  if (await post("/api/logout", {})) { say("logged out", "ok"); reconnect(); refresh(); }
});

$("log-level").addEventListener("change", (ev) => {
  $("log").dataset.level = ev.target.value;
  $("log").scrollTop = $("log").scrollHeight;
});

// Keep a phone's screen on while the console is open (where the browser allows: https, localhost).
let wakeLock = null;
async function keepAwake() {
  try {
    if (!wakeLock && navigator.wakeLock && document.visibilityState === "visible")
      (wakeLock = await navigator.wakeLock.request("screen")).onrelease = () => { wakeLock = null; };
  } catch (_) { /* not allowed here: fine */ }
}
document.addEventListener("visibilitychange", keepAwake);
document.addEventListener("pointerdown", keepAwake);
window.addEventListener("resize", drawGraph);

/* ---------- start ---------- */

connect();
refresh();                         // a first picture before the socket's first push
reloadThumb();
setInterval(reloadThumb, 2000);
