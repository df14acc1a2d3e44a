"""An import in the audit trail (操作日志): one entry per written file, naming the file by its SHA-256 and listing
the keys it created and updated, so a firm that came in by import can be traced to the file and the key (or the
operator at the command line) that brought it. Dry runs and refused files wrote nothing and record nothing."""

from __future__ import annotations

import hashlib

from chainmap.audit_log import record_work
from chainmap.graph import Graph
from chainmap.imports.report import ImportReport


def record(graph: Graph, report: ImportReport, data: bytes) -> None:
    if report.dry_run or not report.written:
        return
    digest = hashlib.sha256(data).hexdigest()
    record_work(graph, f"import.{report.kind}", "import", digest, None, {
        "file": report.file, "sha256": digest, "profile": report.profile, "partial": report.partial,
        "rows_read": report.rows_read, "created": len(report.created), "updated": len(report.updated),
        "unchanged": len(report.unchanged), "rejected": len(report.rejected),
        "created_keys": [r["key"] for r in report.created], "updated_keys": [r["key"] for r in report.updated]})
