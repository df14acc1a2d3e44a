"""The import report: what was added, updated, left unchanged and refused, and why — as JSON for the API and as an
XLSX workbook in Chinese (sheets 汇总, 新增, 更新, 未变, 拒绝, 冲突)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from chainmap.imports.records import FIELD_NAMES
from chainmap.rewards.rule import wan
from chainmap.vocab import ENTITY_TYPE_NAMES

SHEETS = {  # key -> (sheet, [(json field, Chinese header, width)])
    "created": ("新增", [("line", "行号", 8), ("key", "统一社会信用代码/注册号", 24), ("name", "企业名称", 36),
                         ("region", "所在区县", 22), ("notes", "提示", 60)]),
    "updated": ("更新", [("line", "行号", 8), ("key", "统一社会信用代码/注册号", 24), ("name", "企业名称", 36),
                         ("changes", "变更（字段：原值 → 新值）", 80), ("notes", "提示", 40)]),
    "unchanged": ("未变", [("line", "行号", 8), ("key", "统一社会信用代码/注册号", 24), ("name", "企业名称", 36)]),
    "rejected": ("拒绝", [("line", "行号", 8), ("field", "字段", 22), ("reason", "原因", 90), ("outcome", "处理", 28)]),
    "conflicts": ("冲突", [("lines", "行号", 14), ("key", "统一社会信用代码", 24), ("field", "字段", 16),
                           ("kept", "采用的值", 30), ("dropped", "舍弃的值", 30)]),
}


# Stored codes as the report shows them (everything a user reads is Chinese; the JSON keeps the codes).
VALUE_NAMES: dict[str, dict[Any, str]] = {
    "entity_type": ENTITY_TYPE_NAMES,
    "status": {"active": "存续", "deregistered": "注销或吊销", "moved": "迁出"},
    "capital_currency": {"CNY": "人民币", "USD": "美元", "HKD": "港元", "EUR": "欧元", "JPY": "日元", "GBP": "英镑"},
    "synthetic": {True: "是", False: "否"},
}
SHOWN_FIELDS = {**FIELD_NAMES, "chain_nodes": "所属产业链环节", "group": "所属集团", "source": "数据来源"}


@dataclass
class ImportReport:
    file: str
    kind: str                 # registry, partners
    profile: str = ""
    profile_how: str = ""
    encoding: str = ""
    dry_run: bool = True
    partial: bool = False
    written: bool = False
    rows_read: int = 0
    empty_rows: int = 0
    created: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    profile_title: str = ""   # what the summary shows (the JSON's `profile` keeps the code the API takes)

    @property
    def outcome(self) -> str:
        if self.written:
            return "已写入（部分导入：被拒绝的行或字段未写入）" if self.rejected else "已写入"
        if self.dry_run:
            return "试运行：未写入任何数据"
        return "未写入：文件中有被拒绝的行或字段，整个文件未导入（可修改后重试，或选择部分导入，只导入无误的行和字段）"

    def summary(self) -> list[tuple[str, Any]]:
        rejected_rows = len({r["line"] for r in self.rejected if r["fatal"]})
        return [("文件", self.file), ("导入类型", {"registry": "企业登记信息", "partners": "协作配套"}[self.kind]),
                ("导入模板", self.profile_title or self.profile), ("模板选择", self.profile_how),
                ("编码/格式", self.encoding),
                ("方式", "试运行（不写入）" if self.dry_run else
                 ("部分导入（只写入无误的行和字段）" if self.partial else "整文件导入（有任何被拒绝的内容则整个文件不写入）")),
                ("结果", self.outcome), ("读取行数", self.rows_read), ("空行（已跳过）", self.empty_rows),
                ("新增", len(self.created)), ("更新", len(self.updated)), ("未变", len(self.unchanged)),
                ("整行拒绝", rejected_rows), ("拒绝的字段", len(self.rejected) - sum(r["fatal"] for r in self.rejected)),
                ("同一代码多行冲突", len(self.conflicts)), *(("说明", m) for m in self.messages)]

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "kind": self.kind, "profile": self.profile, "profile_choice": self.profile_how,
                "encoding": self.encoding, "dry_run": self.dry_run, "partial": self.partial, "written": self.written,
                "outcome": self.outcome, "rows_read": self.rows_read, "empty_rows": self.empty_rows,
                "counts": {k: len(getattr(self, k)) for k in SHEETS}, "messages": self.messages,
                **{k: [_plain(row) for row in getattr(self, k)] for k in SHEETS}}

    def to_xlsx(self) -> bytes:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        book = Workbook(write_only=True)
        bold = Font(bold=True)
        sheet = book.create_sheet("汇总")
        sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 20, 100
        for label, value in self.summary():
            sheet.append([label, _text(value)])
        for key, (title, columns) in SHEETS.items():
            sheet = book.create_sheet(title)
            sheet.freeze_panes = "A2"
            for i, (_, _, width) in enumerate(columns):
                sheet.column_dimensions[chr(65 + i)].width = width
            header = []
            for _, name, _ in columns:
                cell = WriteOnlyCell(sheet, value=name)
                cell.font = bold
                header.append(cell)
            sheet.append(header)
            for row in getattr(self, key):
                if key == "conflicts":  # field names and stored codes as officers read them
                    row = row | {"field": SHOWN_FIELDS.get(row["field"], row["field"]),
                                 "kept": shown(row["field"], row["kept"]), "dropped": shown(row["field"], row["dropped"])}
                sheet.append([_text(_plain(row).get(name)) for name, _, _ in columns])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def change_text(changes: list[tuple[str, Any, Any]]) -> str:
    return "；".join(f"{SHOWN_FIELDS.get(name, name)}：{shown(name, old) or '（空）'} → {shown(name, new)}"
                    for name, old, new in changes)


def shown(name: str, value: Any) -> Any:
    """A stored value as the report shows it: codes by their Chinese names, amounts without a trailing .0, revenue
    in 万元 as the files give it (10522000 read as a count of 元 was hard to check against 1052.2万元)."""
    if name.startswith("营业收入") and isinstance(value, int | float) and not isinstance(value, bool):
        return wan(int(value))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    names = VALUE_NAMES.get(name)
    if names is not None and not isinstance(value, list | dict) and value in names:
        return names[value]
    return _text(value)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}


def _text(value: Any) -> Any:
    """Cells are strings or whole numbers (a code or date typed as a number would lose its form in Excel)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return value
    if isinstance(value, list):
        return "；".join(str(_text(v)) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith("=") else text  # openpyxl would store it as a formula
