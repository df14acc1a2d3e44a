"""The counties a firm write reaches are checked inside the write, under the firm's lock (chainmap.write_scope.GUARD):
a project recorded at the same moment is either seen by the check or recorded after the change, never in between."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from chainmap import enterprises, introductions, project_rules, uscc, write_scope
from tests.conftest import POLICIES, counts, reset_seeded

QINGHE, ANPING = frozenset({"130534"}), frozenset({"131125"})
DAY = dt.date(2024, 3, 1)


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def firm(graph, code: str, region: str, name: str) -> str:
    enterprises.create_enterprises(graph, POLICIES, [{
        "uscc": code, "name": name, "entity_type": "company", "region": region, "revenue_cny": {2024: 40_000_000},
        "industry_codes": [], "chain_nodes": [], "status": "active"}])
    return code


def revenue(graph, code: str) -> dict:
    return enterprises.get_enterprise(graph, code)["revenue_cny"]


def test_a_firm_in_another_county_is_refused_by_the_write_itself(graph):
    code = firm(graph, uscc.compose("9", "1", "131125", "G0000001"), "131125", "安平守卫测试有限公司")
    before = counts(graph)
    with pytest.raises(write_scope.Reaches) as refused:
        enterprises.patch_enterprise(graph, POLICIES, code, {"products": "钢丝网"}, QINGHE)
    assert refused.value.home == ["131125"] and refused.value.checks == []
    assert counts(graph) == before and enterprises.get_enterprise(graph, code)["products"] is None
    assert enterprises.patch_enterprise(graph, POLICIES, code, {"products": "钢丝网"}, ANPING)["products"] == "钢丝网"
    # a caller without a county list (an admin) is not guarded
    assert enterprises.patch_enterprise(graph, POLICIES, code, {"products": "钢板网"}, None)["products"] == "钢板网"


def test_an_unchanged_reward_fact_does_not_need_the_introducing_county(graph):
    code = firm(graph, uscc.compose("9", "1", "110108", "G0000002"), "110108", "北京守卫测试有限公司")
    introductions.create_introduction(graph, {"enterprise": code, "cluster": "anping-wire-mesh",
                                              "origin_region": "110108", "introduced_on": DAY,
                                              "stage": "signed"}, by={"id": "t", "label": "测试"})
    same = {"revenue_cny": {2024: 40_000_000}, "products": "滤网"}  # the figure as stored: it decides nothing new
    assert enterprises.patch_enterprise(graph, POLICIES, code, same, QINGHE)["products"] == "滤网"
    with pytest.raises(write_scope.Reaches) as refused:
        enterprises.patch_enterprise(graph, POLICIES, code, {"revenue_cny": {2024: 60_000_000}}, QINGHE)
    assert refused.value.checks == ["131125"] and refused.value.home == []
    assert revenue(graph, code) == {"2024": 40_000_000}


@pytest.mark.parametrize("as_investor", [False, True], ids=["introduced firm", "investor"])
def test_a_project_recorded_at_the_same_moment_is_seen_by_the_check(graph, as_investor):
    """The introduction is written in a transaction held open; the firm's change waits for it (the introduction
    locked the firm) and then finds the project and refuses. Without the locks the change would be written before
    the project is committed and the check would read no project."""
    n = 3 + as_investor
    beijing = firm(graph, uscc.compose("9", "1", "110108", f"G000000{n}"), "110108", f"北京并发测试{n}有限公司")
    if as_investor:
        local = firm(graph, uscc.compose("9", "1", "131125", "G0000005"), "131125", "安平并发测试项目有限公司")
        props = {"enterprise": local, "investor": beijing}
    else:
        props = {"enterprise": beijing, "investor": None}
    props |= {"cluster": "anping-wire-mesh", "origin_region": "110108", "introduced_on": DAY,
              "stage": "signed"}
    outcome: dict[str, object] = {}

    def change() -> None:
        try:
            enterprises.patch_enterprise(graph, POLICIES, beijing, {"revenue_cny": {2024: 90_000_000}}, QINGHE)
            outcome["result"] = "written"
        except write_scope.Reaches as exc:
            outcome["result"] = exc.checks

    with graph.driver.session(database=graph.database) as session:
        tx = session.begin_transaction()
        tx.run(introductions.CREATE, id=f"intro-guard-{n}", props=props, nodes=[], open=list(project_rules.OPEN_STAGES),
               by={"id": "t", "label": "测试"}).consume()
        worker = threading.Thread(target=change)
        worker.start()
        time.sleep(1.5)
        waited = worker.is_alive()
        tx.commit()
    worker.join(timeout=60)
    assert waited, "the change did not wait for the project being recorded"
    assert outcome["result"] == ["131125"]
    assert revenue(graph, beijing) == {"2024": 40_000_000}


def test_an_import_batch_that_reaches_another_county_is_refused_whole(graph):
    """The import's batches carry the guard too: a row that passed the import's own check (here: none ran) but whose
    firm lies in another county refuses its batch, and nothing of it is written."""
    from chainmap.errors import Forbidden
    from chainmap.imports import registry

    moved = firm(graph, uscc.compose("9", "1", "130534", "G0000006"), "131125", "迁入安平守卫测试有限公司")
    own = uscc.compose("9", "1", "130534", "G0000007")
    rows = [{"uscc": code, "chain_nodes": [], "evidence": "测试", "new": code == own,
             "props": {"name": name, "entity_type": "company", "region": "130534", "status": "active",
                       "industry_codes": [], "revenue_years": [], "revenue_values": []}}
            for code, name in ((own, "清河守卫测试有限公司"), (moved, "迁入安平守卫测试有限公司"))]
    before = counts(graph)
    with pytest.raises(Forbidden, match="131125"):
        registry.write(graph, POLICIES, rows[1:], [], QINGHE)
    assert enterprises.get_enterprise(graph, moved)["region"] == "131125" and counts(graph) == before
    registry.write(graph, POLICIES, rows[:1], [], QINGHE)  # the editor's own new firm goes through
    assert enterprises.get_enterprise(graph, own)["region"] == "130534"


def test_a_change_made_since_the_firm_was_read_is_not_undone(graph):
    """Two officers save the same firm at once: the PATCH built on the older read is refused (409 naming what
    changed), instead of writing back the fields and chain links as it read them."""
    from chainmap.errors import Conflict

    code = firm(graph, uscc.compose("9", "1", "110108", "G0000008"), "110108", "北京同时修改测试有限公司")
    stale = enterprises.get_enterprise(graph, code)
    enterprises.patch_enterprise(graph, POLICIES, code, {"chain_nodes": ["anping-wire-mesh.fences"]}, ANPING)
    with pytest.raises(Conflict, match="chain_nodes"):
        enterprises.patch_enterprise(graph, POLICIES, code, {"products": "围栏网"}, QINGHE, current=stale)
    stale = enterprises.get_enterprise(graph, code)
    enterprises.patch_enterprise(graph, POLICIES, code, {"name": "北京同时修改测试二有限公司"}, None)
    with pytest.raises(Conflict, match="name"):
        enterprises.patch_enterprise(graph, POLICIES, code, {"products": "围栏网"}, None, current=stale)
    now = enterprises.get_enterprise(graph, code)
    assert now["chain_nodes"] == ["anping-wire-mesh.fences"] and now["name"] == "北京同时修改测试二有限公司"
    assert now["products"] is None
    # read again, the same change goes through and keeps both earlier ones
    assert enterprises.patch_enterprise(graph, POLICIES, code, {"products": "围栏网"}, QINGHE)["chain_nodes"] == [
        "anping-wire-mesh.fences"]


def test_a_partner_firm_registered_during_a_survey_import_is_not_overwritten(graph, monkeypatch):
    """The survey import decided the partner was new when it read the graph; registered by another county before
    the import wrote (here: the read is made to miss it), the import's claim fails (409), nothing of the file is
    written, and the registered firm keeps its county, name and revenue."""
    from chainmap.errors import Conflict
    from chainmap.imports import partners, reference

    own = graph.read("MATCH (e:Enterprise {region: '130534', entity_type: 'company', status: 'active'}) "
                     "WHERE e.group IS NULL RETURN e.uscc AS u ORDER BY e.uscc LIMIT 1")[0]["u"]
    code = uscc.compose("9", "1", "130500", "G0000009")
    firm(graph, code, "131125", "安平县真实丝网有限公司")
    read = partners.existing
    monkeypatch.setattr(partners, "existing", lambda g, keys, q: {k: v for k, v in read(g, keys, q).items() if k != code})
    header = "本企业统一社会信用代码,配套企业统一社会信用代码,配套企业名称,配套企业所属区县,配套企业类型,协作关系,开始日期,证据"
    data = f"{header}\n{own},{code},清河县某配套有限公司,清河县,有限责任公司,本企业向其供货,2024-01-01,合同\n".encode()
    before = counts(graph)
    with pytest.raises(Conflict, match="已被他人登记"):
        partners.import_partners(graph, POLICIES, data, "调查表.csv", reference.Options(None, False, True, QINGHE))
    kept = enterprises.get_enterprise(graph, code)
    assert (kept["region"], kept["name"], kept["revenue_cny"]) == ("131125", "安平县真实丝网有限公司", {"2024": 40_000_000})
    assert counts(graph) == before


def test_a_firm_stored_without_its_empty_fields_can_be_changed(graph):
    """A bulk-loaded firm may lack the fields it has no value for (codes, revenue, the synthetic flag); read, they
    are empty, and a PATCH must not take that for someone else's change."""
    code = uscc.compose("9", "1", "110108", "G0000010")
    graph.write("CREATE (:Enterprise {uscc: $u, name: '北京字段缺省测试有限公司', entity_type: 'company', "
                "region: '110108', status: 'active'})", u=code)
    changed = enterprises.patch_enterprise(graph, POLICIES, code, {"products": "钢丝"}, QINGHE)
    assert changed["products"] == "钢丝" and changed["industry_codes"] == [] and changed["revenue_cny"] == {}


def above_scale(rows: list[list[str]]) -> bytes:
    from tests import import_files

    header = ["统一社会信用代码", "单位详细名称", "所属区县", "行业代码", "2024年营业收入（万元）"]
    return import_files.csv_bytes(header, rows, "utf-8-sig")


def test_an_import_does_not_undo_a_change_saved_while_it_ran(graph, monkeypatch):
    """A registry import writes each firm back whole: the stored fields it does not carry and the revenues it merges
    with, as it read them when it planned the batch. An officer's save between that read and the write (here: made
    just before the batch is written) is not undone: the batch is refused (409) and nothing of it is written; run
    again, the import reads the new state and both changes hold."""
    from chainmap.errors import Conflict
    from chainmap.imports import registry
    from chainmap.imports.reference import Options

    code = firm(graph, uscc.compose("9", "1", "130534", "G0000011"), "130534", "清河导入并发测试有限公司")
    new = uscc.compose("9", "1", "130534", "G0000013")  # written in the batch's first transaction, and said so
    data = above_scale([[code, "清河导入并发测试有限公司", "清河县", "1721", "6500"],
                        [new, "清河导入并发新登记有限公司", "清河县", "1721", "800"]])
    write = registry.write

    def officer_saves_first(*args, **kwargs):
        enterprises.patch_enterprise(graph, POLICIES, code, {"products": "羊绒纱线", "revenue_cny": {2023: 30_000_000}},
                                     QINGHE)
        return write(*args, **kwargs)

    monkeypatch.setattr(registry, "write", officer_saves_first)
    with pytest.raises(Conflict, match=code) as refused:
        registry.import_registry(graph, POLICIES, data, "规上企业.csv", Options(None, False, False, QINGHE))
    assert "本批中新登记的1家已写入，其余未写入" in str(refused.value)
    assert enterprises.get_enterprise(graph, new)["name"] == "清河导入并发新登记有限公司"
    saved = enterprises.get_enterprise(graph, code)
    assert (saved["products"], saved["revenue_cny"]) == ("羊绒纱线", {"2023": 30_000_000})  # a PATCH sets them all
    monkeypatch.setattr(registry, "write", write)
    report = registry.import_registry(graph, POLICIES, data, "规上企业.csv", Options(None, False, False, QINGHE))
    assert report.written and [r["key"] for r in report.updated] == [code]
    both = enterprises.get_enterprise(graph, code)
    assert (both["products"], both["revenue_cny"]) == ("羊绒纱线", {"2023": 30_000_000, "2024": 65_000_000})


def test_a_firm_created_while_an_import_ran_is_not_overwritten(graph, monkeypatch):
    """The import planned the row as a new firm; an officer registered the same code before the batch was written.
    The batch is refused (409) instead of overwriting the officer's firm with the row's fields."""
    from chainmap.errors import Conflict
    from chainmap.imports import registry
    from chainmap.imports.reference import Options

    code = uscc.compose("9", "1", "130534", "G0000012")
    data = above_scale([[code, "清河导入新建测试有限公司", "清河县", "1721", "6500"]])
    write = registry.write

    def officer_creates_first(*args, **kwargs):
        firm(graph, code, "130534", "清河县官员录入测试有限公司")
        return write(*args, **kwargs)

    monkeypatch.setattr(registry, "write", officer_creates_first)
    with pytest.raises(Conflict, match=code):
        registry.import_registry(graph, POLICIES, data, "规上企业.csv", Options(None, False, False, QINGHE))
    kept = enterprises.get_enterprise(graph, code)
    assert (kept["name"], kept["revenue_cny"]) == ("清河县官员录入测试有限公司", {"2024": 40_000_000})
