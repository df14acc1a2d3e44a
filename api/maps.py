"""GeoJSON map layers for front-end integrations (RFC 7946, application/geo+json), with ETag and Cache-Control."""

from __future__ import annotations

import hashlib
import json

import marshmallow as ma
from flask import Response, current_app, request
from werkzeug.wrappers import Response as WerkzeugResponse
from marshmallow import validate

from api.clusters import ClusterArgs
from api.context import graph, policies, thresholds
from api.params import Blueprint, SLUG, CityArg, checked
from api.schemas import AsOf, AsOfArgs, Strict
from api.security import principal
from chainmap import map_layers
from chainmap.vocab import CATEGORIES

blp = Blueprint("maps", __name__, description="Map layers (GeoJSON, RFC 7946: positions are [lon, lat], WGS 84)")
GEOJSON = "application/geo+json"
# Layers change only when the graph does; a short private max-age spares map redraws a round trip, and the ETag
# makes the revalidation after it cheap. Private: the layers are read with a key.
CACHE_CONTROL = "private, max-age=60, must-revalidate"
PROVINCE_LIMIT = 10


class ClusterLayerArgs(ClusterArgs):
    class Meta:
        exclude = ("page", "per_page")

    as_of = AsOf()


class FlowArgs(Strict):
    cluster = ma.fields.String(validate=SLUG, metadata={"description": "one cluster; without it, the whole province"})
    node = ma.fields.String(validate=SLUG, metadata={"description": "one node key (needs cluster); default every "
                                                                     "gap/weak/bottleneck node"})
    city = CityArg()
    category = ma.fields.String(validate=validate.OneOf(CATEGORIES))
    limit = ma.fields.Integer(validate=validate.Range(min=1, max=50),
                              metadata={"description": "targets per node: default 10 for one cluster, 3 province-wide "
                                                       "(at most 10 there)"})

    @ma.validates_schema
    def one_scope(self, data, **kwargs):
        if "cluster" in data and ("city" in data or "category" in data):
            raise ma.ValidationError("与 cluster 不能同时使用（city、category 只用于全省流向）", "city" if "city" in data
                                     else "category")
        if "node" in data and "cluster" not in data:
            raise ma.ValidationError("须同时给出 cluster", "node")
        if "cluster" not in data and data.get("limit", 0) > PROVINCE_LIMIT:
            raise ma.ValidationError(f"全省流向每个环节最多 {PROVINCE_LIMIT} 家", "limit")


class FeatureSchema(ma.Schema):
    type = ma.fields.String(required=True, metadata={"description": "Feature"})
    id = ma.fields.String(required=True, metadata={"description": "stable id"})
    geometry = ma.fields.Dict(required=True, allow_none=True)
    properties = ma.fields.Dict(required=True)


class FeatureCollectionSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE  # foreign members (RFC 7946 §6.1) such as the flows' cluster

    type = ma.fields.String(required=True, metadata={"description": "FeatureCollection"})
    features = ma.fields.List(ma.fields.Nested(FeatureSchema), required=True)


def geojson(layer: dict) -> WerkzeugResponse:
    body = json.dumps(layer, ensure_ascii=False, separators=(",", ":")).encode()
    response = Response(body, content_type=GEOJSON)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response.make_conditional(request)  # 304 when If-None-Match matches


# What a map client reads besides the body: the tag to send back in If-None-Match, and how long to keep the layer.
LAYER_HEADERS = {
    "ETag": {"description": "the layer's tag (weak when the body is compressed); send it back in If-None-Match",
             "schema": {"type": "string"}},
    "Cache-Control": {"description": CACHE_CONTROL, "schema": {"type": "string"}},
    "Vary": {"description": "Accept-Encoding (the layer is sent brotli or gzip when accepted)", "schema": {"type": "string"}},
}


@blp.route("/map/clusters.geojson", methods=["GET"])
@blp.arguments(ClusterLayerArgs, location="query", unknown=ma.RAISE)
@blp.response(200, FeatureCollectionSchema, content_type=GEOJSON, headers=LAYER_HEADERS)
@blp.alt_response(304, description="Not modified (If-None-Match)", headers=LAYER_HEADERS)
def clusters_layer(args):
    """A Point per cluster at its county's centroid, with counts of gap / weak / bottleneck nodes and the local
    supply rate. Filters as /clusters; as_of: as they stood on that day."""
    day = args.pop("as_of", None)
    return geojson(map_layers.clusters_layer(graph(), thresholds(), day=day, **args))


@blp.route("/map/counties.geojson", methods=["GET"])
@blp.arguments(AsOfArgs, location="query", unknown=ma.RAISE)
@blp.response(200, FeatureCollectionSchema, content_type=GEOJSON, headers=LAYER_HEADERS)
@blp.alt_response(304, description="Not modified (If-None-Match)", headers=LAYER_HEADERS)
def counties_layer(args):
    """A Point per Hebei county-level unit at its centroid, with its clusters and their gap totals (as_of: as they
    stood on that day). Points only: no boundary polygons whose licence allows redistribution are in the seeds."""
    return geojson(map_layers.counties_layer(graph(), thresholds(), day=args.get("as_of")))


@blp.route("/map/flows.geojson", methods=["GET"])
@blp.arguments(FlowArgs, location="query", unknown=ma.RAISE)
@blp.response(200, FeatureCollectionSchema, content_type=GEOJSON, headers=LAYER_HEADERS)
@blp.alt_response(304, description="Not modified (If-None-Match)", headers=LAYER_HEADERS)
def flows_layer(args):
    """A LineString per recommended Beijing/Tianjin target, from its district (spread around the centroid) to the
    cluster's county, with rank, score, node, origin district and target county names; the firm's name and USCC
    only for keys above `map`. Without `cluster`: the whole province (filters city, category), best scores first,
    at most 2000 lines (`truncated` says when more were left off); the first layer of a day may come back
    `complete: false` with the clusters still to rank in `pending` (ask again)."""
    identities = principal().role != "map"
    if "cluster" not in args:
        # Half the database budget for ranking: a cold layer answers in time, partial (`pending`), never 503.
        allowance = current_app.config["CHAINMAP_SETTINGS"].db_wait_s / 2
        return geojson(map_layers.province_flows(graph(), policies(), thresholds(), city=args.get("city"),
                                                 category=args.get("category"), limit=args.get("limit", 3),
                                                 identities=identities, allowance_s=allowance))
    return geojson(map_layers.flows_layer(graph(), policies(), thresholds(), checked(args["cluster"], "cluster"),
                                          node_key=args.get("node"), limit=args.get("limit", 10),
                                          identities=identities))
