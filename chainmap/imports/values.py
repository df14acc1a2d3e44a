"""What officers' cells mean: credit codes, registration states, entity types, dates and money. Pure functions; each
returns a plain value or raises ValueError with a reason in Chinese (it goes straight into the report)."""

from __future__ import annotations

import datetime as dt
import re

from chainmap import days
from chainmap import uscc as uscc_rules
from chainmap.imports.text import compact

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 on the 1900 system (its 1900-02-29 bug folded in)
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?: .*)?$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_REG_NO = re.compile(r"^\d{13}$|^\d{15}$")
_MONEY = re.compile(r"^([-+]?\d+(?:\.\d+)?)(亿|万)?(.*)$")
_UNIT_FACTOR = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}
_CURRENCIES = {"": "CNY", "元": "CNY", "人民币": "CNY", "人民币元": "CNY", "元人民币": "CNY", "美元": "USD",
               "港元": "HKD", "港币": "HKD", "欧元": "EUR", "日元": "JPY", "英镑": "GBP"}
EMPTY_MARKS = {"", "-", "--", "—", "/", "无", "暂无", "null", "none", "n/a"}

# 登记状态 / 经营状态 -> (status, Chinese name as the report shows it). Order matters: 吊销，未注销 is 吊销.
STATUS_WORDS: list[tuple[str, str]] = [
    ("迁出", "moved"), ("注销", "deregistered"), ("吊销", "deregistered"), ("撤销", "deregistered"),
    ("停业", "deregistered"), ("歇业", "deregistered"), ("清算", "deregistered"), ("责令关闭", "deregistered"),
    ("存续", "active"), ("在业", "active"), ("在营", "active"), ("开业", "active"), ("正常", "active"),
    ("迁入", "active"), ("登记成立", "active"), ("确立", "active"),
]
# 企业类型 -> entity type; the first word found wins, so the specific ones come first.
TYPE_WORDS: list[tuple[str, str]] = [
    ("个体", "individual_business"), ("家庭农场", "family_farm"), ("农民专业合作", "cooperative"),
    ("专业合作社", "cooperative"), ("合作社", "cooperative"), ("分公司", "branch"), ("分支机构", "branch"),
    ("非法人", "branch"), ("营业单位", "branch"), ("分厂", "branch"), ("分店", "branch"),
    ("有限责任公司", "company"), ("股份有限公司", "company"), ("有限公司", "company"), ("个人独资", "company"),
    ("合伙企业", "company"), ("合伙", "company"), ("全民所有制", "company"), ("集体所有制", "company"),
    ("股份合作", "company"), ("外商投资", "company"), ("外国", "company"), ("企业", "company"), ("公司", "company"),
]
# GB 32100 position 2 for market supervision (9): 1 enterprise, 2 individual business, 3 farmers' cooperative.
USCC_TYPES = {"1": "company", "2": "individual_business", "3": "cooperative"}


def is_empty(raw: str) -> bool:
    return compact(raw).lower() in EMPTY_MARKS


def credit_code(raw: str) -> str:
    """A USCC as written by hand or exported: spaces, lower case and full-width characters normalised, then checked
    as every code is (chainmap.uscc.problems: GB 32100-2015, with the organisation code's GB 11714 check digit)."""
    code = compact(raw).upper()
    found = uscc_rules.problems(code)
    if found:
        raise ValueError(f"统一社会信用代码有误：{'；'.join(found)}（原文：{raw}）")
    return code


def registration_number(raw: str) -> str:
    """An old 注册号 (13 or 15 digits, before credit codes existed)."""
    code = compact(raw)
    if not _REG_NO.match(code):
        raise ValueError(f"注册号应为13或15位数字：{raw}")
    return code


def status(raw: str) -> tuple[str, dt.date | None]:
    """'存续（在营、开业、在册）' -> ('active', None); '注销（2021-05-06）' -> ('deregistered', 2021-05-06)."""
    text = compact(raw)
    for word, code in STATUS_WORDS:
        if word in text:
            when = None
            if found := re.search(r"(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)", text):
                when = date(found.group(1))  # its range is checked by the caller: the status stands without it
            return code, when
    raise ValueError(f"无法识别的登记状态：{raw}（可用：存续、在业、开业、注销、吊销、迁出、停业等）")


def entity_type(raw: str, name: str = "", code: str | None = None) -> str:
    """企业类型 text (else the name, else the credit code's second character) -> an entity type."""
    for text in (compact(raw), compact(name)):
        if "家庭农场" in text:
            return "family_farm"
        for word, kind in TYPE_WORDS:
            if word in text:
                return kind
    if code and code[0] == "9" and code[1] in USCC_TYPES:
        return USCC_TYPES[code[1]]
    raise ValueError(f"无法识别的企业类型：{raw or '（空）'}")


def date(raw: object) -> dt.date:
    """ISO, 2019/3/5, 2019.3.5, 2019年3月5日, 20190305, an Excel serial number, or a date cell."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _serial(float(raw), raw)
    text = compact(str(raw))
    for pattern in _DATE_PATTERNS:
        if match := pattern.match(text):
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise ValueError(f"不存在的日期：{raw}") from None
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _serial(float(text), raw)
    raise ValueError(f"无法识别的日期：{raw}（可用2019-03-05、2019/3/5、2019年3月5日或Excel日期）")


def past_date(raw: object) -> dt.date:
    """A day on which something happened (a registration, a status change, a 协作配套's start): a date that is not
    after today and lies in chainmap.days' range."""
    return recorded_date(raw, happened=True)


def recorded_date(raw: object, *, happened: bool = False) -> dt.date:
    """`date`, refused (ValueError with the reason) outside the days a record can carry (chainmap.days)."""
    return checked_day(date(raw), raw, happened=happened)


def checked_day(day: dt.date, raw: object, *, happened: bool) -> dt.date:
    if reason := days.problem(day, happened=happened):
        raise ValueError(f"日期{reason}：{cell(raw)}")
    return day


def cell(raw: object) -> str:
    """A cell as the officer typed it (a date cell as its day, without Excel's time of day)."""
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    return raw.isoformat() if isinstance(raw, dt.date) else str(raw)


def _serial(value: float, raw: object) -> dt.date:
    if not 1 <= value < 2958466:
        raise ValueError(f"超出范围的Excel日期序号：{raw}")
    return EXCEL_EPOCH + dt.timedelta(days=int(value))


def capital(raw: str, unit: str | None = None) -> tuple[float, str] | None:
    """注册资本 -> (amount in whole units of its currency, ISO currency) or None for '-':
    '1000万人民币' -> (10000000, 'CNY'); '500万美元' -> (5000000, 'USD'); '50万元' -> (500000, 'CNY')."""
    text = compact(raw).replace(",", "")
    if text.lower() in EMPTY_MARKS:
        return None
    match = _MONEY.match(text)
    if not match:
        raise ValueError(f"无法识别的注册资本：{raw}")
    number, scale, rest = match.groups()
    rest = rest.strip("()（）")
    currency = _CURRENCIES.get(rest)
    if currency is None:
        raise ValueError(f"无法识别的注册资本币种：{raw}")
    factor = {"亿": 100_000_000, "万": 10_000}.get(scale or "", 0) or _UNIT_FACTOR.get(unit or "元", 1)
    amount = float(number) * factor
    if amount < 0:
        raise ValueError(f"注册资本不能为负：{raw}")
    return round(amount, 2), currency


def money(raw: str, unit: str | None = None) -> int | None:
    """A revenue in whole yuan: the cell's own suffix (元/万元/亿元) wins over the column's unit; '-' is no value."""
    text = compact(raw).replace(",", "")
    if text.lower() in EMPTY_MARKS:
        return None
    match = _MONEY.match(text)
    if not match or match.group(3) not in ("", "元", "人民币"):
        raise ValueError(f"无法识别的金额：{raw}")
    number, scale, _ = match.groups()
    factor = {"亿": 100_000_000, "万": 10_000}[scale] if scale else _UNIT_FACTOR.get(unit or "元", 1)
    amount = round(float(number) * factor)
    if not 0 <= amount <= 10**13:
        raise ValueError(f"金额超出范围：{raw}")
    return amount
