"""USCC checksums (GB 32100-2015) on the standard's sample and on generated codes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainmap import uscc

ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def test_standard_sample_is_valid():
    assert uscc.is_valid("91350100M000100Y43")  # the sample printed in GB 32100-2015


@pytest.mark.parametrize("code, reason", [
    ("91350100M000100Y4", "须为 18 位"),
    ("91350100M000100Y44", "校验码为 4，应为 3"),
    ("91350100M000100I43", "含有统一社会信用代码不允许的字符：I（不使用 I、O、S、V、Z）"),
    ("9135O100M000100Y43", "含有统一社会信用代码不允许的字符：O（不使用 I、O、S、V、Z）"),
    ("913A0100M000100Y43", "第 3-8 位须为六位行政区划代码"),
])
def test_invalid_codes_say_why(code, reason):
    assert uscc.problems(code) == [reason]


@given(st.sampled_from("123"), st.sampled_from(["130534", "110105", "120116"]),
       st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
def test_composed_codes_are_valid(entity, region, org8):
    code = uscc.compose("9", entity, region, org8)
    assert uscc.is_valid(code)
    assert code[2:8] == region


@given(st.integers(min_value=0, max_value=16), st.sampled_from(ORG_ALPHABET))
def test_changing_one_character_breaks_the_checksum(position, replacement):
    code = "91350100M000100Y43"
    if code[position] == replacement:
        return
    mutated = code[:position] + replacement + code[position + 1:]
    assert not uscc.is_valid(mutated)


def test_a_wrong_organisation_check_digit_is_named_even_when_the_last_character_matches():
    # 87654321 weighs 231 under GB 11714 (231 mod 11 = 0), so its check digit is 0; a 1 there with the 18th recomputed still fails.
    body = "92131125" + "87654321" + "1"
    code = body + uscc.check_character(body)
    assert uscc.problems(code) == ["第 17 位（组织机构代码的校验码）为 1，应为 0"]
    assert uscc.is_valid(body[:16] + "0" + uscc.check_character(body[:16] + "0"))


def test_org_check_digit_examples():
    # GB 11714 check digit on the standard sample's organisation code M000100Y -> 4
    assert uscc.org_check_digit("M000100Y") == "4"


def _problems_by_the_letter(code: str) -> list[str]:
    """GB 32100-2015 read character by character: the meaning the fast checks in chainmap.uscc must keep."""
    if len(code) != 18:
        return ["须为 18 位"]
    bad = sorted({ch for ch in code if ch not in ORG_ALPHABET})
    if bad:
        return [f"含有统一社会信用代码不允许的字符：{''.join(bad)}（不使用 I、O、S、V、Z）"]
    if not all(ch in "0123456789" for ch in code[2:8]):
        return ["第 3-8 位须为六位行政区划代码"]
    found = []
    # GB 11714: the organisation code's 9th character checks its first eight, letters valued A=10 … Z=35.
    weighted = sum(int(ch, 36) * w for ch, w in zip(code[8:16], [3, 7, 9, 10, 5, 8, 4, 2], strict=True))
    organisation = {10: "X", 11: "0"}.get(11 - weighted % 11, str(11 - weighted % 11))
    if code[16] != organisation:
        found.append(f"第 17 位（组织机构代码的校验码）为 {code[16]}，应为 {organisation}")
    total = sum(ORG_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(code[:17]))
    expected = ORG_ALPHABET[(31 - total % 31) % 31]
    return found if code[17] == expected else [*found, f"校验码为 {code[17]}，应为 {expected}"]


@given(st.one_of(
    st.text(alphabet=ORG_ALPHABET + "IOSVZa٣ ", min_size=17, max_size=19),
    st.builds(lambda body, tail: body + tail, st.text(alphabet=ORG_ALPHABET, min_size=17, max_size=17),
              st.sampled_from(ORG_ALPHABET)),
))
def test_problems_agree_with_the_standard_read_by_the_letter(code):
    assert uscc.problems(code) == _problems_by_the_letter(code)
