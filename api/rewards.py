"""The 三(三)6 reward: explained, recorded checks, and the one-time grant (admins only)."""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from marshmallow import validate
from flask_smorest import Blueprint

from api.context import graph, policies
from api.params import SLUG, USCC, checked
from api.schemas import Strict
from api.security import principal
from chainmap import auth
from chainmap.rewards import checks as reward_checks

blp = Blueprint("rewards", __name__, description="三(三)6 reward checks and grants (协作配套奖励)")


class CheckInSchema(Strict):
    enterprise = ma.fields.String(required=True, validate=USCC)
    cluster = ma.fields.String(required=True, validate=SLUG)
    as_of = ma.fields.Date(load_default=None, metadata={"description": "assessment date; default today"})


class RuleCheckSchema(ma.Schema):
    rule = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"description": "passed, failed or unknown"})
    actual = ma.fields.Raw(allow_none=True)
    expected = ma.fields.Raw(allow_none=True)
    reference = ma.fields.String(required=True)
    message = ma.fields.String(required=True)


class CountedSchema(ma.Schema):
    uscc = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True)
    entity_type = ma.fields.String(allow_none=True)
    relation = ma.fields.String(required=True)
    since = ma.fields.String(required=True)


class ExcludedSchema(ma.Schema):
    uscc = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True)
    reason = ma.fields.String(required=True)


class PartnersSchema(ma.Schema):
    counted = ma.fields.List(ma.fields.Nested(CountedSchema), required=True)
    excluded = ma.fields.List(ma.fields.Nested(ExcludedSchema), required=True)


class CheckSchema(ma.Schema):
    id = ma.fields.String(required=True)
    outcome = ma.fields.String(required=True, metadata={"description": "eligible, ineligible or undetermined"})
    amount_cny = ma.fields.Integer(required=True)
    policy = ma.fields.Dict(required=True)
    as_of = ma.fields.String(required=True)
    enterprise = ma.fields.Dict(required=True)
    cluster = ma.fields.Dict(required=True)
    checks = ma.fields.List(ma.fields.Nested(RuleCheckSchema), required=True)
    partners = ma.fields.Nested(PartnersSchema, required=True)
    checked_by = ma.fields.String(required=True)


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
    return reward_checks.run_check(graph(), policies().reward, data["enterprise"], data["cluster"], as_of,
                                   principal().key_id)


@blp.route("/reward-checks/<slug:check_id>", methods=["GET"])
@blp.etag
@blp.response(200, CheckSchema)
def get_check(check_id):
    """A recorded check, exactly as it was recorded (even after the data moved on)."""
    return reward_checks.get_check(graph(), checked(check_id, "check_id"))


@blp.route("/reward-grants", methods=["POST"])
@blp.arguments(GrantInSchema)
@blp.response(201, GrantSchema)
def create_grant(data):
    """Grant the one-time award for an eligible check (admins only); a second grant is a 409 naming the first."""
    auth.require_role(principal(), "admin")
    return reward_checks.grant(graph(), data["check"], principal().key_id)


@blp.route("/reward-grants/<slug:grant_id>", methods=["GET"])
@blp.etag
@blp.response(200, GrantSchema)
def get_grant(grant_id):
    """A recorded grant: who, when, how much, on which check."""
    return reward_checks.get_grant(graph(), checked(grant_id, "grant_id"))
