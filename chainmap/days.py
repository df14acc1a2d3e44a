"""The days a record can carry, for every way a day comes in (the API, an officer's import): registrations,
协作配套 and projects of living firms, and deadlines ahead. Outside them a date is a typing slip (0001-01-01,
9999-12-31, 2999 for 2019) that would sort first or last in every list and, as a status change or a start, decide
as-of answers and reward checks. A day on which something happened is not after today."""

from __future__ import annotations

import datetime as dt

EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def problem(day: dt.date, *, happened: bool, today: dt.date | None = None) -> str | None:
    """Why `day` cannot be recorded (in Chinese), or None; `happened`: a day on which something took place."""
    if day < EARLIEST:
        return f"不能早于 {EARLIEST.isoformat()}"
    if day > LATEST:
        return f"不能晚于 {LATEST.isoformat()}"
    today = today or dt.date.today()
    if happened and day > today:
        return f"不能晚于今天（{today.isoformat()}）"
    return None
