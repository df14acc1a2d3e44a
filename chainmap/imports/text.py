"""Text as officers' files hold it: full-width characters, stray spaces, headers with units in brackets."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_UNIT = re.compile(r"[(（\[【]\s*(元|千元|万元|亿元|人民币元|人民币万元)\s*[)）\]】]$")
_YEAR_PREFIX = re.compile(r"^((?:19|20)\d{2})年(?:度)?")


def half_width(value: str) -> str:
    """Full-width letters, digits and punctuation to their ASCII forms (NFKC), then trimmed."""
    return (value if value.isascii() else unicodedata.normalize("NFKC", value)).strip()


def compact(value: str) -> str:
    """Half-width, with every space removed (names, codes, headers). Called for every cell: the common cases
    (ASCII, or already normalised without spaces) avoid the regular expression."""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return value if " " not in value and value.isprintable() else _SPACES.sub("", value)


def header_key(header: str) -> tuple[str, str | None, int | None]:
    """(normalised header, unit named in brackets or None, year named in front or None):
    ' 2024年营业收入（万元） ' -> ('营业收入', '万元', 2024)."""
    key = compact(header)
    year = None
    if match := _YEAR_PREFIX.match(key):
        year = int(match.group(1))
        key = key[match.end():]
    unit = None
    if match := _UNIT.search(key):
        unit = match.group(1).replace("人民币", "")
        key = key[:match.start()]
    return key, unit, year


def cell_text(value: object) -> str:
    """A cell as text: None -> '', numbers without a spurious '.0', strings trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
