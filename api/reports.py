"""Gaps of one cluster, and gap reports across a city, a category or the province (JSON, CSV, XLSX)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import marshmallow as ma
from flask import Response
from flask_smorest import Blueprint
from marshmallow import validate

from api.context import graph, thresholds
from api.params import CityArg, CountyArg, checked
from api.schemas import Strict
from api.security import principal
from chainmap import report_formats
from chainmap.gaps import analysis
from chainmap.vocab import CATEGORIES, LOCALITIES

blp = Blueprint("reports", __name__, description="Gap and bottleneck analysis (缺链、薄弱、瓶颈) and gap reports")
REPORT_STATUSES = ("gap", "weak", "bottleneck")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ScopeArgs(Strict):
    scope = ma.fields.String(load_default="county", validate=validate.OneOf(LOCALITIES),
                             metadata={"description": "what counts as local: the county (default), its city, Hebei"})


class ReportArgs(ScopeArgs):
    city = CityArg()
    county = CountyArg()
    category = ma.fields.String(validate=validate.OneOf(CATEGORIES))
    status = ma.fields.List(ma.fields.String(validate=validate.OneOf(REPORT_STATUSES)),
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
    return analysis.cluster_gaps(graph(), checked(cluster_id, "cluster_id"), args["scope"], thresholds())


@blp.route("/reports/gaps", methods=["GET"])
@blp.arguments(ReportArgs, location="query", unknown=ma.RAISE)
@blp.response(200, ReportSchema)
@blp.doc(**FILE_RESPONSES)
def gap_report(args):
    """One row per gap / weak / bottleneck node across the selected clusters; format json, csv (Excel-ready) or xlsx."""
    fmt = args.pop("format")
    statuses = tuple(args.pop("status", None) or REPORT_STATUSES)
    rows = analysis.report_rows(graph(), thresholds(), statuses=statuses, **args)
    today = dt.date.today()
    if fmt == "json":
        return {"generated_on": today.isoformat(), "filters": {**args, "status": list(statuses)}, "items": rows,
                "total": len(rows)}
    label = f"{_place(args, rows)}{args.get('category', '')}"
    name = f"缺链报告-{label}-{today:%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = Response(report_formats.to_csv(rows), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    else:
        title = f"{label}县域特色产业集群产业链缺链情况表"
        response = Response(report_formats.to_xlsx(rows, title=title, unit=principal().label or "（未填）", as_of=today),
                            mimetype=XLSX)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"gap-report-{today:%Y%m%d}.{fmt}\"; filename*=UTF-8''{quote(name)}")
    return response


def _place(args: dict, rows: list[dict]) -> str:
    """The place a report covers, as its rows name it (邢台市, 清河县), for its title and file name."""
    for field in ("county", "city"):
        if args.get(field):
            return rows[0][field] if rows else args[field]
    return "河北省"
