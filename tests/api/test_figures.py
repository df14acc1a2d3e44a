"""Cluster figures are bounded and say what they are, at the loader and at the API; marks read in Chinese with
their public source as data."""

import datetime as dt
import shutil

import pytest

from chainmap.clusters import REVENUE_METRICS, figure_problems
from chainmap.loading.loader import Loader
from tests.conftest import POLICIES, SEEDS

NEXT_YEAR = dt.date.today().year + 1
CLUSTER_HEADER = ("id,name,county,county_name,city_name,category,category_is_guess,revenue_100m_cny,revenue_year,"
                  "revenue_metric,source,chain,chain_basis")


def cluster_row(cid, revenue="100", year="2023", metric="产值"):
    return f"{cid},测试集群,130534,清河县,邢台市,时尚消费,true,{revenue},{year},{metric},口径：产值; 测试,cashmere,template"


@pytest.mark.parametrize(("data", "field"), [
    ({"revenue_100m_cny": 10.0, "revenue_year": 2099, "revenue_metric": "产值"}, "revenue_year"),
    ({"revenue_100m_cny": 10.0, "revenue_year": NEXT_YEAR, "revenue_metric": "产值"}, "revenue_year"),
    ({"revenue_100m_cny": 10.0, "revenue_year": 1948, "revenue_metric": "产值"}, "revenue_year"),
    ({"revenue_100m_cny": 0.0, "revenue_year": 2023, "revenue_metric": "产值"}, "revenue_100m_cny"),
    ({"revenue_100m_cny": 30000.0, "revenue_year": 2023, "revenue_metric": "产值"}, "revenue_100m_cny"),
    ({"revenue_100m_cny": 10.0, "revenue_year": 2023, "revenue_metric": None}, "revenue_metric"),
])
def test_impossible_figures_are_named(data, field):
    assert [f for f, _ in figure_problems(data)] == [field]


def test_a_plausible_figure_passes():
    this_year = dt.date.today().year
    assert figure_problems({"revenue_100m_cny": 1006.0, "revenue_year": this_year, "revenue_metric": "产值"}) == []
    assert figure_problems({"revenue_100m_cny": 1006.0, "revenue_year": 1949, "revenue_metric": "营业收入"}) == []


def test_loader_refuses_impossible_cluster_figures(graph, tmp_path):
    rows = [cluster_row("probe-ok"), cluster_row("probe-2099", year="2099"),
            cluster_row("probe-next", year=str(NEXT_YEAR)), cluster_row("probe-1948", year="1948"),
            cluster_row("probe-zero", revenue="0"), cluster_row("probe-metric", metric=""),
            cluster_row("probe-profit", metric="利润")]
    shutil.copy(SEEDS / "chains.json", tmp_path / "chains.json")
    (tmp_path / "clusters.csv").write_text(CLUSTER_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    errors = [str(e) for e in Loader(graph, POLICIES, tmp_path).validate().errors]
    assert [e.split(": ")[0] + ": " + e.split(": ")[1] for e in errors] == [
        "clusters.csv:3: revenue_year", "clusters.csv:4: revenue_year", "clusters.csv:5: revenue_year",
        "clusters.csv:6: revenue_100m_cny", "clusters.csv:7: revenue_metric", "clusters.csv:8: revenue_metric"]
    assert "未来年份" in errors[1] and "1949" in errors[2]


def test_seeded_figures_say_which_metric_with_year_and_source(graph):
    rows = graph.read("MATCH (c:Cluster) WHERE c.revenue_100m_cny IS NOT NULL RETURN c.id AS id, "
                      "c.revenue_metric AS metric, c.revenue_year AS year, c.source AS source")
    assert len(rows) == 34
    assert all(r["metric"] in REVENUE_METRICS and "口径：" in r["source"] for r in rows)
    metrics = {r["id"]: r["metric"] for r in rows}
    assert metrics["qinghe-cashmere"] == "产值" and metrics["anping-wire-mesh"] == "产值"
    assert metrics["ningjin-cables"] == "营业收入" and metrics["bazhou-furniture"] == "主营业务收入"
    assert all(r["year"] is None or 1949 <= r["year"] <= dt.date.today().year for r in rows)


def test_api_shows_the_metric_and_refuses_a_future_year(client, keys, graph):
    body = client.get("/api/v1/clusters/qinghe-cashmere", headers=keys["viewer"]).get_json()
    assert body["revenue"] == {"value_100m_cny": 236.7, "year": 2022, "metric": "产值",
                               "source": body["revenue"]["source"]}
    before = graph.read("MATCH (c:Cluster {id: 'qinghe-cashmere'}) RETURN properties(c) AS p")[0]["p"]
    for change, field in (({"revenue_year": 2099}, "revenue_year"), ({"revenue_year": NEXT_YEAR}, "revenue_year"),
                          ({"revenue_year": 1948}, "revenue_year"), ({"revenue_100m_cny": 0}, "revenue_100m_cny"),
                          ({"revenue_100m_cny": 99999}, "revenue_100m_cny"), ({"revenue_metric": "利润"}, "revenue_metric")):
        response = client.patch("/api/v1/clusters/qinghe-cashmere", json=change, headers=keys["editor"])
        assert response.status_code == 422, change
        assert field in str(response.get_json()), change
    created = client.post("/api/v1/clusters", headers=keys["editor"], json={
        "id": "probe-figure", "name": "探针集群", "county": "130534", "category": "时尚消费", "revenue_100m_cny": 10})
    assert created.status_code == 422 and "revenue_metric" in str(created.get_json())
    assert graph.read("MATCH (c:Cluster {id: 'qinghe-cashmere'}) RETURN properties(c) AS p")[0]["p"] == before
    assert graph.read("MATCH (c:Cluster {id: 'probe-figure'}) RETURN c") == []


def test_loader_refuses_marks_in_english_or_citing_files(graph, tmp_path):
    (tmp_path / "marks.csv").write_text(
        "cluster,node,mark,reason,source,source_title,source_date\n"
        "qinghe-cashmere,design,bottleneck,公开来源称该环节薄弱,https://xingtai.cc/article-1781.html,标题,2022-07-12\n"
        "qinghe-cashmere,design,bottleneck,design is weak,https://xingtai.cc/article-1781.html,标题,2022-07-12\n"
        "qinghe-cashmere,design,bottleneck,设计薄弱 (FACTS.md §2.1),https://xingtai.cc/article-1781.html,标题,2022\n"
        "qinghe-cashmere,design,bottleneck,设计薄弱,FACTS.md,标题,2022-13\n", encoding="utf-8")
    errors = [str(e) for e in Loader(graph, POLICIES, tmp_path).validate().errors]
    assert [e.split(": ")[0] + ": " + e.split(": ")[1] for e in errors] == [
        "marks.csv:3: reason", "marks.csv:4: reason", "marks.csv:5: source", "marks.csv:5: source_date"]


def test_chain_shows_a_marks_source_as_fields_not_in_the_reason(client, keys):
    nodes = client.get("/api/v1/clusters/anping-wire-mesh/chain", headers=keys["viewer"]).get_json()["nodes"]
    mark = next(n for n in nodes if n["key"] == "membrane")["mark"]
    assert mark["value"] == "gap" and mark["source"].startswith("http://www.bklai.com/")
    assert mark["source_title"] and mark["source_date"] == "2024-02"
    assert "FACTS" not in mark["reason"] and "§" not in mark["reason"] and "高通量膜" in mark["reason"]
    # not the name of the file it was loaded from: the source, or (as here) the analysts' inference from it
    assert mark["by"] == "据公开来源推断"
    nodes = client.get("/api/v1/clusters/ningjin-cables/chain", headers=keys["viewer"]).get_json()["nodes"]
    assert next(n for n in nodes if n["key"] == "insulation")["mark"]["by"] == "公开来源"
