// chainmap web console: plain ES2020, no dependencies, same API and key as any client.
// Data is always inserted as text (textContent / attributes), never as HTML. Every word a user reads is Chinese;
// the API's English field names and reasons are translated here or replaced by a plain Chinese message.
"use strict";

const API = "/api/v1";
const KEY_STORE = "chainmap.key";
const STAGES = [["upstream", "上游"], ["midstream", "中游"], ["downstream", "下游"], ["service", "配套服务"]];
const STATUS_ZH = { gap: "缺链", bottleneck: "瓶颈", weak: "薄弱", present: "已覆盖" };
const CHECK_ZH = { passed: "通过", failed: "未通过", unknown: "待核实" };
const OUTCOME_ZH = { eligible: "符合奖励条件", ineligible: "不符合奖励条件", undetermined: "暂无法认定" };
const ENTITY_ZH = { company: "企业", individual_business: "个体工商户", family_farm: "家庭农场", cooperative: "农民专业合作社",
  branch: "分支机构" };
const FIRM_STATUS_ZH = { active: "存续", deregistered: "注销", moved: "迁出" };
const RELATION_ZH = { supplies_to: "本企业向其供货", supplied_by: "向本企业供货", subcontracts: "本企业委托其加工",
  subcontracted_by: "本企业为其加工" };
// As chainmap.vocab.INTRODUCTION_STAGE_NAMES: the reward check's messages and the project screen say the same words.
const INTRO_STAGE_ZH = { lead: "线索", contacted: "接洽", negotiating: "洽谈", signed: "签约", registered: "注册",
  building: "在建", landed: "投产/落地", terminated: "终止" };
const RULE_ZH = { introduced: "新引进", out_of_county: "县域外企业", revenue: "上年度营业收入不低于5000万元",
  partners: "带动本地5家以上市场主体协作配套", not_already_granted: "此前未获该项奖励" };
const SCOPE_ZH = { county: "本县", city: "本市", province: "全省" };
const EDGE_ZH = { material: "原料", product: "产品", equipment: "装备", service: "服务" };
// The score's parts (seeds/policy/recommendation.json), in the API's order, with the colour of their bar segment.
const FEATURES = [["industry_fit", "行业匹配", "#1a73e8"], ["scale", "企业规模", "#12b5cb"], ["transfer", "外迁动因", "#9334e6"],
  ["partners", "本地配套潜力", "#188038"], ["distance", "距离", "#e8710a"], ["ties", "已有往来", "#b06000"],
  ["green", "绿色低碳", "#5f6368"]];
// Request fields as officers call them, for messages about bad input.
const FIELD_ZH = { as_of: "核查基准日", enterprise: "企业", cluster: "集群", q: "查询内容", uscc: "统一社会信用代码",
  scope: "本地范围", page: "页码", per_page: "每页条数", node: "环节", limit: "数量" };
const TARGETS_HINT = "在产业链图中点击一个环节，查看京津招商目标。";
const SVG_NS = "http://www.w3.org/2000/svg";
const USCC_RE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

const state = { clusters: null, cluster: null, chain: null, node: null, scope: "county", firmsPage: 1, places: new Map(),
  hebei: new Map(), cityPoints: new Map(), targets: [] };
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

// A message an officer can act on. The API's own text is shown only when it is already Chinese.
function plainMessage(status, body) {
  const detail = body && (body.detail || body.title);
  const chinese = detail && /[\u4e00-\u9fff]/.test(detail) && !/[A-Za-z]{3,}/.test(detail) ? detail : "";
  const fields = body && Array.isArray(body.errors) ?
    [...new Set(body.errors.map((e) => FIELD_ZH[String(e.field).split(".").pop()]).filter(Boolean))] : [];
  const which = fields.length ? `（请检查：${fields.join("、")}）` : "";
  switch (status) {
    case 401: return "访问密钥无效、已停用或未填写，请在页面右上角重新输入管理员发给您的密钥。";
    case 403: return chinese || "您的密钥没有这项操作的权限，如需办理请联系系统管理员。";
    case 404: return chinese || "没有找到要查的内容，可能编号有误或已被删除。";
    case 409: return chinese || "这项操作与已有记录冲突，请刷新后核对。";
    case 400: case 422: return (chinese || "填写的内容不符合要求") + which + "。";
    case 429: return "查询过于频繁，请稍等一分钟再试。";
    case 503: return "数据库暂时繁忙，请稍后再试。";
    default: return status >= 500 ? "服务器出现故障，请稍后再试；如反复出现请联系系统管理员。" : chinese || `请求未成功（错误代码 ${status}）。`;
  }
}

async function send(path, options = {}) {
  const key = localStorage.getItem(KEY_STORE);
  const headers = { ...(options.headers || {}) };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (options.body) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(API + path, { ...options, headers });
  } catch (err) {
    throw new ApiError("无法连接服务器，请检查网络或稍后再试。");
  }
  if (!response.ok) throw new ApiError(plainMessage(response.status, await response.json().catch(() => null)));
  return response;
}

async function api(path, options = {}) {
  const response = await send(path, { ...options, headers: { Accept: "application/json", ...(options.headers || {}) } });
  return response.status === 204 ? null : response.json();
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
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

// The province's outline as the project can draw it: no boundary polygons with a licence that allows
// redistribution are shipped, so this is the convex hull of the county centroids, widened a little (README).
function hull(points) {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list) => {
    const out = [];
    for (const q of list) {
      while (out.length >= 2 && cross(out[out.length - 2], out[out.length - 1], q) <= 0) out.pop();
      out.push(q);
    }
    return out.slice(0, -1);
  };
  return [...half(p), ...half([...p].reverse())];
}

function widened(ring, by) {
  const cx = ring.reduce((s, q) => s + q[0], 0) / ring.length, cy = ring.reduce((s, q) => s + q[1], 0) / ring.length;
  return ring.map(([x, y]) => {
    const d = Math.hypot(x - cx, y - cy) || 1;
    return [x + (x - cx) / d * by, y + (y - cy) / d * by];
  });
}

// Clusters of one county sit around its centroid, in id order, so each can be clicked.
function spread(features) {
  const byCounty = new Map();
  for (const f of features) {
    if (!f.geometry) continue;
    const list = byCounty.get(f.properties.county) || [];
    list.push(f);
    byCounty.set(f.properties.county, list);
  }
  const at = new Map();
  for (const list of byCounty.values()) {
    list.sort((a, b) => (a.id < b.id ? -1 : 1));
    const [x, y] = project(list[0].geometry.coordinates);
    list.forEach((f, i) => {
      if (list.length === 1) { at.set(f.id, [x, y]); return; }
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / list.length;
      at.set(f.id, [x + 8 * Math.cos(angle), y + 8 * Math.sin(angle)]);
    });
  }
  return at;
}

async function drawMap() {
  const map = $("map");
  map.replaceChildren();
  const [counties, clusters] = await Promise.all([api("/map/counties.geojson"), api("/map/clusters.geojson")]);
  const located = counties.features.filter((f) => f.geometry);
  const ring = widened(hull(located.map((f) => project(f.geometry.coordinates))), 9);
  map.append(svg("path", { class: "outline", d: "M" + ring.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" L") + " Z" }));
  const base = svg("g", { class: "counties" });
  const labels = svg("g", { class: "county-labels" });
  for (const f of located) {
    state.hebei.set(String(f.id), `${f.properties.city_name}${f.properties.name}`);
    const [x, y] = project(f.geometry.coordinates);
    state.cityPoints.set(f.properties.city, [...(state.cityPoints.get(f.properties.city) || []), [x, y]]);
    const dot = svg("circle", { class: "county", cx: x.toFixed(1), cy: y.toFixed(1), r: 1.6 });
    dot.append(svg("title", {}, `${f.properties.city_name}${f.properties.name}：集群${f.properties.clusters}个`));
    base.append(dot);
    if (f.properties.clusters > 0) {
      labels.append(svg("text", { class: "county-label", x: (x + 4).toFixed(1), y: (y + 10).toFixed(1),
        "data-county": f.id }, f.properties.name));
    }
  }
  map.append(base, labels, svg("g", { id: "flows" }));
  for (const [name, lonlat] of [["北京", [116.40, 39.90]], ["天津", [117.20, 39.13]]]) {
    const [x, y] = project(lonlat);
    map.append(svg("text", { class: "capital", x: x + 4, y: y - 4 }, name), svg("circle", { cx: x, cy: y, r: 2.5, class: "capital-dot" }));
  }
  const at = spread(clusters.features);
  const layer = svg("g", { class: "clusters" });
  const names = svg("g", { class: "cluster-labels" });
  for (const f of clusters.features) {
    if (!f.geometry) continue;
    const p = f.properties;
    const [x, y] = at.get(f.id);
    const colour = p.gap > 0 ? "var(--gap)" : (p.bottleneck + p.weak > 0 ? "var(--bottleneck)" : "var(--present)");
    const dot = svg("circle", { class: "cluster", "data-cluster-id": f.id, "data-city": p.city, cx: x.toFixed(1),
      cy: y.toFixed(1), r: (2.5 + Math.sqrt(p.nodes) * 0.8).toFixed(1), "data-r": (2.5 + Math.sqrt(p.nodes) * 0.8).toFixed(1),
      fill: colour, tabindex: 0 });
    dot.append(svg("title", {}, `${p.name}（${p.city_name}${p.county_name}）：缺链${p.gap}、瓶颈${p.bottleneck}、薄弱${p.weak}，本地配套率${percent(p.local_supply_rate)}`));
    const open = () => {
      $("city").value = "";
      fillClusters();
      $("cluster").value = f.id;
      selectCluster(f.id);
    };
    dot.addEventListener("click", open);
    dot.addEventListener("keydown", (ev) => { if (ev.key === "Enter") open(); });
    layer.append(dot);
    names.append(svg("text", { class: "cluster-label", x: (x + 6).toFixed(1), y: (y - 4).toFixed(1),
      "data-cluster-id": f.id, "data-city": p.city }, p.name));
  }
  map.append(layer, names);
  labelClusters();
}

// A chosen city fills the map, so its county and cluster names can be read; the province comes back for flows to
// Beijing and Tianjin. Text and points keep their size on screen whatever the zoom.
const MAP_BOX = [0, 0, 420, 460];
function zoomMap(city) {
  const map = $("map");
  const points = city ? state.cityPoints.get(city) || [] : [];
  let box = MAP_BOX;
  if (points.length) {
    const xs = points.map((q) => q[0]), ys = points.map((q) => q[1]);
    const pad = 14;
    let [x0, y0, x1, y1] = [Math.min(...xs) - pad, Math.min(...ys) - pad, Math.max(...xs) + pad * 3, Math.max(...ys) + pad];
    const aspect = MAP_BOX[2] / MAP_BOX[3];
    if ((x1 - x0) / (y1 - y0) < aspect) { const w = (y1 - y0) * aspect; x0 -= (w - (x1 - x0)) / 2; x1 = x0 + w; }
    else { const h = (x1 - x0) / aspect; y0 -= (h - (y1 - y0)) / 2; y1 = y0 + h; }
    box = [x0, y0, x1 - x0, y1 - y0];
  }
  map.setAttribute("viewBox", box.map((v) => v.toFixed(1)).join(" "));
  map.dataset.zoom = box === MAP_BOX ? "province" : "city";
  const k = MAP_BOX[2] / box[2];  // how much bigger things are drawn than in the province view
  map.style.setProperty("--county-font", `${box === MAP_BOX ? 7 : 10 / k * 1.1}px`);
  map.style.setProperty("--cluster-font", `${box === MAP_BOX ? 9 : 12 / k * 1.1}px`);
  map.style.setProperty("--stroke", `${1 / Math.sqrt(k)}`);
  for (const dot of map.querySelectorAll(".cluster")) dot.setAttribute("r", (dot.dataset.r * Math.min(1, 2.2 / k)).toFixed(2));
}

// Cluster names show for the chosen city (and the chosen cluster): all 59 at once would cover the map.
function labelClusters() {
  const city = $("city").value;
  for (const t of document.querySelectorAll("#map .cluster-label")) {
    t.classList.toggle("shown", t.dataset.clusterId === state.cluster || (city !== "" && t.dataset.city === city));
  }
}

function highlightCluster(id) {
  for (const dot of document.querySelectorAll("#map .cluster")) dot.classList.toggle("selected", dot.dataset.clusterId === id);
  labelClusters();
}

async function drawFlows(clusterId, nodeKey) {
  const g = $("flows");
  if (!g) return;
  g.replaceChildren();
  const flows = await api(`/map/flows.geojson?cluster=${encodeURIComponent(clusterId)}&node=${encodeURIComponent(nodeKey)}&limit=10`);
  if (flows.features.length) zoomMap("");
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
  labelClusters();
  zoomMap(city);
}

async function selectCluster(id) {
  if (!id) return;
  state.cluster = id;
  state.node = null;
  highlightCluster(id);
  // the previous cluster's targets, firms, flows and verdict go at once
  $("targets").hidden = true;
  $("targets-actions").hidden = true;
  $("targets-hint").hidden = false;
  $("targets-hint").textContent = TARGETS_HINT;
  $("targets-title").textContent = "京津招商目标";
  $("firms").hidden = true;
  $("firms-pager").replaceChildren();
  $("firms-title").textContent = "链上企业名录";
  $("firms-hint").hidden = false;
  $("verdict").replaceChildren();
  const flows = $("flows");
  if (flows) flows.replaceChildren();
  say("正在读取产业链……");
  const [chain, intros] = await Promise.all([api(`/clusters/${encodeURIComponent(id)}/chain`),
    api(`/introductions?cluster=${encodeURIComponent(id)}&per_page=50`)]);
  state.chain = chain;
  showChain(chain);
  showIntroductions(intros.items);
  say(`已读取 ${chain.cluster.name}：${chain.nodes.length} 个环节。`);
}

function showChain(chain) {
  const rate = chain.local_supply_rate;
  $("cluster-title").textContent = `${chain.cluster.name} · 产业链全景`;
  const counts = rate.counts || {};
  $("cluster-summary").textContent = `${chain.cluster.county.name}（${chain.cluster.city.name}）· 环节${rate.nodes}个：` +
    `缺链${counts.gap || 0}、瓶颈${counts.bottleneck || 0}、薄弱${counts.weak || 0}、已覆盖${counts.present || 0}；` +
    `环节本地覆盖率${percent(rate.node_coverage)}，本地配套率${percent(rate.supply_share_from_scope)}` +
    (chain.cluster.chain_basis === "template" ? "（链条为行业模板，待本地核实）" : "");
  drawDiagram($("chain"), chain.nodes, chain.edges, `${chain.cluster.name}产业链全景图`);
  // 配套服务体系结构图: the service links and what they serve (二（四）2), drawn the same way
  const services = chain.edges.filter((e) => e.kind === "service");
  const served = new Set(services.flatMap((e) => [e.from, e.to]));
  drawDiagram($("services"), chain.nodes.filter((n) => n.stage === "service" || served.has(n.id)), services,
    `${chain.cluster.name}配套服务体系结构图`);
  $("services-title").textContent = `${chain.cluster.name} · 配套服务体系结构图`;
  $("services-empty").hidden = services.length !== 0;
  $("diagram-tools").hidden = false;
}

// ---- chain diagram ---------------------------------------------------------------------------
// Four columns (上游, 中游, 下游, 配套服务). Every link is drawn orthogonally in the gutters between columns and the
// gaps between rows, so it never passes under a box: forward links leave a box on the right and enter on the left,
// service links enter on the right, links within one stage join neighbouring boxes vertically or loop through the
// column's left gutter. Nodes of a column follow the links within it, then the mean row of what feeds them.
const BOX = { w: 158, line: 16, chars: 9, pad: 10, vgap: 24, top: 40, lane: 6, gutter: 30 };

function wrap(text, chars) {
  const lines = [];
  for (let i = 0; i < text.length; i += chars) lines.push(text.slice(i, i + chars));
  return lines.length ? lines : [""];
}

// The stages the nodes use, in chain order (the 配套服务体系结构图 has no upstream column, for instance).
function stagesOf(nodes) { return STAGES.filter(([stage]) => nodes.some((n) => n.stage === stage)); }

function orderColumns(nodes, edges) {
  const cols = stagesOf(nodes).map(([stage]) => nodes.filter((n) => n.stage === stage));
  const row = new Map();
  cols.forEach((list, c) => {
    const ids = new Set(list.map((n) => n.id));
    const inner = edges.filter((e) => ids.has(e.from) && ids.has(e.to) && e.from !== e.to);
    const indeg = new Map(list.map((n) => [n.id, 0]));
    for (const e of inner) indeg.set(e.to, indeg.get(e.to) + 1);
    const feeders = (n) => edges.filter((e) => e.to === n.id && row.has(e.from)).map((e) => row.get(e.from));
    const weight = (n) => { const f = feeders(n); return f.length ? f.reduce((a, b) => a + b, 0) / f.length : list.indexOf(n); };
    const left = [...list];
    let r = 0;
    while (left.length) {
      const ready = left.filter((n) => indeg.get(n.id) === 0);
      const pick = (ready.length ? ready : left).sort((a, b) => weight(a) - weight(b) || (a.id < b.id ? -1 : 1))[0];
      left.splice(left.indexOf(pick), 1);
      row.set(pick.id, r++);
      for (const e of inner) if (e.from === pick.id) indeg.set(e.to, indeg.get(e.to) - 1);
    }
    cols[c] = list.sort((a, b) => row.get(a.id) - row.get(b.id));
  });
  return cols;
}

function layout(nodes, edges) {
  const cols = orderColumns(nodes, edges);
  const lines = Math.max(1, ...nodes.map((n) => wrap(n.name, BOX.chars).length));
  const h = BOX.pad * 2 + BOX.line * (lines + 1);
  const rows = Math.max(1, ...cols.map((c) => c.length));
  const at = new Map();
  cols.forEach((list, c) => list.forEach((n, r) => at.set(n.id, { node: n, col: c, row: r })));
  const routes = edges.filter((e) => at.has(e.from) && at.has(e.to)).map((e) => {
    const a = at.get(e.from), b = at.get(e.to);
    let kind;
    if (a.col === b.col) kind = Math.abs(a.row - b.row) === 1 ? "vertical" : "loop";
    else kind = b.col > a.col ? "forward" : "backward";
    return { e, a, b, kind };
  });
  // lanes: each route that runs vertically in a gutter gets its own lane there; gutter g lies left of column g
  const lanes = Array.from({ length: cols.length + 1 }, () => 0);
  const take = (g) => lanes[g]++;
  for (const r of routes) {
    if (r.kind === "loop") r.g1 = take(r.a.col);
    if (r.kind === "forward") { r.g1 = take(r.a.col + 1); if (r.b.col - r.a.col > 1) r.g2 = take(r.b.col); }
    if (r.kind === "backward") { r.g1 = take(r.a.col); if (r.a.col - r.b.col > 1) r.g2 = take(r.b.col + 1); }
  }
  const gutter = lanes.map((n) => Math.max(BOX.gutter, 16 + n * BOX.lane));
  const x = [];
  let cursor = gutter[0];
  for (let c = 0; c < cols.length; c++) { x.push(cursor); cursor += BOX.w + gutter[c + 1]; }
  const y = (r) => BOX.top + r * (h + BOX.vgap);
  for (const p of at.values()) { p.x = x[p.col]; p.y = y(p.row); }
  // the horizontal channel between rows k-1 and k (k = 0: above the first row)
  const channel = (k) => BOX.top + k * (h + BOX.vgap) - BOX.vgap / 2;
  const laneX = (g, lane) => (g === 0 ? 0 : x[g - 1] + BOX.w) + 8 + lane * BOX.lane;
  const channels = new Map();
  const channelY = (k) => {
    const used = channels.get(k) || 0;
    channels.set(k, used + 1);
    return channel(k) - 6 + (used % 4) * 4;
  };
  // ports: the links on one side of a box share it evenly, ordered by where their other end is
  const ports = new Map();
  const port = (p, side, r, other) => {
    const k = `${p.node.id}|${side}`;
    if (!ports.has(k)) ports.set(k, []);
    ports.get(k).push({ r, other });
  };
  for (const r of routes) {
    if (r.kind === "forward") { port(r.a, "r", r, r.b); port(r.b, "l", r, r.a); }
    if (r.kind === "backward") { port(r.a, "l", r, r.b); port(r.b, "r", r, r.a); }
    if (r.kind === "loop") { port(r.a, "l", r, r.b); port(r.b, "l", r, r.a); }
    if (r.kind === "vertical") { port(r.a, r.a.row < r.b.row ? "b" : "t", r, r.b); port(r.b, r.a.row < r.b.row ? "t" : "b", r, r.a); }
  }
  const spot = new Map();
  for (const [k, list] of ports) {
    const [id, side] = k.split("|");
    const p = [...at.values()].find((q) => q.node.id === id);
    list.sort((u, v) => (u.other.y - v.other.y) || (u.other.x - v.other.x));
    list.forEach(({ r }, i) => {
      const f = (i + 1) / (list.length + 1);
      const pt = side === "l" ? [p.x, p.y + h * f] : side === "r" ? [p.x + BOX.w, p.y + h * f] :
        side === "t" ? [p.x + BOX.w * f, p.y] : [p.x + BOX.w * f, p.y + h];
      spot.set(`${r.e.from}>${r.e.to}|${r.a === p ? "a" : "b"}`, pt);
    });
  }
  for (const r of routes) {
    const P = spot.get(`${r.e.from}>${r.e.to}|a`), Q = spot.get(`${r.e.from}>${r.e.to}|b`);
    let pts;
    if (r.kind === "vertical") pts = [P, Q];
    else if (r.kind === "loop") { const lx = laneX(r.a.col, r.g1); pts = [P, [lx, P[1]], [lx, Q[1]], Q]; }
    else {
      const forward = r.kind === "forward";
      const g1 = forward ? r.a.col + 1 : r.a.col;
      const l1 = laneX(g1, r.g1);
      if (r.g2 === undefined) pts = [P, [l1, P[1]], [l1, Q[1]], Q];
      else {
        const g2 = forward ? r.b.col : r.b.col + 1;
        const l2 = laneX(g2, r.g2);
        const cy = channelY(Math.min(Math.round((r.a.row + r.b.row + 1) / 2), rows));
        pts = [P, [l1, P[1]], [l1, cy], [l2, cy], [l2, Q[1]], Q];
      }
    }
    r.d = "M" + pts.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" L");
  }
  const width = cursor;
  const height = BOX.top + rows * (h + BOX.vgap) + 4;
  return { at, routes, h, x, width, height };
}

function drawDiagram(chart, nodes, edges, title) {
  chart.replaceChildren();
  const L = layout(nodes, edges);
  chart.setAttribute("viewBox", `0 0 ${L.width} ${L.height}`);
  chart.setAttribute("data-width", String(L.width));
  chart.setAttribute("data-height", String(L.height));
  chart.style.maxWidth = `${L.width}px`;
  chart.append(svg("title", {}, title));
  const defs = svg("defs");
  const marker = svg("marker", { id: `${chart.id}-arrow`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7,
    markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svg("path", { class: "arrow", d: "M0,0 L10,5 L0,10 z" }));
  defs.append(marker);
  chart.append(defs, svg("rect", { class: "paper", x: 0, y: 0, width: L.width, height: L.height }));
  stagesOf(nodes).forEach(([, label], c) => chart.append(svg("text", { class: "stage", x: L.x[c], y: 20 }, label)));
  const names = new Map(nodes.map((n) => [n.id, n.name]));
  const group = svg("g", { class: "edges" });
  for (const r of L.routes) {
    const path = svg("path", { class: `edge ${r.e.kind === "service" ? "service" : "feeds"}`, d: r.d,
      "marker-end": `url(#${chart.id}-arrow)`, "data-from": r.e.from, "data-to": r.e.to, "data-route": r.kind });
    path.append(svg("title", {}, `${names.get(r.e.from)} → ${names.get(r.e.to)}（${EDGE_ZH[r.e.kind] || "关联"}）`));
    group.append(path);
  }
  chart.append(group);
  for (const [id, p] of L.at) {
    const n = p.node;
    const g = svg("g", { class: `node status-${n.status}`, "data-node-id": id, "data-node-key": n.key,
      "data-status": n.status, "data-actionable": "true", transform: `translate(${p.x},${p.y})`, tabindex: 0, role: "button" });
    g.append(svg("title", {}, evidenceText(n)));
    g.append(svg("rect", { width: BOX.w, height: L.h, rx: 6 }));
    const label = svg("text", { class: "name", x: 8, y: BOX.pad + 12 });
    wrap(n.name, BOX.chars).forEach((line, i) => label.append(svg("tspan", { x: 8, dy: i === 0 ? 0 : BOX.line }, line)));
    g.append(label);
    g.append(svg("text", { class: "meta", x: 8, y: L.h - BOX.pad }, `${STATUS_ZH[n.status]} · ${n.industry_codes.join("/")}`));
    g.addEventListener("mouseenter", () => showEvidence(n));
    g.addEventListener("focus", () => showEvidence(n));
    g.addEventListener("click", () => selectNode(n));
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") selectNode(n); });
    chart.append(g);
  }
}

function evidenceLines(n) {
  const ev = n.evidence || {};
  const lines = [`${n.name}（${STATUS_ZH[n.status]}）`, `行业代码（国民经济行业分类）：${n.industry_codes.join("、")}`,
    `本地活跃市场主体：${ev.local_entities ?? 0}家`];
  const types = Object.entries(ev.by_entity_type || {}).map(([t, c]) => `${ENTITY_ZH[t] || "其他主体"}${c}家`).join("，");
  if (types) lines.push(`主体类型：${types}`);
  lines.push(`流入协作配套关系：${ev.inbound_supplies ?? 0}项，其中来自省外${ev.inbound_from_outside_province ?? 0}项（${percent(ev.outside_province_share)}）`);
  if (ev.single_supplier) lines.push(`唯一本地供应主体：${ev.single_supplier.name}，服务本地客户${ev.single_supplier.local_customers}家`);
  // The analysis's own reasons (how the link was counted, a code shared with another link, the mark): the numbers
  // above alone read as false for a link counted only by its attached firms.
  const reasons = ev.reasons || [];
  for (const r of reasons) lines.push(`判定依据：${r}`);
  const cited = n.mark && n.mark.reason && reasons.some((r) => r.includes(n.mark.reason));
  if (n.mark && n.mark.value && n.mark.value !== "none" && !cited) {
    // seeded marks cite a source (or were inferred from it); no person made them
    const who = { "公开来源": "据公开来源标注", "据公开来源推断": "据公开来源推断" }[n.mark.by] || "人工标注";
    lines.push(`${who}：${STATUS_ZH[n.mark.value] || "已标注"}——${n.mark.reason || ""}`);
  }
  return lines;
}

function evidenceText(n) { return evidenceLines(n).join("\n"); }

function showEvidence(n) {
  const box = $("evidence");
  box.replaceChildren(...evidenceLines(n).map((line, i) => i === 0 ? el("strong", {}, line) : el("div", {}, line)));
}

// ---- download and print ----------------------------------------------------------------------
// The diagram as a file stands alone: the console's styles for it are copied into the SVG.
function standalone(chart) {
  const copy = chart.cloneNode(true);
  const rules = [];
  for (const sheet of document.styleSheets) {
    for (const rule of sheet.cssRules) if (rule.selectorText && /#chain|#services|:root/.test(rule.selectorText)) rules.push(rule.cssText);
  }
  const style = document.createElementNS(SVG_NS, "style");
  style.textContent = rules.join("\n").replaceAll(`#${chart.id} `, "").replace(/:root/g, "svg");
  copy.insertBefore(style, copy.firstChild);
  copy.setAttribute("xmlns", SVG_NS);
  copy.setAttribute("width", chart.dataset.width);
  copy.setAttribute("height", chart.dataset.height);
  copy.removeAttribute("style");
  return new XMLSerializer().serializeToString(copy);
}

function diagramName(chart) { return chart.querySelector("title").textContent; }

function downloadSvg(chart) {
  download(new Blob([standalone(chart)], { type: "image/svg+xml" }), `${diagramName(chart)}.svg`);
}

async function downloadPng(chart) {
  const text = standalone(chart);
  const image = new Image();
  image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
  await image.decode();
  const scale = 2;  // sharp enough to print or paste into a report
  const canvas = el("canvas", { width: chart.dataset.width * scale, height: chart.dataset.height * scale });
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  download(blob, `${diagramName(chart)}.png`);
}

function printDiagram(which) {
  document.body.dataset.print = which;
  window.print();
}

// ---- 链上企业名录 ------------------------------------------------------------------------------
async function showFirms(n, pageNumber = 1) {
  state.firmsPage = pageNumber;
  const scope = $("firm-scope").value;
  const path = `/clusters/${encodeURIComponent(state.cluster)}/nodes/${encodeURIComponent(n.key)}/enterprises` +
    `?scope=${scope}&page=${pageNumber}&per_page=20`;
  const page = await api(path);
  $("firms-title").textContent = `链上企业名录 · ${n.name}（${SCOPE_ZH[scope]}）`;
  const body = $("firms").querySelector("tbody");
  body.replaceChildren(...page.items.map((f, i) => {
    const open = el("button", { type: "button", class: "link", "data-uscc": f.uscc }, f.name);
    open.addEventListener("click", () => showProfile(f.uscc));
    return el("tr", { "data-uscc": f.uscc },
      el("td", {}, (pageNumber - 1) * page.per_page + i + 1),
      el("td", {}, open, el("br"), el("small", {}, f.uscc)),
      el("td", {}, ENTITY_ZH[f.entity_type] || "其他主体"),
      el("td", {}, f.region_name || f.region),
      el("td", { class: "num" }, f.revenue_cny === null ? "—" : `${wan(f.revenue_cny)}（${f.revenue_year}年）`),
      el("td", { class: "num" }, f.partners),
      el("td", {}, f.attached ? "已挂接本环节" : "按行业代码计入"));
  }));
  $("firms").hidden = page.items.length === 0;
  $("firms-hint").hidden = false;
  $("firms-hint").textContent = page.total === 0 ? `${SCOPE_ZH[scope]}范围内没有该环节的活跃市场主体。` :
    `${SCOPE_ZH[scope]}范围内共${page.total}家活跃市场主体（按最近年度营业收入从高到低）。点击企业名称查看企业画像。`;
  pager($("firms-pager"), page, (p) => guard(showFirms)(n, p));
}

function pager(box, page, go) {
  const pages = Math.max(1, Math.ceil(page.total / page.per_page));
  box.replaceChildren();
  if (pages <= 1) return;
  const prev = el("button", { type: "button" }, "上一页");
  const next = el("button", { type: "button" }, "下一页");
  prev.disabled = page.page <= 1;
  next.disabled = page.page >= pages;
  prev.addEventListener("click", () => go(page.page - 1));
  next.addEventListener("click", () => go(page.page + 1));
  box.append(prev, el("span", {}, ` 第${page.page}页，共${pages}页 `), next);
}

// ---- 企业画像 ----------------------------------------------------------------------------------
async function showProfile(uscc) {
  say("正在读取企业画像……");
  const [firm, partners, intros] = await Promise.all([api(`/enterprises/${encodeURIComponent(uscc)}`),
    api(`/enterprises/${encodeURIComponent(uscc)}/partners`), api(`/introductions?enterprise=${encodeURIComponent(uscc)}&per_page=50`)]);
  // reward checks are for analysts and above: a viewer's key sees the rest of the profile
  const checks = await api(`/reward-checks?enterprise=${encodeURIComponent(uscc)}&per_page=20`).catch((err) => err);
  const box = $("profile");
  const years = Object.keys(firm.revenue_cny).sort();
  const reg = [["统一社会信用代码", firm.uscc], ["主体类型", ENTITY_ZH[firm.entity_type] || "其他主体"],
    ["登记状态", FIRM_STATUS_ZH[firm.status] || "—"], ["所在地", firm.region_name || firm.region],
    ["成立日期", firm.registered_on || "—"], ["主要产品", firm.products || "—"],
    ["数据来源", firm.synthetic ? "合成样例数据（非真实企业）" : "登记或导入数据"]];
  const checkRows = checks instanceof Error ? [el("tr", {}, el("td", { colspan: "4" }, "查看奖励核查记录需要分析员及以上权限的密钥。"))] :
    checks.items.map((c) => el("tr", { "data-check": c.id }, el("td", {}, c.checked_at.slice(0, 10)), el("td", {}, c.as_of),
      el("td", {}, OUTCOME_ZH[c.outcome] || "—"), el("td", {}, c.grant ? "已奖励" : "未奖励")));
  box.replaceChildren(
    el("h3", { id: "profile-name" }, firm.name),
    el("dl", { class: "facts" }, ...reg.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
    el("h4", {}, "历年营业收入"),
    years.length ? el("table", { class: "compact", id: "profile-revenue" },
      el("thead", {}, el("tr", {}, ...years.map((y) => el("th", {}, `${y}年`)))),
      el("tbody", {}, el("tr", {}, ...years.map((y) => el("td", { class: "num" }, wan(firm.revenue_cny[y])))))) :
      el("p", { class: "hint" }, "暂无营业收入数据。"),
    el("h4", {}, "所在产业链环节"),
    firm.chain_nodes_named.length ? el("ul", { id: "profile-nodes" }, ...firm.chain_nodes_named.map((n) => el("li", {}, `${n.cluster_name} · ${n.name}`))) :
      el("p", { class: "hint" }, "未挂接产业链环节（按行业代码计入的不在此列）。"),
    el("h4", {}, `协作配套伙伴（${partners.items.length}家）`),
    table("profile-partners", ["伙伴", "所在地", "协作关系", "起始日期", "截止日期"], partners.items.map((p) =>
      [p.partner_name || p.partner, p.partner_region ? regionName(p.partner_region) : "—", RELATION_ZH[p.relation] || "协作配套",
        p.since, p.until || "—"])),
    el("h4", {}, `招商引进项目（${intros.total}项）`),
    table("profile-intros", ["集群", "来源地", "引进日期", "阶段"], intros.items.map((i) =>
      [i.cluster_name || i.cluster, regionName(i.origin_region), i.introduced_on, INTRO_STAGE_ZH[i.stage] || "—"])),
    el("h4", {}, "奖励核查记录"),
    el("table", { class: "compact", id: "profile-checks" }, el("thead", {}, el("tr", {}, ...["核查日期", "核查基准日", "结论", "奖励"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...(checkRows.length ? checkRows : [el("tr", {}, el("td", { colspan: "4" }, "无"))]))));
  $("profile-panel").hidden = false;
  $("profile-panel").scrollIntoView({ block: "nearest" });
  say(`已打开企业画像：${firm.name}。`);
}

// A place by name: Beijing and Tianjin districts, Hebei counties (from the map's layer), else its code.
function regionName(adcode) { return state.places.get(adcode) ? place(adcode) : state.hebei.get(adcode) || adcode; }

function table(id, header, rows) {
  return el("table", { class: "compact", id }, el("thead", {}, el("tr", {}, ...header.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...(rows.length ? rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c)))) :
      [el("tr", {}, el("td", { colspan: String(header.length) }, "无"))])));
}

async function searchFirms(text) {
  const q = text.trim().toUpperCase();
  if (!q) return;
  if (USCC_RE.test(q)) { await showProfile(q); return; }
  const page = await api(`/enterprises?q=${encodeURIComponent(text.trim())}&status=active&per_page=20`);
  const list = $("search-results");
  list.replaceChildren(...page.items.map((f) => {
    const open = el("button", { type: "button", class: "link", "data-uscc": f.uscc }, f.name);
    open.addEventListener("click", () => guard(showProfile)(f.uscc));
    return el("li", {}, open, " ", el("small", {}, f.uscc));
  }));
  $("search-hint").textContent = page.total === 0 ? "没有名称含该内容的存续企业。" :
    `找到${page.total}家${page.total > 20 ? "，显示前20家，请输入更完整的名称" : ""}。`;
}

// ---- recommendations -------------------------------------------------------------------------
async function selectNode(n) {
  state.node = n;
  for (const g of document.querySelectorAll("#chain .node")) g.classList.toggle("selected", g.dataset.nodeId === n.id);
  showEvidence(n);
  $("targets-title").textContent = `京津招商目标 · ${n.name}（${STATUS_ZH[n.status]}）`;
  $("targets").hidden = true;
  $("targets-actions").hidden = true;
  const flows = $("flows");
  if (flows) flows.replaceChildren();
  if (n.status === "present") {
    // a covered link: its firms at once, Beijing/Tianjin targets (强链) only when asked, as they take a while
    const ask = el("button", { type: "button", id: "targets-ask" }, "检索京津强链目标");
    ask.addEventListener("click", () => guard(loadTargets)(n));
    $("targets-hint").hidden = false;
    $("targets-hint").replaceChildren("该环节本地已覆盖。如需强链招商，可检索京津企业：", ask);
    say(`正在读取“${n.name}”的链上企业……`);
    await showFirms(n, 1);
    say(`已读取“${n.name}”的链上企业。`);
    return;
  }
  await Promise.all([loadTargets(n), showFirms(n, 1)]);
}

async function loadTargets(n) {
  say(`正在为“${n.name}”检索京津招商目标……`);
  const [result] = await Promise.all([
    api(`/clusters/${encodeURIComponent(state.cluster)}/recommendations?node=${encodeURIComponent(n.key)}&limit=10`),
    drawFlows(state.cluster, n.key),
  ]);
  if (state.node !== n) return;  // the officer has moved on to another node meanwhile
  showTargets(n, result);
  say(`“${n.name}”：${result.items.length} 个京津招商目标。`);
}

function scoreBar(item) {
  const bar = el("div", { class: "bar", role: "img", "data-score": String(item.score),
    "aria-label": `得分${item.score.toFixed(3)}，满分1` });
  for (const [key, label, colour] of FEATURES) {
    const v = item.breakdown[key] || 0;
    if (v <= 0) continue;
    const part = el("span", { class: "part", "data-feature": key, "data-value": String(v), title: `${label}：${v.toFixed(3)}` });
    part.style.width = `${(v * 100).toFixed(3)}%`;
    part.style.background = colour;
    bar.append(part);
  }
  const parts = el("ul", { class: "parts" }, ...FEATURES.filter(([key]) => (item.breakdown[key] || 0) > 0)
    .map(([key, label, colour]) => {
      const swatch = el("i", {});
      swatch.style.background = colour;
      return el("li", {}, swatch, `${label} ${item.breakdown[key].toFixed(3)}`);
    }));
  return [el("strong", {}, item.score.toFixed(3)), el("small", {}, " / 满分1"), bar, parts];
}

function showTargets(n, result) {
  state.targets = result.items;
  const body = $("targets").querySelector("tbody");
  body.replaceChildren();
  const projects = window.chainmapProjects;
  result.items.forEach((item, i) => {
    const o = item.reward_outlook;
    const outlook = o.likely_eligible ? el("span", { class: "yes" }, "有望符合") :
      el("span", { class: o.revenue_ok === null ? "unknown" : "no" }, o.revenue_ok === null ? "营收待核实" : "暂不符合");
    const action = el("td", {});
    if (projects && typeof projects.addLead === "function") {
      const add = el("button", { type: "button", class: "add-lead" }, "加入招商线索");
      add.addEventListener("click", () => guard(async () => {
        await projects.addLead({ cluster: state.cluster, node: n.key, enterprise: item.enterprise.uscc });
        add.disabled = true;
        add.textContent = "已加入线索";
        say(`已将“${item.enterprise.name}”加入招商线索。`);
      })());
      action.append(add);
    }
    body.append(el("tr", { "data-uscc": item.enterprise.uscc },
      el("td", {}, i + 1),
      el("td", {}, item.enterprise.name, el("br"), el("small", {}, item.enterprise.uscc)),
      el("td", {}, place(item.enterprise.region), el("br"), el("small", {}, `距集群约${Math.round(item.distance_km)}公里`)),
      el("td", { class: "score" }, ...scoreBar(item)),
      el("td", { class: "reasons" }, el("ul", {}, ...item.reasons.map((r) => el("li", {}, r)))),
      el("td", { class: "cautions" }, item.cautions.length ? el("ul", {}, ...item.cautions.map((r) => el("li", { class: "caution" }, r))) : "—"),
      el("td", {}, outlook, el("br"), el("small", {}, `可协作本地主体${o.potential_local_partners}家`)),
      action));
  });
  $("targets").hidden = result.items.length === 0;
  $("targets-actions").hidden = result.items.length === 0;
  const common = (result.common_reasons || {})[n.id] || [];
  $("targets-hint").hidden = result.items.length !== 0 && common.length === 0;
  $("targets-hint").textContent = result.items.length === 0 ? "未找到符合条件的京津企业。" : `以下目标共同点：${common.join("；")}`;
}

async function exportTargets() {
  const n = state.node;
  const response = await send(`/clusters/${encodeURIComponent(state.cluster)}/recommendations?node=${encodeURIComponent(n.key)}` +
    "&limit=10&format=xlsx");
  download(await response.blob(), `京津招商目标-${state.chain.cluster.name}-${n.name}.xlsx`);
}

// ---- reward checks ---------------------------------------------------------------------------
function showIntroductions(items) {
  const body = $("introductions").querySelector("tbody");
  body.replaceChildren();
  for (const intro of items) {
    const button = el("button", { type: "button", "data-enterprise": intro.enterprise }, "核查奖励条件");
    button.addEventListener("click", () => runCheck(intro));
    body.append(el("tr", {}, el("td", {}, intro.enterprise_name || intro.enterprise, el("br"), el("small", {}, intro.enterprise)),
      el("td", {}, place(intro.origin_region)), el("td", {}, intro.introduced_on), el("td", {}, INTRO_STAGE_ZH[intro.stage] || "—"), el("td", {}, button)));
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
  say(`核查完成：${check.outcome_name || OUTCOME_ZH[check.outcome] || "已完成"}。`);
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
    el("td", {}, c.name || RULE_ZH[c.rule] || "条件"), el("td", { class: c.status === "passed" ? "yes" : c.status === "failed" ? "no" : "unknown" }, c.status_name || CHECK_ZH[c.status] || "待核实"),
    el("td", {}, c.message), el("td", {}, c.reference)));
  const counted = check.partners.counted.map((p, i) => el("tr", {}, el("td", {}, i + 1), el("td", {}, p.name || ""), el("td", {}, p.uscc),
    el("td", {}, p.entity_type_name || ENTITY_ZH[p.entity_type] || ""), el("td", {}, p.relation_name || RELATION_ZH[p.relation] || "协作配套"), el("td", {}, p.since)));
  const excluded = check.partners.excluded.map((p, i) => el("tr", {}, el("td", {}, i + 1), el("td", {}, p.name || ""), el("td", {}, p.uscc),
    el("td", {}, p.reason)));
  const html = el("button", { type: "button", id: "form-html" }, "打印奖励核定表");
  const xlsx = el("button", { type: "button", id: "form-xlsx" }, "下载核定表（电子表格）");
  html.addEventListener("click", () => guard(openForm)(check.id, "html"));
  xlsx.addEventListener("click", () => guard(openForm)(check.id, "xlsx"));
  verdict.replaceChildren(
    el("h3", {}, `${check.enterprise.name || intro.enterprise}：`, el("span", { class: cls, id: "outcome", "data-outcome": check.outcome }, check.outcome_name || OUTCOME_ZH[check.outcome] || "—"),
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
  const response = await send(`/reward-checks/${encodeURIComponent(checkId)}/form?format=${format}`);
  const blob = await response.blob();
  if (format === "html") {
    const url = URL.createObjectURL(blob);
    window.open(url, "_blank");
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } else {
    download(blob, `奖励核定表-${checkId}.xlsx`);
  }
}

async function showHistory(intro) {
  const query = new URLSearchParams({ enterprise: intro.enterprise, cluster: intro.cluster, per_page: "20" });
  const page = await api(`/reward-checks?${query}`);
  const rows = page.items.map((c) => {
    const html = el("button", { type: "button" }, "核定表");
    html.addEventListener("click", () => guard(openForm)(c.id, "html"));
    return el("tr", { "data-check": c.id }, el("td", {}, c.checked_at.slice(0, 10)), el("td", {}, c.as_of),
      el("td", {}, OUTCOME_ZH[c.outcome] || "—"), el("td", {}, c.grant ? `已奖励（${c.grant}）` : "—"), el("td", {}, c.id), el("td", {}, html));
  });
  $("history").replaceChildren(el("h4", {}, `核查与奖励记录（共${page.total}次）`),
    el("table", { id: "history-table" }, el("thead", {}, el("tr", {}, ...["核查日期", "核查基准日", "结论", "奖励", "核查编号", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...rows)));
}

// ---- start -----------------------------------------------------------------------------------
async function start() {
  if (!localStorage.getItem(KEY_STORE)) {
    say("请在右上角输入访问密钥后开始使用（密钥由本单位系统管理员发放）。");
    return;
  }
  say("正在读取集群……");
  // the map's points open clusters through the pickers, so the pickers are filled first
  await Promise.all([loadClusters().then(drawMap), loadPlaces()]);
  say(`共 ${state.clusters.length} 个县域特色产业集群。请选择城市和集群。`);
}

function guard(fn) {
  return (...args) => fn(...args).catch((err) => {
    if (!(err instanceof ApiError)) console.error(err);  // for whoever maintains the page; the officer reads Chinese
    say(err instanceof ApiError ? err.message : "页面出现错误，请刷新后重试；如反复出现请联系系统管理员。", true);
  });
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
  showProfile = guard(showProfile);
  $("as-of").value = new Date().toISOString().slice(0, 10);
  $("cluster").addEventListener("change", (ev) => selectCluster(ev.target.value));
  $("firm-scope").addEventListener("change", () => { if (state.node) guard(showFirms)(state.node, 1); });
  $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); guard(searchFirms)($("search").value); });
  $("targets-export").addEventListener("click", () => guard(exportTargets)());
  $("print-chain").addEventListener("click", () => printDiagram("chain"));
  $("print-services").addEventListener("click", () => printDiagram("services"));
  $("svg-chain").addEventListener("click", () => downloadSvg($("chain")));
  $("png-chain").addEventListener("click", () => guard(downloadPng)($("chain")));
  $("svg-services").addEventListener("click", () => downloadSvg($("services")));
  $("png-services").addEventListener("click", () => guard(downloadPng)($("services")));
  window.addEventListener("afterprint", () => { delete document.body.dataset.print; });
  guard(start)();
});
