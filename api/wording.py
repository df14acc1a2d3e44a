"""Chinese words for problem bodies: status titles, and the reasons marshmallow, webargs and werkzeug give in English.

Field names stay codes (they are what a client sends); the reason an officer reads is Chinese. Our own validators
and domain errors are written in Chinese where they are raised; this module translates only the libraries' fixed
messages, matched whole, so an unmatched message passes through unchanged (a test lists the ones the API emits).
"""

from __future__ import annotations

import re

TITLES = {
    400: "请求有误", 401: "未认证", 403: "无权访问", 404: "未找到", 405: "不支持该请求方法", 406: "无法提供所需格式",
    409: "与现有数据冲突", 412: "前提条件不满足", 413: "请求体过大", 414: "请求地址过长", 415: "不支持的内容类型",
    422: "输入有误", 428: "缺少前提条件", 429: "请求过于频繁", 431: "请求头过大", 500: "服务器内部错误",
    502: "网关错误", 503: "服务暂不可用", 504: "网关超时",
}

# Default details for werkzeug errors raised without one of ours (their descriptions are English).
DETAILS = {
    400: "请求格式有误", 406: "无法以请求的格式（Accept）作答", 412: "资源已被修改（If-Match 不符），请重新读取后再提交",
    413: "请求体超过大小上限", 414: "请求地址过长", 428: "修改前须带上 If-Match（先读取资源获得 ETag）",
    431: "请求头过大",
}

_ = r"(?P<%s>.+?)"
_a, _b = (r"(?!or equal to )" + _ % name for name in "ab")  # an exclusive bound's value
REASONS: list[tuple[re.Pattern[str], str]] = [(re.compile(f"^{p}$"), zh) for p, zh in [
    (r"Missing data for required field\.", "必填"),
    (r"Field may not be null\.", "不能为空（null）"),
    (r"Unknown field\.", "未知字段"),
    (r"Invalid value\.", "取值无效"),
    (r"Invalid input\.", "取值无效"),
    (r"Invalid input type\.", "输入类型无效"),
    (r"Invalid type\.", "类型无效"),
    (r"Invalid JSON body\.", "请求体不是有效的 JSON"),
    (r"Not a valid string\.", "须为字符串"),
    (r"Not a valid utf-8 string\.", "须为 UTF-8 字符串"),
    (r"Not a valid integer\.", "须为整数"),
    (r"Not a valid number\.", "须为数字"),
    (r"Number too large\.", "数字过大"),
    (r"Special numeric values \(nan or infinity\) are not permitted\.", "不接受 NaN 或无穷大"),
    (r"Not a valid boolean\.", "须为布尔值（true/false）"),
    (r"Not a valid date\.", "须为日期（YYYY-MM-DD）"),
    (r"Not a valid datetime\.", "须为日期时间（ISO 8601）"),
    (r"Not a valid (naive|aware) datetime\.", "须为日期时间（ISO 8601）"),
    (r"Not a valid time\.", "须为时间（HH:MM:SS）"),
    (r"Not a valid period of time\.", "须为时长"),
    (r"Not a valid (IP|IPv4|IPv6) (address|interface)\.", "须为 IP 地址"),
    (r"Not a valid list\.", "须为列表"),
    (r"Not a valid tuple\.", "须为列表"),
    (r"Not a valid mapping type\.", "须为对象"),
    (r"Not a valid URL\.", "须为网址"),
    (r"Not a valid email address\.", "须为电子邮箱地址"),
    (r"Not a valid UUID\.", "须为 UUID"),
    (r"String does not match expected pattern\.", "格式不符"),
    (r"Must be one of: " + _ % "a" + r"\.", "须为以下之一：{a}"),
    (r"One or more of the choices you made was not in: " + _ % "a" + r"\.", "有取值不在以下范围内：{a}"),
    # Range: either bound may be exclusive, so four two-sided forms; an exclusive value never starts "or equal to".
    (r"Must be greater than or equal to " + _ % "a" + " and less than or equal to " + _ % "b" + r"\.",
     "须在 {a} 与 {b} 之间（含）"),
    (r"Must be greater than or equal to " + _ % "a" + " and less than " + _b + r"\.", "须不小于 {a} 且小于 {b}"),
    (r"Must be greater than " + _a + " and less than or equal to " + _ % "b" + r"\.", "须大于 {a} 且不大于 {b}"),
    (r"Must be greater than " + _a + " and less than " + _b + r"\.", "须大于 {a} 且小于 {b}"),
    (r"Must be greater than or equal to " + _ % "a" + r"\.", "须不小于 {a}"),
    (r"Must be less than or equal to " + _ % "a" + r"\.", "须不大于 {a}"),
    (r"Must be greater than " + _ % "a" + r"\.", "须大于 {a}"),
    (r"Must be less than " + _ % "a" + r"\.", "须小于 {a}"),
    (r"Must be equal to " + _ % "a" + r"\.", "须等于 {a}"),
    (r"One or more of the choices you made was in: " + _ % "a" + r"\.", "不能包含以下取值：{a}"),
    (r"Length must be between " + _ % "a" + " and " + _ % "b" + r"\.", "长度须在 {a} 至 {b} 之间"),
    (r"Shorter than minimum length " + _ % "a" + r"\.", "长度不能少于 {a}"),
    (r"Longer than maximum length " + _ % "a" + r"\.", "长度不能超过 {a}"),
    (r"Length must be " + _ % "a" + r"\.", "长度须为 {a}"),
]]


def title(status: int) -> str:
    return TITLES.get(status, "请求未能完成" if status < 500 else "服务器错误")


def reason(message: str) -> str:
    """A library's English validation message in Chinese (our own Chinese messages pass through)."""
    for pattern, zh in REASONS:
        found = pattern.match(message)
        if found:
            return zh.format(**found.groupdict())
    return message
