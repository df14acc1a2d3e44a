"""Introductions as 招商项目: read by anyone with a key, recorded by the cluster county's editors, with an append-only
stage history and follow-up notes."""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

import marshmallow as ma
from marshmallow import validate

from api.context import graph
from api.params import Blueprint, ADCODE, NODE_ID, SLUG, USCC, CityArg, CountyArg, checked
from api.schemas import Day, PageArgs, PageSchema, PastDay, Patch, Strict, StrictFloat, Text, distinct
from api.security import principal
from chainmap import auth, introductions, project_history, write_scope
from chainmap.paging import Page
from chainmap.vocab import INTRODUCTION_STAGE_NAMES, INTRODUCTION_STAGES

blp = Blueprint("introductions", __name__, description="招商项目 (introduced enterprises): fields, stages, follow-ups")
STAGES_DOC = "、".join(f"{code}（{name}）" for code, name in INTRODUCTION_STAGE_NAMES.items())


class IntroductionArgs(PageArgs):
    cluster = ma.fields.String(validate=SLUG)
    county = CountyArg()
    city = CityArg()
    stage = ma.fields.String(validate=validate.OneOf(INTRODUCTION_STAGES), metadata={"description": STAGES_DOC})
    enterprise = ma.fields.String(validate=USCC)
    officer = ma.fields.String(validate=validate.Length(min=1, max=40),
                               metadata={"description": "text in the responsible officer's name or unit"})
    node = ma.fields.String(validate=NODE_ID, metadata={"description": "a chain node the project is to fill"})
    overdue = ma.fields.Boolean(truthy={"true"}, falsy={"false"},
                                metadata={"description": "true|false — 超期: the next step is past due (open projects)"})


class NodeRefSchema(ma.Schema):
    id = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True)


class StageChangeSchema(ma.Schema):
    seq = ma.fields.Integer(required=True)
    stage = ma.fields.String(required=True)
    stage_name = ma.fields.String(required=True)
    on = ma.fields.Date(required=True)
    reason = ma.fields.String(allow_none=True)
    by = ma.fields.String(allow_none=True, metadata={"description": "id of the API key that recorded it"})
    by_label = ma.fields.String(allow_none=True, metadata={"description": "who holds that key"})
    migrated = ma.fields.Boolean(allow_none=True, metadata={"description": "recorded by the migration, not observed"})
    source = ma.fields.String(allow_none=True)
    recorded_at = ma.fields.String(allow_none=True)


class NoteSchema(ma.Schema):
    seq = ma.fields.Integer(required=True)
    on = ma.fields.Date(required=True)
    text = ma.fields.String(required=True)
    by = ma.fields.String(allow_none=True)
    by_label = ma.fields.String(allow_none=True)
    recorded_at = ma.fields.String(allow_none=True)


class IntroductionSchema(ma.Schema):
    id = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True, metadata={"description": "项目名称"})
    enterprise = ma.fields.String(required=True, metadata={"description": "落地主体 (USCC)"})
    enterprise_name = ma.fields.String(allow_none=True)
    investor = ma.fields.String(allow_none=True, metadata={"description": "投资方 (USCC); null: the enterprise itself"})
    investor_name = ma.fields.String(allow_none=True)
    cluster = ma.fields.String(required=True)
    cluster_name = ma.fields.String(allow_none=True)
    county = ma.fields.String(allow_none=True)
    origin_region = ma.fields.String(required=True)
    introduced_on = ma.fields.Date(required=True)
    stage = ma.fields.String(required=True, metadata={"description": STAGES_DOC})
    stage_name = ma.fields.String(required=True)
    stage_on = ma.fields.Date(allow_none=True, metadata={"description": "date of the current stage"})
    amount_10k_cny = ma.fields.Float(allow_none=True, metadata={"description": "投资额（万元）"})
    nodes = ma.fields.List(ma.fields.Nested(NodeRefSchema), required=True, metadata={"description": "拟补链环节"})
    officer_name = ma.fields.String(allow_none=True, metadata={"description": "责任人"})
    officer_unit = ma.fields.String(allow_none=True, metadata={"description": "责任单位"})
    next_step = ma.fields.String(allow_none=True, metadata={"description": "下一步工作"})
    next_due = ma.fields.Date(allow_none=True, metadata={"description": "下一步完成时限"})
    overdue = ma.fields.Boolean(required=True, metadata={"description": "超期"})
    stages = ma.fields.List(ma.fields.Nested(StageChangeSchema), metadata={"description": "阶段记录 (one project only)"})
    notes = ma.fields.List(ma.fields.Nested(NoteSchema), metadata={"description": "跟进记录 (one project only)"})


class IntroductionPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(IntroductionSchema), required=True)


def Amount(**kwargs) -> ma.fields.Float:  # noqa: N802 - a field factory
    return StrictFloat(allow_none=True, validate=validate.Range(min=0, max=100_000_000), allow_nan=False,
                           metadata={"description": "投资额（万元）"}, **kwargs)


class ProjectFields(Strict):
    name = Text(100, allow_none=True)
    amount_10k_cny = Amount()
    nodes = ma.fields.List(ma.fields.String(validate=NODE_ID), validate=[validate.Length(max=20), distinct],
                           metadata={"description": "chain node ids of the cluster the project is to fill"})
    officer_name = Text(40, allow_none=True)
    officer_unit = Text(60, allow_none=True)
    next_step = Text(200, allow_none=True)
    next_due = Day(allow_none=True)


class IntroductionInSchema(ProjectFields):
    id = ma.fields.String(validate=SLUG, metadata={"description": "optional; generated when absent"})
    enterprise = ma.fields.String(required=True, validate=USCC)
    cluster = ma.fields.String(required=True, validate=SLUG)
    origin_region = ma.fields.String(required=True, validate=ADCODE)
    introduced_on = Day(required=True, metadata={"description": "also the date of the first stage"})
    stage = ma.fields.String(load_default="lead", validate=validate.OneOf(INTRODUCTION_STAGES))
    investor = ma.fields.String(load_default=None, allow_none=True, validate=USCC, metadata={
        "description": "投资方: the out-of-county investor (group parent) of a new local project company (USCC)"})


class IntroductionPatchSchema(ProjectFields, Patch):
    stage = ma.fields.String(validate=validate.OneOf(INTRODUCTION_STAGES),
                             metadata={"description": "recorded as a stage change dated today"})
    introduced_on = PastDay()
    origin_region = ma.fields.String(validate=ADCODE)
    investor = ma.fields.String(allow_none=True, validate=USCC)


class StageInSchema(Strict):
    stage = ma.fields.String(required=True, validate=validate.OneOf(INTRODUCTION_STAGES),
                             metadata={"description": STAGES_DOC})
    on = Day(load_default=dt.date.today, metadata={"description": "date of the change; default today"})
    reason = Text(500, metadata={"description": "终止原因 (required for terminated) or a remark"})


class NoteInSchema(Strict):
    on = Day(load_default=dt.date.today)
    text = Text(2000, required=True)


def _by() -> dict[str, str]:
    """Who records: the calling key's id and label."""
    p = principal()
    return {"id": p.key_id, "label": p.label or p.key_id}


def _editable(intro_id: str) -> dict:
    """The project, once the caller is known to be an editor of its cluster's county."""
    current = introductions.get_introduction(graph(), checked(intro_id, "intro_id"))
    auth.require_write(principal(), current["county"])
    return current


@blp.route("/introductions", methods=["GET"])
@blp.etag
@blp.arguments(IntroductionArgs, location="query", unknown=ma.RAISE)
@blp.response(200, IntroductionPageSchema)
def list_introductions(args):
    """Projects, filtered by cluster, county, city, stage, enterprise, officer, node or 超期; newest first."""
    page = Page(args.pop("page"), args.pop("per_page"))
    return introductions.list_introductions(graph(), page, **args)


@blp.route("/introductions", methods=["POST"])
@blp.arguments(IntroductionInSchema)
@blp.response(201, IntroductionSchema)
def create_introduction(data):
    """Record a project (an enterprise introduced into a cluster); its first stage is dated by introduced_on."""
    county = introductions.check_refs(graph(), data["enterprise"], data["cluster"], data["origin_region"],
                                      data.get("investor"), data.get("nodes"))
    who = principal()
    auth.require_write(who, county)
    try:
        return introductions.create_introduction(graph(), data, _by(), None if who.is_admin else who.counties)
    except write_scope.Reaches as reached:
        _refuse_firms(who, reached)


@blp.route("/introductions/<slug:intro_id>", methods=["GET"])
@blp.etag
@blp.response(200, IntroductionSchema)
def get_introduction(intro_id):
    """One project with its stage history and follow-up notes."""
    return introductions.get_introduction(graph(), checked(intro_id, "intro_id"))


@blp.route("/introductions/<slug:intro_id>", methods=["PATCH"])
@blp.arguments(IntroductionPatchSchema)
@blp.response(200, IntroductionSchema)
def patch_introduction(changes, intro_id):
    """Change a project's fields (name, amount, nodes, officer, next step …); a stage here is dated today."""
    current = _editable(intro_id)
    if "origin_region" in changes or changes.get("investor") or "nodes" in changes:
        introductions.check_refs(graph(), current["enterprise"], current["cluster"],
                                 changes.get("origin_region", current["origin_region"]), changes.get("investor"),
                                 changes.get("nodes"))
    who = principal()
    try:
        return introductions.patch_introduction(graph(), current, changes, _by(), None if who.is_admin else who.counties)
    except write_scope.Reaches as reached:
        _refuse_firms(who, reached)


def _refuse_firms(who, reached: write_scope.Reaches) -> NoReturn:
    """A Hebei firm the project names (as the enterprise or the investor) is in a county the key may not write: the
    project would hold that county's firm's reward facts (chainmap.write_scope)."""
    auth.require_counties(who, reached.home, "引进项目所涉企业（落地主体或投资方）登记在其他县，须由该县或管理员录入")
    raise reached


@blp.route("/introductions/<slug:intro_id>/stages", methods=["POST"])
@blp.arguments(StageInSchema)
@blp.response(201, IntroductionSchema)
def record_stage(move, intro_id):
    """Append a stage change (forward, or 终止 with a reason), dated; the history is append-only."""
    project_history.record_stage(graph(), _editable(intro_id), move, _by())
    return introductions.get_introduction(graph(), intro_id)


@blp.route("/introductions/<slug:intro_id>/notes", methods=["POST"])
@blp.arguments(NoteInSchema)
@blp.response(201, IntroductionSchema)
def add_note(note, intro_id):
    """Append a follow-up note (跟进记录)."""
    project_history.add_note(graph(), _editable(intro_id)["id"], note, _by())
    return introductions.get_introduction(graph(), intro_id)
