"""JSON bodies are read once through a guarded parser before any view sees them (issue 14, item 5).

Python's json module turns some well-formed but hostile bodies into exceptions no view expects: nesting deeper than
the recursion limit (RecursionError), an integer of more than 4300 digits (ValueError), and a lone UTF-16 surrogate
escape such as "\\ud800" parses into a str the Neo4j driver cannot encode. Each becomes a 422 problem naming the field
(or the body) here, after authentication and before the views; a body that passes is parsed again by webargs,
unchanged.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from chainmap.errors import Invalid

MAX_DEPTH = 32            # the deepest real body (a batch of enterprises with their revenue) is 4
MAX_NUMBER_DIGITS = 30    # revenue in whole CNY fits in 14; nothing the API takes needs more


class _LongNumber(str):
    """An integer or decimal literal too long to convert; kept as text so the walk can name its field."""


def _parse_int(text: str) -> Any:
    return _LongNumber(text) if len(text.lstrip("-")) > MAX_NUMBER_DIGITS else int(text)


def _parse_float(text: str) -> Any:
    return _LongNumber(text) if len(text) > MAX_NUMBER_DIGITS + 10 else float(text)


class _Object(dict):
    """A JSON object that remembers the keys it was given more than once: json keeps the last value silently, so
    `{"name": "a", "name": "b"}` would store "b" where the caller may have meant either."""

    repeated: list[str]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    made = _Object(pairs)
    made.repeated = [] if len(made) == len(pairs) else sorted(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
    return made


def _refuse(field: str, reason: str) -> Invalid:
    return Invalid(f"{field}: {reason}", errors=[{"field": field, "in": "json", "reason": reason}])


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_body(raw: bytes) -> None:
    """Raise Invalid for a hostile but well-formed JSON body; malformed JSON is left to the usual 400."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise _refuse("body", "不是 UTF-8 编码的 JSON") from None
    try:
        data = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=lambda c: _LongNumber(c),
                          object_pairs_hook=_object)
    except RecursionError:
        raise _refuse("body", f"嵌套超过 {MAX_DEPTH} 层") from None
    except ValueError:
        return  # malformed JSON: the parser of the views answers 400 with its position
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        field = path or "body"
        if depth > MAX_DEPTH:
            raise _refuse("body", f"嵌套超过 {MAX_DEPTH} 层")
        if isinstance(value, _LongNumber):
            raise _refuse(field, "不是可接受的数字（位数过多、NaN 或 Infinity）")
        if isinstance(value, str):
            if _has_surrogate(value):
                raise _refuse(field, "含有孤立的 UTF-16 代理码元，不是有效字符")
        elif isinstance(value, dict):
            if isinstance(value, _Object) and value.repeated:
                key = value.repeated[0]
                raise _refuse(f"{path}.{key}" if path else key, "在同一对象中出现多次，无法确定取哪一个值")
            for key, item in value.items():
                if _has_surrogate(key):
                    raise _refuse(field, "有键名含孤立的 UTF-16 代理码元")
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{i}" if path else str(i), depth + 1) for i, item in enumerate(value))


def _before_request() -> None:
    if request.method not in ("POST", "PUT", "PATCH") or not request.is_json:
        return
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if request.content_length or chunked:
        raw = request.get_data(cache=True)
        # A chunked body has no length to refuse up front: werkzeug stops reading it at the limit, and the cut JSON
        # would be answered as malformed (400) rather than as too large.
        if chunked and len(raw) >= (current_app.config.get("MAX_CONTENT_LENGTH") or float("inf")):
            raise RequestEntityTooLarge()
        check_body(raw)


def register(app: Flask) -> None:
    app.before_request(_before_request)
