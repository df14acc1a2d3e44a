#!/usr/bin/env python3
"""Generate SYNTHETIC market entities, supply relationships and introductions in the loader's format.

Nothing here describes a real enterprise: every row is labelled synthetic=true, names are made from
word pools, and USCCs are well-formed (GB 32100-2015 checksums) but invented. Output is a pure
function of --seed and the real seed files (regions, clusters, chains).

    scripts/synth.py --seed 7                       # the committed set in seeds/synthetic/
    scripts/synth.py --seed 7 --scale province --out var/province   # 1,000,000 entities, 3,000,000 SUPPLIES
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap import uscc  # noqa: E402
from chainmap.loading.chains import expand  # noqa: E402
from chainmap.loading.fields import format_revenues  # noqa: E402
from chainmap.loading.formats import ENTERPRISES, INTRODUCTIONS, SUPPLIES  # noqa: E402

SEEDS = ROOT / "seeds"
YEARS = (2022, 2023, 2024, 2025)
PLAN_START = dt.date(2021, 8, 10)
BJ_CORE = ("110101", "110102", "110105", "110106", "110107", "110108")
TJ_CORE = ("120101", "120102", "120103", "120104", "120105", "120106")
# Where Beijing's and Tianjin's plants are: outer districts and development zones (大兴/亦庄, 顺义, 昌平, 房山, 通州,
# 怀柔, 密云, 平谷; 滨海新区, 西青, 武清, 北辰, 津南, 东丽, 宝坻, 静海). The core districts have barred new manufacturing
# since 2015 (FACTS §3.3): a manufacturer registered there is a headquarters with its plant elsewhere.
BJ_OUTER = ("110115", "110113", "110114", "110111", "110112", "110116", "110118", "110117")
TJ_OUTER = ("120116", "120111", "120114", "120113", "120112", "120110", "120115", "120118")
LOGISTICS_HUBS = ("110112", "110113", "110115", "120110", "120113", "120114", "120116")
CORE_MANUFACTURER_SHARE = 0.015  # headquarters in the core with a plant (branch) in an outer district
TRADE_NAME_1 = "瑞恒鑫华宏永金博汇德天盛隆嘉正方振立兴佳福昌通长海新宝康润远晨东中鼎万泰锦安明信诚和益旭航凯"
TRADE_NAME_2 = "丰达源通昌兴泰远信成世基禾阳圆华新旺美瑞盛川隆达泽航光方合鼎和程安辉诚益利发荣茂源祥"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程魏苏吕丁任"
GIVEN = "建国志强海军红梅丽华金凤春生秀兰玉兰桂英德明文斌永胜建华立新卫东国庆晓燕小军"
AGRI = ("01", "02", "03", "05")
MANUFACTURING = tuple(f"{d:02d}" for d in range(13, 44))

# How the generator reads the facts (seeds/chain_facts.csv), documented in seeds/README.md:
# - a segment a public source names as a strength gets the dominant share of the cluster's entities (at least
#   DOMINANT_MIN in a 大群体小规模 cluster, one with at least MANY_SMALL documented market entities);
# - a segment a source names as part of the chain is present with an ordinary share;
# - a segment a source calls weak gets WEAK_ENTITIES entities (shown as weak, or bottleneck through its mark), one a
#   source calls missing gets none;
# - nodes of template chains (no public source) are present, except at TEMPLATE_GAP_RATE (no entity) and
#   TEMPLATE_WEAK_RATE (one or two entities) on their upstream and service nodes: template gaps never fall on a
#   cluster's own manufacturing (midstream or downstream manufacturing nodes);
# - nodes of documented chains that no source mentions are present with an ordinary share (no random gaps).
WEIGHTS = {"strength": 8.0, "named": 3.0, "core": 3.0, "other": 1.5, "service": 0.6}
DOMINANT_MIN = 200
MANY_SMALL = 3000
WEAK_ENTITIES = (1, 2)
TEMPLATE_GAP_RATE = 0.12
TEMPLATE_WEAK_RATE = 0.10
# Links every county has, whatever its cluster: road freight and warehousing (个体 hauliers and depots everywhere). A
# template gap there would contradict common knowledge (沙河, a glass base shipping by road, without a haulier).
EVERYWHERE = frozenset({"5431", "5920"})
# Where a customer's supply comes from when it is not local: Hebei firms of the supplying link within NEAR_KM, with
# a weight that grows with how many there are (a county near 29 foundry-iron firms buys there; one near a single
# electronics-materials firm buys from Beijing and Tianjin), else Beijing and Tianjin.
NEAR_KM = 150
NEAR_HALF = 5   # this many Hebei firms nearby: half of the non-local supply comes from them
LOCAL_SHARE = 0.8   # of an edge's supply, from the county's own firms of the supplying link where it has them
SEED_ENTITIES = (60, 1000)       # local entities per cluster at seed scale: 9 × sqrt(documented entities), bounded
DEFAULT_ENTITIES = 90

# Individual businesses (个体工商户) and family farms exist only where such small units operate: farming, small
# processing (textiles, garments, leather, wood, paper boxes, toys, plastic and metal parts), trade, freight
# transport and household services; never in steel rolling, chemicals, pharmaceuticals, electronics or finance.
FAMILY_FARM_DIVISIONS = ("01", "03")
COOPERATIVE_DIVISIONS = ("01", "02", "03", "05")
INDIVIDUAL_DIVISIONS = ("14", "17", "18", "19", "20", "21", "22", "24", "29", "33", "51", "52", "54", "82")
INDIVIDUAL_CLASSES = ("3484", "3761", "1372")
NOT_INDIVIDUAL_CLASSES = ("3311",)

# 行业表述 in names, by GB/T 4754 class (a chain may use its own wording, CHAIN_TRADE).
TRADE = {
    "0112": "农业", "0113": "农业", "0142": "食用菌", "0152": "葡萄种植", "0171": "中药材种植", "0241": "林业",
    "0314": "养殖", "0511": "种苗", "1019": "石英砂", "1312": "面粉", "1321": "宠物食品", "1351": "肉类加工",
    "1352": "禽业", "1372": "菌业食品", "1411": "食品", "1433": "食品", "1515": "葡萄酿酒", "1711": "棉纺",
    "1712": "纺织", "1713": "印染", "1721": "毛纺", "1722": "毛纺织", "1723": "染整", "1751": "化纤织造",
    "1761": "针织", "1762": "印染", "1771": "家纺", "1772": "毛巾", "1779": "毛毯", "1819": "服装", "1829": "针织服装",
    "1830": "服饰", "1910": "皮革", "1921": "皮革服装", "1922": "箱包", "1923": "皮具", "1931": "毛皮",
    "1932": "裘皮服装", "1952": "鞋业", "2021": "木业", "2022": "木业", "2023": "木业", "2035": "木制品",
    "2039": "木制品", "2110": "家具", "2130": "家具", "2140": "家具", "2190": "家具", "2231": "纸制品包装",
    "2319": "包装印刷", "2439": "工艺品", "2442": "体育器材", "2443": "健身器材", "2451": "玩具", "2456": "童车",
    "2511": "石化", "2612": "化工", "2614": "化工", "2641": "涂料", "2651": "新材料", "2659": "膜材料", "2669": "化工", "2710": "制药",
    "2720": "药业", "2730": "中药饮片", "2740": "药业", "2911": "轮胎", "2912": "橡胶制品", "2913": "橡塑制品",
    "2921": "塑料", "2925": "人造革", "2926": "塑料包装", "2929": "塑料制品", "3034": "保温材料", "3041": "玻璃",
    "3051": "玻璃", "3054": "玻璃制品", "3055": "玻璃制品", "3057": "镜业", "3061": "玻纤", "3062": "玻璃钢",
    "3110": "钢铁", "3130": "钢铁", "3240": "合金材料", "3251": "铜业", "3252": "铝业", "3311": "钢结构",
    "3321": "刀具", "3322": "工具", "3323": "工具", "3333": "包装制品", "3340": "金属制品", "3351": "五金",
    "3359": "金属制品", "3360": "金属表面处理", "3389": "五金制品", "3391": "铸造", "3392": "铸造", "3393": "锻造",
    "3399": "管件", "3422": "机床", "3441": "泵业", "3443": "阀门", "3451": "轴承", "3463": "过滤设备",
    "3467": "包装机械", "3482": "紧固件", "3484": "机械", "3525": "模具", "3552": "机械", "3572": "农业机械",
    "3581": "医疗器械", "3586": "医疗器械", "3591": "环保设备", "3599": "机械设备", "3670": "汽车配件",
    "3761": "自行车", "3770": "电动车", "3813": "电机", "3825": "光伏", "3831": "电缆", "3834": "绝缘材料",
    "3841": "锂电", "3849": "电源", "3912": "电子", "3973": "半导体", "3974": "光电", "3982": "电子",
    "3985": "电子材料", "4190": "宠物用品", "4210": "再生资源", "4620": "污水处理", "5119": "畜产品",
    "5121": "粮油食品", "5127": "酒业", "5129": "食品", "5131": "纺织品", "5132": "服装", "5139": "箱包",
    "5152": "中药材", "5154": "医疗器械", "5165": "建材", "5171": "农机", "5172": "汽配", "5174": "五金",
    "5175": "电气", "5192": "宠物用品", "5193": "电子商务", "5199": "包装制品", "5232": "服装", "5237": "箱包",
    "5283": "家具", "5292": "电子商务", "5297": "宠物用品", "5431": "物流", "5920": "仓储", "7320": "工程技术",
    "7452": "检测技术", "7455": "认证", "7491": "工业设计", "7492": "设计", "8222": "宠物医院", "8223": "宠物美容",
}
CHAIN_TRADE = {
    "cashmere": {"1721": "羊绒", "1722": "羊绒纺织", "1723": "羊绒染整", "1761": "羊绒针织", "1829": "羊绒制品",
                 "1819": "羊绒服饰", "1830": "羊绒服饰", "5119": "绒毛", "5132": "羊绒", "5232": "羊绒"},
    "wire-mesh": {"3340": "丝网", "3359": "丝网护栏", "3360": "丝网表面处理", "3599": "丝网机械", "5174": "丝网"},
    "fastener": {"3340": "线材", "3360": "热处理"},
    "leather": {"5119": "皮毛"}, "fur": {"5119": "皮毛"},
}
@dataclass
class Entity:
    uscc: str
    name: str
    entity_type: str
    region: str
    industry_codes: list[str]
    chain_nodes: list[str] = field(default_factory=list)
    revenue: dict[int, int] = field(default_factory=dict)
    status: str = "active"
    group: str = ""
    registered_on: dt.date | None = None
    bj_restricted: bool | None = None
    expansion_year: int | None = None
    green_factory: bool | None = None
    products: str = ""

    def row(self) -> dict[str, str]:
        def b(v: bool | None) -> str:
            return "" if v is None else str(v).lower()
        return {
            "uscc": self.uscc, "name": self.name, "entity_type": self.entity_type, "region": self.region,
            "industry_codes": ";".join(self.industry_codes), "chain_nodes": ";".join(self.chain_nodes),
            "revenue_cny": format_revenues(self.revenue), "status": self.status, "group": self.group,
            "registered_on": self.registered_on.isoformat() if self.registered_on else "", "synthetic": "true",
            "bj_restricted": b(self.bj_restricted), "expansion_year": str(self.expansion_year or ""),
            "green_factory": b(self.green_factory), "products": self.products,
        }


class Codes:
    """Unique, deterministic USCCs: the organisation code is a bijection of a counter (mod 10^8)."""

    def __init__(self, seed: int) -> None:
        self.counter = 0
        self.offset = (seed * 7919) % 10**8

    def next(self, entity_type: str, region: str) -> str:
        self.counter += 1
        org8 = f"{(self.counter * 2654435761 + self.offset) % 10**8:08d}"
        kind = {"individual_business": "2", "family_farm": "2", "cooperative": "3"}.get(entity_type, "1")
        return uscc.compose("9", kind, region, org8)


class World:
    """The real seed facts the generator builds on."""

    def __init__(self) -> None:
        with open(SEEDS / "regions.csv", encoding="utf-8") as fh:
            self.regions = {r["adcode"]: r for r in csv.DictReader(fh)}
        with open(SEEDS / "clusters.csv", encoding="utf-8") as fh:
            self.clusters = list(csv.DictReader(fh))
        definitions = json.loads((SEEDS / "chains.json").read_text(encoding="utf-8"))["definitions"]
        self.facts: dict[tuple[str, str], str] = {}
        self.documented_entities: dict[str, int] = {}
        with open(SEEDS / "chain_facts.csv", encoding="utf-8") as fh:
            for fact in csv.DictReader(fh):
                if fact["kind"] == "scale":
                    self.documented_entities[fact["cluster"]] = int(fact["count"])
                else:
                    self.facts[(fact["cluster"], fact["node"])] = fact["kind"]
        self.chains = {}
        for c in self.clusters:
            nodes, edges = expand(c, definitions[c["chain"]])
            self.chains[c["id"]] = (nodes, edges)
        self.counties = {k: r for k, r in self.regions.items() if r["level"] == "county"}
        self.hebei = sorted(k for k in self.counties if k.startswith("13"))
        self.beijing = sorted(k for k in self.counties if k.startswith("11"))
        self.tianjin = sorted(k for k in self.counties if k.startswith("12"))
        self.nodes_by_code: dict[str, list[dict]] = defaultdict(list)
        for nodes, _ in self.chains.values():
            for n in nodes:
                for code in n["industry_codes"]:
                    self.nodes_by_code[code].append(n)
        self.codes = sorted(self.nodes_by_code)

    def km(self, a: str, b: str) -> float:
        """Great-circle distance between two counties' centroids."""
        (lon1, lat1), (lon2, lat2) = ((math.radians(float(self.regions[x]["lon"])),
                                       math.radians(float(self.regions[x]["lat"]))) for x in (a, b))
        h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 2 * 6371.0 * math.asin(math.sqrt(h))

    def neighbours(self, county: str) -> list[str]:
        return sorted(k for k in self.hebei if k[:4] == county[:4] and k != county)

    def short(self, adcode: str) -> str:
        return self.regions[adcode]["name"]

    def place(self, adcode: str) -> str:
        """行政区划 in a name: 北京/天津 for the municipalities, else the county (a district with its city)."""
        if adcode.startswith("11"):
            return "北京"
        if adcode.startswith("12"):
            return "天津"
        name = self.regions[adcode]["name"]
        if name.endswith("区"):
            return self.regions[self.regions[adcode]["parent"]]["name"] + name
        return name


def entity_types_for(code: str) -> tuple[str, ...]:
    """The kinds of market entity that exist in a GB/T 4754 class (companies everywhere)."""
    division = code[:2]
    kinds = ["company"]
    if division in FAMILY_FARM_DIVISIONS:
        kinds.append("family_farm")
    if division in COOPERATIVE_DIVISIONS:
        kinds.append("cooperative")
    if (division in INDIVIDUAL_DIVISIONS or code in INDIVIDUAL_CLASSES) and code not in NOT_INDIVIDUAL_CLASSES:
        kinds.append("individual_business")
    return tuple(kinds)


def trade_word(code: str, chain: str | None) -> str:
    return CHAIN_TRADE.get(chain or "", {}).get(code) or TRADE[code]


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.codes = Codes(seed)
        self.world = World()
        self.entities: list[Entity] = []
        self.supplies: list[dict[str, str]] = []
        self.introductions: list[dict[str, str]] = []
        self.names: set[str] = set()

    # -- names and numbers -------------------------------------------------------------------
    def trade_name(self) -> str:
        return self.rng.choice(TRADE_NAME_1) + self.rng.choice(TRADE_NAME_2)

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN[::2]) + self.rng.choice(GIVEN[1::2])

    def unique(self, make) -> str:
        """A name not used before (a registry refuses duplicates in one area): retried, then numbered."""
        for _ in range(8):
            name = make()
            if name not in self.names:
                break
        else:
            base, n = name, 2
            while (name := f"{base[:-4]}{n}{base[-4:]}") in self.names:
                n += 1
        self.names.add(name)
        return name

    def name(self, entity_type: str, region: str, code: str, chain: str | None) -> str:
        """行政区划 + 字号 + 行业表述 + 组织形式; 个体户 字号 + 经营部/加工厂/门市部; 家庭农场 by the farmer's name."""
        place, word, division = self.world.place(region), trade_word(code, chain), code[:2]
        if entity_type == "family_farm":
            return self.unique(lambda: f"{place}{self.person()}家庭农场")
        if entity_type == "cooperative":
            return self.unique(lambda: f"{place}{self.trade_name()}{word}专业合作社")
        if entity_type == "individual_business":
            suffix = ("商行" if code in ("5193", "5292") else "经营部" if division == "51" else "门市部" if division == "52"
                      else "货运部" if division == "54" else "店" if division == "82" else "加工厂")
            return self.unique(lambda: f"{place}{self.trade_name()}{word}{suffix}")
        trade = "贸易" if division in ("51", "52") and not word.endswith(("电子商务", "贸易")) else ""
        form = self.rng.choice(("有限公司",) * 8 + ("有限责任公司", "股份有限公司"))
        return self.unique(lambda: f"{place}{self.trade_name()}{word}{trade}{form}")

    def revenue(self, median: float, sigma: float, registered: dt.date) -> dict[int, int]:
        latest = math.exp(math.log(median) + self.rng.gauss(0, sigma))
        growth = self.rng.gauss(0.06, 0.08)
        out = {}
        for back, year in enumerate(reversed(YEARS)):
            if year < registered.year:
                break
            out[year] = int(round(latest / (1 + growth) ** back, -3))
        return dict(sorted(out.items()))

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def entity(self, entity_type: str, region: str, node: dict | None, code: str | None = None,
               median: float | None = None) -> Entity:
        code = code or self.rng.choice(node["industry_codes"])
        registered = self.date_between(dt.date(1998, 1, 1), dt.date(2024, 6, 30))
        medians = {"company": 1.5e7, "individual_business": 8e5, "family_farm": 5e5, "cooperative": 2e6, "branch": 5e6}
        return Entity(
            uscc=self.codes.next(entity_type, region),
            name=self.name(entity_type, region, code, node["template"] if node else None),
            entity_type=entity_type, region=region,
            industry_codes=[code], chain_nodes=[node["id"]] if node and region[:2] == "13" else [],
            revenue=self.revenue(median or medians[entity_type], 1.0, registered),
            registered_on=registered, products="、".join(node["keywords"][:3]) if node else "",
        )

    def branch(self, parent: Entity, region: str, node: dict | None, code: str) -> Entity:
        branch = self.entity("company", region, node, code=code)
        self.names.discard(branch.name)
        branch.entity_type, branch.group = "branch", parent.uscc
        if region == parent.region:   # a branch in the parent's own county is numbered or named by its place
            branch.name = self.unique(lambda: f"{parent.name}{self.rng.choice(('第一', '第二', '城南', '城北'))}分公司")
        else:
            branch.name = self.unique(lambda: f"{parent.name}{self.world.short(region)}"
                                              f"{self.rng.choice(('', '第一', '第二', '生产'))}分公司")
        return branch

    def local_type(self, code: str) -> str:
        kinds = entity_types_for(code)
        roll = self.rng.random()
        if "family_farm" in kinds:
            return "family_farm" if roll < 0.45 else "cooperative" if roll < 0.75 else "company"
        if "individual_business" not in kinds:
            return "company"
        share = 0.55 if code[:2] == "52" else 0.45 if code[:2] in ("51", "54", "82") else 0.3
        return "individual_business" if roll < share else "company"

    # -- the seed-scale world ----------------------------------------------------------------
    def generate(self) -> None:
        local: dict[str, list[Entity]] = {}
        for cluster in self.world.clusters:
            local.update(self.cluster_entities(cluster))
        outside = self.beijing_tianjin(6000)
        hebei: dict[str, list[Entity]] = defaultdict(list)
        for e in self.entities:
            if e.region.startswith("13") and e.status == "active" and e.entity_type != "branch":
                for code in e.industry_codes:
                    hebei[code].append(e)
        for cluster in self.world.clusters:
            self.cluster_supplies(cluster, local, outside, hebei)
        self.reward_cases(local, outside)

    def cluster_size(self, cluster: dict) -> int:
        """Local entities at seed scale: from the documented number of market entities, else the revenue figure."""
        documented = self.world.documented_entities.get(cluster["id"])
        if documented:
            return max(SEED_ENTITIES[0], min(SEED_ENTITIES[1], int(9 * math.sqrt(documented))))
        revenue = float(cluster["revenue_100m_cny"] or 0)
        return max(SEED_ENTITIES[0], min(300, int(60 + revenue * 0.4))) if revenue else DEFAULT_ENTITIES

    def plan(self, cluster: dict) -> dict[str, int]:
        """How many local entities each node gets, from what public sources say about it (see WEIGHTS)."""
        nodes, _ = self.world.chains[cluster["id"]]
        documented = cluster["chain_basis"] == "documented"
        many_small = self.world.documented_entities.get(cluster["id"], 0) >= MANY_SMALL
        fixed: dict[str, int] = {}
        weights: dict[str, float] = {}
        for node in nodes:
            kind = self.world.facts.get((cluster["id"], node["key"]))
            roll = self.rng.random()
            if kind == "missing":
                fixed[node["id"]] = 0
            elif kind == "weak":
                fixed[node["id"]] = self.rng.choice(WEAK_ENTITIES)
            elif kind in ("strength", "named"):
                weights[node["id"]] = WEIGHTS[kind]
            elif set(node["industry_codes"]) <= EVERYWHERE:
                weights[node["id"]] = WEIGHTS["service"]
            elif not documented and node["stage"] in ("upstream", "service") and roll < TEMPLATE_GAP_RATE:
                fixed[node["id"]] = 0
            elif not documented and node["stage"] in ("upstream", "service") \
                    and roll < TEMPLATE_GAP_RATE + TEMPLATE_WEAK_RATE:
                fixed[node["id"]] = self.rng.choice(WEAK_ENTITIES)
            elif node["stage"] == "service":
                weights[node["id"]] = WEIGHTS["service"]
            elif node["stage"] == "midstream":
                weights[node["id"]] = WEIGHTS["core"]
            else:
                weights[node["id"]] = WEIGHTS["other"]
        rest = max(self.cluster_size(cluster) - sum(fixed.values()), 3 * len(weights))
        total_weight = sum(weights.values())
        plan = dict(fixed)
        for node_id, weight in weights.items():
            share = max(3, round(rest * weight / total_weight))
            if many_small and self.world.facts.get((cluster["id"], node_id.split(".", 1)[1])) == "strength":
                share = max(share, DOMINANT_MIN)
            plan[node_id] = share
        return plan

    def cluster_entities(self, cluster: dict) -> dict[str, list[Entity]]:
        """Local entities per chain node as planned, with a few branches, deregistrations and neighbours."""
        nodes, _ = self.world.chains[cluster["id"]]
        plan = self.plan(cluster)
        by_node: dict[str, list[Entity]] = {}
        county = cluster["county"]
        for node in nodes:
            members = []
            for _ in range(plan[node["id"]]):
                code = self.rng.choice(node["industry_codes"])
                entity = self.entity(self.local_type(code), county, node, code=code)
                if self.rng.random() < 0.03:
                    entity.status = "deregistered"
                members.append(entity)
            companies = [e for e in members if e.entity_type == "company"]
            if len(members) >= 6 and companies and self.rng.random() < 0.5:   # a branch of a local company
                parent = companies[0]
                members.append(self.branch(parent, county, node, parent.industry_codes[0]))
            # a few entities of neighbouring counties operate in the node too (local at city scope)
            neighbours = self.world.neighbours(county)
            if neighbours and plan[node["id"]] >= 3 and self.rng.random() < 0.3:
                members.append(self.entity("company", self.rng.choice(neighbours), node))
            by_node[node["id"]] = members
            self.entities += members
        return by_node

    def outside_region(self, code: str, beijing: bool) -> tuple[str, bool]:
        """(district, headquarters exception) for a Beijing or Tianjin firm of this class: plants in the outer
        districts and development zones; headquarters, R&D, design, testing and trade mostly in the core."""
        core, outer = (BJ_CORE, BJ_OUTER) if beijing else (TJ_CORE, TJ_OUTER)
        division = code[:2]
        roll = self.rng.random()
        if division < "44":   # farming, mining and manufacturing
            if roll < CORE_MANUFACTURER_SHARE:
                return self.rng.choice(core), True
            return self.rng.choice(outer), False
        if division in ("54", "59", "42", "46"):
            hubs = [d for d in LOGISTICS_HUBS if d[:2] == ("11" if beijing else "12")]
            return (self.rng.choice(core) if roll < 0.15 else self.rng.choice(hubs)), False
        return (self.rng.choice(core) if roll < 0.65 else self.rng.choice(outer)), False

    def beijing_tianjin(self, count: int) -> dict[str, list[Entity]]:
        """Beijing (2/3) and Tianjin (1/3) companies across the chains' industries, with transfer signals."""
        by_code: dict[str, list[Entity]] = defaultdict(list)
        for i in range(count):
            beijing = i % 3 != 2
            code = self.rng.choice(self.world.codes)
            region, headquarters = self.outside_region(code, beijing)
            node = self.rng.choice(self.world.nodes_by_code[code])
            e = self.entity("company", region, node, code=code, median=6e7)
            e.revenue = self.revenue(6e7, 1.3, e.registered_on)
            manufacturing = code[:2] in MANUFACTURING
            e.bj_restricted = (manufacturing and self.rng.random() < 0.75) if beijing else None
            e.expansion_year = self.rng.choice((2023, 2024, 2025)) if self.rng.random() < 0.25 else None
            e.green_factory = self.rng.random() < 0.1 if manufacturing else None
            self.entities.append(e)
            by_code[code].append(e)
            if headquarters:   # the labelled exception: the plant is a branch in an outer district
                self.names.discard(e.name)
                e.name = self.unique(lambda beijing=beijing, code=code, node=node:
                                     f"{'北京' if beijing else '天津'}{self.trade_name()}"
                                     f"{trade_word(code, node['template'])}集团有限公司")
                plant = self.branch(e, self.rng.choice(BJ_OUTER if beijing else TJ_OUTER), None, code)
                plant.products = e.products
                plant.bj_restricted, plant.green_factory = e.bj_restricted, e.green_factory   # the plant's own facts
                e.products = f"总部（研发、销售），生产在{self.world.short(plant.region)}分公司；{e.products}"
                self.entities.append(plant)
            if self.rng.random() < 0.08:                             # an existing presence in Hebei
                county = self.rng.choice(self.world.hebei)
                branch = self.branch(e, county, None, code)
                branch.products = e.products
                self.entities.append(branch)
        return by_code

    def supply(self, supplier: Entity, customer: Entity, since: dt.date, until: dt.date | None = None,
               kind: str = "supplies", evidence: str = "合成数据：沿产业链上下游连线生成") -> None:
        # A firm supplies from the day it exists: a relationship drawn earlier starts at the later founding, and one
        # that would have ended before it is not made (clamped after drawing: the random stream stays as it was).
        founded = max((d for d in (supplier.registered_on, customer.registered_on) if d), default=None)
        if founded and since < founded:
            if until is not None and until < founded:
                return
            since = founded
        self.supplies.append({"supplier": supplier.uscc, "customer": customer.uscc, "kind": kind,
                              "since": since.isoformat(), "until": until.isoformat() if until else "",
                              "evidence": evidence})

    def cluster_supplies(self, cluster: dict, local: dict[str, list[Entity]], outside: dict[str, list[Entity]],
                         hebei: dict[str, list[Entity]]) -> None:
        """SUPPLIES along the chain's edges: mostly from the county's own firms of the supplying link; the rest, and
        all of it where the county has none, from Hebei firms of that link nearby (as many as there are: NEAR_HALF)
        or from Beijing and Tianjin (outside the province)."""
        _, edges = self.world.chains[cluster["id"]]
        county = cluster["county"]
        for edge in edges:
            if edge["kind"] == "service":
                continue
            suppliers = [e for e in local.get(edge["source"], []) if e.status == "active" and e.region == county]
            customers = [e for e in local.get(edge["target"], []) if e.status == "active"]
            node_codes = [n for n in self.world.chains[cluster["id"]][0] if n["id"] == edge["source"]][0]["industry_codes"]
            far = [e for code in node_codes for e in outside.get(code, [])]
            near = [e for code in node_codes for e in hebei.get(code, [])
                    if e.region != county and self.world.km(county, e.region) <= NEAR_KM]
            near_share = len(near) / (len(near) + NEAR_HALF)
            draws = [customer for customer in customers for _ in range(self.rng.choice((1, 1, 2)))]
            # exactly LOCAL_SHARE of an edge's supply is local where the county has the link: drawn row by row, a
            # 17-row edge came out half from Beijing beside 29 local firms of the link
            local_rows = (len(draws) if not (near or far) else round(LOCAL_SHARE * len(draws))) if suppliers else 0
            from_county = [True] * local_rows + [False] * (len(draws) - local_rows)
            self.rng.shuffle(from_county)
            for customer, is_local in zip(draws, from_county, strict=True):
                if is_local:
                    supplier = suppliers[0] if len(suppliers) == 1 else self.rng.choice(suppliers)
                elif near and (not far or self.rng.random() < near_share):
                    supplier = self.rng.choice(near)                 # from elsewhere in Hebei
                elif far:
                    supplier = self.rng.choice(far)                  # from outside the province
                else:
                    continue
                if supplier is customer:  # a neighbour's firm in both links of the edge
                    continue
                since = self.date_between(dt.date(2018, 1, 1), dt.date(2024, 12, 31))
                until = self.date_between(since, dt.date(2025, 12, 31)) if self.rng.random() < 0.08 else None
                self.supply(supplier, customer, since, until,
                            kind=self.rng.choice(("supplies", "supplies", "subcontracts", "processes_for")))

    # -- introductions that test the reward rule from both sides ----------------------------
    # What each case tests, as the evidence of its relationships says it (the slug stays the project's id).
    CASE_NAMES = {
        "eligible-5": "五家配套、营收达标", "four-partners": "仅四家配套", "exact-threshold": "营收恰为五千万元",
        "below-threshold": "营收差一元不足五千万元", "neighbour-partner": "一家配套在邻县",
        "deregistered-partner": "一家配套已注销", "own-branch-partner": "一家配套是自家分支机构",
        "no-prior-revenue": "缺上年营收", "ended-relationship": "一项配套已终止",
        "duplicate-partner": "同一伙伴两项往来", "not-landed": "项目尚在洽谈", "six-partners": "六家配套",
    }

    def reward_cases(self, local: dict[str, list[Entity]], outside: dict[str, list[Entity]]) -> None:
        cases = [
            ("eligible-5", 80_000_000, 5, {}),
            ("four-partners", 90_000_000, 4, {}),
            ("exact-threshold", 50_000_000, 5, {}),
            ("below-threshold", 49_999_999, 5, {}),
            ("neighbour-partner", 120_000_000, 5, {"neighbour": 1}),
            ("deregistered-partner", 70_000_000, 5, {"deregistered": 1}),
            ("own-branch-partner", 65_000_000, 5, {"branch": 1}),
            ("no-prior-revenue", None, 6, {}),
            ("ended-relationship", 75_000_000, 5, {"ended": 1}),
            ("duplicate-partner", 60_000_000, 5, {"duplicate": 1}),
            ("not-landed", 85_000_000, 6, {"stage": "negotiating"}),
            ("six-partners", 300_000_000, 6, {}),
        ]
        clusters = [c for c in self.world.clusters if c["chain_basis"] == "documented"]
        for i, (slug, revenue, partners, twist) in enumerate(cases):
            case = self.CASE_NAMES[slug]
            cluster = clusters[i % len(clusters)]
            county = cluster["county"]
            pool = [e for node_id, es in local.items() if node_id.startswith(cluster["id"] + ".") for e in es
                    if e.region == county and e.status == "active" and e.entity_type != "branch"]
            origin = self.world.beijing[i % len(self.world.beijing)] if i % 3 else self.world.tianjin[i % 16]
            # the firm works in a link the county has (not one a public source calls weak or missing)
            node = self.rng.choice([n for n in self.world.chains[cluster["id"]][0]
                                    if self.world.facts.get((cluster["id"], n["key"])) not in ("weak", "missing")])
            code = node["industry_codes"][0]
            if code[:2] < "44":   # a producer comes from the outer districts, where plants are
                origin = self.rng.choice(BJ_OUTER if origin.startswith("11") else TJ_OUTER)
            firm = self.entity("company", origin, node, code=code)
            self.names.discard(firm.name)
            firm.name = self.unique(lambda origin=origin, code=code, node=node:
                                    f"{self.world.place(origin)}{self.trade_name()}"
                                    f"{trade_word(code, node['template'])}集团有限公司")
            firm.revenue = {2023: 55_000_000, 2024: 58_000_000}
            if revenue is not None:
                firm.revenue[2025] = revenue
            firm.bj_restricted, firm.green_factory = origin.startswith("11") or None, False
            self.entities.append(firm)
            chosen = self.rng.sample(pool, partners - sum(twist.get(k, 0) for k in ("neighbour", "branch")))
            links = [(p, None) for p in chosen]
            if twist.get("neighbour"):
                neighbour = self.entity("company", self.world.neighbours(county)[0], node)
                self.entities.append(neighbour)
                links.append((neighbour, None))
            if twist.get("branch"):
                branch = self.branch(firm, county, node, code)
                self.entities.append(branch)
                links.append((branch, None))
            if twist.get("deregistered"):
                chosen[0].status = "deregistered"
            if twist.get("ended"):
                links[0] = (links[0][0], dt.date(2023, 3, 31))
            introduced = dt.date(2022, 3, 1) + dt.timedelta(days=60 * i)
            # a group founded years before its project landed (drawn at random it could be founded after it)
            firm.registered_on = introduced - dt.timedelta(days=365 * (4 + i % 9) + 37 * i)
            for partner, until in links:
                since = dt.date(2022, 6, 1) if until else introduced + dt.timedelta(days=30)
                if self.rng.random() < 0.5:
                    self.supply(partner, firm, since, until, evidence=f"合成数据，奖励案例（{case}）：本地配套")
                else:  # the firm subcontracts to the partner: the partner does the work (vocab.storage)
                    self.supply(partner, firm, since, until, kind="subcontracts",
                                evidence=f"合成数据，奖励案例（{case}）：委托加工")
            if twist.get("duplicate"):
                self.supply(chosen[1], firm, introduced + dt.timedelta(days=90), kind="processes_for",
                            evidence=f"合成数据，奖励案例（{case}）：与同一伙伴的第二项往来")
            self.introductions.append({
                "id": f"intro-{slug}", "name": f"{firm.name}{node['name']}项目",
                "enterprise": firm.uscc, "cluster": cluster["id"], "origin_region": origin,
                "introduced_on": introduced.isoformat(), "stage": twist.get("stage", "landed")})

    # -- output --------------------------------------------------------------------------------
    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        write_csv(out / "enterprises.csv", list(ENTERPRISES.columns), (e.row() for e in self.entities))
        write_csv(out / "supplies.csv", list(SUPPLIES.columns), self.supplies)
        write_csv(out / "introductions.csv", list(INTRODUCTIONS.columns), self.introductions)
        print(f"{out}: {len(self.entities)} enterprises, {len(self.supplies)} supplies, "
              f"{len(self.introductions)} introductions")


def write_csv(path: Path, columns: list[str], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# The registry mix (--mix registry), for a set the size of the province's register: nationally, of the 1.03亿 market
# entities at the end of June 2018, 31.4 % were enterprises and most of the rest 个体工商户 (国家市场监管总局, via
# 新华社); so where a class has such units, a Hebei entity is one with these odds, and Beijing/Tianjin firms (the
# transfer candidates) are one entity in twenty.
REGISTRY_ODDS = (("individual_business", 0.70), ("cooperative", 0.04), ("family_farm", 0.03))
REGISTRY_OUTSIDE_EVERY = 20
# Most of a register is shops, eateries, hauliers and household services outside any cluster's chain: this share of
# the Hebei entities, in these divisions (批发, 零售, 道路运输, 住宿, 餐饮, 居民服务), 个体工商户 at these odds.
REGISTRY_SERVICES, REGISTRY_SERVICE_DIVISIONS, REGISTRY_SERVICE_INDIVIDUAL = 0.6, ("51", "52", "54", "61", "62", "80"), 0.85


def registry_type(rng: random.Random, code: str) -> str:
    kinds = entity_types_for(code)
    roll = rng.random()
    for kind, odds in REGISTRY_ODDS:
        if kind in kinds:
            if roll < odds:
                return kind
            roll -= odds
    return "company"


def province(seed: int, out: Path, enterprises: int, supplies: int, mix: str = "firms") -> None:
    """A province-scale set, streamed to disk: ~60% Hebei entities (in cluster chains where a cluster exists), ~40%
    Beijing/Tianjin; SUPPLIES mostly within a cluster's chain, some from Beijing/Tianjin. With mix 'registry', the
    shares of a whole register instead (REGISTRY_ODDS)."""
    rng = random.Random(seed)
    world = World()
    codes = Codes(seed + 1)
    clusters_by_county = defaultdict(list)
    for c in world.clusters:
        clusters_by_county[c["county"]].append(c["id"])
    hebei_codes = world.hebei
    with open(SEEDS / "industries.csv", encoding="utf-8") as handle:
        services = sorted(r["code"] for r in csv.DictReader(handle)
                          if len(r["code"]) == 4 and r["code"][:2] in REGISTRY_SERVICE_DIVISIONS)
    out.mkdir(parents=True, exist_ok=True)
    members: dict[str, list[str]] = defaultdict(list)   # cluster id -> a sample of member usccs
    outside: list[str] = []
    counts = {"local": 0}
    with open(out / "enterprises.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ENTERPRISES.columns), lineterminator="\n")
        writer.writeheader()
        for i in range(enterprises):
            if (i % 5 < 2) if mix == "firms" else (i % REGISTRY_OUTSIDE_EVERY == 0):
                code = rng.choice(world.codes)
                beijing = i % 5 == 0 if mix == "firms" else (i // REGISTRY_OUTSIDE_EVERY) % 3 != 2
                if code[:2] < "44":   # producers sit in the outer districts and development zones
                    region = rng.choice(BJ_OUTER if beijing else TJ_OUTER)
                else:
                    region = rng.choice(world.beijing if beijing else world.tianjin)
                etype, chain_nodes = "company", []
            elif mix == "registry" and rng.random() < REGISTRY_SERVICES:
                region, code, chain_nodes = rng.choice(hebei_codes), rng.choice(services), []
                etype = "individual_business" if rng.random() < REGISTRY_SERVICE_INDIVIDUAL else "company"
            else:
                region = rng.choice(hebei_codes) if rng.random() < 0.5 else world.clusters[i % 59]["county"]
                cluster_ids = clusters_by_county.get(region)
                if cluster_ids:
                    cluster = rng.choice(cluster_ids)
                    node = rng.choice(world.chains[cluster][0])
                    code, chain_nodes = rng.choice(node["industry_codes"]), [node["id"]]
                else:
                    code, chain_nodes, cluster = rng.choice(world.codes), [], None
                if mix == "registry":
                    etype = registry_type(rng, code)
                else:
                    small = "individual_business" in entity_types_for(code)   # only where such units exist
                    etype = "individual_business" if small and rng.random() < 0.4 else "company"
            code_value = codes.next(etype, region)
            if region[:2] != "13":
                outside.append(code_value) if len(outside) < 200_000 else None
            elif chain_nodes:
                bucket = members[chain_nodes[0].split(".")[0]]
                if len(bucket) < 40_000:
                    bucket.append(code_value)
            year_rev = int(math.exp(16.5 + rng.gauss(0, 1.2)))
            writer.writerow({
                "uscc": code_value, "name": f"合成企业{i:07d}", "entity_type": etype, "region": region,
                "industry_codes": code, "chain_nodes": ";".join(chain_nodes),
                "revenue_cny": f"2024={year_rev};2025={int(year_rev * 1.05)}", "status": "active", "group": "",
                "registered_on": "", "synthetic": "true", "bj_restricted": "", "expansion_year": "",
                "green_factory": "", "products": ""})
            counts["local"] += 1
    cluster_ids = [c for c in members if len(members[c]) > 1]
    with open(out / "supplies.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(SUPPLIES.columns), lineterminator="\n")
        writer.writeheader()
        for i in range(supplies):
            bucket = members[cluster_ids[i % len(cluster_ids)]]
            customer = rng.choice(bucket)
            supplier = rng.choice(outside) if rng.random() < 0.15 else rng.choice(bucket)
            if supplier == customer:
                supplier = bucket[(bucket.index(customer) + 1) % len(bucket)]
            writer.writerow({"supplier": supplier, "customer": customer, "kind": "supplies",
                             "since": f"20{rng.randrange(15, 25)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}",
                             "until": "", "evidence": ""})
    print(f"{out}: {enterprises} enterprises, {supplies} supplies")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", choices=("seed", "province"), default="seed")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--supplies", type=int, default=3_000_000)
    parser.add_argument("--mix", choices=("firms", "registry"), default="firms",
                        help="province scale: firms (40%% Beijing/Tianjin) or a whole register's shares")
    args = parser.parse_args()
    if args.scale == "province":
        province(args.seed, args.out or ROOT / "var" / "province", args.enterprises, args.supplies, args.mix)
        return
    generator = Generator(args.seed)
    generator.generate()
    generator.write(args.out or SEEDS / "synthetic")


if __name__ == "__main__":
    main()
