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
