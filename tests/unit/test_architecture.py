"""Dependencies point inward (STYLE.md, README "Layout"): the domain core never imports the web layer, pure rules
never reach the graph, the graph adapter knows no domain module, and writers keep derived data in step only through
chainmap.upkeep."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Pure rule modules: plain data in, meaning out.
PURE = ["chainmap/gaps/rules.py", "chainmap/rewards/rule.py", "chainmap/rewards/stale.py", "chainmap/audit.py",
         "chainmap/recommendations/score.py", "chainmap/policy.py",
        "chainmap/vocab.py", "chainmap/uscc.py", "chainmap/geo.py", "chainmap/paging.py", "chainmap/errors.py",
        "chainmap/auth.py", "chainmap/imports/text.py", "chainmap/imports/values.py", "chainmap/imports/places.py",
        "chainmap/imports/industries.py", "chainmap/imports/profiles.py", "chainmap/imports/records.py"]
# What chainmap/graph may import of chainmap: itself and the leaves every layer shares.
# chainmap.audit is the audit entry's vocabulary: the adapter writes the entry in the write's own transaction.
GRAPH_MAY_IMPORT = ("chainmap.graph", "chainmap.errors", "chainmap.settings", "chainmap.vocab", "chainmap.policy",
                    "chainmap.audit")
# Writers: they change data and must not import a read side (gap analysis, recommendations) to keep it in step.
WRITERS = ["chainmap/enterprises.py", "chainmap/partners.py", "chainmap/chain.py", "chainmap/introductions.py",
           "chainmap/loading/loader.py", "chainmap/imports/registry.py", "chainmap/imports/partners.py"]
READ_SIDES = ("chainmap.recommendations", "chainmap.gaps.analysis")


def imported(path: Path) -> set[str]:
    """Fully qualified modules a file imports (its `from x import y` count as x and x.y)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


def tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_import_rules():
    violations = []
    for path in sorted((ROOT / "chainmap").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        modules = imported(path)
        if tops(modules) & {"flask", "flask_smorest", "marshmallow", "webargs", "api"}:
            violations.append(f"{rel} imports the web layer")
        if "neo4j" in tops(modules) and not rel.startswith("chainmap/graph/"):
            violations.append(f"{rel} imports neo4j outside chainmap/graph")
        if "requests" in tops(modules) and rel != "chainmap/client.py":
            violations.append(f"{rel} imports requests outside chainmap/client.py")
        if rel in PURE and any(m.startswith("chainmap.graph") for m in modules):
            violations.append(f"{rel} is a pure rule module but imports chainmap.graph")
        if rel.startswith("chainmap/graph/"):
            domain = [m for m in modules if m.startswith("chainmap.") and not m.startswith(GRAPH_MAY_IMPORT)]
            if domain:
                violations.append(f"{rel} imports domain modules {sorted(domain)}")
        if rel in WRITERS and any(m.startswith(READ_SIDES) for m in modules):
            violations.append(f"{rel} writes data but imports a read side (use chainmap.upkeep)")
    for path in sorted((ROOT / "api").rglob("*.py")):
        if "neo4j" in tops(imported(path)):
            violations.append(f"{path.relative_to(ROOT)} imports neo4j")
    assert violations == []


def test_no_module_outgrows_one_idea():
    """Small modules with domain names: none over 400 lines in chainmap/ or api/."""
    long = {p.relative_to(ROOT).as_posix(): n for p in [*(ROOT / "chainmap").rglob("*.py"), *(ROOT / "api").rglob("*.py")]
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_policy_is_passed_in_not_read_through_globals():
    """No module keeps a policy or configuration in a module global (they are loaded once and passed in)."""
    offenders = []
    for path in sorted((ROOT / "chainmap").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                offenders.append(f"{path.relative_to(ROOT)}: global {', '.join(node.names)}")
    assert offenders == []


def test_hebei_prefix_is_one_named_value():
    """Hebei's province prefix is chainmap.vocab.HEBEI (Cypher: $hebei), never a literal '13' in code."""
    found = []
    for path in sorted([*(ROOT / "chainmap").rglob("*.py"), *(ROOT / "api").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                    node.value == "13" or "'13'" in node.value or "^13" in node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == [f"chainmap/vocab.py:{_line('chainmap/vocab.py', 'HEBEI: Final = ')}"]


def _line(rel: str, start: str) -> int:
    return next(i for i, line in enumerate((ROOT / rel).read_text().splitlines(), 1) if line.startswith(start))
