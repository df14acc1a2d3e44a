"""Pure rules of the import (issue 17): what officers' cells mean, where a firm is, which class its industry is."""

import datetime as dt

import pytest

from chainmap import uscc
from chainmap.imports import values as parse
from chainmap.imports.industries import Industry, IndustryIndex
from chainmap.imports.places import Alias, PlaceIndex, Region
from chainmap.imports.profiles import Profile, choose
from chainmap.imports.text import header_key

VALID = uscc.compose("9", "1", "130534", "MA0C1234")


@pytest.mark.parametrize("raw", [VALID, VALID.lower(), " ".join(VALID), VALID.translate(
    {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"})])
def test_credit_codes_are_normalised(raw):
    assert parse.credit_code(raw) == VALID


def test_a_wrong_organisation_check_digit_is_named():
    body = VALID[:16] + ("0" if VALID[16] != "0" else "1")
    with pytest.raises(ValueError, match="第 17 位（组织机构代码的校验码）"):
        parse.credit_code(body + uscc.check_character(body))


def test_a_wrong_check_character_is_named():
    bad = VALID[:17] + ("0" if VALID[17] != "0" else "1")
    with pytest.raises(ValueError, match=f"校验码为 {bad[17]}，应为 {VALID[17]}"):
        parse.credit_code(bad)


@pytest.mark.parametrize("raw, expected", [
    ("存续（在营、开业、在册）", ("active", None)), ("在业", ("active", None)), ("开业", ("active", None)),
    ("注销", ("deregistered", None)), ("注销（2021-05-06）", ("deregistered", dt.date(2021, 5, 6))),
    ("吊销，未注销", ("deregistered", None)), ("迁出", ("moved", None)), ("停业", ("deregistered", None)),
])
def test_registration_states(raw, expected):
    assert parse.status(raw) == expected


@pytest.mark.parametrize("raw, name, expected", [
    ("有限责任公司（自然人投资或控股）", "", "company"), ("股份有限公司（上市）", "", "company"),
    ("个体工商户", "", "individual_business"), ("农民专业合作社", "", "cooperative"),
    ("有限责任公司分公司", "", "branch"), ("个人独资企业", "", "company"), ("普通合伙企业", "", "company"),
    ("", "清河县某某家庭农场", "family_farm"),
])
def test_entity_types(raw, name, expected):
    assert parse.entity_type(raw, name) == expected


def test_entity_type_falls_back_to_the_credit_code():
    assert parse.entity_type("", "张三羊绒加工部", uscc.compose("9", "2", "130534", "L1234567")) == "individual_business"


@pytest.mark.parametrize("raw", ["2019-03-05", "2019/3/5", "2019年3月5日", "2019.3.5", "20190305", 43529, "43529",
                                 dt.datetime(2019, 3, 5, 0, 0)])
def test_dates(raw):
    assert parse.date(raw) == dt.date(2019, 3, 5)


@pytest.mark.parametrize("raw, happened, reason", [
    ("2999-01-01", True, "不能晚于 2100-12-31"), ("1800-01-01", True, "不能早于 1900-01-01"),
    ("2100-06-01", False, None), ("2101-01-01", False, "不能晚于 2100-12-31"), ("0001-01-01", False, "不能早于"),
    (dt.date.today() + dt.timedelta(days=1), True, "不能晚于今天"), (dt.date.today() + dt.timedelta(days=1), False, None),
    (dt.date.today(), True, None)])
def test_a_recorded_day_lies_in_the_days_the_api_accepts(raw, happened, reason):
    """An import refuses the dates the API refuses (chainmap.days): a 成立日期 of 2999, a 开始日期 of 1800."""
    if reason is None:
        assert parse.recorded_date(raw, happened=happened) == parse.date(raw)
    else:
        with pytest.raises(ValueError, match=reason):
            parse.recorded_date(raw, happened=happened)


def test_a_status_change_dated_in_the_future_keeps_its_status_and_refuses_its_date():
    status, day = parse.status("注销（2099-06-01）")
    assert (status, day) == ("deregistered", dt.date(2099, 6, 1))
    with pytest.raises(ValueError, match="不能晚于今天"):
        parse.checked_day(day, "注销（2099-06-01）", happened=True)
    assert parse.status("注销（2021-05-06）") == ("deregistered", dt.date(2021, 5, 6))
    with pytest.raises(ValueError, match="：2100-01-01$"):  # a date cell is quoted as its day
        parse.recorded_date(dt.datetime(2100, 1, 1), happened=True)


@pytest.mark.parametrize("raw, unit, expected", [
    ("1000万人民币", None, (10_000_000, "CNY")), ("500万美元", None, (5_000_000, "USD")),
    ("50万元", None, (500_000, "CNY")), ("-", None, None), ("1000", "万元", (10_000_000, "CNY")),
])
def test_capital(raw, unit, expected):
    assert parse.capital(raw, unit) == expected


@pytest.mark.parametrize("raw, unit, expected", [
    ("1234.5", "万元", 12_345_000), ("1.2亿元", "万元", 120_000_000), ("5000万", None, 50_000_000),
    ("6000000", None, 6_000_000), ("-", "万元", None), ("2.5", "亿元", 250_000_000), ("800", "千元", 800_000),
])
def test_revenue(raw, unit, expected):
    assert parse.money(raw, unit) == expected


def test_headers_are_read_with_unit_and_year():
    assert header_key(" 2024年营业收入（万元） ") == ("营业收入", "万元", 2024)
    assert header_key("企业名称 ") == ("企业名称", None, None)
    assert header_key("统一社会信用代码") == ("统一社会信用代码", None, None)


REGIONS = [Region("130000", "河北省", "province", None), Region("130100", "石家庄市", "city", "130000"),
           Region("130109", "藁城区", "county", "130100"), Region("130104", "桥西区", "county", "130100"),
           Region("130500", "邢台市", "city", "130000"), Region("130534", "清河县", "county", "130500"),
           Region("130502", "襄都区", "county", "130500"), Region("130600", "保定市", "city", "130000"),
           Region("130684", "高碑店市", "county", "130600"), Region("130700", "张家口市", "city", "130000"),
           Region("130703", "桥西区", "county", "130700"), Region("130702", "桥东区", "county", "130700")]
ALIASES = [Alias("藁城市", "130109", None, "130182"), Alias("白沟新城", "130684", None, None),
           Alias("桥东区", "130502", "130500", None)]
PLACES = PlaceIndex(REGIONS, ALIASES)


@pytest.mark.parametrize("county, address, code_region, expected", [
    ("清河县", "", "130534", "130534"), ("清河", "", None, "130534"),
    ("", "河北省石家庄市藁城市廉州镇", "130182", "130109"),         # renamed county, old code in the USCC
    ("", "河北省保定市白沟新城和道国际箱包城", "130684", "130684"),
    ("", "河北省邢台市桥东区新华路", "130500", "130502"),            # 邢台's old 桥东区 is 襄都区
    ("", "张家口市桥东区", None, "130702"),
    ("", "", "130534", "130534"),                                   # only the credit code says where
])
def test_places_resolve(county, address, code_region, expected):
    assert PLACES.resolve(county, address, "", code_region).adcode == expected


@pytest.mark.parametrize("county, address, code_region, reason", [
    ("桥西区", "", None, "无法确定"), ("", "河北省某某开发区", None, "无法确定所在区县"),
    ("清河县", "", "130109", "不一致"),
])
def test_places_refuse_to_guess(county, address, code_region, reason):
    with pytest.raises(ValueError, match=reason):
        PLACES.resolve(county, address, "", code_region)


INDUSTRIES = IndustryIndex([Industry("18", "纺织服装、服饰业", "division"), Industry("181", "机织服装制造", "group"),
                            Industry("1811", "运动机织服装制造", "class"), Industry("1819", "其他机织服装制造", "class"),
                            Industry("17", "纺织业", "division"), Industry("172", "毛纺织及染整精加工", "group"),
                            Industry("1721", "毛条和毛纱线加工", "class")])


def test_industries_by_name_code_and_columns():
    assert INDUSTRIES.resolve("运动机织服装制造").code == "1811"
    assert INDUSTRIES.resolve("C1811 运动机织服装制造").code == "1811"
    assert INDUSTRIES.resolve("纺织服装、服饰业").coarse.code == "18"
    assert INDUSTRIES.resolve("制造业").coarse.level == "section"
    assert INDUSTRIES.resolve_columns("纺织业", "毛纺织及染整精加工", "毛条和毛纱线加工").code == "1721"
    missing = INDUSTRIES.resolve("羊绒衫智能织造")
    assert missing.code is None and "找不到" in missing.reason


def test_profiles_are_chosen_by_headers():
    text = Profile("text", "所属行业", "registry", {"uscc": ("统一社会信用代码",), "name": ("企业名称",),
                                                     "industry": ("所属行业",)}, (("uscc",), ("name",), ("industry",)))
    gb = Profile("gb", "国标", "registry", {"uscc": ("统一社会信用代码",), "name": ("企业名称",),
                                            "industry_class": ("国标行业小类",)}, (("uscc",), ("name",), ("industry_class",)))
    chosen = choose({"text": text, "gb": gb}, ["统一社会信用代码", "企业名称 ", "国标行业小类"])
    assert chosen.profile.name == "gb" and "自动识别" in chosen.how
    with pytest.raises(ValueError, match="不相符"):
        choose({"text": text, "gb": gb}, ["名称"])


def test_two_columns_for_one_field_are_refused_not_read_as_the_first():
    """Two 统一社会信用代码 columns (or 企业名称 and 名称) may differ row by row: which one is meant is not guessed."""
    profile = Profile("p", "名单", "registry", {"uscc": ("统一社会信用代码",), "name": ("企业名称", "名称"),
                                                "revenue": ("营业收入",), "revenue_year": ("年度",)},
                      (("uscc",), ("name",)))
    for headers, columns in ((["统一社会信用代码", "企业名称", "统一社会信用代码"], "第1列“统一社会信用代码”和第3列"),
                             (["统一社会信用代码", "名称", "企业名称"], "第2列“名称”和第3列“企业名称”表示同一项内容")):
        with pytest.raises(ValueError, match=columns):
            choose({"p": profile}, headers)
        with pytest.raises(ValueError, match="无法确定按哪一列读取"):
            choose({"p": profile}, headers, "p")
    # revenue of two years side by side is two columns of one field, each read with its year
    columns = choose({"p": profile}, ["统一社会信用代码", "企业名称", "2023年营业收入（万元）", "2024年营业收入（万元）"]).columns
    assert (columns["revenue"].year, columns["revenue@2024"].year) == (2023, 2024)
    with pytest.raises(ValueError, match="第3列“2024年营业收入”和第4列“2024年营业收入”"):
        choose({"p": profile}, ["统一社会信用代码", "企业名称", "2024年营业收入", "2024年营业收入"])
    with pytest.raises(ValueError, match="无法确定营业收入的年度"):
        choose({"p": profile}, ["统一社会信用代码", "企业名称", "年度", "2023年营业收入", "2024年营业收入"])


def test_the_report_workbook_is_chinese_and_never_holds_a_formula():
    import io

    from openpyxl import load_workbook

    from chainmap.imports.report import ImportReport

    report = ImportReport("x.csv", "registry", dry_run=True)
    report.created.append({"line": 2, "key": VALID, "name": "=HYPERLINK(\"http://x\")", "region": "清河县", "notes": ""})
    report.rejected.append({"line": 3, "field": "统一社会信用代码", "reason": "校验位错误", "fatal": True, "outcome": "整行未导入"})
    book = load_workbook(io.BytesIO(report.to_xlsx()))
    assert book.sheetnames == ["汇总", "新增", "更新", "未变", "拒绝", "冲突"]
    assert book["新增"]["C2"].data_type == "s" and book["新增"]["C2"].value.startswith("'=")
    assert [c.value for c in book["拒绝"][2]] == [3, "统一社会信用代码", "校验位错误", "整行未导入"]
    summary = dict(row for row in book["汇总"].iter_rows(values_only=True))
    assert summary["结果"] == "试运行：未写入任何数据" and summary["整行拒绝"] == 1
