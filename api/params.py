"""Request parameters shared by every resource: identifier validators from chainmap.vocab's patterns, and the
path-id check. One definition each, so the API, its OpenAPI document and the loader agree."""

from __future__ import annotations

import re

import flask_smorest
import marshmallow as ma
from marshmallow import validate
from webargs.flaskparser import FlaskParser

from chainmap import vocab
from chainmap.errors import Invalid

ADCODE = validate.Regexp(vocab.ADCODE_PATTERN, error="须为六位行政区划代码（GB/T 2260）")
SLUG = validate.Regexp(vocab.SLUG_PATTERN, error="须为 2-63 位小写编号（a-z、0-9、-）")
USCC = validate.Regexp(vocab.USCC_PATTERN, error="须为 18 位统一社会信用代码（GB 32100-2015）")
CLASS = validate.Regexp(vocab.INDUSTRY_CLASS_PATTERN, error="须为四位国民经济行业小类代码（GB/T 4754）")
NODE_ID = validate.Regexp(vocab.NODE_ID_PATTERN, error="须为产业链环节编号")

PLACE_TEXT = validate.Length(min=2, max=20)


def CityArg() -> ma.fields.String:  # noqa: N802 - a field factory
    """A Hebei city (chainmap.places): adcode, name with or without 市, or pinyin; unknown or ambiguous is a 422."""
    return ma.fields.String(validate=PLACE_TEXT, metadata={
        "description": "设区市：行政区划代码、名称（可省略“市”）或拼音，如 130500、邢台市、邢台、xingtai"})


def CountyArg() -> ma.fields.String:  # noqa: N802 - a field factory
    """A Hebei county-level unit: adcode, or name with or without 县/区/市 where it is unique (or within city=)."""
    return ma.fields.String(validate=PLACE_TEXT, metadata={
        "description": "县级行政区：行政区划代码或名称（可省略县、区、市；重名时请同时给出 city 或用代码），如 130534、清河县、清河"})


_SLUG = re.compile(vocab.SLUG_PATTERN)


def checked(value: str, field: str) -> str:
    """Path ids are slugs; anything else is refused with the field named (never looked up)."""
    if not _SLUG.match(value):
        raise Invalid(f"{field} 须为小写编号（a-z、0-9、-）",
                      errors=[{"field": field, "reason": "不是小写编号", "in": "path"}])
    return value


class QueryParser(FlaskParser):
    """A query parameter given twice is refused (422 naming it) unless its field takes a list (`status=gap&status=weak`),
    as a JSON key given twice is (api/bodies): webargs would silently answer for the first value."""

    def load_querystring(self, req, schema):
        fields = {field.data_key or name: field for name, field in schema.fields.items()}
        repeated = sorted(key for key in req.args if len(req.args.getlist(key)) > 1
                          and key in fields and not isinstance(fields[key], ma.fields.List))
        if repeated:
            raise ma.ValidationError({key: ["只能给出一次"] for key in repeated})
        return super().load_querystring(req, schema)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the query parser above."""

    ARGUMENTS_PARSER = QueryParser()
