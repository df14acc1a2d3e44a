"""Schemas shared by every resource."""

from __future__ import annotations

import marshmallow as ma


class FieldErrorSchema(ma.Schema):
    field = ma.fields.String(required=True, metadata={"description": "Field name (dotted path for nested fields)"})
    reason = ma.fields.String(required=True, metadata={"description": "Why the value was refused"})
    in_ = ma.fields.String(data_key="in", metadata={"description": "Where the field was: json, query, path, headers"})


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, the body of every error response."""

    type = ma.fields.String(required=True, metadata={"description": "Problem type URI, or about:blank"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(FieldErrorSchema), metadata={"description": "Field-level reasons"})
