"""The domain's vocabulary in one place: the codes the graph stores, the API accepts and the loader reads.

Pure constants and two tiny mappings; anything may import this module (it imports nothing of chainmap).
"""

from __future__ import annotations

from typing import Final

# Hebei's GB/T 2260 province prefix: a county adcode starting with it is "local to the province". Cypher text spells
# it as HEBEI_LITERAL, a constant of code (never request data): as a literal the planner can estimate how selective
# `STARTS WITH` is; as a parameter it chose to seek every Hebei firm through the region index in the seed load.
HEBEI: Final = "13"
HEBEI_LITERAL: Final = "'" + HEBEI + "'"
# Beijing and Tianjin: the default origins of transfer targets (承接京津产业转移).
TRANSFER_ORIGINS = ("11", "12")

# Identifier patterns shared by the loader, the API's fields and its path converters.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
NODE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}\.[a-z0-9][a-z0-9-]{0,62}$"
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"   # GB 32100-2015 characters (no I, O, S, V, Z); checksum separately
ADCODE_PATTERN = r"^\d{6}$"
INDUSTRY_CLASS_PATTERN = r"^\d{4}$"

CATEGORIES = ("材料延伸", "时尚消费", "中场配套", "民生健康", "先进装备", "数字科技")
# Where a link sits in its chain (产业链环节的位置).
CHAIN_STAGES = ("upstream", "midstream", "downstream", "service")
EDGE_KINDS = ("material", "product", "equipment", "service")
# A mark raises a link's status to bottleneck or weak (never lowers it); a gap mark is shown beside the counts.
MARKS = ("gap", "bottleneck", "weak")
GAP_STATUSES = ("gap", "bottleneck", "weak", "present")
# As the console names them; every report and sheet says the same words.
GAP_STATUS_NAMES = {"gap": "缺链", "bottleneck": "瓶颈", "weak": "薄弱", "present": "已覆盖"}
# How far "local" reaches when a node's supply is judged (the API's `scope` parameter).
LOCALITIES = ("county", "city", "province")

ENTITY_TYPES = ("company", "individual_business", "family_farm", "cooperative", "branch")
# moved: 迁出 — registered elsewhere now (an import reads it from 登记状态); like deregistered, not a local entity.
ENTERPRISE_STATUSES = ("active", "deregistered", "moved")
# How far an introduction (招商项目) has come: 线索 → 接洽 → 洽谈 → 签约 → 注册 → 在建 → 投产/落地, or 终止.
INTRODUCTION_STAGES = ("lead", "contacted", "negotiating", "signed", "registered", "building", "landed", "terminated")
INTRODUCTION_STAGE_NAMES = {"lead": "线索", "contacted": "接洽", "negotiating": "洽谈", "signed": "签约",
                            "registered": "注册", "building": "在建", "landed": "投产/落地", "terminated": "终止"}

# 协作配套 is stored once as (supplier)-[:SUPPLIES {kind}]->(customer); a relation is how it reads from one side.
# kind supplies: the supplier "supplies_to" the customer. kind subcontracts/processes_for: the supplier does work
# for the customer, so the customer "subcontracts" to it and the supplier is "subcontracted_by" the customer.
SUPPLY_KINDS = ("supplies", "subcontracts", "processes_for")
RELATIONS = ("supplies_to", "supplied_by", "subcontracts", "subcontracted_by")


def relation(kind: str, outgoing: bool) -> str:
    """How a stored SUPPLIES edge reads from the enterprise at its `outgoing` end (True = it is the supplier)."""
    if kind == "supplies":
        return "supplies_to" if outgoing else "supplied_by"
    return "subcontracted_by" if outgoing else "subcontracts"


def storage(relation_name: str) -> tuple[str, bool]:
    """(kind, the enterprise is the supplier) for a relation as the API names it."""
    return {
        "supplies_to": ("supplies", True),
        "supplied_by": ("supplies", False),
        "subcontracts": ("subcontracts", False),
        "subcontracted_by": ("subcontracts", True),
    }[relation_name]

# How officers name the codes (奖励核定表, console, reports).
ENTITY_TYPE_NAMES = {"company": "企业", "individual_business": "个体工商户", "family_farm": "家庭农场",
                     "cooperative": "农民专业合作社", "branch": "分支机构"}
# A firm whose type the data does not give (written around chainmap: every writer requires one) still counts as local
# supply; its facts and reasons name it so, never as a missing key that could not be sorted with the others.
UNKNOWN_TYPE, UNKNOWN_TYPE_NAME = "unknown", "未知类型"
RELATION_NAMES = {"supplies_to": "本企业向其供货", "supplied_by": "向本企业供货", "subcontracts": "本企业委托其加工",
                  "subcontracted_by": "本企业为其加工", "potential": "潜在协作配套"}
# GB 32100-2015 position 1, the registration authority; 9 is market supervision (市场监督管理部门).
MARKET_SUPERVISION = "9"
REGISTRATION_AUTHORITIES = {"1": "机构编制部门", "5": "民政部门", "9": "市场监督管理部门", "N": "农业农村部门",
                            "Y": "其他登记管理部门"}
