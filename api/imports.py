"""Imports for editors (issue 17): a registry export, a 规上企业 list or a 协作配套调查表 uploaded as a file; a dry run
unless told otherwise; the report as JSON or as the Chinese XLSX workbook."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import quote

import marshmallow as ma
from flask import Response, request
from flask_smorest.fields import Upload
from marshmallow import validate

from api.params import Blueprint
from api.context import graph, policies
from api.problems import flatten_messages
from api.schemas import Strict
from api.security import principal
from chainmap import auth
from chainmap.errors import Invalid
from chainmap.imports import partners, registry, trail
from chainmap.imports.reference import Options, profiles

blp = Blueprint("imports", __name__, description="Imports of officers' files (导入): registry exports, 规上企业 lists, "
                                                 "协作配套 survey sheets")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


FORMATS = ("json", "xlsx", "both")
# A real run cannot be repeated to fetch its report in the other format (the second run finds everything 未变), so
# `both` answers the JSON report with the XLSX workbook of the same run inside.
FORMAT_TEXT = "json: the report; xlsx: the Chinese workbook; both: the JSON report with the workbook in `xlsx` (base64)"


class ImportFormSchema(Strict):
    kind = ma.fields.String(load_default="registry", validate=validate.OneOf(("registry", "partners")),
                            metadata={"description": "registry (登记导出、规上企业名单) or partners (协作配套调查表)"})
    profile = ma.fields.String(load_default=None, validate=validate.Regexp(r"^[a-z0-9-]{2,60}$"),
                               metadata={"description": "an import profile's name; detected from the headers if left out"})
    dry_run = ma.fields.Boolean(load_default=True, metadata={"description": "true (default): report only, write nothing"})
    partial = ma.fields.Boolean(load_default=False,
                                metadata={"description": "write the rows and fields that were not refused"})
    format = ma.fields.String(load_default="json", validate=validate.OneOf(FORMATS), metadata={"description": FORMAT_TEXT})


class ImportFileSchema(Strict):
    file = Upload(required=True, metadata={"description": "CSV (UTF-8 or GB18030) or XLSX, up to 4 MiB"})


# One multipart body holds the file and the options; flask-smorest documents only one body location per view, so
# the body is documented here and parsed in the view with the two schemas (form fields, files).
REQUEST_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "additionalProperties": False,
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "CSV (UTF-8 or GB18030) or XLSX, up to 4 MiB"},
        "kind": {"type": "string", "enum": ["registry", "partners"], "default": "registry"},
        "profile": {"type": "string", "pattern": "^[a-z0-9-]{2,60}$",
                    "description": "an import profile's name; detected from the headers if left out"},
        "dry_run": {"type": "boolean", "default": True, "description": "true (default): report only, write nothing"},
        "partial": {"type": "boolean", "default": False,
                    "description": "write the rows and fields that were not refused"},
        "format": {"type": "string", "enum": list(FORMATS), "default": "json", "description": FORMAT_TEXT},
    }}}}}


def _parsed(schema: ma.Schema, fields, where: str) -> dict:
    """A multipart part given twice (dry_run=false and dry_run=true) is refused like a repeated query parameter, not
    read as its first value."""
    repeated = sorted(key for key in fields if len(fields.getlist(key)) > 1)
    if repeated:
        errors = [{"field": key, "in": where, "reason": "只能给出一次"} for key in repeated]
        raise Invalid("; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)
    try:
        return schema.load(fields.to_dict())  # type: ignore[return-value]
    except ma.ValidationError as exc:
        errors = flatten_messages({where: exc.messages})
        raise Invalid("; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5]), errors=errors) from None


class ImportReportSchema(ma.Schema):
    file = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    profile = ma.fields.String(required=True)
    profile_choice = ma.fields.String(required=True)
    encoding = ma.fields.String(required=True)
    dry_run = ma.fields.Boolean(required=True)
    partial = ma.fields.Boolean(required=True)
    written = ma.fields.Boolean(required=True)
    outcome = ma.fields.String(required=True)
    rows_read = ma.fields.Integer(required=True)
    empty_rows = ma.fields.Integer(required=True)
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    messages = ma.fields.List(ma.fields.String(), required=True)
    created = ma.fields.List(ma.fields.Dict(), required=True)
    updated = ma.fields.List(ma.fields.Dict(), required=True)
    unchanged = ma.fields.List(ma.fields.Dict(), required=True)
    rejected = ma.fields.List(ma.fields.Dict(), required=True, metadata={"description": "行号 line, 字段 field, 原因 reason"})
    conflicts = ma.fields.List(ma.fields.Dict(), required=True)
    xlsx = ma.fields.String(metadata={"description": "with format=both: the XLSX report of this run, base64"})


class ImportProfileSchema(ma.Schema):
    name = ma.fields.String(required=True)
    title = ma.fields.String(required=True, metadata={"description": "the layout's Chinese name"})
    kind = ma.fields.String(required=True, metadata={"description": "registry or partners"})


class ImportAccessSchema(ma.Schema):
    may_import = ma.fields.Boolean(required=True, metadata={"description": "whether this key may POST /imports"})
    counties = ma.fields.List(ma.fields.String(), required=True,
                              metadata={"description": "an editor's counties (empty: admins may import anywhere, "
                                                       "other roles nowhere)"})
    profiles = ma.fields.List(ma.fields.Nested(ImportProfileSchema), required=True)


@blp.route("/imports", methods=["GET"])
@blp.response(200, ImportAccessSchema)
def get_imports():
    """What this key may import and the file layouts (import profiles) recognised: the console asks before it
    offers 上传, so a key that may only read is told so instead of failing on upload."""
    who = principal()
    auth.require_role(who, "viewer")
    may = auth.ROLES.index(who.role) >= auth.ROLES.index("editor")
    return {"may_import": may, "counties": sorted(who.counties) if may and not who.is_admin else [],
            "profiles": [{"name": p.name, "title": p.title, "kind": p.kind} for p in profiles().values()]}


FILE_RESPONSE = {"responses": {200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}}}


@blp.route("/imports", methods=["POST"])
@blp.response(200, ImportReportSchema)
@blp.doc(requestBody=REQUEST_BODY, **FILE_RESPONSE)
@blp.alt_response(422, description="Unprocessable Entity")
def post_import():
    """Import a file (multipart/form-data): editors for the entities registered in their counties and firms outside
    Hebei (any other row is refused, with the reason), admins everywhere. A dry run by default."""
    who = principal()
    auth.require_role(who, "editor")
    form = _parsed(ImportFormSchema(), request.form, "form")
    upload = _parsed(ImportFileSchema(), request.files, "files")["file"]
    data = upload.read()
    if not data:
        raise Invalid("上传的文件为空", errors=[{"field": "file", "in": "files", "reason": "文件为空"}])
    options = Options(form["profile"], form["dry_run"], form["partial"], None if who.is_admin else who.counties)
    name = (upload.filename or "upload").rsplit("/", 1)[-1][:120]
    service = registry.import_registry if form["kind"] == "registry" else partners.import_partners
    report = service(graph(), policies(), data, name, options)
    trail.record(graph(), report, data)
    if form["format"] == "json":
        return report.to_json()
    if form["format"] == "both":
        return report.to_json() | {"xlsx": base64.b64encode(report.to_xlsx()).decode("ascii")}
    response = Response(report.to_xlsx(), mimetype=XLSX)
    title = f"导入报告-{dt.date.today():%Y%m%d}.xlsx"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"import-report-{dt.date.today():%Y%m%d}.xlsx\"; filename*=UTF-8''{quote(title)}")
    return response
