"""Schemas shared by every resource."""

from __future__ import annotations

import datetime as dt
import unicodedata

import marshmallow as ma
from marshmallow import validate

from chainmap import days, hidden
from chainmap.paging import MAX_PER_PAGE


class NoHiddenCharacters(validate.Regexp):
    """Refuses control, direction-changing and invisible characters (chainmap.hidden), naming the first one and
    where it is. Documented in the OpenAPI document as a pattern, so clients know before they send (the characters
    of the BMP: an ECMA-262 pattern takes no astral ranges without its u flag; the check itself refuses all)."""

    def __init__(self) -> None:
        super().__init__(f"^[^{hidden.HIDDEN_BMP}]*$", error=hidden.REASON)  # the document's; __call__ checks all

    def __call__(self, value: str) -> str:  # pyright: ignore[reportIncompatibleMethodOverride] - str in, str out
        reason = hidden.problem(value)
        if reason:
            raise ma.ValidationError(reason)
        return value


NO_CONTROL_CHARACTERS = NoHiddenCharacters()


class TextField(ma.fields.String):
    """Free text (names, reasons, evidence): stored in Unicode NFC, so one name has one spelling; text of spaces
    only (full-width ones too) is no name, reason or note."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text and not text.strip():
            raise ma.ValidationError("不能只有空白字符")
        return unicodedata.normalize("NFC", text)


def Text(max_length: int = 200, **kwargs) -> ma.fields.String:  # noqa: N802 - a field factory
    return TextField(validate=[validate.Length(min=1, max=max_length), NO_CONTROL_CHARACTERS], **kwargs)


class StrictBoolean(ma.fields.Boolean):
    """JSON true/false only: marshmallow's Boolean also takes 1, 0, "yes", "on" (and 0 == False in a set)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not bool:
            raise self.make_error("invalid", input=value)
        return value


class StrictFloat(ma.fields.Float):
    """A JSON number only: marshmallow's Float also takes "12.5" (and True as 1.0), which Integer(strict=True) refuses."""

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) not in (int, float):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


def Bool(**kwargs) -> ma.fields.Boolean:  # noqa: N802 - a field factory
    return StrictBoolean(**kwargs)


def _not_future(day: dt.date) -> None:
    if day > dt.date.today():
        raise ma.ValidationError(f"不能晚于今天（{dt.date.today().isoformat()}）")


def _in_range(day: dt.date) -> None:
    if reason := days.problem(day, happened=False):
        raise ma.ValidationError(reason)


def _past(day: dt.date) -> None:
    if reason := days.problem(day, happened=True):
        raise ma.ValidationError(reason)


def distinct(items: list) -> None:
    """A list whose items are a set (industry codes): a repeat is a slip the caller should see, not a stored pair."""
    repeated = sorted({str(x) for x in items if items.count(x) > 1})
    if repeated:
        raise ma.ValidationError(f"不能重复：{'、'.join(repeated)}")


def Day(**kwargs) -> ma.fields.Date:  # noqa: N802 - a field factory
    """A date between days.EARLIEST and days.LATEST (an end, a deadline)."""
    return ma.fields.Date(validate=_in_range, **kwargs)


def PastDay(**kwargs) -> ma.fields.Date:  # noqa: N802 - a field factory
    """A date that has happened: from days.EARLIEST up to today (a registration, a relationship's start, a check's day)."""
    return ma.fields.Date(validate=_past, **kwargs)


def AsOf() -> ma.fields.Date:  # noqa: N802 - a field factory
    """`as_of=YYYY-MM-DD`: answer from the facts dated up to that day (chainmap.gaps.as_of); absent: today."""
    return ma.fields.Date(validate=_past, metadata={  # 0776-11-13 is a slip, and walked every node afresh
        "description": "YYYY-MM-DD from 1900-01-01 to today: the answer as it stood on that day (facts dated up to "
                       "it); default today"})


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class AsOfArgs(Strict):
    as_of = AsOf()


class Patch(Strict):
    """A partial update: at least one field."""

    @ma.validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ma.ValidationError("至少要提交一个要修改的字段", field_name="_schema")


class PageArgs(Strict):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageSchema(ma.Schema):
    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)


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
