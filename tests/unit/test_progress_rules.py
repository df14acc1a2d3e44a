"""Report periods and the project counts of the progress report, as tables over plain data."""

import datetime as dt

import pytest

from chainmap import progress as p

D = dt.date


@pytest.mark.parametrize("code,kind,start,end,label,previous,year_ago", [
    ("2026-11", "month", D(2026, 11, 1), D(2026, 11, 30), "2026年11月", "2026-10", "2025-11"),
    ("2026-01", "month", D(2026, 1, 1), D(2026, 1, 31), "2026年1月", "2025-12", "2025-01"),
    ("2024-02", "month", D(2024, 2, 1), D(2024, 2, 29), "2024年2月", "2024-01", "2023-02"),
    ("2026-Q3", "quarter", D(2026, 7, 1), D(2026, 9, 30), "2026年第三季度", "2026-Q2", "2025-Q3"),
    ("2026-Q1", "quarter", D(2026, 1, 1), D(2026, 3, 31), "2026年第一季度", "2025-Q4", "2025-Q1"),
    ("2026-H1", "half", D(2026, 1, 1), D(2026, 6, 30), "2026年上半年", "2025-H2", "2025-H1"),
    ("2026-H2", "half", D(2026, 7, 1), D(2026, 12, 31), "2026年下半年", "2026-H1", "2025-H2"),
    ("2026", "year", D(2026, 1, 1), D(2026, 12, 31), "2026年", None, "2025"),
])
def test_periods(code, kind, start, end, label, previous, year_ago):
    period = p.parse_period(code)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)
    assert (period.previous().code if period.previous() else None) == previous
    assert period.shifted(12).code == year_ago


@pytest.mark.parametrize("code", ["2026-13", "2026-Q0", "2026-Q5", "2026-H3", "26-11", "2026-1", "2026Q3", ""])
def test_bad_periods(code):
    with pytest.raises(ValueError):
        p.parse_period(code)


def stage(seq, stage, on, migrated=False):
    return {"seq": seq, "stage": stage, "on": on, "migrated": migrated}


HISTORIES = [
    {"id": "a", "amount_10k_cny": 100.0, "stages": [stage(1, "lead", D(2026, 6, 20)), stage(2, "contacted", D(2026, 7, 2)),
                                                  stage(3, "registered", D(2026, 8, 1)), stage(4, "landed", D(2026, 9, 30))]},
    {"id": "b", "amount_10k_cny": None, "stages": [stage(1, "lead", D(2026, 7, 5)), stage(2, "terminated", D(2026, 8, 1))]},
    {"id": "c", "amount_10k_cny": 50.0, "stages": [stage(1, "signed", D(2026, 9, 1))]},          # recorded at 签约
    {"id": "m", "amount_10k_cny": 10.0, "stages": [stage(1, "landed", D(2026, 7, 1), True)]},    # migrated
    {"id": "z", "amount_10k_cny": 1.0, "stages": [stage(1, "lead", D(2026, 10, 1))]},            # after the period
]


def test_project_counts_name_their_projects():
    counts = p.project_counts(HISTORIES, D(2026, 7, 1), D(2026, 9, 30))
    assert {k: (v["count"], v["projects"]) for k, v in counts.items()} == {
        "new": (3, ["b", "c", "m"]),
        "advanced": (3, ["a"]),            # 接洽, 注册 (passing 签约), 投产/落地
        "signed": (2, ["a", "c"]),
        "landed": (1, ["a"]),              # the migrated landing is no observed move
        "terminated": (1, ["b"]),
    }


def test_amounts_by_stage_on_a_day():
    assert p.amounts_by_stage(HISTORIES, D(2026, 6, 30)) == {"lead": {"projects": 1, "amount_10k_cny": 100.0}}
    assert p.amounts_by_stage(HISTORIES, D(2026, 9, 30)) == {
        "signed": {"projects": 1, "amount_10k_cny": 50.0}, "landed": {"projects": 2, "amount_10k_cny": 110.0},
        "terminated": {"projects": 1, "amount_10k_cny": 0.0}}


@pytest.mark.parametrize("now,then,delta,rate", [(3, 2, 1, 0.5), (0, 4, -4, -1.0), (2, 0, 2, None), (None, 1, None, None)])
def test_change(now, then, delta, rate):
    assert (p.change(now, then)["delta"], p.change(now, then)["rate"]) == (delta, rate)


@pytest.mark.parametrize("before,after,moved", [("gap", "weak", "improved"), ("bottleneck", "present", "improved"),
                                                ("weak", "gap", "worse"), ("present", "bottleneck", "worse"),
                                                ("weak", "weak", "same")])
def test_direction(before, after, moved):
    assert p.direction(before, after) == moved
