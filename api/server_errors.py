"""The answers gunicorn gives on its own, before the app sees the request (a request line over its limit: 414; too
many or too large headers: 431; a request that is not valid HTTP: 400, …), as problem+json in Chinese like every
other answer: gunicorn's own are English HTML.

gunicorn writes them through gunicorn.util.write_error, which its worker looks up when it answers; each worker puts
write_problem in its place once it has started (gunicorn.conf.py, post_worker_init). gunicorn is pinned in
requirements.txt; tests/e2e/test_server_errors.py sends such requests through the real server.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util

from api import wording

# What went wrong, without echoing the request: gunicorn's message quotes the offending line or header.
DETAILS = {
    400: "请求不符合 HTTP 规范（请求行、请求头或分块编码有误），服务未处理",
    403: "请求被拒绝，服务未处理",
    414: "请求地址过长（请求行超过 4094 字节），服务未处理；条件较多时请分几次查询",
    417: "不支持请求头 Expect 的要求，服务未处理",
    431: "请求头过多或过大（最多 100 个，每个不超过 8190 字节），服务未处理",
    501: "不支持该传输编码（Transfer-Encoding），服务未处理",
}


def body(status: int) -> bytes:
    problem = {"type": "about:blank", "title": wording.title(status), "status": status,
               "detail": DETAILS.get(status, "服务器未能处理该请求" if status >= 500 else "请求有误，服务未处理")}
    return json.dumps(problem, ensure_ascii=False).encode("utf-8")


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn.util.write_error's signature; `mesg` (gunicorn's English, quoting the request) is not sent."""
    content = body(status_int)
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/problem+json\r\nX-Content-Type-Options: nosniff\r\n"
            f"Content-Length: {len(content)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + content)


def install() -> None:
    util.write_error = write_problem
