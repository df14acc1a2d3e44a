"""Reading officers' files stays bounded and speaks Chinese, whatever the file claims (attacker review: a 5 KB XLSX
whose <dimension> said XFD1048576 held a core for minutes; unreadable files were answered with Python's class names)."""

import io
import re
import time
import zipfile

import openpyxl
import pytest

from chainmap.imports.sources import MAX_COLUMNS, MAX_ROWS, Unreadable, read_source

HEADERS = ["统一社会信用代码", "企业名称", "所属行业"]


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite_sheet(data: bytes, change) -> bytes:
    """The same workbook with its first sheet's XML changed (as a hand-made hostile file would be)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = change(body.decode("utf-8")).encode("utf-8")
            target.writestr(item, body)
    return out.getvalue()


def rows_of(data: bytes) -> list:
    source = read_source(data, "x.xlsx")
    return [source.headers, *(cells for _, cells in source.rows)]


def test_a_claimed_dimension_does_not_make_rows_or_columns():
    plain = workbook([HEADERS, ["911305343809223569", "清河县福和羊绒有限公司", "羽毛(绒)加工"]])
    hostile = rewrite_sheet(plain, lambda xml: re.sub(r'<dimension ref="[^"]*"/>',
                                                      '<dimension ref="A1:XFD1048576"/>', xml))
    started = time.perf_counter()
    assert rows_of(hostile) == rows_of(plain) == [HEADERS, ["911305343809223569", "清河县福和羊绒有限公司", "羽毛(绒)加工"]]
    assert time.perf_counter() - started < 2


def test_a_far_row_or_column_is_refused_by_name_and_quickly():
    plain = workbook([HEADERS, ["911305343809223569", "甲", "乙"]])
    far_row = rewrite_sheet(plain, lambda xml: xml.replace(
        "</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    started = time.perf_counter()
    with pytest.raises(Unreadable, match=f"文件超过{MAX_ROWS}行，请拆分后分批导入"):
        rows_of(far_row)
    assert time.perf_counter() - started < 10
    # a cell past the 200th column is not read (no registry export is that wide): the row is its first 200 cells
    far_column = rewrite_sheet(plain, lambda xml: xml.replace(
        "</sheetData>", '<row r="3"><c r="A3" t="inlineStr"><is><t>y</t></is></c>'
                        '<c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    started = time.perf_counter()
    assert rows_of(far_column)[-1] == ["y"]
    assert time.perf_counter() - started < 2


def test_a_csv_past_the_limits_is_refused():
    lines = "\n".join(["a,b"] + ["1,2"] * MAX_ROWS) + "\n"
    with pytest.raises(Unreadable, match="超过"):
        list(read_source(lines.encode(), "x.csv").rows)
    wide = ",".join(["h"] * (MAX_COLUMNS + 1))
    with pytest.raises(Unreadable, match=f"第1行超过{MAX_COLUMNS}列"):
        read_source(wide.encode(), "x.csv")


@pytest.mark.parametrize("data, reason", [
    (b"PK\x03\x04garbage", "文件已损坏，或不是Excel工作簿"),
    ("统一社会信用代码,企业名称\n1,\"" .encode() + b"x" * 140_000 + b"\"\n", "有单元格超过131072个字符"),
])
def test_unreadable_files_are_answered_in_chinese(data, reason):
    with pytest.raises(Unreadable) as caught:
        list(read_source(data, "x").rows)
    assert reason in str(caught.value)
    assert not re.search(r"[A-Za-z]{4,}", str(caught.value).replace("Excel", "").replace("XLSX", "").replace(
        "CSV", "").replace(".xlsx", "")), str(caught.value)
