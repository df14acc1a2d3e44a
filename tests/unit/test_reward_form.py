"""The 奖励核定表 from a recorded check, without the graph."""

import datetime as dt

from chainmap import uscc
from chainmap.rewards.form import form


def test_a_form_recorded_with_a_duplicate_row_lists_the_partner_once():
    """Checks recorded earlier listed a counted partner's second relationship as excluded (重复); the form does not."""
    p, q = uscc.compose("9", "1", "131081", "P0000001"), uscc.compose("9", "1", "110105", "P0000002")
    row = {"uscc": p, "name": "甲", "entity_type_name": "企业", "relation_name": "向本企业供货", "since": "2024-01-01"}
    check = {"id": "rc-1", "as_of": "2026-11-27", "outcome": "ineligible", "amount_cny": 0, "checks": [],
             "enterprise": {"uscc": q, "name": "乙"}, "cluster": {"id": "c", "county": "131081"},
             "policy": {"version": "v", "text": "条款", "article": "三（三）6"},
             "partners": {"counted": [row], "excluded": [
                 {**row, "reason": "重复：与该主体的另一项协作配套关系已计入"},
                 {**row, "uscc": q, "reason": "登记地不在本县"}, {**row, "uscc": q, "reason": "已注销"}]}}
    excluded = form(check, "单位", dt.date(2026, 11, 27)).tables[2]
    assert excluded.title == "未计入的主体（1家）" and [r[2] for r in excluded.rows] == [q, q]


def test_an_empty_table_reads_none_in_the_workbook_as_on_the_page():
    import io

    from openpyxl import load_workbook

    from chainmap.rewards.form import to_xlsx

    q = uscc.compose("9", "1", "110105", "P0000002")
    check = {"id": "rc-1", "as_of": "2026-11-27", "outcome": "ineligible", "amount_cny": 0, "checks": [],
             "enterprise": {"uscc": q, "name": "乙"}, "cluster": {"id": "c", "county": "131081"},
             "policy": {"version": "v", "text": "条款", "article": "三（三）6"},
             "partners": {"counted": [], "excluded": []}}
    rows = [[c for c in r if c is not None] for r in load_workbook(io.BytesIO(to_xlsx(form(
        check, "单位", dt.date(2026, 11, 27))))).active.iter_rows(values_only=True)]
    for title in ("计入的本地市场主体（0家）", "未计入的主体（0家）"):
        at = rows.index([title])
        assert rows[at + 2] == ["无"], rows[at:at + 3]  # under the table's header
