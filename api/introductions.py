"""Introductions (招商引进项目): read by anyone with a key, recorded by the cluster county's editors."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import validate

from api.context import graph
from api.params import SLUG, USCC, CountyArg, checked
from api.schemas import Patch, PageArgs, PageSchema, Strict
from api.security import principal
from chainmap import auth, introductions
from chainmap.paging import Page
from chainmap.vocab import INTRODUCTION_STAGES

blp = Blueprint("introductions", __name__, description="Introduced enterprises (招商引进) and their stage")


class IntroductionArgs(PageArgs):
    cluster = ma.fields.String(validate=SLUG)
    county = CountyArg()
    stage = ma.fields.String(validate=validate.OneOf(INTRODUCTION_STAGES))
    enterprise = ma.fields.String(validate=USCC)


class IntroductionSchema(ma.Schema):
    id = ma.fields.String(required=True)
    enterprise = ma.fields.String(required=True)
    enterprise_name = ma.fields.String(allow_none=True)
    cluster = ma.fields.String(required=True)
    cluster_name = ma.fields.String(allow_none=True)
    county = ma.fields.String(allow_none=True)
    origin_region = ma.fields.String(required=True)
    introduced_on = ma.fields.Date(required=True)
    stage = ma.fields.String(required=True, metadata={"description": " → ".join(INTRODUCTION_STAGES)})
    investor = ma.fields.String(allow_none=True, metadata={"description": "the out-of-county investor (USCC)"})


class IntroductionPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(IntroductionSchema), required=True)


class IntroductionInSchema(Strict):
    id = ma.fields.String(validate=SLUG, metadata={"description": "optional; generated when absent"})
    enterprise = ma.fields.String(required=True, validate=USCC)
    cluster = ma.fields.String(required=True, validate=SLUG)
    origin_region = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    introduced_on = ma.fields.Date(required=True)
    stage = ma.fields.String(load_default="lead", validate=validate.OneOf(INTRODUCTION_STAGES))
    investor = ma.fields.String(load_default=None, allow_none=True, validate=USCC, metadata={
        "description": "投资方: the out-of-county investor (group parent) of a new local project company (USCC)"})


class IntroductionPatchSchema(Patch):
    stage = ma.fields.String(validate=validate.OneOf(INTRODUCTION_STAGES))
    introduced_on = ma.fields.Date()
    origin_region = ma.fields.String(validate=validate.Regexp(r"^\d{6}$"))
    investor = ma.fields.String(allow_none=True, validate=USCC)


@blp.route("/introductions", methods=["GET"])
@blp.etag
@blp.arguments(IntroductionArgs, location="query", unknown=ma.RAISE)
@blp.response(200, IntroductionPageSchema)
def list_introductions(args):
    """Introductions, filtered by cluster, county, stage or enterprise; newest first."""
    page = Page(args.pop("page"), args.pop("per_page"))
    return introductions.list_introductions(graph(), page, **args)


@blp.route("/introductions", methods=["POST"])
@blp.arguments(IntroductionInSchema)
@blp.response(201, IntroductionSchema)
def create_introduction(data):
    """Record an enterprise introduced into a cluster."""
    county = introductions.check_refs(graph(), data["enterprise"], data["cluster"], data["origin_region"],
                                      data.get("investor"))
    auth.require_write(principal(), county)
    return introductions.create_introduction(graph(), data)


@blp.route("/introductions/<slug:intro_id>", methods=["GET"])
@blp.etag
@blp.response(200, IntroductionSchema)
def get_introduction(intro_id):
    """One introduction."""
    return introductions.get_introduction(graph(), checked(intro_id, "intro_id"))


@blp.route("/introductions/<slug:intro_id>", methods=["PATCH"])
@blp.arguments(IntroductionPatchSchema)
@blp.response(200, IntroductionSchema)
def patch_introduction(changes, intro_id):
    """Move an introduction along its stages, or correct its date or origin."""
    current = introductions.get_introduction(graph(), checked(intro_id, "intro_id"))
    auth.require_write(principal(), current["county"])
    if "origin_region" in changes or changes.get("investor"):
        introductions.check_refs(graph(), current["enterprise"], current["cluster"],
                                 changes.get("origin_region", current["origin_region"]), changes.get("investor"))
    return introductions.patch_introduction(graph(), intro_id, changes)
