"""The loader against the real Neo4j: every bad row reported, nothing written on error, idempotent, kill-safe."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from chainmap import uscc
from chainmap.gaps.timeline import BOOKKEEPING
from chainmap.loading.loader import LoadFailed, Loader, load_directory
from tests.conftest import POLICIES, ROOT, SEEDS, reset_seeded

HEADER = ("uscc,name,entity_type,region,industry_codes,chain_nodes,revenue_cny,status,group,registered_on,"
          "synthetic,bj_restricted,expansion_year,green_factory,products")


def code(region="130534", org="T0000001"):
    return uscc.compose("9", "1", region, org)


def row(u, name="清河县测试羊绒有限公司", etype="company", region="130534", industries="1721",
        nodes="qinghe-cashmere.spinning", revenue="2025=60000000", status="active", group="", registered="2020-01-01"):
    return f"{u},{name},{etype},{region},{industries},{nodes},{revenue},{status},{group},{registered},true,,,,"


def fingerprint(graph):
    """The graph's content. Bookkeeping is left out: the Revision tokens every committed write renews, the audit
    trail, where a load through the CLI records who ran it (a killed run records nothing), and a chain node's facts
    stamp and timeline (chainmap.gaps.timeline.BOOKKEEPING)."""
    nodes = graph.read("MATCH (n) WHERE NOT (n:Revision OR n:AuditEntry OR n:AuditState) "
                       "RETURN labels(n) AS l, properties(n) AS p")
    rels = graph.read("MATCH (a)-[r]->(b) WHERE NOT a:AuditEntry RETURN type(r) AS t, properties(r) AS p, "
                      "coalesce(a.uscc, a.id, a.code, a.adcode) AS a, coalesce(b.uscc, b.id, b.code, b.adcode) AS b")
    canon = sorted(json.dumps([sorted(n["l"]), {k: v for k, v in n["p"].items() if k not in BOOKKEEPING}],
                              sort_keys=True, default=str, ensure_ascii=False) for n in nodes)
    canon += sorted(json.dumps(r, sort_keys=True, default=str, ensure_ascii=False) for r in rels)
    return hashlib.sha256("\n".join(canon).encode()).hexdigest(), len(nodes), len(rels)


def test_every_bad_row_is_reported_and_nothing_is_written(graph, tmp_path):
    good = code(org="T0000001")
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    unknown_region = uscc.compose("9", "1", "139999", "T0000003")
    dup = code(org="T0000004")
    branch = code(org="T0000005")
    ghost = code(org="T0000006")
    rows = [
        row(good),                                                        # 2: valid, must not be written
        row(bad_check),                                                   # 3
        row(code(org="T0000002"), etype="factory"),                       # 4
        row(unknown_region, region="139999"),                             # 5
        row(code(org="T0000007"), industries="9999"),                     # 6
        row(code(org="T0000008"), registered="2024-13-01"),               # 7
        row(branch, etype="branch"),                                      # 8
        row(code(org="T0000009"), revenue="2024:100"),                    # 9
        row(code(org="T0000010"), nodes="qinghe-cashmere.nope"),          # 10
        row(dup), row(dup),                                               # 11, 12
        row(code(org="T0000011"), group=ghost),                           # 13
        row(code(org="T0000012"), name="恶意\x00名称"),                    # 14
        row(code(org="T0000013"), region="110105"),                       # 15: region outside the code's province
    ]
    (tmp_path / "enterprises.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "supplies.csv").write_text(
        "supplier,customer,kind,since,until,evidence\n"
        f"{good},{good},supplies,2024-01-01,,self\n"
        f"{good},{dup},supplies,2024-01-01,2023-01-01,backwards\n"
        f"{good},{dup},gifts,2024-01-01,,odd kind\n", encoding="utf-8")
    before = graph.read("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"]

    loader = Loader(graph, POLICIES, tmp_path)
    report = loader.validate()
    expected_check = uscc.check_character(bad_check[:17])
    assert [str(e) for e in report.errors] == [
        f"enterprises.csv:3: uscc: 不是有效的统一社会信用代码：校验码为 {bad_check[17]}，应为 {expected_check}",
        "enterprises.csv:4: entity_type: 须为 company、individual_business、family_farm、cooperative、branch 之一，"
        "实为 'factory'",
        "enterprises.csv:7: registered_on: 须为 YYYY-MM-DD 格式的日期，实为 '2024-13-01'",
        "enterprises.csv:8: group: 分支机构须填写所属企业",
        "enterprises.csv:9: revenue_cny: 须形如 2024=65000000;2023=61000000，实为 '2024:100'",
        f"enterprises.csv:12: uscc: {dup!r} 在文件中出现多次",
        "enterprises.csv:14: name: 含有控制字符",
        "enterprises.csv:15: region: 与统一社会信用代码的登记管理机关行政区划码 130534 不在同一省",
        "enterprises.csv:5: region: 未知的行政区划 '139999'",
        "enterprises.csv:6: industry_codes: 未知的行业代码 '9999'",
        "enterprises.csv:10: chain_nodes: 未知的产业链环节 'qinghe-cashmere.nope'",
        f"enterprises.csv:13: group: 未知的企业 {ghost!r}",
        "supplies.csv:2: customer: 企业不能为自己配套",
        "supplies.csv:3: until: 早于 since",
        "supplies.csv:4: kind: 须为 supplies、subcontracts、processes_for 之一，实为 'gifts'",
    ]
    with pytest.raises(LoadFailed):
        loader.write()
    assert graph.read("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"] == before
    assert graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e", u=good) == []


def test_wrong_header_is_reported(graph, tmp_path):
    (tmp_path / "supplies.csv").write_text("supplier,customer,kind,since,evidence,extra\n", encoding="utf-8")
    report = Loader(graph, POLICIES, tmp_path).validate()
    assert [str(e) for e in report.errors] == ["supplies.csv:1: until: 表头缺少此列",
                                               "supplies.csv:1: extra: 不是此格式的列"]


def test_reloading_the_seeds_changes_nothing(graph):
    before = fingerprint(graph)
    reports = load_directory(graph, POLICIES, SEEDS).files + load_directory(graph, POLICIES, SEEDS / "synthetic").files
    assert {(r.file, r.created, r.updated, r.relationships) for r in reports} == {
        (r.file, 0, 0, 0) for r in reports}
    assert fingerprint(graph) == before


def test_a_changed_row_updates_only_that_enterprise(graph, tmp_path):
    row0 = graph.read("MATCH (e:Enterprise {entity_type: 'company'})-[:OPERATES_IN]->(n:ChainNode) "
                      "WHERE e.region STARTS WITH '13' AND e.group IS NULL "
                      "RETURN e.uscc AS u, e.region AS region, n.id AS node ORDER BY e.uscc LIMIT 1")[0]
    text = (SEEDS / "synthetic" / "enterprises.csv").read_text(encoding="utf-8").splitlines()
    line = next(x for x in text if x.startswith(row0["u"]))
    (tmp_path / "enterprises.csv").write_text(text[0] + "\n" + line.replace(",active,", ",deregistered,") + "\n",
                                              encoding="utf-8")
    try:
        report = load_directory(graph, POLICIES, tmp_path)
        assert [(f.created, f.updated) for f in report.files if f.file == "enterprises.csv"] == [(0, 1)]
        assert graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.status AS s", u=row0["u"]) == [{"s": "deregistered"}]
    finally:
        load_directory(graph, POLICIES, SEEDS / "synthetic")
    assert graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.status AS s", u=row0["u"]) == [{"s": "active"}]


def test_a_killed_load_run_again_ends_with_the_same_graph(graph, tmp_path):
    data = tmp_path / "medium"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "synth.py"), "--scale", "province", "--seed", "3",
                    "--enterprises", "30000", "--supplies", "60000", "--out", str(data)], check=True, capture_output=True)
    try:
        reset_seeded(graph)  # both runs start from the same graph, whatever earlier tests recorded
        seeded = graph.read("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"]
        load_directory(graph, POLICIES, data)
        uninterrupted = fingerprint(graph)

        reset_seeded(graph)
        process = subprocess.Popen([sys.executable, "-m", "chainmap", "load", str(data)], cwd=ROOT, env=os.environ,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while graph.read("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"] < seeded + 5000:
            assert process.poll() is None and time.monotonic() < deadline, "load ended before it could be killed"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        partial = graph.read("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"]
        supplies = graph.read("MATCH ()-[r:SUPPLIES]->() RETURN count(r) AS n")[0]["n"]
        assert partial < seeded + 30000 or supplies < 60000, "the load was not interrupted"

        rerun = subprocess.run([sys.executable, "-m", "chainmap", "load", str(data)], cwd=ROOT, env=os.environ,
                               capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stderr
        assert fingerprint(graph) == uninterrupted
        recorded = graph.read("MATCH (a:AuditEntry {operation: 'load.directory', object_id: $dir}) "
                              "RETURN a.actor AS actor", dir=str(data.resolve()))
        assert len(recorded) == 1 and recorded[0]["actor"].startswith("cli:")  # the finished run, not the killed one
    finally:
        reset_seeded(graph)


def test_parallel_writers_write_the_graph_one_writer_writes(graph, tmp_path, monkeypatch):
    """Firms and 协作配套 go to two writer threads by key (issue 20 §3): many small batches, keys repeated across
    batches (the later row must win, as with one writer), facts kept by delta in both runs; and the same load with
    the facts recomputed once after it (the choice a load as large as the graph makes) ends with the same graph."""
    from chainmap.loading import loader as loader_module
    from chainmap.loading import writers as writers_module

    data = tmp_path / "parallel"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "synth.py"), "--scale", "province", "--seed", "5",
                    "--enterprises", "2000", "--supplies", "4000", "--out", str(data)], check=True, capture_output=True)
    lines = (data / "supplies.csv").read_text(encoding="utf-8").splitlines()
    written = lines[:1]
    for i, line in enumerate(lines[1:]):  # every tenth row again just after it, with another end and evidence
        written.append(line)
        if i % 10 == 0:
            written.append(",".join(line.split(",")[:4] + ["2031-12-31", f"后一行{i}"]))
    repeated = len(written) - len(lines)
    (data / "supplies.csv").write_text("\n".join(written) + "\n", encoding="utf-8")
    monkeypatch.setattr(writers_module, "BATCH", 200)
    runs = []
    try:
        for writers, kept in (("1", True), ("2", True), ("2", False)):
            reset_seeded(graph)
            monkeypatch.setenv("CHAINMAP_LOAD_WRITERS", writers)
            monkeypatch.setattr(loader_module, "RECOMPUTE_COST", 2 if kept else 0)
            loader = Loader(graph, POLICIES, data)
            assert loader.writers == int(writers)
            loader.validate()
            report = loader.write()
            assert loader.kept == kept  # kept by delta batch by batch, or recomputed after the load
            runs.append((fingerprint(graph), [(f.file, f.rows, f.created, f.updated) for f in report.files]))
            later = graph.read("MATCH ()-[r:SUPPLIES]->() WHERE r.evidence STARTS WITH '后一行' RETURN count(r) AS n")
            assert later == [{"n": repeated}]
        assert runs[0][0] == runs[1][0] == runs[2][0]
        nodes = graph.read("MATCH (n:ChainNode) RETURN count(n) AS n")[0]["n"]
        # the same rows written; the facts' step refreshed no node after the delta and every node after the rows
        files = [[f for f in run[1] if f[0] != "(chain-node-facts)"] for run in runs]
        assert files[0] == files[1] == files[2]
        assert [[f[1] for f in run[1] if f[0] == "(chain-node-facts)"] for run in runs] == [[0], [0], [nodes]]
    finally:
        reset_seeded(graph)


def test_a_written_batch_is_let_go_at_once(graph):
    """The driver keeps a write's parameters in a reference cycle that only a full collection frees, and a loader
    holding a million reference keys seldom runs one: a 1M/3M load grew to 887 MiB that way (issue 20 §3). With the
    collector off, no row may still be referenced once its batch is written."""
    import gc

    from chainmap.loading import writers

    rows = [{"id": f"writer-probe-{i}", "marker": "probe"} for i in range(25)]
    probe = "UNWIND $rows AS row MERGE (n:WriterProbe {id: row.id}) SET n.marker = row.marker"
    written: list[int] = []
    alone = [sys.getrefcount(row) for row in rows]  # referenced by `rows` only
    gc.collect()
    gc.disable()
    try:
        writers.send(graph, probe, iter(rows), lambda result, counters, n: written.append(n), writers=1,
                     kept=False, arguments={})
        after = [sys.getrefcount(row) for row in rows]
    finally:
        gc.enable()
        graph.write("MATCH (n:WriterProbe) DELETE n")
    assert sum(written) == 25
    assert after == alone
