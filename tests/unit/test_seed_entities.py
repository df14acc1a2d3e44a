"""The synthetic market entities look like real registrations: plants where plants are, names as registries write
them, individual businesses and farms only in industries where they exist, and codes that exist and fit the node."""

import csv
import json
import re
from collections import Counter

from tests.conftest import SEEDS

BJ_CORE = {"110101", "110102", "110105", "110106", "110107", "110108"}
TJ_CORE = {"120101", "120102", "120103", "120104", "120105", "120106"}
BJ_OUTER = {"110115", "110113", "110114", "110111", "110112", "110116", "110118", "110117"}
TJ_OUTER = {"120116", "120111", "120114", "120113", "120112", "120110", "120115", "120118"}
FORMS = ("有限公司", "有限责任公司", "股份有限公司", "分公司", "专业合作社", "家庭农场", "经营部", "加工厂", "门市部",
         "商行", "货运部", "店")


def read(path):
    with open(path, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


ENTITIES = read(SEEDS / "synthetic" / "enterprises.csv")
REGIONS = {r["adcode"]: r for r in read(SEEDS / "regions.csv")}
INDUSTRIES = {r["code"]: r for r in read(SEEDS / "industries.csv")}


def manufacturing(e):
    return e["industry_codes"].split(";")[0][:2] < "44"


def test_beijing_and_tianjin_plants_are_in_the_outer_districts():
    outside = [e for e in ENTITIES if e["region"][:2] in ("11", "12") and e["entity_type"] != "branch"]
    makers = [e for e in outside if manufacturing(e)]
    in_core = [e for e in makers if e["region"] in BJ_CORE | TJ_CORE]
    assert len(makers) > 2000
    assert len(in_core) <= 0.03 * len(makers)
    assert sum(e["region"] in BJ_OUTER | TJ_OUTER for e in makers) >= 0.97 * len(makers)
    by_parent = {}
    for e in ENTITIES:
        if e["entity_type"] == "branch":
            by_parent.setdefault(e["group"], []).append(e)
    for hq in in_core:   # the exception, labelled: a headquarters whose plant is a branch in an outer district
        assert hq["name"].endswith("集团有限公司") and hq["products"].startswith("总部"), hq["name"]
        assert any(b["region"] in BJ_OUTER | TJ_OUTER for b in by_parent.get(hq["uscc"], [])), hq["name"]
    services = [e for e in outside if e["industry_codes"][:2] in ("51", "52", "73", "74")]
    assert sum(e["region"] in BJ_CORE | TJ_CORE for e in services) > 0.5 * len(services)


def test_names_follow_registration_practice():
    names = [e["name"] for e in ENTITIES]
    assert len(set(names)) == len(names)
    places = {r["name"] for r in REGIONS.values()} | {"北京", "天津"}
    for e in ENTITIES:
        assert e["name"].endswith(FORMS), e["name"]
        assert any(e["name"].startswith(p) for p in places), e["name"]
        assert not re.search(r"(交易中心|批发|电商|直播)(制品|科技)有限公司", e["name"]), e["name"]
    farms = [e for e in ENTITIES if e["entity_type"] == "family_farm"]
    assert farms and all(e["name"].endswith("家庭农场") for e in farms)
    individuals = [e for e in ENTITIES if e["entity_type"] == "individual_business"]
    assert individuals and all(not e["name"].endswith("公司") for e in individuals)


def test_small_entities_only_where_they_exist():
    kinds = Counter()
    for e in ENTITIES:
        code = e["industry_codes"].split(";")[0]
        if e["entity_type"] == "family_farm":
            assert code[:2] in ("01", "03"), e["name"]
        if e["entity_type"] == "cooperative":
            assert code[:2] in ("01", "02", "03", "05"), e["name"]
        if e["entity_type"] == "individual_business":
            # never in steel rolling, chemicals, pharmaceuticals, electrical equipment, electronics or finance
            assert code[:2] not in ("25", "26", "27", "31", "32", "38", "39", "66", "73", "74"), e["name"]
            assert code[:1] != "0", e["name"]
        kinds[e["entity_type"]] += 1
    assert kinds["individual_business"] > 1000 and kinds["family_farm"] > 20


def test_every_node_code_exists_and_sits_in_a_plausible_division():
    definitions = json.loads((SEEDS / "chains.json").read_text(encoding="utf-8"))["definitions"]
    rules = [  # (words in the node's name, allowed code prefixes)
        (("批发", "零售", "交易", "销售", "经销"), ("51", "52")),
        (("检验", "检测", "认证"), ("745",)),
        (("物流", "仓储"), ("54", "59")),
        (("设计",), ("749",)),
        (("研发",), ("73",)),
        (("电商", "网络"), ("5193", "5292")),
        (("种植", "苗木", "菌种"), ("01", "05")),
        (("污水",), ("46",)),
        (("宠物医疗", "美容"), ("822",)),
        (("回收",), ("42", "51")),
        (("原皮", "原绒", "收购"), ("03", "51")),
    ]
    for key, chain in definitions.items():
        for node in chain["nodes"]:
            for code in node["industry_codes"]:
                assert INDUSTRIES.get(code, {}).get("level") == "class", (key, node["key"], code)
                group = INDUSTRIES[INDUSTRIES[code]["parent"]]
                assert group["level"] == "group" and INDUSTRIES[group["parent"]]["level"] == "division"
                assert code != "6631", (key, node["key"])           # 融资租赁 is financing, not a chain link
                if code in ("5193", "5292"):                          # internet trade only on online nodes
                    assert any(w in node["name"] for w in ("电商", "网络", "直播", "零售")), (key, node["name"], code)
            for words, prefixes in rules:
                if any(w in node["name"] for w in words):
                    assert any(c.startswith(prefixes) for c in node["industry_codes"]), (key, node["name"])
                    break
            else:   # a production link: farming, mining, manufacturing, recycling
                assert all(c[:2] < "44" or c[:2] in ("46",) for c in node["industry_codes"]), (key, node["name"])
    fixed = {("pharma", "api"): ["2710"], ("rare-metal", "tools"): ["3321"], ("glass", "sales"): ["5165"],
             ("insulation", "sales"): ["5165"]}
    for (key, node_key), codes in fixed.items():
        assert next(n for n in definitions[key]["nodes"] if n["key"] == node_key)["industry_codes"] == codes
    assert "5127" not in next(n for n in definitions["food"]["nodes"] if n["key"] == "sales")["industry_codes"]
    assert "4190" not in next(n for n in definitions["glass"]["nodes"] if n["key"] == "sand")["industry_codes"]


def test_industries_hold_the_whole_2017_classification():
    levels = {}
    for row in INDUSTRIES.values():
        levels[row["level"]] = levels.get(row["level"], 0) + 1
        if row["level"] != "division":
            assert INDUSTRIES[row["parent"]]["level"] == {"group": "division", "class": "group"}[row["level"]]
    # 97 divisions and 473 groups as in GB/T 4754-2017; 1,380 classes in the standard's count, plus 3741 飞机制造,
    # which the transcription read lists as a group row
    assert levels["division"] == 97 and levels["group"] == 473 and levels["class"] >= 1380
    assert INDUSTRIES["3481"]["name"] == "金属密封件制造" and INDUSTRIES["3484"]["name"] == "机械零部件加工"
    assert INDUSTRIES["2034"]["name"] == "木地板制造" and INDUSTRIES["2035"]["name"] == "木制容器制造"
    assert INDUSTRIES["5165"]["name"] == "建材批发" and INDUSTRIES["2710"]["name"] == "化学药品原料药制造"
