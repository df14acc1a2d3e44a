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
TRADE_NAME_1 = "瑞恒鑫华宏永金博汇德天盛隆嘉正方振立兴佳福昌通长海新宝康润远晨东中鼎万泰锦安明信诚和益旭航凯"
TRADE_NAME_2 = "丰达源通昌兴泰远信成世基禾阳圆华新旺美瑞盛川隆达泽航光方合鼎和程安辉诚益利发荣茂源祥"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程魏苏吕丁任"
GIVEN = "建国志强海军红梅丽华金凤春生秀兰玉兰桂英德明文斌永胜建华立新卫东国庆晓燕小军"
AGRI = ("01", "03", "05")
MANUFACTURING = tuple(f"{d:02d}" for d in range(13, 44))


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
        with open(SEEDS / "marks.csv", encoding="utf-8") as fh:
            self.marks = {(m["cluster"], m["node"]): m["mark"] for m in csv.DictReader(fh)}
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

    def neighbours(self, county: str) -> list[str]:
        return sorted(k for k in self.hebei if k[:4] == county[:4] and k != county)

    def short(self, adcode: str) -> str:
        return self.regions[adcode]["name"]


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.codes = Codes(seed)
        self.world = World()
        self.entities: list[Entity] = []
        self.supplies: list[dict[str, str]] = []
        self.introductions: list[dict[str, str]] = []

    # -- names and numbers -------------------------------------------------------------------
    def trade_name(self) -> str:
        return self.rng.choice(TRADE_NAME_1) + self.rng.choice(TRADE_NAME_2)

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN[::2]) + self.rng.choice(GIVEN[1::2])

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
        word = self.rng.choice(node["keywords"]) if node and node["keywords"] else (node["name"] if node else "")
        place = self.world.short(region)
        if region.startswith("11"):
            place = "北京"
        elif region.startswith("12"):
            place = "天津"
        name = {
            "company": f"{place}{self.trade_name()}{word}{self.rng.choice(['有限公司', '制品有限公司', '科技有限公司'])}",
            "individual_business": f"{place}{self.rng.choice(SURNAMES)}记{word}{self.rng.choice(['加工部', '经营部', '门市部'])}",
            "family_farm": f"{place}{self.person()}家庭农场",
            "cooperative": f"{place}{self.trade_name()}{word}专业合作社",
        }.get(entity_type, "")
        registered = self.date_between(dt.date(1998, 1, 1), dt.date(2024, 6, 30))
        medians = {"company": 1.5e7, "individual_business": 8e5, "family_farm": 5e5, "cooperative": 2e6, "branch": 5e6}
        return Entity(
            uscc=self.codes.next(entity_type, region), name=name, entity_type=entity_type, region=region,
            industry_codes=[code], chain_nodes=[node["id"]] if node and region[:2] == "13" else [],
            revenue=self.revenue(median or medians[entity_type], 1.0, registered),
            registered_on=registered, products="、".join(node["keywords"][:3]) if node else "",
        )

    def local_type(self, node: dict) -> str:
        division = node["industry_codes"][0][:2]
        roll = self.rng.random()
        if division in AGRI:
            return "family_farm" if roll < 0.5 else "cooperative" if roll < 0.75 else "individual_business"
        if division in ("51", "52"):
            return "individual_business" if roll < 0.55 else "company"
        return "company" if roll < 0.62 else "individual_business"

    # -- the seed-scale world ----------------------------------------------------------------
    def generate(self) -> None:
        local: dict[str, list[Entity]] = {}
        for cluster in self.world.clusters:
            local.update(self.cluster_entities(cluster))
        outside = self.beijing_tianjin(6000)
        for cluster in self.world.clusters:
            self.cluster_supplies(cluster, local, outside)
        self.reward_cases(local, outside)

    def cluster_entities(self, cluster: dict) -> dict[str, list[Entity]]:
        """Local entities per chain node: some nodes left as genuine gaps, some weak, some single-supplier."""
        nodes, _ = self.world.chains[cluster["id"]]
        revenue = float(cluster["revenue_100m_cny"] or 0)
        total = min(300, max(40, int(revenue * 0.5))) if revenue else 60
        by_node: dict[str, list[Entity]] = {}
        plan = {}
        for node in nodes:
            mark = self.world.marks.get((cluster["id"], node["key"]))
            roll = self.rng.random()
            if mark == "gap" or roll < 0.18:
                plan[node["id"]] = 0                               # genuine gap
            elif mark == "bottleneck" or roll < 0.30:
                plan[node["id"]] = 1                               # single local entity
            elif roll < 0.42:
                plan[node["id"]] = 2                               # weak
            else:
                plan[node["id"]] = -1                              # share of the rest
        open_nodes = [n for n in nodes if plan[n["id"]] == -1] or [nodes[0]]
        rest = max(total - sum(v for v in plan.values() if v > 0), 3 * len(open_nodes))
        weights = [3 if n["stage"] == "midstream" else 1 for n in open_nodes]
        shares = [max(3, round(rest * w / sum(weights))) for w in weights]
        for n, share in zip(open_nodes, shares, strict=True):
            plan[n["id"]] = share
        county = cluster["county"]
        for node in nodes:
            members = []
            for _ in range(plan[node["id"]]):
                entity = self.entity(self.local_type(node), county, node)
                if self.rng.random() < 0.03:
                    entity.status = "deregistered"
                members.append(entity)
            if len(members) >= 6 and self.rng.random() < 0.5:   # a branch of a local company
                parent = next(e for e in members if e.entity_type == "company") if any(
                    e.entity_type == "company" for e in members) else None
                if parent:
                    branch = self.entity("company", county, node)
                    branch.entity_type, branch.group = "branch", parent.uscc
                    branch.name = f"{parent.name}{self.rng.choice(['第一', '第二', '城南', '城北'])}分公司"
                    members.append(branch)
            # a few entities of neighbouring counties operate in the node too (local at city scope)
            neighbours = self.world.neighbours(county)
            if neighbours and plan[node["id"]] >= 3 and self.rng.random() < 0.3:
                members.append(self.entity("company", self.rng.choice(neighbours), node))
            by_node[node["id"]] = members
            self.entities += members
        return by_node

    def beijing_tianjin(self, count: int) -> dict[str, list[Entity]]:
        """Beijing (2/3) and Tianjin (1/3) companies across the chains' industries, with transfer signals."""
        by_code: dict[str, list[Entity]] = defaultdict(list)
        for i in range(count):
            beijing = i % 3 != 2
            if beijing:
                region = self.rng.choice(BJ_CORE) if self.rng.random() < 0.4 else self.rng.choice(self.world.beijing)
            else:
                region = self.rng.choice(self.world.tianjin)
            code = self.rng.choice(self.world.codes)
            node = self.rng.choice(self.world.nodes_by_code[code])
            e = self.entity("company", region, node, code=code, median=6e7)
            e.revenue = self.revenue(6e7, 1.3, e.registered_on)
            manufacturing = code[:2] in MANUFACTURING
            e.bj_restricted = (manufacturing and self.rng.random() < 0.75) if beijing else None
            e.expansion_year = self.rng.choice((2023, 2024, 2025)) if self.rng.random() < 0.25 else None
            e.green_factory = self.rng.random() < 0.1 if manufacturing else None
            self.entities.append(e)
            by_code[code].append(e)
            if self.rng.random() < 0.08:                             # an existing presence in Hebei
                county = self.rng.choice(self.world.hebei)
                branch = self.entity("company", county, None, code=code)
                branch.entity_type, branch.group = "branch", e.uscc
                branch.name = f"{e.name}{self.world.short(county)}分公司"
                branch.products = e.products
                self.entities.append(branch)
        return by_code

    def supply(self, supplier: Entity, customer: Entity, since: dt.date, until: dt.date | None = None,
               kind: str = "supplies", evidence: str = "synthetic: generated along a FEEDS edge") -> None:
        self.supplies.append({"supplier": supplier.uscc, "customer": customer.uscc, "kind": kind,
                              "since": since.isoformat(), "until": until.isoformat() if until else "",
                              "evidence": evidence})

    def cluster_supplies(self, cluster: dict, local: dict[str, list[Entity]], outside: dict[str, list[Entity]]) -> None:
        _, edges = self.world.chains[cluster["id"]]
        for edge in edges:
            if edge["kind"] == "service":
                continue
            suppliers = [e for e in local.get(edge["source"], []) if e.status == "active"]
            customers = [e for e in local.get(edge["target"], []) if e.status == "active"]
            node_codes = [n for n in self.world.chains[cluster["id"]][0] if n["id"] == edge["source"]][0]["industry_codes"]
            far = [e for code in node_codes for e in outside.get(code, [])]
            for customer in customers:
                for _ in range(self.rng.choice((1, 1, 2))):
                    roll = self.rng.random()
                    if suppliers and (roll < 0.8 or not far):
                        supplier = suppliers[0] if len(suppliers) == 1 else self.rng.choice(suppliers)
                    elif far:
                        supplier = self.rng.choice(far)                  # supply from outside the province
                    else:
                        continue
                    since = self.date_between(dt.date(2018, 1, 1), dt.date(2024, 12, 31))
                    until = self.date_between(since, dt.date(2025, 12, 31)) if self.rng.random() < 0.08 else None
                    self.supply(supplier, customer, since, until,
                                kind=self.rng.choice(("supplies", "supplies", "subcontracts", "processes_for")))

    # -- introductions that test the reward rule from both sides ----------------------------
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
            cluster = clusters[i % len(clusters)]
            county = cluster["county"]
            pool = [e for node_id, es in local.items() if node_id.startswith(cluster["id"] + ".") for e in es
                    if e.region == county and e.status == "active" and e.entity_type != "branch"]
            origin = self.world.beijing[i % len(self.world.beijing)] if i % 3 else self.world.tianjin[i % 16]
            node = self.rng.choice(self.world.chains[cluster["id"]][0])
            firm = self.entity("company", origin, node, code=node["industry_codes"][0])
            place, trade = "北京" if origin.startswith("11") else "天津", self.trade_name()
            firm.name = f"{place}{trade}{node['keywords'][0] if node['keywords'] else ''}集团有限公司"
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
                branch = self.entity("company", county, node)
                branch.entity_type, branch.group = "branch", firm.uscc
                branch.name = f"{firm.name}{self.world.short(county)}分公司"
                self.entities.append(branch)
                links.append((branch, None))
            if twist.get("deregistered"):
                chosen[0].status = "deregistered"
            if twist.get("ended"):
                links[0] = (links[0][0], dt.date(2023, 3, 31))
            introduced = dt.date(2022, 3, 1) + dt.timedelta(days=60 * i)
            for partner, until in links:
                since = dt.date(2022, 6, 1) if until else introduced + dt.timedelta(days=30)
                if self.rng.random() < 0.5:
                    self.supply(partner, firm, since, until, evidence=f"synthetic reward case {slug}: 本地配套")
                else:
                    self.supply(firm, partner, since, until, kind="subcontracts",
                                evidence=f"synthetic reward case {slug}: 委托加工")
            if twist.get("duplicate"):
                self.supply(chosen[1], firm, introduced + dt.timedelta(days=90), kind="processes_for",
                            evidence=f"synthetic reward case {slug}: second relationship with the same partner")
            self.introductions.append({
                "id": f"intro-{slug}", "enterprise": firm.uscc, "cluster": cluster["id"], "origin_region": origin,
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


def province(seed: int, out: Path, enterprises: int, supplies: int) -> None:
    """A province-scale set, streamed to disk: ~60% Hebei entities (in cluster chains where a cluster exists), ~40%
    Beijing/Tianjin; SUPPLIES mostly within a cluster's chain, some from Beijing/Tianjin."""
    rng = random.Random(seed)
    world = World()
    codes = Codes(seed + 1)
    clusters_by_county = defaultdict(list)
    for c in world.clusters:
        clusters_by_county[c["county"]].append(c["id"])
    hebei_codes = world.hebei
    out.mkdir(parents=True, exist_ok=True)
    members: dict[str, list[str]] = defaultdict(list)   # cluster id -> a sample of member usccs
    outside: list[str] = []
    counts = {"local": 0}
    with open(out / "enterprises.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ENTERPRISES.columns), lineterminator="\n")
        writer.writeheader()
        for i in range(enterprises):
            if i % 5 < 2:
                region = rng.choice(world.beijing if i % 5 == 0 else world.tianjin)
                code = rng.choice(world.codes)
                etype, chain_nodes = "company", []
            else:
                region = rng.choice(hebei_codes) if rng.random() < 0.5 else world.clusters[i % 59]["county"]
                cluster_ids = clusters_by_county.get(region)
                if cluster_ids:
                    cluster = rng.choice(cluster_ids)
                    node = rng.choice(world.chains[cluster][0])
                    code, chain_nodes = rng.choice(node["industry_codes"]), [node["id"]]
                else:
                    code, chain_nodes, cluster = rng.choice(world.codes), [], None
                etype = "company" if rng.random() < 0.6 else "individual_business"
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
    args = parser.parse_args()
    if args.scale == "province":
        province(args.seed, args.out or ROOT / "var" / "province", args.enterprises, args.supplies)
        return
    generator = Generator(args.seed)
    generator.generate()
    generator.write(args.out or SEEDS / "synthetic")


if __name__ == "__main__":
    main()
