"""Request parameters shared by every resource: identifier validators from chainmap.vocab's patterns, and the
path-id check. One definition each, so the API, its OpenAPI document and the loader agree."""

from __future__ import annotations

import re

from marshmallow import validate

from chainmap import vocab
from chainmap.errors import Invalid

ADCODE = validate.Regexp(vocab.ADCODE_PATTERN, error="must be a six-digit GB/T 2260 code")
SLUG = validate.Regexp(vocab.SLUG_PATTERN, error="must be a lowercase slug (a-z, 0-9, -), 2-63 characters")
USCC = validate.Regexp(vocab.USCC_PATTERN, error="must be an 18-character USCC (GB 32100-2015 characters)")
CLASS = validate.Regexp(vocab.INDUSTRY_CLASS_PATTERN, error="must be a four-digit GB/T 4754 class")
NODE_ID = validate.Regexp(vocab.NODE_ID_PATTERN, error="must be a chain-node id")

_SLUG = re.compile(vocab.SLUG_PATTERN)


def checked(value: str, field: str) -> str:
    """Path ids are slugs; anything else is refused with the field named (never looked up)."""
    if not _SLUG.match(value):
        raise Invalid(f"{field} must be a lowercase slug", errors=[{"field": field, "reason": "not a slug", "in": "path"}])
    return value
