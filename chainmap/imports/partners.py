"""`import partners`: 协作配套调查表 rows into SUPPLIES relationships with their evidence (合同/发票/访谈), creating
the partner entities a row names when the graph does not know them yet. Same safety rules as the registry import:
dry run by default, nothing written while anything is refused (unless partial), MERGE so a re-import changes nothing."""

from __future__ import annotations

from typing import Any

from chainmap import hidden, upkeep
from chainmap.errors import Conflict, Invalid
from chainmap.graph import Graph
from chainmap.graph import imports as q
from chainmap.graph import loading as loader_cypher
from chainmap.imports import reference
from chainmap.imports import values as parse
from chainmap.imports.places import PlaceIndex
from chainmap.imports.profiles import Choice, choose
from chainmap.imports.records import Problem
from chainmap.imports.registry import KEPT, existing, open_file, rejected, rows_of
from chainmap.imports.report import ImportReport, change_text
from chainmap.imports.sources import Formula, is_blank
from chainmap.imports.survey import EVIDENCE, RELATIONS, TYPES
from chainmap.imports.text import cell_text, compact
from chainmap.policy import Policies
from chainmap.vocab import HEBEI, storage


def import_partners(graph: Graph, policies: Policies, data: bytes, name: str, options: reference.Options) -> ImportReport:
    source = open_file(data, name)
    try:
        choice = choose(reference.profiles(), source.headers, options.profile, kind="partners")
    except ValueError as exc:
        raise Invalid(str(exc), errors=[{"field": "profile", "reason": str(exc)}]) from None
    report = ImportReport(name, "partners", f"{choice.profile.name}（{choice.profile.title}）", choice.how,
                          source.encoding, options.dry_run, options.partial,
                          profile_title=choice.profile.title)
    places = reference.places(graph)
    rows: list[dict[str, Any]] = []
    blank = 0  # blank rows count once a filled row follows (a template's formatted tail is not 空行)
    for line, cells in rows_of(source):
        if is_blank(cells):
            blank += 1
            continue
        report.empty_rows, blank = report.empty_rows + blank, 0
        report.rows_read += 1
        row, problems = read_row(choice, line, cells)
        report.rejected += [rejected(p) for p in problems]
        if row:
            rows.append(row)
    usccs = sorted({r["own"] for r in rows} | {r["partner"] for r in rows})
    known = existing(graph, usccs, q.ENTERPRISES)
    new_firms: dict[str, dict[str, Any]] = {}
    relations = []
    for row in rows:
        problem = settle(row, known, new_firms, places, options.counties)
        if problem:
            report.rejected.append(rejected(Problem(row["line"], problem[0], problem[1], True)))
        else:
            relations.append(row)
    sort(graph, report, relations, known, new_firms)
    if options.dry_run or (report.rejected and not options.partial):
        return report
    firms = [{"uscc": code, "chain_nodes": [], "props": props, "evidence": f"导入：{name}"}
             for code, props in new_firms.items() if any(code in (r["supplier"], r["customer"]) for r in relations)]
    try:  # a partner firm new when the file was read is claimed (CREATE): one registered since is not overwritten
        graph.write_batches(loader_cypher.CLAIM + loader_cypher.ENTERPRISES, firms, size=5000,
                            **upkeep.key_arguments(policies.recommendation))
    except Conflict:
        raise Conflict("导入期间有配套企业已被他人登记，协作配套关系均未写入；请重新导入（该企业将按已登记的处理）") from None
    graph.write_batches(q.WRITE_SUPPLIES, relations, size=5000, keep=upkeep.kept_facts_of_relations)
    report.written = True
    return report


def read_row(choice: Choice, line: int, cells: list[Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
    problems: list[Problem] = []

    def cell(field: str) -> Any:
        column = choice.columns.get(field)
        value = cells[column.index] if column and column.index < len(cells) else None
        if isinstance(value, Formula):
            problems.append(Problem(line, header(field), f"公式单元格没有计算结果（{value.text}）", True))
            return None
        return value

    def header(field: str) -> str:
        column = choice.columns.get(field)
        return column.header.strip() if column else field

    def need(field: str, read) -> Any:
        raw = cell(field)
        if raw is None or cell_text(raw) == "":
            problems.append(Problem(line, header(field), "必填", True))
            return None
        try:
            return read(raw)
        except ValueError as exc:
            problems.append(Problem(line, header(field), str(exc), True))
            return None

    for field in choice.columns:  # refused as the API refuses it: stored, it broke later reports and forms
        raw = cell(field)
        if isinstance(raw, str) and (reason := hidden.problem(raw)):
            problems.append(Problem(line, header(field), reason, True))
    if problems:
        return None, problems
    own = need("own_uscc", lambda raw: parse.credit_code(cell_text(raw)))
    partner = need("partner_uscc", lambda raw: parse.credit_code(cell_text(raw)))
    relation = need("relation", lambda raw: _choice(compact(cell_text(raw)), RELATIONS, "协作关系"))
    since = need("since", parse.past_date)
    evidence = need("evidence", lambda raw: _choice(compact(cell_text(raw)), {e: e for e in EVIDENCE}, "证据"))
    until_raw = cell("until")
    until = None
    if until_raw is not None and cell_text(until_raw):
        try:
            until = parse.recorded_date(until_raw)
        except ValueError as exc:
            problems.append(Problem(line, header("until"), str(exc), True))
    if own and own == partner:
        problems.append(Problem(line, header("partner_uscc"), "配套企业不能是本企业自己", True))
    if since and until and until < since:
        problems.append(Problem(line, header("until"), "结束日期早于开始日期", True))
    if problems:
        return None, problems
    kind, outgoing = storage(relation)
    note = cell_text(cell("evidence_note"))
    return {"line": line, "own": own, "partner": partner, "kind": kind, "relation": relation, "since": since,
            "until": until, "supplier": own if outgoing else partner, "customer": partner if outgoing else own,
            "evidence_kind": evidence, "evidence": f"{evidence}：{note}" if note else evidence,
            "partner_name": compact(cell_text(cell("partner_name"))), "partner_county": cell_text(cell("partner_county")),
            "partner_type": compact(cell_text(cell("partner_type")))}, []


def _choice(value: str, options: dict[str, str], what: str) -> str:
    if value not in options:
        raise ValueError(f"{what}须为{'、'.join(options)}之一，实为“{value}”")
    return options[value]


def settle(row: dict[str, Any], known: dict[str, Any], new_firms: dict[str, dict[str, Any]], places: PlaceIndex,
           counties: frozenset[str] | None) -> tuple[str, str] | None:
    """Check the row's parties against the graph and the caller's counties; register a new partner to create."""
    if row["own"] not in known:
        return "本企业统一社会信用代码", f"本企业 {row['own']} 不在系统中：请先导入其登记信息"
    partner = row["partner"]
    if partner in known:
        region = known[partner]["region"]
    elif partner in new_firms:
        region = new_firms[partner]["region"]
    else:
        if not row["partner_name"]:
            return "配套企业名称", f"配套企业 {partner} 不在系统中，须填写名称、所属区县和类型以便登记"
        try:
            region = places.resolve(row["partner_county"], "", "", partner[2:8]).adcode
            kind = TYPES.get(row["partner_type"]) or parse.entity_type(row["partner_type"], row["partner_name"], partner)
        except ValueError as exc:
            return "配套企业所属区县", str(exc)
        new_firms[partner] = dict.fromkeys(KEPT) | {
            "name": row["partner_name"], "entity_type": kind, "region": region, "industry_codes": [],
            "status": "active", "synthetic": False, "source": "协作配套调查表", "revenue_years": [], "revenue_values": []}
    own_region = known[row["own"]]["region"]
    if counties is not None:
        hebei = [r for r in (own_region, region) if r.startswith(HEBEI)]
        if hebei and not any(r in counties for r in hebei):
            return "本企业统一社会信用代码", f"本账号只能导入本县（{'、'.join(sorted(counties))}）企业的协作配套关系"
        if partner in new_firms and region.startswith(HEBEI) and region not in counties:
            return "配套企业所属区县", f"配套企业尚未登记且在{places.label(region)}，不在本账号可登记的范围内"
    return None


def sort(graph: Graph, report: ImportReport, relations: list[dict[str, Any]], known: dict[str, Any],
         new_firms: dict[str, dict[str, Any]]) -> None:
    found = {r["line"]: r for r in graph.read(q.SUPPLIES_EXISTING, rows=relations)} if relations else {}
    for row in relations:
        shown = {"line": row["line"], "key": f"{row['own']} → {row['partner']}",
                 "name": (known.get(row["partner"]) or {}).get("name") or row["partner_name"],
                 "notes": "配套企业为新登记" if row["partner"] in new_firms else ""}
        before = found.get(row["line"])
        if before is None:
            report.created.append(shown | {"region": row["relation"]})
            continue
        diff = [(k, before[k], row[k]) for k in ("until", "evidence", "evidence_kind")
                if row[k] is not None and before[k] != row[k]]
        if diff:
            report.updated.append(shown | {"changes": change_text(diff)})
        else:
            report.unchanged.append(shown)

