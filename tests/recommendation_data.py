"""Shared data for the recommendation tests: a target, candidate strategies, the seed graph's gap nodes."""

import datetime as dt

from hypothesis import strategies as st

from chainmap import uscc
from chainmap.gaps.analysis import analyse_clusters
from chainmap.graph.rank_keys import TIE_CAP
from chainmap.policy import Thresholds, load_policies
from chainmap.recommendations.score import Candidate, PartnerCounts, Target
from chainmap.recommendations.target import Request
from chainmap.rewards.rule import Relationship

POLICIES = load_policies()
CONFIG = POLICIES.recommendation
POLICY = POLICIES.reward
TODAY = dt.date(2026, 11, 27)
LOCAL = [Relationship(partner=uscc.compose("9", "1", "130534", f"L{i:07d}"), name=f"本地{i}", entity_type="company",
                      region="130534", status="active", group=None, relation="potential", since=TODAY, until=None)
         for i in range(7)]
TARGET = Target(node_id="qinghe-cashmere.spinning", node_name="制条纺纱", codes=["1721"], keywords=["纺纱", "毛条"],
                county="130534", county_name="清河县", lon=115.68, lat=37.03,
                partners=PartnerCounts.of(LOCAL, "130534", TODAY, POLICY))

candidates = st.builds(
    Candidate,
    uscc=st.integers(1, 10**7).map(lambda i: uscc.compose("9", "1", "110105", f"{i:08d}")),
    name=st.just("北京测试有限公司"), region=st.sampled_from(["110105", "110115", "120116"]),
    lon=st.floats(115.5, 117.8), lat=st.floats(38.8, 40.8),
    industry_codes=st.lists(st.sampled_from(["1721", "1722", "1711", "3130", "5131"]), min_size=1, max_size=2),
    products=st.sampled_from(["", "纺纱", "毛条 纺纱"]),
    revenue=st.dictionaries(st.just(2025), st.integers(0, 5 * 10**9)),
    bj_restricted=st.one_of(st.none(), st.booleans()), expansion_year=st.one_of(st.none(), st.integers(2015, 2026)),
    green_factory=st.one_of(st.none(), st.booleans()), hebei_presence=st.booleans(), ties=st.integers(0, 5),
)




def request(cluster: str, node: str, origins=("11", "12"), limit: int = 10, min_revenue=None,
            today: dt.date | None = None) -> Request:
    return Request(cluster, node, tuple(origins), limit, min_revenue, today or dt.date.today(), POLICIES)


def _gap_nodes(graph, clusters):
    thresholds = Thresholds()
    out = []
    for cluster, (statuses, _) in analyse_clusters(graph, clusters, "county", thresholds).items():
        out += [(cluster, node) for node, (status, _) in sorted(statuses.items()) if status != "present"]
    return out


# Gaps and weak links only where sources or the template rate put them: several clusters to find enough of them.
CLUSTERS = ["anping-wire-mesh", "qinghe-cashmere", "pingxiang-bicycles", "xinji-leather", "quzhou-bicycles",
            "nanhe-pet-food", "longyao-food"]


def _keys(graph):
    return graph.read("MATCH (e:Enterprise)-[r:CLASSIFIED_AS]->(i:Industry) WHERE r.rank IS NOT NULL "
                      "RETURN e.uscc AS uscc, i.code AS code, r.rank AS rank ORDER BY uscc, code")


def _ties_uncovered(graph):
    """SUPPLIES between a firm outside Hebei and a Hebei firm whose county the former's `tie_counties` lacks, or
    that its `tie_links` (where it has them) undercount: fewer links to the county than SUPPLIES with firms there,
    and fewer than TIE_CAP (which reads "at least")."""
    return graph.read(
        "MATCH (e:Enterprise)-[:SUPPLIES]-(l:Enterprise) WHERE NOT e.region STARTS WITH '13' AND l.region STARTS WITH '13' "
        "WITH e, l.region AS county, count(*) AS n "
        "WITH e, county, n, CASE WHEN e.tie_links IS NULL THEN null "
        "  ELSE size([t IN e.tie_links WHERE t = county]) END AS links "
        "WHERE NOT county IN coalesce(e.tie_counties, []) OR (links IS NOT NULL AND links < n AND links < $cap) "
        "RETURN e.uscc AS e, county, n, links ORDER BY e, county", cap=TIE_CAP)


