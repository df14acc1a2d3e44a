"""Dependencies point inward (STYLE.md): the domain core never imports the web layer."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def test_import_rules():
    violations = []
    for path in sorted((ROOT / "chainmap").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        imports = imported_modules(path)
        if imports & {"flask", "flask_smorest", "marshmallow", "webargs", "api"}:
            violations.append(f"{rel} imports the web layer")
        if "neo4j" in imports and not rel.startswith("chainmap/graph/"):
            violations.append(f"{rel} imports neo4j outside chainmap/graph")
        if "requests" in imports and rel != "chainmap/client.py":
            violations.append(f"{rel} imports requests outside chainmap/client.py")
    for path in sorted((ROOT / "api").rglob("*.py")):
        if "neo4j" in imported_modules(path):
            violations.append(f"{path.relative_to(ROOT)} imports neo4j")
    assert violations == []
