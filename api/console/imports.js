// 数据导入 (issue 17): an editor uploads an officer's file through POST /api/v1/imports — a dry run first, its
// report in Chinese, then 确认导入 with the same file and options. Loaded after console.js, whose helpers it uses
// (el, api, say, guard, download, plainMessage, ApiError, showProfile…); kept apart so the import screen can change
// without touching the rest of the console.
"use strict";

const IMPORT_KINDS = { registry: "registry", "above-scale": "registry", partners: "partners" };
// The import profiles' Chinese titles by code (from GET /imports): the API's texts name them by code.
const PROFILE_ZH = {};
const MAX_UPLOAD = 4 * 1024 * 1024;  // the API's request limit (api/__init__.py)
const SHOWN_REFUSALS = 20;
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
Object.assign(FIELD_ZH, { file: "文件", kind: "文件类型", profile: "导入模板" });

const upload = { file: null, kind: "registry", partial: false, last: null };

// A text may name a profile by its code (the list of those the API takes); an officer reads titles, and the
// checkbox for a partial import.
function importText(text) {
  let out = String(text ?? "");
  for (const [code, title] of Object.entries(PROFILE_ZH)) out = out.split(code).join(`“${title}”`);
  return out.replace(/或选择部分导入，只导入无误的行和字段/, "或勾选“只导入无误的行”后重试");
}

async function postImport(fields, file) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  if (file) body.append("file", file, file.name);
  const key = localStorage.getItem(KEY_STORE);
  let response;
  try {
    response = await fetch(`${API}/imports`, { method: "POST", body, headers: key ? { Authorization: `Bearer ${key}` } : {} });
  } catch (err) {
    throw new ApiError("无法连接服务器，请检查网络或稍后再试。");
  }
  return response;
}

async function importFailure(response) {
  const problem = await response.json().catch(() => null);
  if (problem && response.status === 422 && problem.detail) {
    const text = importText(problem.detail);
    if (!/[A-Za-z]{3,}/.test(text)) return new ApiError(`无法导入：${text}`);
  }
  return new ApiError(plainMessage(response.status, problem));
}

// Whether this key may upload (GET /imports), and the file layouts' titles for the report.
async function probeImports() {
  const panel = $("imports-panel");
  if (!localStorage.getItem(KEY_STORE)) { panel.hidden = true; return; }
  const access = await api("/imports").catch((err) => { panel.hidden = true; throw err; });
  for (const p of access.profiles) PROFILE_ZH[p.name] = p.title;
  panel.hidden = false;
  $("import-form").hidden = !access.may_import;
  $("imports-locked").hidden = access.may_import;
}

async function runImport(dryRun) {
  const file = upload.file;
  if (!file) { say("请先选择要上传的文件。", true); return; }
  if (file.size > MAX_UPLOAD) { say("文件超过4兆字节，请拆分后分批上传。", true); return; }
  say(dryRun ? `正在试运行“${file.name}”……` : `正在导入“${file.name}”……`);
  $("import-try").disabled = true;
  try {
    // A real run's report comes with its workbook (format both): running it again would find everything 未变.
    const response = await postImport({ kind: upload.kind, dry_run: String(dryRun), partial: String(upload.partial),
      format: dryRun ? "json" : "both" }, file);
    if (!response.ok) {
      // Said where the officer is looking (the header's status line is a screen above the form), then as usual.
      const failure = await importFailure(response);
      const box = $("import-report");
      box.replaceChildren(el("p", { id: "import-refused", class: "refused", role: "alert" }, failure.message));
      box.scrollIntoView({ block: "nearest" });
      throw failure;
    }
    const report = await response.json();
    showImportReport(report);
    say(report.written ? `“${file.name}”已导入。` : dryRun ? `“${file.name}”试运行完成，请核对后确认导入。` :
      `“${file.name}”未写入，请查看导入报告。`, !report.written && !dryRun);
  } finally {
    $("import-try").disabled = false;
  }
}

async function downloadImportReport() {
  const file = upload.file, last = upload.last;
  const name = `导入报告（${last && !last.dry_run ? "导入" : "试运行"}）-${file.name.replace(/\.[^.]+$/, "")}.xlsx`;
  if (last && last.xlsx) {  // the real run's own workbook
    const bytes = Uint8Array.from(atob(last.xlsx), (ch) => ch.charCodeAt(0));
    download(new Blob([bytes], { type: XLSX_TYPE }), name);
    return;
  }
  const response = await postImport({ kind: upload.kind, dry_run: "true", partial: String(upload.partial), format: "xlsx" }, file);
  if (!response.ok) throw await importFailure(response);
  download(await response.blob(), name);
}

function importOutcome(r) {
  if (r.written) return r.counts.rejected ? "已写入（部分导入：被拒绝的行或字段未写入）" : "已写入";
  if (r.dry_run) return "试运行：未写入任何数据";
  return "未写入：文件中有被拒绝的行或字段，整个文件未导入";
}

function showImportReport(r) {
  upload.last = r;
  const box = $("import-report");
  const c = r.counts;
  const counts = [["created", "新增"], ["updated", "更新"], ["unchanged", "未变"], ["rejected", "拒绝"], ["conflicts", "冲突"]];
  const refused = r.rejected.slice(0, SHOWN_REFUSALS).map((x) => el("tr", {}, el("td", { class: "num" }, x.line),
    el("td", {}, x.field || "—"), el("td", {}, importText(x.reason)), el("td", {}, x.fatal ? "整行未导入" : "该字段未导入")));
  const parts = [
    el("h3", {}, `${r.file}：`, el("span", { id: "import-outcome", class: r.written ? "yes" : r.dry_run ? "unknown" : "no" },
      importOutcome(r))),
    el("p", { class: "hint" }, `${importText(r.profile_choice)} · 读取${r.rows_read}行${r.empty_rows ? `，空行${r.empty_rows}行已跳过` : ""}`),
    el("ul", { id: "import-counts", class: "counts" }, ...counts.map(([k, label]) =>
      el("li", { "data-count": k }, el("strong", {}, c[k] || 0), ` ${label}`))),
    ...r.messages.map((m) => el("p", { class: "hint" }, `注：${importText(m)}`)),
  ];
  if (r.rejected.length) {
    parts.push(el("h4", {}, r.rejected.length > SHOWN_REFUSALS ?
      `被拒绝的行和字段（共${r.rejected.length}条，下面是前${SHOWN_REFUSALS}条，完整清单见导入报告）` : `被拒绝的行和字段（${r.rejected.length}条）`),
    el("table", { id: "import-rejected", class: "compact" },
      el("thead", {}, el("tr", {}, ...["行号", "字段", "原因", "处理"].map((h) => el("th", {}, h)))), el("tbody", {}, ...refused)));
  }
  const actions = el("p", { class: "row" });
  const sheet = el("button", { type: "button", id: "import-xlsx" }, "下载导入报告（电子表格）");
  sheet.addEventListener("click", () => guard(downloadImportReport)());
  if (r.dry_run) {
    const blocked = r.rejected.length > 0 && !r.partial;
    const confirm = el("button", { type: "button", id: "import-confirm" }, "确认导入");
    confirm.disabled = blocked || c.created + c.updated === 0;
    confirm.addEventListener("click", () => guard(runImport)(false));
    actions.append(confirm, sheet);
    if (blocked) {
      actions.append(el("span", { class: "hint" }, "文件中有被拒绝的行或字段：整文件导入时不会写入任何数据。请修改文件后重新试运行，或勾选“只导入无误的行”。"));
    } else if (c.created + c.updated === 0) {
      actions.append(el("span", { class: "hint" }, "没有需要新增或更新的企业。"));
    }
  } else {
    actions.append(sheet);
  }
  if (!r.dry_run && r.written && r.created.length + r.updated.length) {
    const firms = [...r.created, ...r.updated].filter((x) => x.key && x.key.length === 18).slice(0, 10);
    actions.append(el("span", { class: "hint" }, "可在“企业查询”中按名称或统一社会信用代码查看导入的企业："),
      ...firms.map((x) => {
        const open = el("button", { type: "button", class: "link", "data-uscc": x.key }, x.name || x.key);
        open.addEventListener("click", () => showProfile(x.key));
        return open;
      }));
  }
  parts.push(actions);
  box.replaceChildren(...parts);
  box.scrollIntoView({ block: "nearest" });
}

function resetImport() {
  upload.file = $("import-file").files[0] || null;
  $("import-file-name").textContent = upload.file ? upload.file.name : "未选择文件";
  upload.kind = IMPORT_KINDS[$("import-kind").value] || "registry";
  upload.partial = $("import-partial").checked;
  upload.last = null;
  $("import-report").replaceChildren();
}

document.addEventListener("DOMContentLoaded", () => {
  for (const id of ["import-file", "import-kind", "import-partial"]) $(id).addEventListener("change", resetImport);
  $("import-form").addEventListener("submit", (ev) => { ev.preventDefault(); guard(runImport)(true); });
  $("key-form").addEventListener("submit", () => guard(probeImports)());
  guard(probeImports)();
});
