"""Characters stored text must not hold, so that a name shown in the console or a report is the name stored.

One rule for every way text comes in (the API's fields, imported files): C0 and C1 controls (and DEL), line and
paragraph separators, bidirectional embeddings, overrides, isolates and marks (which reorder what follows: "Trojan
Source"), zero-width characters, invisible operators, the BOM, interlinear annotation marks, and the characters
that render as nothing (soft hyphen, fillers, variation selectors, tag characters: text hidden inside a reason). An XLSX cannot even
be written with some of them (a recorded name with U+0000 made every later report of it fail).
"""

from __future__ import annotations

import re

HIDDEN_BMP = ("\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
              # invisible by design: soft hyphen, combining grapheme joiner, Hangul and Khmer fillers, Mongolian
              # selectors, variation selectors, the halfwidth filler
              "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0")
# Past the BMP: musical formatting marks, tag characters, the variation selectors supplement. Kept apart because the
# OpenAPI pattern (api.schemas) is read as an ECMA-262 regular expression, which takes no such ranges without a flag.
HIDDEN_ASTRAL = "\U0001d173-\U0001d17a\U000e0000-\U000e007f\U000e0100-\U000e01ef"
HIDDEN = HIDDEN_BMP + HIDDEN_ASTRAL
HIDDEN_CHARACTER = re.compile(f"[{HIDDEN}]")
REASON = "不能含有控制字符、改变书写方向的字符或不可见字符"


def problem(text: str) -> str | None:
    """The reason text is refused, naming the first such character and where it is; None when it is clean."""
    found = HIDDEN_CHARACTER.search(text)
    if found is None:
        return None
    return f"{REASON}（第 {found.start() + 1} 个字符 U+{ord(found.group()):04X}）"
