"""Reading officers' files: CSV in UTF-8 (with or without BOM) or GB18030, and XLSX. Rows come out as lists of
cell values with their spreadsheet row number; a formula Excel never computed is a Formula, not a silent blank."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

XLSX_MAGIC = b"PK\x03\x04"
Row = tuple[int, list[Any]]
# What one file may hold. An XLSX part can claim a million rows and 16,384 columns in a few bytes (its <dimension>,
# or one cell at XFD1048576) and the reader would make every missing cell: a 5 KB upload held a core for minutes.
MAX_ROWS = 100_000
MAX_COLUMNS = 200
# Unpacked XLSX bounds: its parts in all (a full 100,000-row sheet is a few hundred MB at most), and the ratio to the
# file (worksheet XML packs 5-30 times; a part of repeated strings packs hundreds of times).
MAX_UNPACKED, RATIO_FROM, MAX_RATIO = 1024 * 1048576, 32 * 1048576, 100


@dataclass(frozen=True)
class Formula:
    """A formula cell without a stored result (the file was written by a program, not saved by Excel)."""

    text: str


class Unreadable(ValueError):
    """The file is neither CSV in a Chinese encoding nor XLSX."""


@dataclass
class Source:
    name: str
    headers: list[str]
    header_line: int
    rows: Iterator[Row]
    encoding: str


def open_source(path: Path, name: str | None = None) -> Source:
    with open(path, "rb") as handle:
        return read_source(handle.read(), name or path.name)


def read_source(data: bytes, name: str) -> Source:
    """Headers (the first non-empty row) and an iterator over the rows after it (blank ones included)."""
    if data.startswith(XLSX_MAGIC):
        rows, encoding = _xlsx_rows(data), "XLSX"
    else:
        text, encoding = _decode(data)
        rows = _csv_rows(io.StringIO(text, newline=""))
    for line, cells in rows:
        if any(_filled(c) for c in cells):
            headers = ["" if c is None else str(c) for c in cells]
            return Source(name, headers, line, rows, encoding)
    raise Unreadable("文件中没有表头行")


def is_blank(cells: list[Any]) -> bool:
    """An empty row (every cell empty or spaces): skipped and counted, not rejected."""
    return not any(_filled(c) for c in cells)


def _filled(cell: Any) -> bool:
    return cell is not None and (not isinstance(cell, str) or cell.strip() != "")


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8（带BOM）"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError:
        raise Unreadable("文件既不是XLSX，也不是UTF-8或GB18030编码的CSV") from None


def _too_large(number: int, cells: list[Any]) -> None:
    if number > MAX_ROWS:
        raise Unreadable(f"文件超过{MAX_ROWS}行，请拆分后分批导入")
    if len(cells) > MAX_COLUMNS:
        raise Unreadable(f"第{number}行超过{MAX_COLUMNS}列，请删去多余的列后再导入")


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field limit" in text:
        return f"有单元格超过{csv.field_size_limit()}个字符"
    return "格式不正确（例如引号未成对）"


def _csv_rows(handle: IO[str]) -> Iterator[Row]:
    reader = csv.reader(handle)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            _too_large(number, cells)
            yield number, list(cells)
    except csv.Error as exc:  # NUL bytes, an unterminated quote, a cell over the size limit
        raise Unreadable(f"CSV第{number + 1}行无法读取：{_csv_problem(exc)}") from None


def _not_a_bomb(data: bytes) -> None:
    """A workbook is a zip: one that unpacks to far more than any sheet of MAX_ROWS rows needs (20 million one-letter
    shared strings in 830 KB held a worker for 7 minutes and 2 GB) is refused before anything is unpacked. The sizes
    are the zip's own: a part cannot unpack past what it declares."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return  # openpyxl names it unreadable
    if unpacked > MAX_UNPACKED or (unpacked > RATIO_FROM and unpacked > MAX_RATIO * len(data)):
        raise Unreadable(f"XLSX文件解压后达{unpacked / 1048576:.0f}MB（文件本身{len(data) / 1048576:.1f}MB），"
                         "远超正常工作簿，未读取：请另存为新的工作簿或CSV后再导入")


def _xlsx_rows(data: bytes) -> Iterator[Row]:
    """The first sheet, read twice in step: cached results, and formulas where no result was cached."""
    import openpyxl

    _not_a_bomb(data)
    try:
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same answer to the user
        raise Unreadable("无法读取XLSX文件：文件已损坏，或不是Excel工作簿（.xlsx）") from None
    sheet_values, sheet_formulas = values.worksheets[0], formulas.worksheets[0]
    number = 0
    try:
        # Rows as many as the part holds, not as its <dimension> claims (rows missing between two rows still come
        # out empty, up to MAX_ROWS), and their first MAX_COLUMNS cells: a cell past them is not read.
        for sheet in (sheet_values, sheet_formulas):
            sheet.reset_dimensions()  # type: ignore[union-attr]
        pairs = zip(sheet_values.iter_rows(max_col=MAX_COLUMNS, values_only=True),
                    sheet_formulas.iter_rows(max_col=MAX_COLUMNS, values_only=True), strict=False)
        for number, (cached, written) in enumerate(pairs, start=1):
            cells: list[Any] = list(cached)
            for i, raw in enumerate(written):  # before trailing blanks go: a formula may be the row's last cell
                if isinstance(raw, str) and raw.startswith("="):
                    cells += [None] * (i + 1 - len(cells))
                    if cells[i] is None:
                        cells[i] = Formula(raw)
            while cells and cells[-1] is None:
                cells.pop()
            _too_large(number, cells)
            yield number, cells
    except Unreadable:
        raise
    except Exception:  # noqa: BLE001 - a damaged sheet part shows only while reading it
        raise Unreadable(f"XLSX第{number + 1}行无法读取：工作表内容已损坏") from None
    finally:
        values.close()
        formulas.close()
