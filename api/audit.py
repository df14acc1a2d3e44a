"""The audit trail (操作日志): admins read who changed what, when, field by field."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from api.context import graph
from api.params import Blueprint, CountyArg
from api.schemas import PageArgs, PageSchema
from api.security import principal
from chainmap import audit_log, auth
from chainmap.paging import Page

blp = Blueprint("audit", __name__, description="Audit trail (操作日志): every write, who made it and what it changed")
KINDS = ("cluster", "chain_node", "chain_edge", "enterprise", "supply", "introduction", "reward_check", "reward_grant")


class AuditArgs(PageArgs):
    object = ma.fields.String(validate=validate.Length(min=1, max=200),
                              metadata={"description": "object id: its history (qinghe-cashmere, a USCC, ...)"})
    kind = ma.fields.String(validate=validate.OneOf(KINDS))
    actor = ma.fields.String(validate=validate.Regexp(r"^[a-z0-9]{12}$", error="须为 API 密钥编号"))
    county = CountyArg()
    since = ma.fields.AwareDateTime(default_timezone=None, metadata={"description": "ISO 8601 with offset; inclusive"})
    until = ma.fields.AwareDateTime(default_timezone=None, metadata={"description": "ISO 8601 with offset; exclusive"})


class AuditEntrySchema(ma.Schema):
    id = ma.fields.String(required=True)
    at = ma.fields.String(required=True)
    actor = ma.fields.String(required=True, metadata={"description": "API key id"})
    actor_label = ma.fields.String(allow_none=True)
    actor_role = ma.fields.String(allow_none=True)
    operation = ma.fields.String(required=True)
    object_kind = ma.fields.String(required=True)
    object_id = ma.fields.String(required=True)
    county = ma.fields.String(allow_none=True)
    changes = ma.fields.Dict(required=True, metadata={"description": "fields: {name: {before, after}}"})


class AuditPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(AuditEntrySchema), required=True)


@blp.route("/audit", methods=["GET"])
@blp.arguments(AuditArgs, location="query", unknown=ma.RAISE)
@blp.response(200, AuditPageSchema)
def list_audit(args):
    """Audit entries, newest first (admins); `object=` gives one object's history."""
    auth.require_role(principal(), "admin")
    page = Page(args.pop("page"), args.pop("per_page"))
    return audit_log.list_entries(graph(), page, **args)
