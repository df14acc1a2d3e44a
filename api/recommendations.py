"""Ranked, explained Beijing/Tianjin transfer targets (补链招商) for a cluster's gaps and bottlenecks."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import marshmallow as ma
from flask import Response
from marshmallow import validate

from api.context import graph, policies, thresholds
from api.params import Blueprint, SLUG, checked
from api.schemas import Strict, distinct
from api.security import principal
from chainmap import clusters, provenance, regions
from chainmap.recommendations import service, sheet
from chainmap.vocab import TRANSFER_ORIGINS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
blp = Blueprint("recommendations", __name__, description="Transfer targets for gaps (补链招商推荐)")


class RecommendArgs(Strict):
    node = ma.fields.String(validate=SLUG, metadata={"description": "one node key; default every gap/weak/bottleneck"})
    origin = ma.fields.List(ma.fields.String(validate=validate.Regexp(r"^\d{2,6}$")), validate=distinct,
                            metadata={"description": "adcode prefixes, repeatable; default 11 (Beijing) and 12 (Tianjin)"})
    min_revenue = ma.fields.Integer(validate=validate.Range(min=0, max=10**13),
                                    metadata={"description": "prior-year revenue at least this (CNY)"})
    limit = ma.fields.Integer(load_default=10, validate=validate.Range(min=1, max=50), metadata={"description": "per node"})
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "xlsx")), metadata={
        "description": "xlsx: the same list as 京津招商目标清单 (title row, score parts, reasons, 注意, outlook)"})


class OutlookSchema(ma.Schema):
    revenue_ok = ma.fields.Boolean(allow_none=True)
    potential_local_partners = ma.fields.Integer(required=True)
    likely_eligible = ma.fields.Boolean(required=True)


class RecommendationSchema(ma.Schema):
    enterprise = ma.fields.Dict(required=True)
    node = ma.fields.Dict(required=True)
    score = ma.fields.Float(required=True)
    breakdown = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float(), required=True)
    reasons = ma.fields.List(ma.fields.String(), required=True,
                             metadata={"description": "推荐理由: what sets this target apart in the list"})
    cautions = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "注意: what speaks against it"})
    reward_outlook = ma.fields.Nested(OutlookSchema, required=True)
    distance_km = ma.fields.Float(required=True)


class RecommendationsSchema(ma.Schema):
    cluster = ma.fields.String(required=True)
    nodes = ma.fields.List(ma.fields.String(), required=True)
    origins = ma.fields.List(ma.fields.String(), required=True)
    common_reasons = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), required=True,
                                    metadata={"description": "per node, what every target of its list shares"})
    config_version = ma.fields.String(required=True)
    items = ma.fields.List(ma.fields.Nested(RecommendationSchema), required=True)


@blp.route("/clusters/<slug:cluster_id>/recommendations", methods=["GET"])
@blp.etag
@blp.arguments(RecommendArgs, location="query", unknown=ma.RAISE)
@blp.response(200, RecommendationsSchema)
@blp.doc(responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def recommend(args, cluster_id):
    """Ranked Beijing/Tianjin enterprises for the cluster's gaps, each with its score breakdown, 推荐理由 and reward
    outlook; ordered by score, ties by USCC. `format=xlsx` gives the same list as a sheet to forward."""
    cluster_id = checked(cluster_id, "cluster_id")
    result = service.recommend(
        graph(), policies(), cluster_id, thresholds(), node_key=args.get("node"),
        origins=tuple(args.get("origin") or TRANSFER_ORIGINS), limit=args["limit"], min_revenue=args.get("min_revenue"))
    if args["format"] == "json":
        return result
    today = dt.date.today()
    # The sheet follows the list and its head (制表单位 is the calling key's label, 截至日期 today): a 304 only when
    # none has moved, so one key's file is never revalidated for another's.
    blp.set_etag({"format": "xlsx", "result": result, "unit": principal().label, "day": today.isoformat()})
    name = clusters.describe_cluster(graph(), cluster_id)["name"]
    places = regions.place_names(graph(), [i["enterprise"]["region"] for i in result["items"]])
    synthetic = provenance.synthetic_among(graph(), [i["enterprise"]["uscc"] for i in result["items"]])
    response = Response(sheet.to_xlsx(result, name, places, principal().label, today, synthetic), mimetype=XLSX)
    response.headers["Content-Disposition"] = (f"attachment; filename=\"targets-{today:%Y%m%d}.xlsx\"; "
                                               f"filename*=UTF-8''{quote(f'京津招商目标-{name}-{today:%Y%m%d}.xlsx')}")
    return response
