"""Place names in requests: pure resolution over plain regions."""

import pytest

from chainmap.errors import Invalid
from chainmap.places import Region, resolve

REGIONS = [
    Region("130100", "石家庄市", "city", "130000"), Region("130500", "邢台市", "city", "130000"),
    Region("130700", "张家口市", "city", "130000"), Region("130104", "桥西区", "county", "130100"),
    Region("130703", "桥西区", "county", "130700"), Region("130534", "清河县", "county", "130500"),
    Region("130181", "辛集市", "county", "130100"),
]


@pytest.mark.parametrize("text, level, within, adcode", [
    ("邢台市", "city", None, "130500"), ("邢台", "city", None, "130500"), ("xingtai", "city", None, "130500"),
    ("XingTai", "city", None, "130500"), (" 130500 ", "city", None, "130500"), ("清河", "county", None, "130534"),
    ("清河县", "county", "130500", "130534"), ("辛集", "county", None, "130181"), ("桥西", "county", "130700", "130703"),
    ("桥西区", "county", "130100", "130104"),
])
def test_places_resolve(text, level, within, adcode):
    assert resolve(REGIONS, text, level, "f", within=within) == adcode


@pytest.mark.parametrize("text, level, within, phrase", [
    ("桥西", "county", None, "有2个同名"), ("邢台县", "city", None, "不是河北省的设区市"), ("130534", "city", None, "130534"),
    ("清河", "county", "130100", "石家庄市的"), ("beijing", "city", None, "拼音"), ("qinghe", "county", None, "中文名称"),
    ("清河市", "county", None, "不是河北省的县级行政区"),
])
def test_unknown_or_ambiguous_places_name_the_field(text, level, within, phrase):
    with pytest.raises(Invalid) as info:
        resolve(REGIONS, text, level, "county", within=within)
    assert info.value.errors[0]["field"] == "county" and phrase in info.value.errors[0]["reason"]
