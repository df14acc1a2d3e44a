"""招商项目 stage rules as a table: which moves are allowed, the stage on a day, 超期."""

import datetime as dt

import pytest

from chainmap import project_rules as r

D = dt.date
TODAY = D(2026, 11, 30)

MOVES = [
    # current, last change, new, on, reason, refused field (None: allowed)
    (None, None, "lead", D(2026, 1, 5), None, None),
    (None, None, "signed", D(2026, 1, 5), None, None),                 # a project may start at any stage
    (None, None, "lead", D(2026, 12, 1), None, "on"),                   # not in the future
    ("lead", D(2026, 1, 5), "contacted", D(2026, 1, 5), None, None),    # same day is fine
    ("lead", D(2026, 1, 5), "signed", D(2026, 2, 1), None, None),       # forward, skipping stages
    ("lead", D(2026, 1, 5), "contacted", D(2026, 1, 4), None, "on"),    # before the previous change
    ("signed", D(2026, 3, 1), "negotiating", D(2026, 3, 2), None, "stage"),  # never backwards
    ("signed", D(2026, 3, 1), "signed", D(2026, 3, 2), None, "stage"),  # not the same stage again
    ("building", D(2026, 3, 1), "landed", D(2026, 6, 1), None, None),
    ("negotiating", D(2026, 3, 1), "terminated", D(2026, 4, 1), "投资方战略调整", None),
    ("negotiating", D(2026, 3, 1), "terminated", D(2026, 4, 1), None, "reason"),  # 终止 needs a reason
    ("landed", D(2026, 3, 1), "terminated", D(2026, 4, 1), "停产", "stage"),      # closed stays closed
    ("terminated", D(2026, 3, 1), "lead", D(2026, 4, 1), None, "stage"),
]


@pytest.mark.parametrize("current,last_on,new,on,reason,refused", MOVES)
def test_moves(current, last_on, new, on, reason, refused):
    problem = r.move_problem(current, last_on, new, on, reason, TODAY)
    assert (problem[0] if problem else None) == refused
    if problem:
        assert all(ord(ch) > 127 for ch in problem[1] if ch.isalpha())  # the reason is Chinese


HISTORY = [{"seq": 1, "stage": "lead", "on": D(2026, 7, 1)}, {"seq": 2, "stage": "contacted", "on": D(2026, 8, 15)},
           {"seq": 3, "stage": "signed", "on": D(2026, 8, 15)}, {"seq": 4, "stage": "landed", "on": D(2026, 10, 2)}]


@pytest.mark.parametrize("day,stage", [(D(2026, 6, 30), None), (D(2026, 7, 1), "lead"), (D(2026, 8, 14), "lead"),
                                       (D(2026, 8, 15), "signed"), (D(2026, 9, 30), "signed"),
                                       (D(2026, 10, 2), "landed"), (D(2030, 1, 1), "landed")])
def test_stage_on_a_day(day, stage):
    assert r.stage_on(HISTORY, day) == stage
    assert r.stage_on(list(reversed(HISTORY)), day) == stage  # order of the rows does not matter


@pytest.mark.parametrize("stage,due,overdue", [("lead", D(2026, 11, 29), True), ("lead", TODAY, False),
                                               ("lead", None, False), ("landed", D(2026, 1, 1), False),
                                               ("terminated", D(2026, 1, 1), False), (None, D(2026, 1, 1), False)])
def test_overdue(stage, due, overdue):
    assert r.is_overdue(stage, due, TODAY) is overdue


def test_changes_between_is_inclusive_and_ordered():
    assert [c["seq"] for c in r.changes_between(HISTORY, D(2026, 8, 15), D(2026, 10, 2))] == [2, 3, 4]
    assert r.changes_between(HISTORY, D(2026, 8, 16), D(2026, 10, 1)) == []
