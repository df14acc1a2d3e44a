"""Clusters and their chains: read by anyone with a key, edited by the county's editors."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api import rendered
from api.context import graph, thresholds
from api.params import Blueprint, CLASS, SLUG, CityArg, CountyArg, checked
from api.schemas import AsOfArgs, Bool, Day, PageArgs, PageSchema, Patch, Strict, StrictFloat, Text
from api.security import principal
from chainmap import auth, chain, clusters
from chainmap.clusters import EARLIEST_YEAR, MAX_REVENUE_100M_CNY, REVENUE_METRICS, revenue_year_problem
from chainmap.gaps import diagram, local_firms
from chainmap.vocab import CATEGORIES, CHAIN_STAGES, EDGE_KINDS, HEBEI, LOCALITIES, MARKS
from chainmap.paging import Page

blp = Blueprint("clusters", __name__, description="Clusters (特色产业集群) and their chains (产业链)")


# ---- schemas ---------------------------------------------------------------------------------
class ClusterArgs(PageArgs):
    city = CityArg()
    county = CountyArg()
    category = ma.fields.String(validate=validate.OneOf(CATEGORIES))
    q = ma.fields.String(validate=validate.Length(min=1, max=50), metadata={"description": "text in names"})


class PlaceSchema(ma.Schema):
    adcode = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    lon = ma.fields.Float(allow_none=True)
    lat = ma.fields.Float(allow_none=True)


def not_in_future(year: int | None) -> None:
    reason = revenue_year_problem(year)
    if reason:
        raise ma.ValidationError(reason)


def RevenueFigure() -> ma.fields.Float:  # noqa: N802 - a field factory
    return StrictFloat(allow_none=True, validate=validate.Range(min=0, max=MAX_REVENUE_100M_CNY, min_inclusive=False),
                       metadata={"description": f"亿元 (100 million CNY), above 0 and at most {MAX_REVENUE_100M_CNY:g}"})


def RevenueYear() -> ma.fields.Integer:  # noqa: N802 - a field factory
    return ma.fields.Integer(strict=True, allow_none=True, validate=[validate.Range(min=EARLIEST_YEAR), not_in_future],
                             metadata={"description": f"year of the figure: {EARLIEST_YEAR} to the current year"})


def RevenueMetric(**kwargs) -> ma.fields.String:  # noqa: N802 - a field factory
    return ma.fields.String(allow_none=True, validate=validate.OneOf(REVENUE_METRICS),
                            metadata={"description": "which figure it is: 产值 (output value) is not 营业收入"}, **kwargs)


class RevenueSchema(ma.Schema):
    value_100m_cny = ma.fields.Float(allow_none=True, metadata={"description": "亿元 (100 million CNY)"})
    year = ma.fields.Integer(allow_none=True)
    metric = ma.fields.String(allow_none=True, metadata={"description": "产值, 营业收入, 销售收入, 主营业务收入 or 产业规模"})
    source = ma.fields.String(allow_none=True, metadata={"description": "metric and source as published"})


class ClusterSchema(ma.Schema):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    category_is_guess = ma.fields.Boolean(allow_none=True)
    chain_basis = ma.fields.String(allow_none=True, metadata={"description": "documented, template or custom"})
    chain_template = ma.fields.String(allow_none=True)
    county = ma.fields.Nested(PlaceSchema, required=True)
    city = ma.fields.Nested(PlaceSchema, required=True)
    revenue = ma.fields.Nested(RevenueSchema)


class SupplyRateSchema(ma.Schema):
    nodes = ma.fields.Integer(required=True)
    covered_nodes = ma.fields.Integer(required=True)
    node_coverage = ma.fields.Float(allow_none=True, metadata={"description": "share of chain nodes with local coverage"})
    supplies = ma.fields.Integer(required=True)
    supplies_from_scope = ma.fields.Integer(required=True)
    supply_share_from_scope = ma.fields.Float(allow_none=True,
                                              metadata={"description": "就近就地配套率: inbound SUPPLIES from the scope"})
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)


class ClusterDetailSchema(ClusterSchema):
    as_of = ma.fields.Date(metadata={"description": "the day answered for, when as_of was asked"})
    node_counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True,
                                 metadata={"description": "chain nodes by status: gap, bottleneck, weak, present"})
    local_supply_rate = ma.fields.Nested(SupplyRateSchema, required=True)


class ClusterPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ClusterDetailSchema), required=True)


class ClusterCreateSchema(Strict):
    id = ma.fields.String(required=True, validate=SLUG)
    name = Text(60, required=True)
    county = ma.fields.String(required=True, validate=validate.Regexp(rf"^{HEBEI}\d{{4}}$",
                                                                             error="须为河北省县级行政区划代码"))
    category = ma.fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    category_is_guess = Bool(load_default=False)
    revenue_100m_cny = RevenueFigure()
    revenue_year = RevenueYear()
    revenue_metric = RevenueMetric()
    source = Text(500, allow_none=True)

    @ma.validates_schema
    def figure_has_metric(self, data, **kwargs):
        if data.get("revenue_100m_cny") is not None and not data.get("revenue_metric"):
            raise ma.ValidationError("填写 revenue_100m_cny 时必填：产值、营业收入……", "revenue_metric")
        if data.get("revenue_year") is not None and data.get("revenue_100m_cny") is None:
            raise ma.ValidationError("未填写 revenue_100m_cny 时不能填写", "revenue_year")


class ClusterPatchSchema(Patch):
    name = Text(60)
    category = ma.fields.String(validate=validate.OneOf(CATEGORIES))
    category_is_guess = Bool()
    revenue_100m_cny = RevenueFigure()
    revenue_year = RevenueYear()
    revenue_metric = RevenueMetric()
    source = Text(500, allow_none=True)


class MarkSchema(ma.Schema):
    value = ma.fields.String(required=True, metadata={"description": "gap, bottleneck or none"})
    reason = ma.fields.String(metadata={"description": "标注理由（中文）"})
    source = ma.fields.String(metadata={"description": "link to the public source of a seeded mark"})
    source_title = ma.fields.String(metadata={"description": "title (or outlet and subject) of that source"})
    source_date = ma.fields.String(metadata={"description": "publication date of that source: YYYY, YYYY-MM or YYYY-MM-DD"})
    by = ma.fields.String()
    at = ma.fields.String()


class NodeProjectSchema(ma.Schema):
    id = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True)
    stage = ma.fields.String(required=True)
    stage_name = ma.fields.String(required=True)


class NodeSchema(ma.Schema):
    id = ma.fields.String(required=True)
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    stage = ma.fields.String(required=True)
    industry_codes = ma.fields.List(ma.fields.String(), required=True)
    keywords = ma.fields.List(ma.fields.String())
    basis = ma.fields.String(allow_none=True, metadata={"description": "documented, template or edited"})
    status = ma.fields.String(required=True, metadata={"description": "gap, bottleneck, weak or present"})
    mark = ma.fields.Nested(MarkSchema, required=True)
    evidence = ma.fields.Dict(required=True)
    projects = ma.fields.List(ma.fields.Nested(NodeProjectSchema),
                              metadata={"description": "with as_of: the projects meant to fill it, at their stage then"})


class EdgeSchema(ma.Schema):
    from_ = ma.fields.String(data_key="from", attribute="from", required=True)
    to = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)


class ChainClusterSchema(ma.Schema):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.String()
    chain_basis = ma.fields.String(allow_none=True)
    chain_template = ma.fields.String(allow_none=True)
    county = ma.fields.Nested(PlaceSchema)
    city = ma.fields.Nested(PlaceSchema)


class ChainSchema(ma.Schema):
    cluster = ma.fields.Nested(ChainClusterSchema, required=True)
    nodes = ma.fields.List(ma.fields.Nested(NodeSchema), required=True)
    edges = ma.fields.List(ma.fields.Nested(EdgeSchema), required=True)
    local_supply_rate = ma.fields.Nested(SupplyRateSchema, required=True)
    as_of = ma.fields.Date(metadata={"description": "the day answered for, when as_of was asked"})


class NodeCreateSchema(Strict):
    key = ma.fields.String(required=True, validate=SLUG)
    name = Text(60, required=True)
    stage = ma.fields.String(required=True, validate=validate.OneOf(CHAIN_STAGES))
    industry_codes = ma.fields.List(ma.fields.String(validate=CLASS), required=True, validate=validate.Length(1, 10))
    keywords = ma.fields.List(Text(30), load_default=list, validate=validate.Length(max=20))


class NodePatchSchema(Patch):
    name = Text(60)
    stage = ma.fields.String(validate=validate.OneOf(CHAIN_STAGES))
    industry_codes = ma.fields.List(ma.fields.String(validate=CLASS), validate=validate.Length(1, 10))
    keywords = ma.fields.List(Text(30), validate=validate.Length(max=20))


class EdgeCreateSchema(Strict):
    from_ = ma.fields.String(data_key="from", required=True, validate=SLUG, metadata={"description": "node key"})
    to = ma.fields.String(required=True, validate=SLUG, metadata={"description": "node key"})
    kind = ma.fields.String(required=True, validate=validate.OneOf(EDGE_KINDS))


class MarkSetSchema(Strict):
    mark = ma.fields.String(required=True, validate=validate.OneOf((*MARKS, "none")))
    reason = Text(500, required=True)
    on = Day(metadata={"description": "the day the mark holds from (default today); kept in the history"})


class NodeFirmsArgs(PageArgs):
    scope = ma.fields.String(load_default="county", validate=validate.OneOf(LOCALITIES),
                             metadata={"description": "本地范围: the cluster's county, its city or the province"})


class NodeFirmSchema(ma.Schema):
    uscc = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    entity_type = ma.fields.String(required=True)
    region = ma.fields.String(required=True, metadata={"description": "county adcode"})
    region_name = ma.fields.String(allow_none=True, metadata={"description": "city and county by name"})
    revenue_year = ma.fields.Integer(allow_none=True, metadata={"description": "latest year with a revenue figure"})
    revenue_cny = ma.fields.Integer(allow_none=True, metadata={"description": "operating revenue of that year, CNY"})
    partners = ma.fields.Integer(required=True, metadata={"description": "current 协作配套 partners, either direction"})
    attached = ma.fields.Boolean(required=True, metadata={
        "description": "attached to this link (in any cluster's chain); false: counted by its industry code"})
    synthetic = ma.fields.Boolean(required=True)


class FirmListNodeSchema(ma.Schema):
    id = ma.fields.String(required=True)
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    stage = ma.fields.String(required=True)
    industry_codes = ma.fields.List(ma.fields.String(), required=True)


class ClusterRefSchema(ma.Schema):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class NodeFirmPageSchema(PageSchema):
    cluster = ma.fields.Nested(ClusterRefSchema, required=True)
    node = ma.fields.Nested(FirmListNodeSchema, required=True)
    scope = ma.fields.String(required=True)
    items = ma.fields.List(ma.fields.Nested(NodeFirmSchema), required=True)


class CreatedSchema(ma.Schema):
    id = ma.fields.String(required=True)


# ---- views -----------------------------------------------------------------------------------
@blp.route("/clusters", methods=["GET"])
@blp.etag
@blp.arguments(ClusterArgs, location="query", unknown=ma.RAISE)
@blp.response(200, ClusterPageSchema)
def list_clusters(args):
    """Clusters, filtered by city or county (adcode or name), category or text; each with its node counts by status
    and local supply rate."""
    asked = tuple(sorted((k, str(v)) for k, v in args.items()))
    page, limits = Page(args.pop("page"), args.pop("per_page")), thresholds()
    return rendered.render(rendered.CLUSTERS, ("list", asked, limits),
                           lambda: clusters.list_clusters_with_counts(graph(), page, limits, **args),
                           ClusterPageSchema().dump, blp.set_etag)


@blp.route("/clusters", methods=["POST"])
@blp.arguments(ClusterCreateSchema)
@blp.response(201, CreatedSchema)
def create_cluster(data):
    """Create a cluster in a county (editors of that county, admins)."""
    auth.require_write(principal(), data["county"])
    clusters.create_cluster(graph(), data)
    return {"id": data["id"]}


@blp.route("/clusters/<slug:cluster_id>", methods=["GET"])
@blp.etag
@blp.arguments(AsOfArgs, location="query", unknown=ma.RAISE)
@blp.response(200, ClusterDetailSchema)
def get_cluster(args, cluster_id):
    """One cluster with its chain nodes counted by status (as_of: as they stood on that day)."""
    cluster_id, limits, day = checked(cluster_id, "cluster_id"), thresholds(), args.get("as_of")
    return rendered.render(rendered.CLUSTERS, ("one", cluster_id, limits, day),
                           lambda: clusters.get_cluster(graph(), cluster_id, limits, day), ClusterDetailSchema().dump,
                           blp.set_etag)


@blp.route("/clusters/<slug:cluster_id>", methods=["PATCH"])
@blp.arguments(ClusterPatchSchema)
@blp.response(200, ClusterDetailSchema)
def patch_cluster(changes, cluster_id):
    """Change a cluster's name, category or revenue figure."""
    cluster_id = checked(cluster_id, "cluster_id")
    auth.require_write(principal(), clusters.cluster_county(graph(), cluster_id))
    clusters.patch_cluster(graph(), cluster_id, changes)
    return clusters.get_cluster(graph(), cluster_id, thresholds())


@blp.route("/clusters/<slug:cluster_id>/chain", methods=["GET"])
@blp.etag
@blp.arguments(AsOfArgs, location="query", unknown=ma.RAISE)
@blp.response(200, ChainSchema)
def get_chain(args, cluster_id):
    """The chain diagram: nodes with status and evidence, FEEDS and service edges (as_of: as it stood on that day,
    with each node's projects at their stage then)."""
    cluster_id, limits, day = checked(cluster_id, "cluster_id"), thresholds(), args.get("as_of")
    return rendered.render(rendered.CHAINS, (cluster_id, limits, day),
                           lambda: diagram.get_chain(graph(), cluster_id, limits, day=day), ChainSchema().dump,
                           blp.set_etag)


@blp.route("/clusters/<slug:cluster_id>/nodes/<slug:key>/enterprises", methods=["GET"])
@blp.etag
@blp.arguments(NodeFirmsArgs, location="query", unknown=ma.RAISE)
@blp.response(200, NodeFirmPageSchema)
def list_node_firms(args, cluster_id, key):
    """链上企业名录: the node's active local entities for the scope, the set its gap status counts (attached to the
    link, or classified in the node's own industry codes); largest latest revenue first."""
    page = Page(args.pop("page"), args.pop("per_page"))
    return local_firms.node_firms(graph(), checked(cluster_id, "cluster_id"), checked(key, "key"), args["scope"], page)


def _editable(cluster_id: str) -> str:
    """The cluster id, once the caller is known to be allowed to change its chain (an editor of its county)."""
    cluster_id = checked(cluster_id, "cluster_id")
    auth.require_write(principal(), clusters.cluster_county(graph(), cluster_id))
    return cluster_id


@blp.route("/clusters/<slug:cluster_id>/nodes", methods=["POST"])
@blp.arguments(NodeCreateSchema)
@blp.response(201, CreatedSchema)
def create_node(data, cluster_id):
    """Add a chain node."""
    return {"id": chain.create_node(graph(), _editable(cluster_id), data)}


@blp.route("/clusters/<slug:cluster_id>/nodes/<slug:key>", methods=["PATCH"])
@blp.arguments(NodePatchSchema)
@blp.response(204)
def patch_node(changes, cluster_id, key):
    """Rename a chain node, or change its stage, industry codes or keywords."""
    chain.patch_node(graph(), _editable(cluster_id), checked(key, "key"), changes)


@blp.route("/clusters/<slug:cluster_id>/nodes/<slug:key>", methods=["DELETE"])
@blp.response(204)
def delete_node(cluster_id, key):
    """Delete a chain node and its edges (refused while enterprises operate in it)."""
    chain.delete_node(graph(), _editable(cluster_id), checked(key, "key"))


@blp.route("/clusters/<slug:cluster_id>/edges", methods=["POST"])
@blp.arguments(EdgeCreateSchema)
@blp.response(201)
def create_edge(data, cluster_id):
    """Add a FEEDS edge (material, product, equipment) or a service edge between two nodes of the chain."""
    chain.create_edge(graph(), _editable(cluster_id), data["from_"], data["to"], data["kind"])


@blp.route("/clusters/<slug:cluster_id>/edges/<slug:from_key>/<slug:to_key>", methods=["DELETE"])
@blp.response(204)
def delete_edge(cluster_id, from_key, to_key):
    """Remove an edge."""
    chain.delete_edge(graph(), _editable(cluster_id), checked(from_key, "from_key"), checked(to_key, "to_key"))


@blp.route("/clusters/<slug:cluster_id>/nodes/<slug:key>/mark", methods=["PUT"])
@blp.arguments(MarkSetSchema)
@blp.response(204)
def set_mark(data, cluster_id, key):
    """Mark a node as gap, bottleneck (卡脖子) or weak (薄弱), or clear the mark with `none`; a reason is required. A
    bottleneck or weak mark raises the node's status to it (never lowers it); a gap mark is shown beside the counts."""
    chain.set_mark(graph(), _editable(cluster_id), checked(key, "key"), data["mark"], data["reason"], principal().key_id,
                   data.get("on"))
