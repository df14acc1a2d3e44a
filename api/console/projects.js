// chainmap console: the 招商项目 board of one county (columns by stage), kept apart from console.js.
// Plain ES2020, no dependencies; data is inserted as text only. Loaded after console.js, whose $ and el it uses.
// Exposes window.chainmapProjects.addLead().
"use strict";

(() => {
  const API = "/api/v1";
  const KEY_STORE = "chainmap.key";
  const STAGES = [["lead", "线索"], ["contacted", "接洽"], ["negotiating", "洽谈"], ["signed", "签约"],
    ["registered", "注册"], ["building", "在建"], ["landed", "投产/落地"], ["terminated", "终止"]];
  const NAME = Object.fromEntries(STAGES);
  const board = { county: "", items: [] };

  function say(message, error = false) {
    const s = $("projects-status");
    if (!s) return;
    s.textContent = message;
    s.classList.toggle("error", error);
  }

  async function api(path, options = {}) {
    const key = localStorage.getItem(KEY_STORE);
    const headers = { Accept: "application/json", ...(options.headers || {}) };
    if (key) headers.Authorization = `Bearer ${key}`;
    if (options.body) headers["Content-Type"] = "application/json";
    const response = await fetch(API + path, { ...options, headers });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const fields = body && body.errors ? "（" + body.errors.map((e) => `${e.field}：${e.reason}`).join("；") + "）" : "";
      const hint = response.status === 403 ? "当前密钥无权修改该县项目。" : response.status === 401 ? "请先输入 API 密钥。" : "";
      throw new Error(`${hint}${(body && (body.detail || body.title)) || response.status}${fields}`);
    }
    return body;
  }

  const today = () => new Date().toISOString().slice(0, 10);

  async function counties() {
    const found = new Map();
    let page = 1;
    for (;;) {
      const body = await api(`/clusters?per_page=200&page=${page}`);
      for (const c of body.items) found.set(c.county.adcode, `${c.city.name}${c.county.name}`);
      if (page * body.per_page >= body.total) break;
      page += 1;
    }
    return [...found.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  }

  async function load(county) {
    board.county = county;
    const select = $("projects-county");
    if (select && select.value !== county) select.value = county;
    if (!county) return render([]);
    const body = await api(`/introductions?county=${encodeURIComponent(county)}&per_page=200`);
    board.items = body.items;
    render(body.items);
    say(`共 ${body.total} 个项目，其中超期 ${body.items.filter((p) => p.overdue).length} 个。`);
  }

  function card(p) {
    const next = STAGES.map(([s]) => s).filter((s, i) => s !== "terminated" && i > STAGES.findIndex(([x]) => x === p.stage));
    const closed = p.stage === "landed" || p.stage === "terminated";
    const move = el("select", { "aria-label": "推进到" }, ...next.map((s) => el("option", { value: s }, NAME[s])));
    const actions = el("div", { class: "project-actions" });
    if (!closed) {
      const go = el("button", { type: "button" }, "推进");
      go.addEventListener("click", () => act(p, { stage: move.value, on: today() }, "stages"));
      const stop = el("button", { type: "button" }, "终止");
      stop.addEventListener("click", () => {
        const reason = window.prompt("终止原因");
        if (reason) act(p, { stage: "terminated", on: today(), reason }, "stages");
      });
      actions.append(move, go, stop);
    }
    const note = el("button", { type: "button" }, "跟进");
    note.addEventListener("click", () => {
      const text = window.prompt("跟进记录");
      if (text) act(p, { text }, "notes");
    });
    actions.append(note);
    return el("li", { class: `project-card${p.overdue ? " overdue" : ""}`, "data-project": p.id },
      el("strong", {}, p.name || p.enterprise_name || p.enterprise),
      el("span", {}, `${p.cluster_name || p.cluster}${p.nodes.length ? " · " + p.nodes.map((n) => n.name || n.id).join("、") : ""}`),
      el("span", {}, p.amount_10k_cny != null ? `投资额 ${p.amount_10k_cny} 万元` : "投资额未填"),
      el("span", {}, [p.officer_unit, p.officer_name].filter(Boolean).join(" ") || "责任人未填"),
      el("span", {}, p.next_step ? `下一步：${p.next_step}${p.next_due ? `（${p.next_due}前）` : ""}` : ""),
      p.overdue ? el("em", {}, "超期") : "",
      actions);
  }

  function render(items) {
    const columns = $("projects-board");
    if (!columns) return;
    columns.replaceChildren(...STAGES.map(([stage, label]) => {
      const here = items.filter((p) => p.stage === stage);
      return el("div", { class: "project-column", "data-stage": stage },
        el("h3", {}, `${label}（${here.length}）`), el("ul", {}, ...here.map(card)));
    }));
  }

  async function act(p, body, what) {
    try {
      await api(`/introductions/${encodeURIComponent(p.id)}/${what}`, { method: "POST", body: JSON.stringify(body) });
      await load(board.county);
      say(what === "notes" ? "已记录跟进。" : `已记录：${NAME[body.stage]}。`);
    } catch (e) {
      say(e.message, true);
    }
  }

  // Creates a project at 线索 for a recommended target and the gap node it would fill; shows the cluster's county.
  async function addLead({ cluster, node, enterprise }) {
    try {
      const firm = await api(`/enterprises/${encodeURIComponent(enterprise)}`);
      const nodes = node ? [node.includes(".") ? node : `${cluster}.${node}`] : [];
      const created = await api("/introductions", { method: "POST", body: JSON.stringify({
        enterprise, cluster, origin_region: firm.region, introduced_on: today(), stage: "lead", nodes,
        name: `${firm.name}招商线索` }) });
      await load(created.county);
      say(`已加入招商线索：${firm.name}`);
      return created;
    } catch (e) {
      say(e.message, true);
      throw e;
    }
  }

  async function start() {
    const panel = $("projects-panel");
    if (!panel) return;
    const select = el("select", { id: "projects-county" }, el("option", { value: "" }, "选择县（市、区）"));
    select.addEventListener("change", () => load(select.value).catch((e) => say(e.message, true)));
    panel.append(el("p", { class: "row" }, el("label", { for: "projects-county" }, "项目看板"), select),
      el("p", { id: "projects-status", role: "status", "aria-live": "polite" }),
      el("div", { id: "projects-board", class: "project-board" }));
    // Counties are listed once a key is there (no request without one: it would only be refused).
    let listed = false;
    const list = async () => {
      if (listed || !localStorage.getItem(KEY_STORE)) return;
      listed = true;
      try {
        for (const [code, name] of await counties()) select.append(el("option", { value: code }, name));
      } catch (e) {
        listed = false;
        say(e.message, true);
      }
    };
    select.addEventListener("focus", list);
    select.addEventListener("mousedown", list);
    await list();
  }

  window.chainmapProjects = { addLead, load };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
