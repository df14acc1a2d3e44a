"""Path converters: they accept any segment (the view names a malformed id in a 422), and document the pattern."""

from __future__ import annotations

from werkzeug.routing import BaseConverter


from chainmap.vocab import SLUG_PATTERN, USCC_PATTERN


class SlugConverter(BaseConverter):
    regex = "[^/]+"


class UsccConverter(BaseConverter):
    regex = "[^/]+"


def register(app, api) -> None:
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["uscc"] = UsccConverter
    api.register_converter(SlugConverter, lambda converter: {"type": "string", "pattern": SLUG_PATTERN})
    api.register_converter(UsccConverter, lambda converter: {"type": "string", "pattern": USCC_PATTERN})
