"""The 三(三)6 reward: explained, recorded checks, and the one-time grant (admins only)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import marshmallow as ma
from marshmallow import validate
from flask import Response, render_template

from api.context import graph, policies
from api.params import Blueprint, SLUG, USCC, CountyArg, checked
from api.schemas import PageArgs, PageSchema, PastDay, Strict
from api.security import principal
from chainmap import auth, provenance
from chainmap.paging import Page
from chainmap.rewards import checks as reward_checks
from chainmap.rewards import form as reward_form
from chainmap.rewards.rule import OUTCOME_NAMES

blp = Blueprint("rewards", __name__, description="三(三)6 reward checks and grants (协作配套奖励)")


class CheckInSchema(Strict):
    enterprise = ma.fields.String(required=True, validate=USCC)
    cluster = ma.fields.String(required=True, validate=SLUG)
    as_of = PastDay(load_default=None, metadata={"description": "assessment date, not after today; default today"})


class RuleCheckSchema(ma.Schema):
    rule = ma.fields.String(required=True, metadata={"description": "introduced, out_of_county, revenue, partners, "
                                                                    "not_already_granted"})
    name = ma.fields.String(metadata={"description": "条件名称"})
    status = ma.fields.String(required=True, metadata={"description": "passed, failed or unknown"})
    status_name = ma.fields.String(metadata={"description": "符合 / 不符合 / 无法判定"})
    actual = ma.fields.Raw(allow_none=True)
    expected = ma.fields.Raw(allow_none=True, metadata={"description": "要求"})
    reference = ma.fields.String(required=True, metadata={"description": "依据: document and article"})
    message = ma.fields.String(required=True, metadata={"description": "说明"})
    basis = ma.fields.Dict(metadata={"description": "revenue: whose figure (enterprise or investor)"})
    year = ma.fields.Integer(metadata={"description": "revenue: the prior year"})


class CountedSchema(ma.Schema):
    uscc = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True)
    entity_type = ma.fields.String(allow_none=True)
    entity_type_name = ma.fields.String(metadata={"description": "企业 / 个体工商户 / 家庭农场 / 农民专业合作社 / 分支机构"})
    relation = ma.fields.String(required=True)
    relation_name = ma.fields.String()
    since = ma.fields.String(required=True)


class ExcludedSchema(ma.Schema):
    uscc = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True)
    entity_type_name = ma.fields.String()
    relation_name = ma.fields.String()
    since = ma.fields.String()
    reason = ma.fields.String(required=True, metadata={"description": "未计入原因"})


class PartnersSchema(ma.Schema):
    counted = ma.fields.List(ma.fields.Nested(CountedSchema), required=True)
    excluded = ma.fields.List(ma.fields.Nested(ExcludedSchema), required=True)


class ReadingSchema(ma.Schema):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True, metadata={"description": "政策口径"})
    value = ma.fields.Raw(allow_none=True)
    text = ma.fields.String(required=True)


class CheckSchema(ma.Schema):
    id = ma.fields.String(required=True)
    outcome = ma.fields.String(required=True, metadata={"description": "eligible, ineligible or undetermined"})
    outcome_name = ma.fields.String(metadata={"description": "符合奖励条件 / 不符合奖励条件 / 暂无法认定"})
    amount_cny = ma.fields.Integer(required=True)
    policy = ma.fields.Dict(required=True)
    readings = ma.fields.List(ma.fields.Nested(ReadingSchema), metadata={"description": "the readings applied"})
    notes = ma.fields.List(ma.fields.String(), metadata={"description": "注（e.g. the plan period has ended）"})
    as_of = ma.fields.String(required=True)
    enterprise = ma.fields.Dict(required=True)
    cluster = ma.fields.Dict(required=True)
    introduction = ma.fields.Dict(allow_none=True)
    checks = ma.fields.List(ma.fields.Nested(RuleCheckSchema), required=True)
    partners = ma.fields.Nested(PartnersSchema, required=True)
    checked_by = ma.fields.String(required=True)


class CheckArgs(PageArgs):
    enterprise = ma.fields.String(validate=USCC)
    cluster = ma.fields.String(validate=SLUG)
    county = CountyArg()
    outcome = ma.fields.String(validate=validate.OneOf(OUTCOME_NAMES))
    since = ma.fields.Date(metadata={"description": "checks made on or after this day"})


class CheckRowSchema(ma.Schema):
    id = ma.fields.String(required=True)
    enterprise = ma.fields.String(required=True)
    enterprise_name = ma.fields.String(allow_none=True)
    cluster = ma.fields.String(required=True)
    county = ma.fields.String(allow_none=True)
    as_of = ma.fields.Date(required=True)
    outcome = ma.fields.String(required=True)
    amount_cny = ma.fields.Integer(required=True)
    policy_version = ma.fields.String(required=True)
    checked_by = ma.fields.String(required=True)
    checked_at = ma.fields.String(required=True)
    grant = ma.fields.String(allow_none=True, metadata={"description": "the grant made on this check, if any"})


class CheckPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(CheckRowSchema), required=True)


class FormArgs(Strict):
    format = ma.fields.String(load_default="html", validate=validate.OneOf(("html", "xlsx")))


class GrantInSchema(Strict):
    check = ma.fields.String(required=True, validate=validate.Regexp(r"^rc-\d{8}-[0-9a-f]{10}$"))


class GrantSchema(ma.Schema):
    id = ma.fields.String(required=True)
    check = ma.fields.String(required=True)
    enterprise = ma.fields.String(required=True)
    cluster = ma.fields.String(required=True)
    policy_id = ma.fields.String(required=True)
    policy_version = ma.fields.String(required=True)
    amount_cny = ma.fields.Integer(required=True)
    granted_by = ma.fields.String(required=True)
    granted_at = ma.fields.String(required=True)


@blp.route("/reward-checks", methods=["POST"])
@blp.arguments(CheckInSchema)
@blp.response(201, CheckSchema)
def create_check(data):
    """Check the 三(三)6 condition for an introduced enterprise in a cluster; the verdict is recorded."""
    auth.require_role(principal(), "analyst")
    as_of = data["as_of"] or dt.date.today()
    recorded = reward_checks.run_check(graph(), policies().reward, data["enterprise"], data["cluster"], as_of,
                                       principal().key_id)
    # The recorded text as it is: CheckSchema documents it and GET serves the same fields; dumping 200 partners
    # through marshmallow again cost more than the check itself.
    return Response(recorded, status=201, mimetype="application/json")


@blp.route("/reward-checks", methods=["GET"])
@blp.arguments(CheckArgs, location="query", unknown=ma.RAISE)
@blp.response(200, CheckPageSchema)
def list_checks(args):
    """Recorded checks (a check is never edited), newest first; filters: enterprise, cluster, county, outcome, since."""
    auth.require_role(principal(), "analyst")
    page = Page(args.pop("page"), args.pop("per_page"))
    return reward_checks.list_checks(graph(), page, **args)


@blp.route("/reward-checks/<slug:check_id>", methods=["GET"])
@blp.etag
@blp.response(200, CheckSchema)
def get_check(check_id):
    """A recorded check, exactly as it was recorded (even after the data moved on); analysts and above, as the list."""
    auth.require_role(principal(), "analyst")
    return reward_checks.get_check(graph(), checked(check_id, "check_id"))


# The form is self-contained: inline styles only, nothing fetched.
FORM_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/reward-checks/<slug:check_id>/form", methods=["GET"])
@blp.arguments(FormArgs, location="query", unknown=ma.RAISE)
@blp.doc(responses={200: {"description": "奖励核定表: HTML (A4 portrait, print stylesheet) or XLSX (set up to print)",
                         "content": {"text/html": {"schema": {"type": "string"}},
                                     XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def check_form(args, check_id):
    """The 奖励核定表 of a recorded check, to print and to file: html (default) or xlsx. 制表单位 is the calling key's
    label, 制表日期 today."""
    auth.require_role(principal(), "analyst")
    check = reward_checks.get_check(graph(), checked(check_id, "check_id"))
    firms = [check["enterprise"]["uscc"], *(p["uscc"] for side in ("counted", "excluded")
                                             for p in check["partners"][side])]
    sheet = reward_form.form(check, principal().label, dt.date.today(),
                             synthetic=provenance.synthetic_among(graph(), firms) > 0)
    name = f"奖励核定表-{check['enterprise'].get('name') or check['enterprise']['uscc']}-{check['id']}.{args['format']}"
    if args["format"] == "xlsx":
        response = Response(reward_form.to_xlsx(sheet), mimetype=XLSX)
        response.headers["Content-Disposition"] = (
            f"attachment; filename=\"{check['id']}.xlsx\"; filename*=UTF-8''{quote(name)}")
        return response
    response = Response(render_template("reward_form.html", form=sheet), mimetype="text/html")
    response.headers["Content-Security-Policy"] = FORM_CSP
    return response


@blp.route("/reward-grants", methods=["POST"])
@blp.arguments(GrantInSchema)
@blp.response(201, GrantSchema)
def create_grant(data):
    """Grant the one-time award for an eligible check (admins only); a second grant is a 409 naming the first."""
    auth.require_role(principal(), "admin")
    return reward_checks.grant(graph(), policies().reward, data["check"], principal().key_id)


@blp.route("/reward-grants/<slug:grant_id>", methods=["GET"])
@blp.etag
@blp.response(200, GrantSchema)
def get_grant(grant_id):
    """A recorded grant: who, when, how much, on which check; analysts and above, as the checks."""
    auth.require_role(principal(), "analyst")
    return reward_checks.get_grant(graph(), checked(grant_id, "grant_id"))
