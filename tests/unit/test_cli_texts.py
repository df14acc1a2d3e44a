"""The command line's help and usage errors read in Chinese around chainmap's own messages (chainmap.cli_zh):
what an operator sees for --help, a missing argument, an unknown command (with its suggestion) and a bad choice."""

import re

import pytest
from click.testing import CliRunner

from chainmap.cli import main
from tests.conftest import ENGLISH_PHRASE, HAN

# The command as typed (program and subcommand names are codes, not sentences).
COMMAND = re.compile(r"python -m chainmap(?: [a-z][a-z-]*)*")


@pytest.mark.parametrize(("args", "expected"), [
    (["--help"], "显示本帮助并退出"),
    (["import", "bulk", "--help"], "用法"),
    (["load"], "缺少参数 'DIRECTORY'"),
    (["load", "/nonexistent/chainmap"], "目录 '/nonexistent/chainmap' 不存在"),
    (["loa"], "没有命令 'loa'"),
    (["keys", "create", "--role", "nobody"], "'nobody' 须为"),
    (["keys", "list", "--no-such-flag"], "没有选项 '--no-such-flag'"),
])
def test_help_and_usage_errors_are_chinese(args, expected):
    result = CliRunner().invoke(main, args, prog_name="python -m chainmap")
    output = result.output
    assert expected in output, output
    english = [line for line in output.splitlines() if ENGLISH_PHRASE.search(COMMAND.sub("", line))]
    assert english == [], english
    assert HAN.search(output)
