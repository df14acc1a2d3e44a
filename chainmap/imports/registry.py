"""`import registry`: registry exports and 规上企业 lists into the graph, merged by USCC. A dry run (the default)
reads and resolves everything and writes nothing; a real run writes only when no row or field was refused (or,
with `partial`, what was not refused), never deletes, and re-running it changes nothing."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, LiteralString

from chainmap import upkeep, write_scope
from chainmap.errors import Conflict, Forbidden, Invalid
from chainmap.graph import Graph
from chainmap.graph import imports as q
from chainmap.graph import loading as loader_cypher
from chainmap.graph.adapter import Clash
from chainmap.imports import reference, scope
from chainmap.imports.profiles import choose
from chainmap.imports.records import Problem, Record, RowReader, changes, combine
from chainmap.imports.report import ImportReport, change_text
from chainmap.imports.sources import Source, Unreadable, is_blank, read_source
from chainmap.policy import Policies
from chainmap.vocab import HEBEI

BATCH = 5000
READ_BATCH = 10000
REFRESH_ABOVE = 2000   # above this many firms, facts a delta could not keep are computed at once, not at their next read
KEPT = ("name", "entity_type", "region", "industry_codes", "status", "group", "registered_on", "synthetic",
        "bj_restricted", "expansion_year", "green_factory", "products", "status_on", "registry_status",
        "registered_capital", "capital_currency", "address", "business_scope", "registration_no", "source")


@dataclass
class Touched:
    """How many firms the import writes (their stored facts are kept by delta in the writes themselves)."""

    firms: int = 0


def open_file(data: bytes, name: str) -> Source:
    try:
        return read_source(data, name)
    except Unreadable as exc:
        raise Invalid(f"{name}：{exc}", errors=[{"field": "file", "reason": str(exc)}]) from None


def rows_of(source: Source) -> Iterator[tuple[int, list[Any]]]:
    """The source's rows; a file that turns out unreadable half-way is refused whole (nothing was written yet)."""
    try:
        yield from source.rows
    except Unreadable as exc:
        raise Invalid(f"{source.name}：{exc}", errors=[{"field": "file", "reason": str(exc)}]) from None


def import_registry(graph: Graph, policies: Policies, data: bytes, name: str,
                    options: reference.Options) -> ImportReport:
    source = open_file(data, name)
    try:
        choice = choose(reference.profiles(), source.headers, options.profile, kind="registry")
    except ValueError as exc:
        raise Invalid(str(exc), errors=[{"field": "profile", "reason": str(exc)}]) from None
    report = ImportReport(name, "registry", choice.profile.name + "（" + choice.profile.title + "）", choice.how,
                          source.encoding, options.dry_run, options.partial,
                          profile_title=choice.profile.title)
    places = reference.places(graph)
    reader = RowReader(choice.columns, places, reference.industries(graph))
    records: dict[str, Record] = {}
    blank = 0  # blank rows count once a filled row follows (a template's formatted tail is not 空行)
    for line, cells in rows_of(source):
        if is_blank(cells):
            blank += 1
            continue
        report.empty_rows, blank = report.empty_rows + blank, 0
        report.rows_read += 1
        record, problems = reader.read(line, cells)
        if record is not None and (reason := out_of_scope(record, options.counties, places.label)):
            problems.append(Problem(line, reader.header("county"), reason, True))
            record = None
        report.rejected += [rejected(p) for p in problems]
        if record is None:
            continue
        if record.key in records:
            record, conflicts = combine(records[record.key], record)
            report.conflicts += [{"lines": "、".join(map(str, record.lines)), "key": record.key, "field": f,
                                  "kept": kept, "dropped": dropped} for f, kept, dropped in conflicts]
        records[record.key] = record
    if options.counties is not None:  # an editor's rows that reach a firm another county answers for
        held = existing(graph, [r.key for r in records.values() if not r.legacy], q.ENTERPRISES)
        reach = write_scope.introduction_counties(graph, list(held))
        for record, reason in scope.refused(held, reach, list(records.values()), options.counties, places.label):
            report.rejected.append(rejected(Problem(record.line, reader.header("county"), reason, True)))
            del records[record.key]
    if report.conflicts:
        report.messages.append("同一统一社会信用代码出现在多行：按核准日期（无则按行序）较新的一行逐字段采用有值的内容，冲突见“冲突”表")
    writing = not options.dry_run and (options.partial or not report.rejected)
    ordered = sorted(records.values(), key=lambda r: r.line)
    del records
    touched = Touched()
    nodes = reference.county_nodes(graph)
    # Plan and write batch by batch (memory stays flat); a batch is written while the next one is looked up and
    # planned (the server writes, this process plans: two cores), one write at a time, in the request's budget.
    with ThreadPoolExecutor(1) as writer:
        pending: Future | None = None
        for start in range(0, len(ordered), BATCH):
            firms, legacy = plan(graph, report, ordered[start:start + BATCH], places.label, name, touched, nodes)
            if writing:
                if pending is not None:
                    pending.result()
                pending = writer.submit(contextvars.copy_context().run, write, graph, policies, firms, legacy,
                                        options.counties)
        if pending is not None:
            pending.result()
    if writing:
        keep_in_step(graph, policies, touched)
        report.written = True
    return report


def out_of_scope(record: Record, counties: frozenset[str] | None, label) -> str | None:
    region = record.values["region"]
    if counties is None or not region.startswith(HEBEI) or region in counties:
        return None
    allowed = "、".join(label(c) for c in sorted(counties)) or "（无）"
    return f"本账号只能导入在{allowed}登记的主体或河北省外的企业，该企业在{label(region)}"


def rejected(problem: Problem) -> dict[str, Any]:
    return {"line": problem.line, "field": problem.field, "reason": problem.reason, "fatal": problem.fatal,
            "outcome": "整行未导入" if problem.fatal else "该字段未导入，其余字段照常"}


def plan(graph: Graph, report: ImportReport, records: list[Record], label, file: str, touched: Touched,
         nodes: dict[str, dict[str, set[str]]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Sort a batch of records into 新增/更新/未变 against the graph; returns the rows to write (firms, legacy) and
    counts the firms to write in `touched`."""
    keys = [r.key for r in records if not r.legacy]
    present = set(graph.read(q.PRESENT, keys=keys)[0]["keys"]) if keys else set()
    compared = compare(graph, [r for r in records if r.key in present and not r.legacy])
    # Those the graph holds exactly so (fields, revenues, chain nodes): 未变 without reading them back.
    same = {r.key for r in records if (c := compared.get(r.key)) is not None and c["same"]
            and derive(r, r.values.get("industry_codes") or [], nodes) <= set(c["nodes"])}
    held = existing(graph, [key for key in compared if key not in same], q.ENTERPRISES)
    held |= existing(graph, [r.key for r in records if r.legacy], q.LEGACY)
    firms, legacy = [], []
    for record in records:
        before = held.get(record.key)
        notes = list(record.notes)
        if len(record.lines) > 1:
            notes.append(f"同一代码出现在第{'、'.join(map(str, record.lines))}行，已合并")
        # Chain links follow from the industry the file gives: a row without one (a 规上名单 of revenues) leaves the
        # firm's links as they are (it had joined every sales link of its county by its stored code).
        region = record.values["region"]
        derived = derive(record, set(record.values.get("industry_codes") or []), nodes)
        shown = {"line": record.line, "key": record.key, "name": record.values["name"], "notes": "；".join(notes)}
        if record.key in same:
            report.unchanged.append(shown)
            continue
        if before is None:
            if "status" not in record.values:
                record.values["status"] = "active"
                shown["notes"] = "；".join([*notes, "表中无登记状态，按存续记录"])
            # Only the fields with a value: a new node has no others to clear, and every null costs the write.
            props = {"synthetic": False, "industry_codes": [], "source": f"导入：{file}"} | record.values
            revenue = dict(record.revenue)
            report.created.append(shown | {"region": label(region)})
        else:
            diff = changes(before, record)
            added_nodes = derived - set(before["nodes"])
            if not diff and not added_nodes:
                report.unchanged.append(shown)
                continue
            props = {k: before.get(k) for k in KEPT} | record.values
            revenue = dict(zip(before.get("revenue_years") or [], before.get("revenue_values") or [], strict=False))
            revenue |= record.revenue
            if added_nodes:
                diff.append(("chain_nodes", "、".join(sorted(before["nodes"])),
                             "、".join(sorted(added_nodes | set(before["nodes"])))))
            report.updated.append(shown | {"changes": change_text(diff)})
            derived |= set(before["nodes"])
        revenue = dict(sorted(revenue.items()))
        props["revenue_years"], props["revenue_values"] = list(revenue), list(revenue.values())
        if record.legacy:
            legacy.append({"key": record.key, "props": props})
            continue
        touched.firms += 1
        firm = {"uscc": record.key, "chain_nodes": sorted(derived), "props": props,
                "evidence": f"导入：{file}（按行业代码）", "new": before is None}
        if before is not None:  # what the row does not set must still be as read (loading.UNCHANGED)
            firm["read"] = {k: before.get(k) for k in KEPT if k not in record.values} | {
                k: before.get(k) for k in ("revenue_years", "revenue_values")}
            firm["nodes"] = before["nodes"]
        firms.append(firm)
    return firms, legacy


def derive(record: Record, codes, nodes: dict[str, dict[str, set[str]]]) -> set[str]:
    """Chain-node membership follows from the codes (the chains of the firm's own county); an entity known only by its
    注册号 is classified but joins no chain until it has a credit code."""
    if record.legacy or not codes:
        return set()
    by_code = nodes.get(record.values["region"])
    return set().union(*(by_code.get(code, ()) for code in codes)) if by_code else set()


def compare(graph: Graph, records: list[Record]) -> dict[str, dict[str, Any]]:
    """USCC -> whether the graph holds the record's fields and revenues as they are (`same`), and its chain nodes and
    codes (records the graph holds). The database compares: a re-run reads back flags, not every stored field."""
    out: dict[str, dict[str, Any]] = {}
    rows = [{"key": r.key, "values": r.values, "years": list(r.revenue), "amounts": list(r.revenue.values())}
            for r in records]
    for start in range(0, len(rows), READ_BATCH):
        for row in graph.read(q.COMPARE, rows=rows[start:start + READ_BATCH]):
            out.update((item["key"], item) for item in row["items"])
    return out


def existing(graph: Graph, keys: list[str], query: LiteralString) -> dict[str, dict[str, Any]]:
    """key -> the stored fields (and `nodes`, its chain nodes) of those keys the graph holds; one record per batch."""
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), READ_BATCH):
        for row in graph.read(query, keys=keys[start:start + READ_BATCH]):
            out.update((item["key"], item) for item in row["items"])
    return out


def write(graph: Graph, policies: Policies, firms: list[dict[str, Any]], legacy: list[dict[str, Any]],
          counties: frozenset[str] | None = None) -> None:
    """Batched MERGE by USCC with the loader's statement (rank keys in step), then the chain nodes' stored facts.
    Every row was validated before the first batch; should the database fail between batches, re-running the same
    file completes it (every write is a MERGE), as with the loader. Under the firms' locks a batch is refused whole
    when a firm changed since the rows were planned (loading.UNCHANGED: the fields a row keeps and the revenues it
    merges with), when one planned as new was created meanwhile (loading.UNTAKEN), or, for an editor (`counties`),
    when a row turns out to reach another county (write_scope.GUARD): moved or introduced elsewhere meanwhile."""
    keys = upkeep.key_arguments(policies.recommendation)
    guard = (loader_cypher.UNCHANGED, loader_cypher.UNTAKEN) + ((write_scope.GUARD,) if counties is not None else ())
    lean: list[dict[str, Any]] = []
    full: list[dict[str, Any]] = []
    for firm in firms:
        local = firm["new"] and firm["props"]["region"].startswith(HEBEI) and not firm["props"].get("group")
        (lean if local else full).append(firm)
    # Two statements, two transactions: the batch's new local firms first, then the rest; a refusal says which went in.
    written = 0
    try:
        written = graph.write_batches(q.NEW_LOCAL_FIRMS, lean, size=BATCH, keep=kept_facts, guard=guard,
                                      counties=sorted(counties or ()))
        graph.write_batches(loader_cypher.ENTERPRISES, full, size=BATCH, keep=kept_facts, guard=guard,
                            counties=sorted(counties or ()), **keys)
    except Clash as clash:
        raise stopped(clash.existing, written) from None
    if legacy:
        graph.write_batches(q.WRITE_LEGACY, legacy, size=BATCH)


def stopped(clash: dict[str, Any], written: int) -> Conflict | Forbidden:
    """Why a batch was refused under its firms' locks; `written`: its new local firms, already in (the batches before
    it are written too; re-running the file completes it)."""
    part = f"本批中新登记的{written}家已写入，其余未写入" if written else "本批未写入"
    if "changed" in clash or "taken" in clash:
        firms = "、".join((clash.get("firms") or clash.get("taken") or [])[:5])
        return Conflict(f"导入中途停止：企业 {firms} 在核对之后被他人修改或登记，为免覆盖对方的修改，{part}，"
                        "此前的批次已写入；请重新导入（重新导入会以最新数据核对）")
    reached = write_scope.Reaches(clash)
    where = "、".join(sorted(set(reached.home + reached.checks)))
    return Forbidden(f"导入中途停止：有企业在核对之后迁往或被引进到本账号不能编辑的县（{where}），{part}，"
                     "此前的批次已写入；请重新导入（试运行会指出这些行）")


def kept_facts(batch: Sequence[dict[str, Any]]) -> upkeep.FactsDelta:
    """Each batch keeps the stored facts of the nodes its firms feed, in its own transaction (chainmap.gaps.delta)."""
    return upkeep.kept_facts([firm["uscc"] for firm in batch])


def keep_in_step(graph: Graph, policies: Policies, touched: Touched) -> None:
    """After the writes (which kept the stored facts by delta): rank keys that follow the configuration, and, after a
    large import, the facts of nodes a delta could not keep (none were current), so the first reads stay fast."""
    if not touched.firms:
        return
    if not upkeep.keys_current(graph, policies.recommendation):
        upkeep.rebuild_keys(graph, policies.recommendation)
    if touched.firms > REFRESH_ABOVE:
        upkeep.refresh_unready(graph)
