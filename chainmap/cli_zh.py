"""The command line's own words in Chinese: click's help headings and its usage errors ("Missing argument", "No such
option", "Try … for help") are what an operator on a county server reads around chainmap's Chinese messages.

click marks these strings for gettext (`from gettext import gettext as _` in each of its modules) but ships no
catalogue, and gettext's catalogues are binary files looked up by the process's locale. The table below is the
catalogue; `install` points click's modules at it, so it applies whatever the server's locale. A string click adds
later and this table lacks stays English (tests/unit/test_cli_texts.py runs the common paths). click is pinned in
requirements.txt: the table is written against that version.
"""

from __future__ import annotations

import importlib

TEXTS = {
    # help
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "deprecated": "已停用",
    "Confirm the action without prompting.": "不经询问直接确认。",
    # usage errors
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是目录。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数值。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的布尔值，可用：{states}",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "Aborted!": "已中止。",
    "Do you want to continue?": "是否继续？",
    "Error: invalid input": "错误：输入无效",
    "Error: The two entered values do not match.": "错误：两次输入的值不一致。",
    "Repeat for confirmation": "请再输入一次以确认",
    "unknown error": "未知错误",
}
PLURALS = {  # (singular, plural) -> one text for both
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        "（是否想输入：{possibilities}？）",
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): "多出了参数（{args}）",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        "选项 {name!r} 需要 {nargs} 个值。",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): "{value!r} 须为 {choices} 之一。",
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        "{value!r} 不符合格式 {formats}。",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        "需要 {nargs} 个值。",
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."): "需要 {len_type} 个值，实为 {len_value} 个。",
}
MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "utils", "termui")


def gettext(message: str) -> str:
    return TEXTS.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    text = PLURALS.get((singular, plural))
    if text is None:
        return singular if n == 1 else plural
    return text


def install() -> None:
    for name in MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
