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


def test_a_workbook_that_unpacks_to_hundreds_of_times_its_size_is_refused_unread():
    """An 830 KB workbook of 20 million one-letter shared strings held a worker for 7 minutes and 2 GB: a file whose
    parts unpack far past any real sheet is refused from the zip's own sizes, before anything is unpacked."""
    strings = b"<si><t>a</t></si>" * 3_000_000  # 51 MB that packs to a few hundred KB
    data = rewrite_sheet(workbook([HEADERS]), lambda xml: xml)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                                                b'main">' + strings + b"</sst>")
    bomb = out.getvalue()
    assert len(bomb) < 1_000_000
    began = time.monotonic()
    with pytest.raises(Unreadable, match="解压后达"):
        list(read_source(bomb, "名单.xlsx").rows)
    assert time.monotonic() - began < 2
    assert list(read_source(workbook([HEADERS, ["1", "甲", "1721"]]), "名单.xlsx").rows)  # a real one still reads


def test_a_formula_in_a_rows_last_cell_is_a_formula_not_a_blank():
    """Excel never computed it, so it has no cached value: the row's last cell was dropped as a trailing blank and the
    row written without its figure."""
    source = read_source(workbook([HEADERS + ["2024年营业收入（万元）"], ["1", "甲", "1721", "=A1*2"]]), "名单.xlsx")
    row = list(source.rows)[0][1]
    assert len(row) == 4 and type(row[3]).__name__ == "Formula" and row[3].text == "=A1*2", row
