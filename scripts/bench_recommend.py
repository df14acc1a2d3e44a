#!/usr/bin/env python3
"""Recommendation latency under gunicorn at several data scales, next to the trivial endpoint, plus the query plan.

Each request is timed after one of five kinds of write (not timed), to show what the scoped revision tokens keep:
  warm      no write: repeats are served from the ranked lists of the worker;
  random    a revenue change of a uniformly drawn enterprise of the whole graph (what a busy province looks like);
  division  a revenue change of a Beijing/Tianjin firm in a division of the requested nodes: the lists are ranked
            afresh, their target contexts are reused;
  county    a revenue change of a firm of the cluster's county: the lists are ranked afresh (existing ties may have
            moved), their target contexts are reused (the county's partners did not change);
  partner   a status change (deregistered, then active again) of a local firm operating in the cluster: lists and
            target contexts are computed afresh;
  cold      a write outside every scope (the whole graph): everything is computed afresh.

Each scale has its own instance under var/ (loaded once: the seeds, the committed synthetic set and a synthetic
province-style set of N enterprises with 3N SUPPLIES); the 1,000,000 scale reuses scripts/bench_api.py's province
instance. Beijing/Tianjin firms are about 40 % of N.

    .venv/bin/python scripts/bench_recommend.py [--scales 10000,100000,1000000] [--requests 100]
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import time
from pathlib import Path
from typing import LiteralString

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import datetime as dt  # noqa: E402

from chainmap import upkeep  # noqa: E402
from chainmap.policy import load_policies  # noqa: E402
from chainmap.recommendations import reuse, search, service, target  # noqa: E402
from chainmap.graph import Graph  # noqa: E402
from chainmap.enterprises import get_enterprise, patch_enterprise  # noqa: E402
from chainmap.graph.rank_keys import TIE_BOUND  # noqa: E402
from chainmap.graph.schema import apply_schema  # noqa: E402
from chainmap.api_keys import create_key  # noqa: E402
from chainmap.loading.loader import load_directory  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import bench_env, get, instance_report, percentiles, start_gunicorn, timed, verdict  # noqa: E402
from scripts.bench_api import ensure_data, province_env  # noqa: E402

CLUSTER, NODE = "anping-wire-mesh", "membrane"


def instance(scale: int) -> tuple[dict[str, str], Graph]:
    if scale == 1_000_000:
        env = province_env()
        return env, keyed(ensure_data(env))
    env = bench_env(f"rec-{scale}", 7690 + len(str(scale)), "1g")
    subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], env=env, check=True)
    graph = Graph(Settings.from_env(env))
    apply_schema(graph)
    if graph.read("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"] < scale:
        data = ROOT / "var" / f"rec-{scale}"
        if not (data / "supplies.csv").exists():
            subprocess.run([sys.executable, str(ROOT / "scripts" / "synth.py"), "--scale", "province", "--seed", "11",
                            "--enterprises", str(scale), "--supplies", str(3 * scale), "--out", str(data)], check=True)
        for directory in (ROOT / "seeds", ROOT / "seeds" / "synthetic", data):
            load_directory(graph, POLICIES, directory)
    return env, keyed(graph)


def keyed(graph: Graph) -> Graph:
    """Rank keys current (an instance loaded before they existed gets them once; timed, it is the migration)."""
    if not upkeep.keys_current(graph, POLICIES.recommendation):
        began = time.monotonic()
        firms = upkeep.rebuild_keys(graph, POLICIES.recommendation)
        print(f"rank keys rebuilt for {firms:,} firms in {time.monotonic() - began:.1f} s", flush=True)
    return graph


SAMPLES: dict = {
    "random": "MATCH (e:Enterprise) WHERE e.name IS NOT NULL WITH e ORDER BY rand() LIMIT 200 RETURN e.uscc AS u",
    "division": "MATCH (e:Enterprise {status: 'active'}) "
                "WHERE (e.region STARTS WITH '11' OR e.region STARTS WITH '12') "
                "AND any(x IN e.industry_codes WHERE left(x, 2) IN $divisions) "
                "WITH e ORDER BY rand() LIMIT 200 RETURN e.uscc AS u",
    "county": "MATCH (e:Enterprise {region: $county}) WHERE e.name IS NOT NULL "
              "WITH e ORDER BY rand() LIMIT 200 RETURN e.uscc AS u",
}


def writers(graph: Graph, cluster: str, nodes: list[str]) -> dict[str, object]:
    """Per kind, a function making one write of that kind (see the module's docstring)."""
    place = graph.read("MATCH (c:Cluster {id: $c}) OPTIONAL MATCH (c)-[:HAS_NODE]->(n:ChainNode) WHERE n.id IN $nodes "
                       "WITH c, reduce(a = [], x IN collect(n.industry_codes) | a + x) AS codes "
                       "RETURN c.county AS county, [x IN codes | left(x, 2)] AS d", c=cluster, nodes=nodes)[0]
    year = dt.date.today().year - 1
    out: dict[str, object] = {"warm": None}
    for kind, query in SAMPLES.items():
        sample = [r["u"] for r in graph.read(query, divisions=place["d"], county=place["county"])]
        if not sample:  # no node to rank: no division to write to
            continue
        pool = itertools.cycle(sample)

        def revenue_change(pool=pool) -> None:
            uscc = next(pool)
            revenue = {int(y): v for y, v in get_enterprise(graph, uscc)["revenue_cny"].items()}
            revenue[year] = revenue.get(year, 0) + 1
            patch_enterprise(graph, POLICIES, uscc, {"revenue_cny": revenue})

        out[kind] = revenue_change
    local = [r["u"] for r in graph.read(
        "MATCH (:Cluster {id: $c})-[:HAS_NODE]->(:ChainNode)<-[:OPERATES_IN]-(e:Enterprise {status: 'active'}) "
        "WHERE e.region = $county WITH DISTINCT e ORDER BY e.uscc LIMIT 25 RETURN e.uscc AS u",
        c=cluster, county=place["county"])]
    partners = itertools.cycle(local)
    flipped: set[str] = set()

    def status_change() -> None:  # each firm deregistered, then active again at its next turn
        uscc = next(partners)
        patch_enterprise(graph, POLICIES, uscc, {"status": "active" if uscc in flipped else "deregistered"})
        flipped.symmetric_difference_update({uscc})

    def restore() -> None:
        for uscc in sorted(flipped):
            patch_enterprise(graph, POLICIES, uscc, {"status": "active"})
        flipped.clear()

    if local:  # a cluster without active local firms has no partner to write to
        out["partner"] = status_change
    out["restore"] = restore
    out["cold"] = lambda: graph.write("MERGE (t:BenchTick {id: 'recommend'}) SET t.at = timestamp()")
    return out


def timings(session: requests.Session, url: str, headers: dict, n: int, write=None) -> tuple[float, float, dict]:
    """p50 and p95 of n requests, each after one `write` (not timed; None: repeats of the same request); both
    workers see the request (and the write) before timing."""
    samples, response = timed(get(session, url, headers), n, before=write, warm=8)
    return *percentiles(samples)[:2], response.json()


def operators(graph: Graph, query: LiteralString, **params) -> list[str]:
    """The operators of a query's PROFILE, leaf first."""
    with graph.driver.session(database=graph.database) as session:
        result = session.run("PROFILE " + query, **params)
        list(result)  # a profile needs every row pulled
        summary = result.consume()
    out: list[str] = []

    def walk(op: dict) -> None:
        for child in op.get("children", []):
            walk(child)
        out.append(op["operatorType"].split("@")[0])

    walk(summary.profile or {})
    return out


POLICIES = load_policies()


def request(node: str, limit: int, today: dt.date) -> target.Request:
    return target.Request(CLUSTER, node, ("11", "12"), limit, None, today, POLICIES)


def plan(graph: Graph) -> tuple[int, list[str], list[str]]:
    """Candidates of the benchmark node (active Beijing/Tianjin firms its walk reaches) and the operators of the
    walk's candidate query and of a first round of the rank-key search."""
    today = dt.date.today()
    node = f"{CLUSTER}.{NODE}"
    req = request(node, 20, today)
    _, params = search.query_parameters(graph, req)
    lanes = target.target_context(graph, req)[1]["lanes"]
    count = graph.read(search._NEAR + search.CANDIDATE_FILTER + "RETURN count(e) AS n", **params)[0]["n"]
    return count, operators(graph, search.CANDIDATES_NEAR, **params), operators(
        graph, search.LANE_ROWS, **params, take=25, ties_full=POLICIES.recommendation["ties"]["full_at"], seen=[],
        lanes=[{"code": c, "low": c + "|", "high": c + "|~", "need": None} for c in lanes])


def in_process(graph: Graph, runs: int = 20) -> dict[str, tuple[float, float, int]]:
    """Best and median ms of one fresh ranking of the benchmark node (limit 20), by the rank keys, by the rank keys
    from a guess of the k-th score (what a list ranked again after a write starts from: the last list's k-th less
    service.GUESS_MARGIN), by the rank keys counting the ties of every firm tied to the county (the tie-links bound
    read as 1.0, as before key layout 5) and by the walk read in bound order, in this process; with the rows the
    rank-key search read from the lanes."""
    node, out = f"{CLUSTER}.{NODE}", {}
    rows = []
    read = graph.read

    def counting(query, **params):
        found = read(query, **params)
        if query == search.LANE_ROWS:
            rows.append(sum(r["read"] for r in found))
        return found

    bounded = search.LANE_ROWS
    graph.read = counting  # type: ignore[method-assign]
    try:
        req = request(node, 20, dt.date.today())
        guess = service.kth_guess(req, service.for_node(graph, req))
        for name, page in (("rank keys", None), ("keys from a guess", None), ("keys, no tie bound", None),
                           ("walk", 40)):
            search.LANE_ROWS = bounded.replace(TIE_BOUND, "1.0") if name == "keys, no tie bound" else bounded
            samples = []
            for _ in range(runs):
                rows.clear()
                t = time.perf_counter()
                if name == "keys from a guess":  # as for_node without revision tokens: the target context read too
                    search.ranked_list(graph, req, reuse.cached_context(graph, req, None),
                                       upkeep.keys_version(req.config), guess=guess)
                else:
                    service.for_node(graph, req, page=page)
                samples.append((time.perf_counter() - t) * 1000)
            samples.sort()
            out[name] = (samples[0], samples[len(samples) // 2], sum(rows))
    finally:
        graph.read = read  # type: ignore[method-assign]
        search.LANE_ROWS = bounded
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scales", default="10000,100000,1000000")
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    for scale in [int(s) for s in args.scales.split(",")]:
        env, graph = instance(scale)
        key = create_key(graph, "viewer", [], "bench_recommend")
        bj = graph.read("MATCH (e:Enterprise) WHERE e.region STARTS WITH '11' OR e.region STARTS WITH '12' "
                        "RETURN count(e) AS n")[0]["n"]
        candidates, walk, lanes = plan(graph)
        print(instance_report(graph, env))
        print(f"\n== {scale:,} enterprises: {bj:,} in Beijing/Tianjin; {candidates:,} candidates for {CLUSTER}.{NODE}")
        print(f"   walk query operators (leaf first): {' -> '.join(walk)}")
        print(f"   rank-key round operators (leaf first): {' -> '.join(lanes)}")
        for name, (best, median, rows) in in_process(graph).items():
            print(f"   in-process fresh ranking by {name:18s}: best {best:6.1f} ms  median {median:6.1f} ms"
                  + (f"  ({rows} keys read)" if name != "walk" else ""))
        server, base = start_gunicorn(env, 2)
        headers = {"Authorization": f"Bearer {key}"}
        try:
            session = requests.Session()
            b50, b95, _ = timings(session, f"{base}/", headers, args.requests)
            print(f"   {'GET /api/v1/ (trivial JSON, baseline)':48s} p50 {b50:7.1f} ms  p95 {b95:7.1f} ms")
            for one_node, (name, url, n) in enumerate([
                ("one node, limit 20 (安平丝网 membrane)",
                 f"{base}/clusters/{CLUSTER}/recommendations?node={NODE}&limit=20", args.requests),
                ("whole cluster, limit 10 per node (安平丝网)", f"{base}/clusters/{CLUSTER}/recommendations",
                 max(20, args.requests // 5)),
                ("whole cluster, limit 10 per node (清河羊绒)", f"{base}/clusters/qinghe-cashmere/recommendations",
                 max(20, args.requests // 5)),
            ]):
                body = session.get(url, headers=headers).json()
                print(f"   {name} ({len(body['nodes'])} nodes, {len(body['items'])} items)")
                modes = writers(graph, body["cluster"], body["nodes"])
                restore = modes.pop("restore")
                try:
                    for mode, write in modes.items():
                        p50, p95, _ = timings(session, url, headers, n, write)
                        print(f"      after {mode:8s} write  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
                              + (f"  {verdict('recommend fresh', p95, b95)}" if one_node == 0 else ""))
                finally:  # the deregistered firms active again, even after a failed request
                    restore()  # type: ignore[operator]
        finally:
            server.terminate()
            server.wait()
            graph.close()


if __name__ == "__main__":
    main()
