"""Gaps of one cluster, and gap reports across a city, a category or the province (JSON, CSV, XLSX)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import marshmallow as ma
from flask import Response, current_app
from marshmallow import validate

from api.context import graph, thresholds
from api.params import Blueprint, CityArg, CountyArg, checked
from api.schemas import AsOf, Strict, distinct
from api.security import principal
from chainmap import places, progress_report, progress_sheets, provenance, report_formats
from chainmap.progress import EARLIEST_PERIOD_YEAR, PERIOD_PATTERN, parse_period
from chainmap.gaps import analysis, as_of
from chainmap.graph import deadline
from chainmap.vocab import CATEGORIES, LOCALITIES

blp = Blueprint("reports", __name__, description="Gap and bottleneck analysis (缺链、薄弱、瓶颈) and gap reports")
REPORT_STATUSES = ("gap", "weak", "bottleneck")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ScopeArgs(Strict):
    scope = ma.fields.String(load_default="county", validate=validate.OneOf(LOCALITIES),
                             metadata={"description": "what counts as local: the county (default), its city, Hebei"})
    as_of = AsOf()


class ReportArgs(ScopeArgs):
    city = CityArg()
    county = CountyArg()
    category = ma.fields.String(validate=validate.OneOf(CATEGORIES))
    status = ma.fields.List(ma.fields.String(validate=validate.OneOf(REPORT_STATUSES)), validate=distinct,
                            metadata={"description": "repeatable; default all three"})
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "xlsx")))


class GapNodeSchema(ma.Schema):
    id = ma.fields.String(required=True)
    cluster = ma.fields.String(required=True)
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    stage = ma.fields.String(required=True)
    industry_codes = ma.fields.List(ma.fields.String(), required=True)


class GapItemSchema(ma.Schema):
    node = ma.fields.Nested(GapNodeSchema, required=True)
    status = ma.fields.String(required=True)
    evidence = ma.fields.Dict(required=True)


class GapsSchema(ma.Schema):
    cluster = ma.fields.Dict(required=True)
    scope = ma.fields.String(required=True)
    items = ma.fields.List(ma.fields.Nested(GapItemSchema), required=True)
    local_supply_rate = ma.fields.Dict(required=True)
    as_of = ma.fields.Date(metadata={"description": "the day answered for, when as_of was asked"})


class ReportRowSchema(ma.Schema):
    city = ma.fields.String(required=True)
    city_adcode = ma.fields.String(required=True)
    county = ma.fields.String(required=True)
    county_adcode = ma.fields.String(required=True)
    cluster = ma.fields.String(required=True)
    cluster_name = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    node = ma.fields.String(required=True)
    node_name = ma.fields.String(required=True)
    stage = ma.fields.String(required=True)
    industry_codes = ma.fields.List(ma.fields.String(), required=True)
    industry_names = ma.fields.List(ma.fields.String(allow_none=True), required=True,
                                    metadata={"description": "GB/T 4754 names, in the order of industry_codes"})
    status = ma.fields.String(required=True)
    scope = ma.fields.String(required=True)
    local_entities = ma.fields.Integer(required=True)
    outside_province_share = ma.fields.Float(allow_none=True)
    single_supplier = ma.fields.String(allow_none=True)
    mark = ma.fields.String(allow_none=True)
    reasons = ma.fields.String(required=True)
    cluster_node_coverage = ma.fields.Float(allow_none=True)


class ReportSchema(ma.Schema):
    generated_on = ma.fields.String(required=True)
    filters = ma.fields.Dict(required=True)
    items = ma.fields.List(ma.fields.Nested(ReportRowSchema), required=True)
    total = ma.fields.Integer(required=True)
    data_note = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "数据说明: set while the graph holds synthetic firms, whose counts the rows rest on"})


def _period(code: str) -> None:
    try:
        period = parse_period(code)
    except ValueError as exc:
        raise ma.ValidationError(str(exc)) from None
    if period.start.year < EARLIEST_PERIOD_YEAR:
        raise ma.ValidationError(f"报告期须在{EARLIEST_PERIOD_YEAR}年以后")


class ProgressArgs(Strict):
    period = ma.fields.String(required=True, validate=_period, metadata={
        "description": "2026-11 (month), 2026-Q3 (quarter), 2026-H1 (half year) or 2026 (year)",
        "pattern": PERIOD_PATTERN})
    city = CityArg()
    county = CountyArg()
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "xlsx")))

    @ma.validates_schema
    def one_area(self, data, **kwargs):
        if data.get("city") and data.get("county"):
            raise ma.ValidationError("city 与 county 只能选一个", "county")


class ProgressSchema(ma.Schema):
    title = ma.fields.String(required=True)
    area = ma.fields.String(required=True)
    period = ma.fields.Dict(required=True)
    base_date = ma.fields.String(required=True, metadata={"description": "the day before the period (its start state)"})
    as_of = ma.fields.String(required=True, metadata={"description": "the period's end, or today while it runs"})
    clusters = ma.fields.Integer(required=True)
    summary = ma.fields.List(ma.fields.Dict(), required=True)
    projects = ma.fields.Dict(required=True)
    nodes = ma.fields.Dict(required=True)
    local_supply = ma.fields.List(ma.fields.Dict(), required=True)
    rewards = ma.fields.Dict(required=True)


FILE_RESPONSES = {"responses": {200: {"content": {
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
    XLSX: {"schema": {"type": "string", "format": "binary"}},
}}}}


@blp.route("/clusters/<slug:cluster_id>/gaps", methods=["GET"])
@blp.etag
@blp.arguments(ScopeArgs, location="query", unknown=ma.RAISE)
@blp.response(200, GapsSchema)
def cluster_gaps(args, cluster_id):
    """The cluster's gap, weak and bottleneck nodes with their evidence, and its local supply rate (就近就地配套率)."""
    day = args.get("as_of")
    gaps = analysis.cluster_gaps(graph(), checked(cluster_id, "cluster_id"), args["scope"], thresholds(),
                                 as_of.analyser(day) if day else None)
    return {**gaps, "as_of": day} if day else gaps


@blp.route("/reports/gaps", methods=["GET"])
@blp.etag
@blp.arguments(ReportArgs, location="query", unknown=ma.RAISE)
@blp.response(200, ReportSchema)
@blp.doc(**FILE_RESPONSES)
def gap_report(args):
    """One row per gap / weak / bottleneck node across the selected clusters; format json, csv (Excel-ready) or xlsx."""
    fmt = args.pop("format")
    statuses = tuple(args.pop("status", None) or REPORT_STATUSES)
    day = args.pop("as_of", None)
    rows = analysis.report_rows(graph(), thresholds(), statuses=statuses, analyser=as_of.analyser(day) if day else None,
                                **args)
    today = dt.date.today()
    note = provenance.table_note(graph())
    if day:
        args["as_of"] = day.isoformat()
    if fmt == "json":
        return {"generated_on": today.isoformat(), "filters": {**args, "status": list(statuses)}, "items": rows,
                "total": len(rows), "data_note": note}
    label = f"{_place(args, rows)}{args.get('category', '')}"
    unit = principal().label or "（未填）"
    # A file follows its rows, its 注, and what its head says (制表单位, the day): a 304 when none has moved.
    blp.set_etag({"format": fmt, "args": args, "rows": rows, "note": note, "unit": unit, "day": today.isoformat()})
    name = f"缺链报告-{label}-{today:%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = Response(report_formats.to_csv(rows, note), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    else:
        title = f"{label}县域特色产业集群产业链缺链情况表"
        response = Response(report_formats.to_xlsx(rows, title=title, unit=unit, as_of=day or today, note=note),
                            mimetype=XLSX)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"gap-report-{today:%Y%m%d}.{fmt}\"; filename*=UTF-8''{quote(name)}")
    return response


@blp.route("/reports/progress", methods=["GET"])
@blp.arguments(ProgressArgs, location="query", unknown=ma.RAISE)
@blp.response(200, ProgressSchema)
@blp.doc(responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def progress(args):
    """月调度/季通报/半年总结/年终考核 of a city, a county or the province: projects, 补链成效, local supply at the
    period's start and end, reward checks and grants; 环比 and 同比 where they apply. format json or xlsx."""
    # A report compares every node of the area on two days, computed afresh: it may wait on the database for most of
    # the HTTP timeout (a dead database still ends it), not only CHAINMAP_DB_WAIT_S as a lookup does.
    settings = current_app.config["CHAINMAP_SETTINGS"]
    area = places.resolve_filters(graph(), city=args.get("city"), county=args.get("county"))  # 422: unknown place
    with deadline.budget(max(settings.db_wait_s, settings.http_timeout_s - 5)):
        report = progress_report.progress_report(graph(), thresholds(), parse_period(args["period"]),
                                                 city=area["city"], county=area["county"])
    if args["format"] == "json":
        return report
    body = progress_sheets.progress_xlsx(report, principal().label or report["area"])
    response = Response(body, mimetype=XLSX)
    name = f"{report['title']}.xlsx"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"progress-{args['period']}.xlsx\"; filename*=UTF-8''{quote(name)}")
    return response


def _place(args: dict, rows: list[dict]) -> str:
    """The place a report covers, as its rows name it (邢台市, 清河县), for its title and file name."""
    for field in ("county", "city"):
        if args.get(field):
            return rows[0][field] if rows else args[field]
    return "河北省"
