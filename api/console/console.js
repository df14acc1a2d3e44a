// chainmap web console: plain ES2020, no dependencies, same API and key as any client.
// Data is always inserted as text (textContent / attributes), never as HTML.
"use strict";

const API = "/api/v1";
const KEY_STORE = "chainmap.key";
const STAGES = [["upstream", "上游"], ["midstream", "中游"], ["downstream", "下游"], ["service", "配套服务"]];
const STATUS_ZH = { gap: "缺链", bottleneck: "瓶颈", weak: "薄弱", present: "已覆盖" };
const CHECK_ZH = { passed: "通过", failed: "未通过", unknown: "待核实" };
const OUTCOME_ZH = { eligible: "符合奖励条件", ineligible: "不符合奖励条件", undetermined: "暂无法认定" };
const ENTITY_ZH = { company: "企业", individual_business: "个体工商户", family_farm: "家庭农场", cooperative: "农民专业合作社",
  branch: "分支机构" };
const INTRO_STAGE_ZH = { lead: "线索", contacted: "已接洽", negotiating: "洽谈中", signed: "已签约", registered: "已注册",
  building: "在建", landed: "已投产/落地", terminated: "已终止" };
const RULE_ZH = { introduced: "新引进", out_of_county: "县域外企业", revenue: "上年度营业收入不低于5000万元",
  partners: "带动本地5家以上市场主体协作配套", not_already_granted: "此前未获该项奖励" };
const TARGETS_HINT = "在产业链图中点击一个缺链、瓶颈或薄弱环节。";
const SVG_NS = "http://www.w3.org/2000/svg";

const state = { clusters: null, cluster: null, chain: null, node: null, places: new Map() };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function say(message, error = false) {
  const s = $("status");
  s.textContent = message;
  s.classList.toggle("error", error);
}

class ApiError extends Error {}

async function api(path, options = {}) {
  const key = localStorage.getItem(KEY_STORE);
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (options.body) headers["Content-Type"] = "application/json";
  const response = await fetch(API + path, { ...options, headers });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && (body.detail || body.title);
    const fields = body && body.errors ? "（" + body.errors.map((e) => `${e.field}: ${e.reason}`).join("；") + "）" : "";
    const hint = response.status === 401 ? "密钥无效或缺失，请在右上角输入 API 密钥。" :
      response.status === 403 ? "当前密钥无此权限。" : "";
    throw new ApiError(`${hint}${detail || response.status}${fields}`);
  }
  return body;
}

function percent(x) { return x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`; }
function wan(cny) { return cny === null || cny === undefined ? "—" : `${Math.round(cny / 1e4).toLocaleString("zh-CN")}万元`; }

// ---- map -------------------------------------------------------------------------------------
const BOUNDS = { west: 113.3, east: 120.0, south: 36.0, north: 42.7 };
function projector(width, height, pad = 12) {
  const kx = Math.cos(((BOUNDS.north + BOUNDS.south) / 2) * Math.PI / 180);
  const scale = Math.min((width - 2 * pad) / ((BOUNDS.east - BOUNDS.west) * kx), (height - 2 * pad) / (BOUNDS.north - BOUNDS.south));
  return ([lon, lat]) => [pad + (lon - BOUNDS.west) * kx * scale, pad + (BOUNDS.north - lat) * scale];
}
const project = projector(420, 460);

async function drawMap() {
  const map = $("map");
  map.replaceChildren();
  const [counties, clusters] = await Promise.all([api("/map/counties.geojson"), api("/map/clusters.geojson")]);
  const base = svg("g", { class: "counties" });
  for (const f of counties.features) {
    if (!f.geometry) continue;
    const [x, y] = project(f.geometry.coordinates);
    const dot = svg("circle", { class: "county", cx: x.toFixed(1), cy: y.toFixed(1), r: 1.6 });
    dot.append(svg("title", {}, `${f.properties.city_name}${f.properties.name}：集群${f.properties.clusters}个`));
    base.append(dot);
  }
  map.append(base, svg("g", { id: "flows" }));
  for (const [name, lonlat] of [["北京", [116.40, 39.90]], ["天津", [117.20, 39.13]]]) {
    const [x, y] = project(lonlat);
    map.append(svg("text", { class: "capital", x: x + 4, y: y - 4 }, name), svg("circle", { cx: x, cy: y, r: 2.5, fill: "#1a3d6d" }));
  }
  const layer = svg("g", { class: "clusters" });
  for (const f of clusters.features) {
    if (!f.geometry) continue;
    const p = f.properties;
    const [x, y] = project(f.geometry.coordinates);
    const colour = p.gap > 0 ? "var(--gap)" : (p.bottleneck + p.weak > 0 ? "var(--bottleneck)" : "var(--present)");
    const dot = svg("circle", { class: "cluster", "data-cluster-id": f.id, cx: x.toFixed(1), cy: y.toFixed(1),
      r: (3 + Math.sqrt(p.nodes)).toFixed(1), fill: colour });
    dot.append(svg("title", {}, `${p.name}（${p.city_name}${p.county_name}）：缺链${p.gap}、瓶颈${p.bottleneck}、薄弱${p.weak}，本地配套率${percent(p.local_supply_rate)}`));
    dot.addEventListener("click", () => {
      $("city").value = "";
      fillClusters();
      $("cluster").value = f.id;
      selectCluster(f.id);
    });
    layer.append(dot);
  }
  map.append(layer);
}

function highlightCluster(id) {
  for (const dot of document.querySelectorAll("#map .cluster")) dot.classList.toggle("selected", dot.dataset.clusterId === id);
}

async function drawFlows(clusterId, nodeKey) {
  const g = $("flows");
  if (!g) return;
  g.replaceChildren();
  const flows = await api(`/map/flows.geojson?cluster=${encodeURIComponent(clusterId)}&node=${encodeURIComponent(nodeKey)}&limit=10`);
  for (const f of flows.features) {
    if (!f.geometry) continue;
    const [a, b] = f.geometry.coordinates.map(project);
    const line = svg("path", { class: "flow", d: `M${a[0]},${a[1]} Q${(a[0] + b[0]) / 2},${Math.min(a[1], b[1]) - 30} ${b[0]},${b[1]}`,
      "stroke-width": (1 + 3 * f.properties.score).toFixed(2) });
    line.append(svg("title", {}, `${f.properties.name} → ${f.properties.node_name}：得分${f.properties.score.toFixed(3)}`));
    g.append(line);
  }
}

// Beijing and Tianjin district names, for the targets' locations
async function loadPlaces() {
  for (const parent of ["110000", "120000"]) {
    const page = await api(`/regions?parent=${parent}&per_page=200`);
    for (const r of page.items) state.places.set(r.adcode, r.name);
  }
}

function place(adcode) {
  const name = state.places.get(adcode);
  const city = adcode.startsWith("11") ? "北京市" : adcode.startsWith("12") ? "天津市" : "";
  return name ? `${city}${name}` : adcode;
}

// ---- clusters --------------------------------------------------------------------------------
async function loadClusters() {
  const page = await api("/clusters?per_page=200");
  state.clusters = page.items;
  const cities = new Map();
  for (const c of page.items) cities.set(c.city.adcode, c.city.name);
  const city = $("city");
  city.replaceChildren(el("option", { value: "" }, "全省"));
  for (const [adcode, name] of [...cities].sort()) city.append(el("option", { value: adcode }, name));
  fillClusters();
}

function fillClusters() {
  const city = $("city").value;
  const select = $("cluster");
  select.replaceChildren(el("option", { value: "" }, "— 选择集群 —"));
  for (const c of state.clusters.filter((c) => !city || c.city.adcode === city)) {
    select.append(el("option", { value: c.id }, `${c.name}（${c.county.name}）`));
  }
}

async function selectCluster(id) {
  if (!id) return;
  state.cluster = id;
  state.node = null;
  highlightCluster(id);
  // the previous cluster's targets, flows and verdict go at once
  $("targets").hidden = true;
  $("targets-hint").hidden = false;
  $("targets-hint").textContent = TARGETS_HINT;
  $("targets-title").textContent = "京津招商目标";
  $("verdict").replaceChildren();
  const flows = $("flows");
  if (flows) flows.replaceChildren();
  say("正在读取产业链……");
  const [chain, intros] = await Promise.all([api(`/clusters/${encodeURIComponent(id)}/chain`),
    api(`/introductions?cluster=${encodeURIComponent(id)}&per_page=50`)]);
  state.chain = chain;
  drawChain(chain);
  showIntroductions(intros.items);
  say(`已读取 ${chain.cluster.name}：${chain.nodes.length} 个环节。`);
}

// ---- chain diagram ---------------------------------------------------------------------------
const BOX = { w: 156, h: 40, dx: 200, dy: 54, top: 34, left: 8 };

function drawChain(chain) {
  const rate = chain.local_supply_rate;
  $("cluster-title").textContent = `${chain.cluster.name} · 产业链全景`;
  const counts = rate.counts || {};
  $("cluster-summary").textContent = `${chain.cluster.county.name}（${chain.cluster.city.name}）· 环节${rate.nodes}个：` +
    `缺链${counts.gap || 0}、瓶颈${counts.bottleneck || 0}、薄弱${counts.weak || 0}、已覆盖${counts.present || 0}；` +
    `环节本地覆盖率${percent(rate.node_coverage)}，本地配套率${percent(rate.supply_share_from_scope)}` +
    (chain.cluster.chain_basis === "template" ? "（链条为行业模板，待本地核实）" : "");
  const chart = $("chain");
  chart.replaceChildren();
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svg("path", { class: "arrow", d: "M0,0 L10,5 L0,10 z" }));
  defs.append(marker);
  chart.append(defs);
  const where = new Map();
  let rows = 0;
  STAGES.forEach(([stage, label], col) => {
    const nodes = chain.nodes.filter((n) => n.stage === stage);
    chart.append(svg("text", { class: "stage", x: BOX.left + col * BOX.dx, y: 18 }, label));
    nodes.forEach((n, row) => where.set(n.id, { x: BOX.left + col * BOX.dx, y: BOX.top + row * BOX.dy, col }));
    rows = Math.max(rows, nodes.length);
  });
  chart.setAttribute("viewBox", `0 0 ${BOX.left + 3 * BOX.dx + BOX.w + 8} ${BOX.top + rows * BOX.dy}`);
  chart.setAttribute("width", BOX.left + 3 * BOX.dx + BOX.w + 8);
  chart.setAttribute("height", BOX.top + rows * BOX.dy);
  const edges = svg("g", { class: "edges" });
  for (const e of chain.edges) {
    const a = where.get(e.from), b = where.get(e.to);
    if (!a || !b) continue;
    let d;
    if (b.col > a.col) {
      const [x1, y1, x2, y2] = [a.x + BOX.w, a.y + BOX.h / 2, b.x, b.y + BOX.h / 2];
      d = `M${x1},${y1} C${x1 + 30},${y1} ${x2 - 30},${y2} ${x2},${y2}`;
    } else if (b.col < a.col) {  // a service node supporting an earlier stage: enter from the right
      const [x1, y1, x2, y2] = [a.x, a.y + BOX.h / 2, b.x + BOX.w, b.y + BOX.h / 2];
      d = `M${x1},${y1} C${x1 - 30},${y1} ${x2 + 30},${y2} ${x2},${y2}`;
    } else {                     // same stage: a loop on the left side
      const [x, y1, y2] = [a.x, a.y + BOX.h / 2, b.y + BOX.h / 2];
      d = `M${x},${y1} C${x - 24},${y1} ${x - 24},${y2} ${x},${y2}`;
    }
    edges.append(svg("path", { class: `edge ${e.kind === "service" ? "service" : "feeds"}`, d, "marker-end": "url(#arrow)",
      "data-from": e.from, "data-to": e.to }));
  }
  chart.append(edges);
  for (const n of chain.nodes) {
    const p = where.get(n.id);
    if (!p) continue;
    const actionable = n.status !== "present";
    const g = svg("g", { class: `node status-${n.status}`, "data-node-id": n.id, "data-node-key": n.key,
      "data-status": n.status, "data-actionable": String(actionable), transform: `translate(${p.x},${p.y})`, tabindex: 0 });
    g.append(svg("title", {}, evidenceText(n)));
    g.append(svg("rect", { width: BOX.w, height: BOX.h }));
    g.append(svg("text", { x: 8, y: 16 }, n.name.length > 11 ? n.name.slice(0, 11) + "…" : n.name));
    g.append(svg("text", { x: 8, y: 32 }, `${STATUS_ZH[n.status]} · ${n.industry_codes.join("/")}`));
    g.addEventListener("mouseenter", () => showEvidence(n));
    g.addEventListener("focus", () => showEvidence(n));
    if (actionable) {
      g.addEventListener("click", () => selectNode(n));
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") selectNode(n); });
    }
    chart.append(g);
  }
}

function evidenceLines(n) {
  const ev = n.evidence || {};
  const lines = [`${n.name}（${STATUS_ZH[n.status]}）`, `行业代码（GB/T 4754）：${n.industry_codes.join("、")}`,
    `本地活跃市场主体：${ev.local_entities ?? 0}家`];
  const types = Object.entries(ev.by_entity_type || {}).map(([t, c]) => `${ENTITY_ZH[t] || t}${c}家`).join("，");
  if (types) lines.push(`主体类型：${types}`);
  lines.push(`流入协作配套关系：${ev.inbound_supplies ?? 0}项，其中来自省外${ev.inbound_from_outside_province ?? 0}项（${percent(ev.outside_province_share)}）`);
  if (ev.single_supplier) lines.push(`唯一本地供应主体：${ev.single_supplier.name}，服务本地客户${ev.single_supplier.local_customers}家`);
  if (n.mark && n.mark.value && n.mark.value !== "none") lines.push(`人工标注：${STATUS_ZH[n.mark.value] || n.mark.value}——${n.mark.reason || ""}`);
  return lines;
}

function evidenceText(n) { return evidenceLines(n).join("\n"); }

function showEvidence(n) {
  const box = $("evidence");
  box.replaceChildren(...evidenceLines(n).map((line, i) => i === 0 ? el("strong", {}, line) : el("div", {}, line)));
}

// ---- recommendations -------------------------------------------------------------------------
async function selectNode(n) {
  state.node = n.id;
  for (const g of document.querySelectorAll("#chain .node")) g.classList.toggle("selected", g.dataset.nodeId === n.id);
  showEvidence(n);
  $("targets-title").textContent = `京津招商目标 · ${n.name}（${STATUS_ZH[n.status]}）`;
  say(`正在为“${n.name}”检索京津招商目标……`);
  const [result] = await Promise.all([
    api(`/clusters/${encodeURIComponent(state.cluster)}/recommendations?node=${encodeURIComponent(n.key)}&limit=10`),
    drawFlows(state.cluster, n.key),
  ]);
  const body = $("targets").querySelector("tbody");
  body.replaceChildren();
  result.items.forEach((item, i) => {
    const o = item.reward_outlook;
    const outlook = o.likely_eligible ? el("span", { class: "yes" }, "有望符合") :
      el("span", { class: o.revenue_ok === null ? "unknown" : "no" }, o.revenue_ok === null ? "营收待核实" : "暂不符合");
    body.append(el("tr", { "data-uscc": item.enterprise.uscc },
      el("td", {}, i + 1),
      el("td", {}, item.enterprise.name, el("br"), el("small", {}, item.enterprise.uscc)),
      el("td", {}, place(item.enterprise.region), el("br"), el("small", {}, `距集群约${item.distance_km}公里`)),
      el("td", { class: "score" }, item.score.toFixed(3)),
      el("td", {}, el("ul", {}, ...item.reasons.map((r) => el("li", {}, r)),
        ...(item.cautions || []).map((r) => el("li", { class: "caution" }, `注意：${r}`)))),
      el("td", {}, outlook, el("br"), el("small", {}, `可协作本地主体${o.potential_local_partners}家`))));
  });
  $("targets").hidden = result.items.length === 0;
  const common = (result.common_reasons || {})[n.id] || [];
  $("targets-hint").hidden = result.items.length !== 0 && common.length === 0;
  $("targets-hint").textContent = result.items.length === 0 ? "未找到符合条件的京津企业。" : `以下目标共同点：${common.join("；")}`;
  say(`“${n.name}”：${result.items.length} 个京津招商目标。`);
}

// ---- reward checks ---------------------------------------------------------------------------
function showIntroductions(items) {
  const body = $("introductions").querySelector("tbody");
  body.replaceChildren();
  for (const intro of items) {
    const button = el("button", { type: "button", "data-enterprise": intro.enterprise }, "核查奖励条件");
    button.addEventListener("click", () => runCheck(intro));
    body.append(el("tr", {}, el("td", {}, intro.enterprise_name || intro.enterprise, el("br"), el("small", {}, intro.enterprise)),
      el("td", {}, place(intro.origin_region)), el("td", {}, intro.introduced_on), el("td", {}, INTRO_STAGE_ZH[intro.stage] || intro.stage), el("td", {}, button)));
  }
  $("introductions").hidden = items.length === 0;
  $("introductions-empty").hidden = items.length !== 0;
}

async function runCheck(intro) {
  say(`正在核查 ${intro.enterprise_name || intro.enterprise} ……`);
  const asOf = $("as-of").value;
  const body = { enterprise: intro.enterprise, cluster: intro.cluster, ...(asOf ? { as_of: asOf } : {}) };
  const check = await api("/reward-checks", { method: "POST", body: JSON.stringify(body) });
  showCheck(check, intro);
  await showHistory(intro);
  say(`核查完成：${check.outcome_name || OUTCOME_ZH[check.outcome] || check.outcome}。`);
}

function partnerTable(id, title, header, rows) {
  return [el("h4", {}, title), el("table", { id, class: "partners" },
    el("thead", {}, el("tr", {}, ...header.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...(rows.length ? rows : [el("tr", {}, el("td", { colspan: String(header.length) }, "无"))])))];
}

function showCheck(check, intro) {
  const verdict = $("verdict");
  const cls = check.outcome === "eligible" ? "yes" : check.outcome === "ineligible" ? "no" : "unknown";
  const rows = check.checks.map((c) => el("tr", { "data-rule": c.rule },
    el("td", {}, c.name || RULE_ZH[c.rule] || c.rule), el("td", { class: c.status === "passed" ? "yes" : c.status === "failed" ? "no" : "unknown" }, c.status_name || CHECK_ZH[c.status] || c.status),
    el("td", {}, c.message), el("td", {}, c.reference)));
  const counted = check.partners.counted.map((p, i) => el("tr", {}, el("td", {}, i + 1), el("td", {}, p.name || ""), el("td", {}, p.uscc),
    el("td", {}, p.entity_type_name || ENTITY_ZH[p.entity_type] || ""), el("td", {}, p.relation_name || p.relation), el("td", {}, p.since)));
  const excluded = check.partners.excluded.map((p, i) => el("tr", {}, el("td", {}, i + 1), el("td", {}, p.name || ""), el("td", {}, p.uscc),
    el("td", {}, p.reason)));
  const html = el("button", { type: "button", id: "form-html" }, "打印奖励核定表");
  const xlsx = el("button", { type: "button", id: "form-xlsx" }, "下载核定表（XLSX）");
  html.addEventListener("click", () => guard(openForm)(check.id, "html"));
  xlsx.addEventListener("click", () => guard(openForm)(check.id, "xlsx"));
  verdict.replaceChildren(
    el("h3", {}, `${check.enterprise.name || intro.enterprise}：`, el("span", { class: cls, id: "outcome", "data-outcome": check.outcome }, check.outcome_name || OUTCOME_ZH[check.outcome] || check.outcome),
      check.outcome === "eligible" ? `（一次性奖励${wan(check.amount_cny)}）` : ""),
    el("p", { class: "hint" }, `核查编号 ${check.id} · 核查基准日 ${check.as_of} · 计入协作配套主体${check.partners.counted.length}家，未计入${check.partners.excluded.length}家`),
    el("p", {}, html, " ", xlsx),
    el("table", { id: "checks" }, el("thead", {}, el("tr", {}, el("th", {}, "条件"), el("th", {}, "结果"), el("th", {}, "说明"), el("th", {}, "依据"))),
      el("tbody", {}, ...rows)),
    ...(check.notes || []).map((n) => el("p", { class: "hint" }, `注：${n}`)),
    ...partnerTable("counted", "计入的本地市场主体", ["序号", "名称", "统一社会信用代码", "主体类型", "协作关系", "起始日期"], counted),
    ...partnerTable("excluded", "未计入的主体", ["序号", "名称", "统一社会信用代码", "未计入原因"], excluded),
    el("details", {}, el("summary", {}, "适用的政策口径"),
      el("ul", {}, ...(check.readings || []).map((r) => el("li", {}, `${r.name}：${r.text}`)))));
  verdict.scrollIntoView({ block: "nearest" });
}

async function openForm(checkId, format) {
  const key = localStorage.getItem(KEY_STORE);
  const response = await fetch(`${API}/reward-checks/${encodeURIComponent(checkId)}/form?format=${format}`,
    { headers: key ? { Authorization: `Bearer ${key}` } : {} });
  if (!response.ok) throw new ApiError(response.status === 403 ? "当前密钥无此权限。" : `无法生成核定表（${response.status}）`);
  const url = URL.createObjectURL(await response.blob());
  if (format === "html") {
    window.open(url, "_blank");
  } else {
    const a = el("a", { href: url, download: `奖励核定表-${checkId}.xlsx` });
    document.body.append(a);
    a.click();
    a.remove();
  }
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function showHistory(intro) {
  const query = new URLSearchParams({ enterprise: intro.enterprise, cluster: intro.cluster, per_page: "20" });
  const page = await api(`/reward-checks?${query}`);
  const rows = page.items.map((c) => {
    const html = el("button", { type: "button" }, "核定表");
    html.addEventListener("click", () => guard(openForm)(c.id, "html"));
    return el("tr", { "data-check": c.id }, el("td", {}, c.checked_at.slice(0, 10)), el("td", {}, c.as_of),
      el("td", {}, OUTCOME_ZH[c.outcome] || c.outcome), el("td", {}, c.grant ? `已奖励（${c.grant}）` : "—"), el("td", {}, c.id), el("td", {}, html));
  });
  $("history").replaceChildren(el("h4", {}, `核查与奖励记录（共${page.total}次）`),
    el("table", { id: "history-table" }, el("thead", {}, el("tr", {}, ...["核查日期", "核查基准日", "结论", "奖励", "核查编号", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...rows)));
}

// ---- start -----------------------------------------------------------------------------------
async function start() {
  if (!localStorage.getItem(KEY_STORE)) {
    say("请输入 API 密钥后开始（本机管理员密钥见 var/admin.key）。");
    return;
  }
  say("正在读取集群……");
  await Promise.all([loadClusters(), drawMap(), loadPlaces()]);
  say(`共 ${state.clusters.length} 个县域特色产业集群。请选择城市和集群。`);
}

function guard(fn) {
  return (...args) => fn(...args).catch((err) => say(err instanceof ApiError ? err.message : `出错了：${err.message}`, true));
}

document.addEventListener("DOMContentLoaded", () => {
  $("key").value = localStorage.getItem(KEY_STORE) || "";
  $("key-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const key = $("key").value.trim();
    if (key) localStorage.setItem(KEY_STORE, key); else localStorage.removeItem(KEY_STORE);
    guard(start)();
  });
  $("city").addEventListener("change", fillClusters);
  // every entry point reports API errors in the status line instead of failing silently
  selectCluster = guard(selectCluster);
  selectNode = guard(selectNode);
  runCheck = guard(runCheck);
  $("as-of").value = new Date().toISOString().slice(0, 10);
  $("cluster").addEventListener("change", (ev) => selectCluster(ev.target.value));
  guard(start)();
});
