"""Registry exports as officers have them, made by the tests themselves (issue 17): two layouts (one 所属行业 text
column; 国标行业门类/大类/中类/小类 columns), as CSV in UTF-8 with BOM or GB18030 and as XLSX, with the traps."""

from __future__ import annotations

import csv
import io

from chainmap import uscc

# Organisation-code bodies without I, O, S, V, Z; prefixes T7 keep them apart from the synthetic seeds.
F1 = uscc.compose("9", "1", "130534", "T7A00001")     # duplicated with conflicting fields
F2_BAD = uscc.compose("9", "1", "130534", "T7A00002")
F2_BAD = F2_BAD[:17] + ("0" if F2_BAD[17] != "0" else "1")  # bad check character
F3 = uscc.compose("9", "2", "130534", "T7A00003")     # written full-width
F4 = uscc.compose("9", "1", "130534", "T7A00004")     # 注销
F5 = uscc.compose("9", "1", "130182", "T7A00005")     # registered in 藁城市 (old code), address in the renamed county
F6 = uscc.compose("9", "1", "130534", "T7A00006")     # industry matches nothing
F7 = uscc.compose("9", "1", "130534", "T7A00007")     # Excel serial date, capital in US dollars
F8 = uscc.compose("9", "1", "131125", "T7A00008")     # 安平县: outside the 清河 editor's counties
LEGACY = "130534600017001"                            # an old 注册号 only
NO_MATCH = "羊绒衫智能织造"
A_FIRMS = [F1, F3, F4, F5, F6, F7]

G1 = uscc.compose("9", "1", "130534", "T7B00001")
G2 = uscc.compose("9", "1", "130534", "T7B00002")
G3 = uscc.compose("9", "1", "130534", "T7B00003")
B_FIRMS = [G1, G2, G3]


def full_width(code: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in code)


HEADER_A = ["统一社会信用代码", "企业名称 ", "企业类型", "登记状态", "注销日期", "成立日期", "注册资本", "所属区县",
            "注册地址", "所属行业", "经营范围", "核准日期"]


def rows_a(serial: object = "43529") -> list[list[object]]:
    """Layout A: the data rows (with an empty row) — line numbers are the list index + 2."""
    return [
        [F1, "清河县导入测试羊绒有限公司", "有限责任公司（自然人投资或控股）", "存续（在营、开业、在册）", "",
         "2019-03-05", "1000万人民币", "清河县", "河北省邢台市清河县羊绒小镇1号", "毛条和毛纱线加工", "羊绒分梳；纱线", "2024-01-01"],
        [F1, "清河县导入测试羊绒有限公司", "有限责任公司（自然人投资或控股）", "存续", "",
         "2019/3/5", "1200万人民币", "清河县", "河北省邢台市清河县羊绒小镇1号", "毛条和毛纱线加工", "羊绒分梳；纱线", "2024-06-01"],
        [F2_BAD, "清河县校验位错误有限公司", "有限责任公司", "存续", "", "2020-01-02", "50万元", "清河县", "", "毛织造加工", "", ""],
        [full_width(F3).lower(), "清河县导入测试针织加工部", "个体工商户", "在业", "", "2018年7月1日", "-", "清河县", "",
         "其他针织或钩针编织服装制造", "", ""],
        [F4, "清河县导入测试已注销有限公司", "有限责任公司", "注销", "2022年5月6日", "2015-04-01", "50万元", "清河县", "",
         "毛织造加工", "", ""],
        ["", "", "", "", "", "", "", "", "", "", "", ""],
        [F5, "石家庄藁城导入测试有限公司", "有限责任公司", "存续", "", "2010-09-09", "300万元", "",
         "河北省石家庄市藁城市廉州镇工业街8号", "毛织造加工", "", ""],
        [F6, "清河县导入测试智能织造有限公司", "有限责任公司", "存续", "", "2021-01-01", "100万元", "清河县", "", NO_MATCH, "", ""],
        [F7, "清河县导入测试外资羊绒有限公司", "有限责任公司（外国法人独资）", "存续", "", serial, "500万美元", "清河县", "",
         "毛染整精加工", "", ""],
        ["", "清河县老注册号羊绒加工部", "个体工商户", "存续", "", "2003-05-05", "", "清河县", "", "毛条和毛纱线加工", "", ""],
    ]


def legacy_header_a() -> list[str]:
    return [*HEADER_A, "注册号"]


def rows_a_with_legacy(serial: object = "43529") -> list[list[object]]:
    rows = [[*row, ""] for row in rows_a(serial)]
    rows[-1][-1] = LEGACY
    return rows


HEADER_B = ["统一社会信用代码", "企业名称", "企业类型", "登记状态", "成立日期", "注册资本", "所属区县", "注册地址",
            "国标行业门类", "国标行业大类", "国标行业中类", "国标行业小类"]


def rows_b() -> list[list[object]]:
    return [
        [G1, "清河县国标导入纺纱有限公司", "有限责任公司", "开业", "2016-06-06", "800万元", "清河县", "", "C", "纺织业",
         "毛纺织及染整精加工", "毛条和毛纱线加工"],
        [G2, "清河县国标导入服装有限公司", "股份有限公司", "存续", "2017年1月2日", "2000万人民币", "", "河北省清河县葛仙庄镇",
         "C", "纺织服装、服饰业", "针织或钩针编织服装制造", "其他针织或钩针编织服装制造"],
        [G3, "清河县国标导入服饰有限公司", "有限责任公司", "存续", "2018-01-01", "100万元", "清河县", "", "C",
         "纺织服装、服饰业", "", ""],
    ]


def csv_bytes(header: list[str], rows: list[list[object]], encoding: str) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list[object]], formula_at: tuple[int, int] | None = None) -> bytes:
    """formula_at: (data row index, column index) holding a formula that no Excel has computed."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for i, row in enumerate(rows):
        cells = list(row)
        if formula_at and formula_at[0] == i:
            cells[formula_at[1]] = "=100*10"
        sheet.append([None if c == "" else c for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
