"""Market entities, their 协作配套 partners, and regions."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from marshmallow import validate

from api.context import graph, policies
from api.problems import flatten_messages
from api.params import Blueprint, CLASS, NODE_ID, USCC, CityArg, CountyArg
from api.schemas import Bool, Day, PageArgs, PageSchema, PastDay, Patch, Strict, Text, distinct
from api.security import principal
from chainmap import auth, enterprises, partners, places, regions, write_scope
from chainmap.enterprises import check_uscc
from chainmap.errors import Invalid
from chainmap.vocab import ENTERPRISE_STATUSES, ENTITY_TYPES, RELATIONS
from chainmap.paging import Page

blp = Blueprint("enterprises", __name__, description="Market entities (市场主体) and 协作配套 relationships")
MAX_BATCH = 500


# ---- schemas ---------------------------------------------------------------------------------
class RegionArgs(PageArgs):
    level = ma.fields.String(validate=validate.OneOf(("province", "city", "county")))
    parent = ma.fields.String(validate=validate.Regexp(r"^\d{6}$"))
    q = ma.fields.String(validate=validate.Length(min=1, max=20))


class RegionSchema(ma.Schema):
    adcode = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    level = ma.fields.String(required=True)
    parent = ma.fields.String(allow_none=True)
    lon = ma.fields.Float(required=True)
    lat = ma.fields.Float(required=True)


class RegionPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(RegionSchema), required=True)


class EnterpriseArgs(PageArgs):
    region = ma.fields.String(validate=validate.Regexp(r"^\d{2,6}$", error="须为行政区划代码的 2 至 6 位数字"),
                              metadata={"description": "adcode prefix: 13 (Hebei), 1305 (邢台), 130534 (清河县)"})
    chain_node = ma.fields.String(validate=NODE_ID)
    industry = ma.fields.String(validate=validate.Regexp(r"^\d{2,4}$", error="须为国民经济行业代码（GB/T 4754）"),
                                metadata={"description": "class, group or division: classified in it or under it"})
    entity_type = ma.fields.String(validate=validate.OneOf(ENTITY_TYPES))
    status = ma.fields.String(validate=validate.OneOf(ENTERPRISE_STATUSES))
    q = ma.fields.String(validate=validate.Length(min=1, max=50), metadata={"description": "text in the name"})
    # The place filters every other list takes (clusters, reports, introductions), for a client that uses one name.
    county = CountyArg()
    city = CityArg()


class SignalsSchema(Strict):
    bj_restricted = Bool(allow_none=True)
    expansion_year = ma.fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1990, max=2100))
    green_factory = Bool(allow_none=True)


def _revenue_field(**kwargs) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=ma.fields.String(validate=validate.Regexp(r"^(19|20)\d{2}$", error="须为年份")),
        values=ma.fields.Integer(strict=True, validate=validate.Range(min=0, max=10**13)),
        metadata={"description": "operating revenue by year, whole CNY: {\"2024\": 60000000}"}, **kwargs)


class EnterpriseSchema(ma.Schema):
    uscc = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    entity_type = ma.fields.String(required=True)
    region = ma.fields.String(required=True)
    industry_codes = ma.fields.List(ma.fields.String(), required=True)
    chain_nodes = ma.fields.List(ma.fields.String(), required=True)
    revenue_cny = _revenue_field(required=True)
    status = ma.fields.String(required=True)
    group = ma.fields.String(allow_none=True)
    synthetic = ma.fields.Boolean(required=True)
    registered_on = ma.fields.Date(allow_none=True)
    status_on = ma.fields.Date(allow_none=True, metadata={"description": "状态日期: since when the status holds"})
    products = ma.fields.String(allow_none=True)
    signals = ma.fields.Nested(SignalsSchema)


class NamedNodeSchema(ma.Schema):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    cluster = ma.fields.String(required=True)
    cluster_name = ma.fields.String(required=True)


class EnterpriseReadSchema(EnterpriseSchema):
    region_name = ma.fields.String(allow_none=True, metadata={"description": "city and county by name"})
    chain_nodes_named = ma.fields.List(ma.fields.Nested(NamedNodeSchema), required=True,
                                       metadata={"description": "the chain nodes with their names and clusters"})


class EnterprisePageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(EnterpriseSchema), required=True)


class EnterpriseInSchema(Strict):
    uscc = ma.fields.String(required=True, validate=USCC)
    name = Text(100, required=True)
    entity_type = ma.fields.String(required=True, validate=validate.OneOf(ENTITY_TYPES))
    region = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    industry_codes = ma.fields.List(ma.fields.String(validate=CLASS), load_default=list,
                                    validate=[validate.Length(max=10), distinct])
    chain_nodes = ma.fields.List(ma.fields.String(validate=NODE_ID), load_default=list,
                                 validate=[validate.Length(max=20), distinct])
    revenue_cny = _revenue_field(load_default=dict)
    status = ma.fields.String(load_default="active", validate=validate.OneOf(ENTERPRISE_STATUSES))
    group = ma.fields.String(allow_none=True, load_default=None, validate=USCC)
    registered_on = PastDay(allow_none=True, load_default=None)
    products = Text(300, allow_none=True, load_default=None)
    signals = ma.fields.Nested(SignalsSchema, load_default=dict)

    @ma.post_load
    def flatten(self, data, **kwargs):
        data.update(data.pop("signals"))
        data["revenue_cny"] = {int(y): v for y, v in data["revenue_cny"].items()}
        return data


class EnterpriseBatchSchema(Strict):
    items = ma.fields.List(ma.fields.Nested(EnterpriseInSchema), required=True,
                           validate=validate.Length(min=1, max=MAX_BATCH))


class EnterprisePatchSchema(Patch):
    name = Text(100)
    entity_type = ma.fields.String(validate=validate.OneOf(ENTITY_TYPES))
    region = ma.fields.String(validate=validate.Regexp(r"^\d{6}$"))
    industry_codes = ma.fields.List(ma.fields.String(validate=CLASS), validate=[validate.Length(max=10), distinct])
    chain_nodes = ma.fields.List(ma.fields.String(validate=NODE_ID), validate=[validate.Length(max=20), distinct])
    revenue_cny = _revenue_field()
    status = ma.fields.String(validate=validate.OneOf(ENTERPRISE_STATUSES))
    status_on = PastDay(metadata={"description": "状态日期 of a status change; default today"})
    group = ma.fields.String(allow_none=True, validate=USCC)
    registered_on = PastDay(allow_none=True)
    products = Text(300, allow_none=True)
    signals = ma.fields.Nested(SignalsSchema)

    @ma.post_load
    def flatten(self, data, **kwargs):
        data.update(data.pop("signals", {}))
        return data


class CreatedEnterprisesSchema(ma.Schema):
    created = ma.fields.List(ma.fields.String(), required=True)


class PartnerSchema(ma.Schema):
    partner = ma.fields.String(required=True)
    partner_name = ma.fields.String(allow_none=True)
    partner_region = ma.fields.String(allow_none=True)
    partner_status = ma.fields.String(allow_none=True)
    relation = ma.fields.String(required=True, metadata={"description": ", ".join(RELATIONS)})
    kind = ma.fields.String(required=True)
    since = ma.fields.Date(required=True)
    until = ma.fields.Date(allow_none=True)
    evidence = ma.fields.String(allow_none=True)


class PartnerListSchema(ma.Schema):
    """All of one firm's relationships (a firm has tens, not thousands: not paged), with their number like every list."""

    items = ma.fields.List(ma.fields.Nested(PartnerSchema), required=True)
    total = ma.fields.Integer(required=True)


class PartnerInSchema(Strict):
    partner = ma.fields.String(required=True, validate=USCC)
    relation = ma.fields.String(required=True, validate=validate.OneOf(RELATIONS))
    since = PastDay(required=True, metadata={"description": "the day it began: not after today"})
    until = Day(allow_none=True, load_default=None)
    evidence = Text(300, allow_none=True, load_default=None)


# ---- views -----------------------------------------------------------------------------------
@blp.route("/regions", methods=["GET"])
@blp.etag
@blp.arguments(RegionArgs, location="query", unknown=ma.RAISE)
@blp.response(200, RegionPageSchema)
def list_regions(args):
    """Provinces, cities and county-level units (GB/T 2260) with centroids, filtered by level and parent."""
    page = Page(args.pop("page"), args.pop("per_page"))
    return regions.list_regions(graph(), page, **args)


@blp.route("/enterprises", methods=["GET"])
@blp.etag
@blp.arguments(EnterpriseArgs, location="query", unknown=ma.RAISE)
@blp.response(200, EnterprisePageSchema)
def list_enterprises(args):
    """Search market entities by place (region prefix, or county / city as the other lists take them), chain node,
    industry code, entity type, status or name."""
    page = Page(args.pop("page"), args.pop("per_page"))
    place = places.resolve_filters(graph(), city=args.pop("city", None), county=args.pop("county", None))
    chosen = place["county"] or (place["city"] or "")[:4] or None
    if chosen and args.get("region") and not (chosen.startswith(args["region"]) or args["region"].startswith(chosen)):
        reason = f"与 region={args['region']} 不在同一地区"
        raise Invalid(f"county/city: {reason}", errors=[{"field": "county" if place["county"] else "city",
                                                         "in": "query", "reason": reason}])
    if chosen and len(chosen) > len(args.get("region") or ""):
        args["region"] = chosen
    return enterprises.list_enterprises(graph(), page, **args)


CREATE_BODY = {"required": True, "content": {"application/json": {"schema": {"oneOf": [
    {"$ref": "#/components/schemas/EnterpriseIn"}, {"$ref": "#/components/schemas/EnterpriseBatch"}]}}}}


@blp.route("/enterprises", methods=["POST"])
@blp.doc(requestBody=CREATE_BODY)
@blp.response(201, CreatedEnterprisesSchema)
def create_enterprises():
    """Create one enterprise (an object) or a batch (`{"items": [...]}`, up to 500), all or nothing."""
    raw = request.get_json()  # malformed JSON -> 400 problem
    if not isinstance(raw, dict):
        reason = "须为 JSON 对象：一家企业，或 {\"items\": [...]} 一批"
        raise Invalid(f"body: {reason}", errors=[{"field": "body", "in": "json", "reason": reason}])
    schema = EnterpriseBatchSchema() if "items" in raw else EnterpriseInSchema()
    try:
        data: dict = schema.load(raw)  # type: ignore[assignment]
    except ma.ValidationError as exc:
        errors = flatten_messages({"json": exc.messages})
        raise Invalid("; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5]), errors=errors) from None
    items = data["items"] if "items" in data else [data]
    for item in items:
        auth.require_enterprise_write(principal(), item["region"])
    _require_chain_nodes(graph(), [n for item in items for n in item["chain_nodes"]])
    enterprises.create_enterprises(graph(), policies(), items)
    return {"created": [item["uscc"] for item in items]}


def _require_chain_nodes(graph_, node_ids: list[str]) -> None:
    counties = write_scope.chain_node_counties(graph_, node_ids)
    auth.require_counties(principal(), list(counties.values()), "把市场主体挂到环节上会改变该集群的产业链")


@blp.route("/enterprises/<uscc:uscc>", methods=["GET"])
@blp.etag
@blp.response(200, EnterpriseReadSchema)
def get_enterprise(uscc):
    """One market entity."""
    return enterprises.get_enterprise(graph(), uscc)


@blp.route("/enterprises/<uscc:uscc>", methods=["PATCH"])
@blp.arguments(EnterprisePatchSchema)
@blp.response(200, EnterpriseReadSchema)
def patch_enterprise(changes, uscc):
    """Change a market entity's fields (the region too, with the right to both counties)."""
    who = principal()
    current = enterprises.get_enterprise(graph(), uscc)
    auth.require_enterprise_write(who, current["region"])
    if "region" in changes:
        auth.require_enterprise_write(who, changes["region"])
    if "chain_nodes" in changes:  # linking into (or out of) a chain is a change to that chain
        _require_chain_nodes(graph(), sorted(set(changes["chain_nodes"]) ^ set(current["chain_nodes"])))
    reward_facts = write_scope.changed_facts(current, changes)
    named = "、".join(write_scope.FACT_NAMES[f] for f in reward_facts or write_scope.REWARD_FACTS)
    why = f"本企业是已签约的引进项目的落地主体或投资方，其{named}决定项目所在县的奖励核查"
    if reward_facts:  # refused before the body is validated; the write checks it again under the firm's lock
        auth.require_counties(who, write_scope.introduction_counties(graph(), [uscc]).get(uscc, []), why)
    if "revenue_cny" in changes:
        changes["revenue_cny"] = {int(y): v for y, v in changes["revenue_cny"].items()}
    try:
        return enterprises.patch_enterprise(graph(), policies(), uscc, changes, None if who.is_admin else who.counties,
                                            current)
    except write_scope.Reaches as reached:
        for county in reached.home:  # moved to another county since it was read
            auth.require_enterprise_write(who, county)
        auth.require_counties(who, reached.checks, why)
        raise


@blp.route("/enterprises/<uscc:uscc>/partners", methods=["GET"])
@blp.etag
@blp.response(200, PartnerListSchema)
def list_partners(uscc):
    """The enterprise's 协作配套 relationships, both directions."""
    check_uscc(uscc, "uscc")
    items = partners.list_partners(graph(), uscc)
    return {"items": items, "total": len(items)}


@blp.route("/enterprises/<uscc:uscc>/partners", methods=["POST"])
@blp.arguments(PartnerInSchema)
@blp.response(201, PartnerSchema)
def add_partner(data, uscc):
    """Record a 协作配套 relationship (editors of either side's county, admins)."""
    check_uscc(uscc, "uscc")
    check_uscc(data["partner"], "partner")
    own = partners.region_of(graph(), uscc)
    other = partners.region_of(graph(), data["partner"], field="partner")
    auth.require_any_enterprise_write(principal(), [own, other])
    return partners.add_partner(graph(), uscc, data)
