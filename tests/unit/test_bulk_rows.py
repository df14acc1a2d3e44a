"""The bulk import's fast row reader gives exactly what the online loader's read_csv + parse_row give: the same
values for good rows, the same (field, reason) list for bad ones, the same line numbers (blank lines, short and long
rows, repeated text served from its cache)."""

import datetime as dt

from chainmap import uscc
from chainmap.loading import fields as f
from chainmap.loading import formats
from chainmap.loading.bulk import _parsed
from chainmap.loading.loader import parse_row, read_csv

A = uscc.compose("9", "1", "130534", "T0000001")
B = uscc.compose("9", "1", "110108", "T0000002")
C = uscc.compose("9", "1", "120101", "T0000003")
NEXT_YEAR = dt.date.today().year + 1

ENTERPRISES = [
    "uscc,name,entity_type,region,industry_codes,chain_nodes,revenue_cny,status,group,registered_on,synthetic,"
    "bj_restricted,expansion_year,green_factory,products",
    f"{A},清河县测试羊绒有限公司,company,130534,1721;1722,qinghe.spinning,2024=1;2025=2,active,,2020-01-01,true,,,,",
    f"{B}, 北京测试 ,branch,110108,1721,,,active,{A},,true,true,2024,false,羊绒纱",
    "",  # a blank line: skipped, and the line numbers after it count it
    f"{C},天津测试,company,120101,1721,,2024=5,active,,2020-01-01,true,,,,",   # the same texts again: from the caches
    f"{A[:-1]}0,坏校验码,company,130534,,,,active,,,true,,,,",
    f"{B},名,company,130534,9999x,,,active,,,true,,,,",                     # region outside the USCC's; bad code
    f"{C},名,branch,120101,,,{NEXT_YEAR}=5,active,,2020-13-01,maybe,,1980,,",  # many errors in one row
    f"{C},名,company,120101,1721;1721,,2024=5;2024=6,active,{C},,true,,,,",   # a list twice; own group
    f"{C},短行,company",                                                    # a short row
    f"{C},长行,company,120101,,,,active,,,true,,,,,extra",                   # a long row
    f"{C},\"带\x01控制字符\",company,120101,,,,active,,,true,,,,",
    f"{C},名,company,120101,1721,,,active,,2020-01-01,true,,,,",            # the cached texts of a good row again
]

SUPPLIES = [
    "supplier,customer,kind,since,until,evidence",
    f"{A},{B},supplies,2022-03-11,,",
    f"{B},{A},processes_for,2022-03-11,2024-01-01,合同",
    f"{A},{A},supplies,2022-03-11,,",               # supplies itself
    f"{A},{B},supplies,2022-03-11,2021-01-01,",     # until before since
    f"{A},XYZ,borrows,2022-02-30,,",                # bad customer, kind, date
    f",{B},supplies,,,",                            # required fields empty
    f"{A},{B},supplies,2022-03-11,,",               # the good row again, from the caches
]


def both(tmp_path, spec, lines, shortcuts=None):
    path = tmp_path / spec.file
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = list(_parsed(path, spec, shortcuts or {}))
    slow = [(line, *parse_row(spec, raw)) for line, raw in read_csv(path)]
    return fast, slow


def test_enterprise_rows_read_as_parse_row_reads_them(tmp_path):
    fast, slow = both(tmp_path, formats.ENTERPRISES, ENTERPRISES)
    assert fast == slow
    assert [line for line, _, errors in fast if not errors] == [2, 3, 5, 11, 13]  # the long row: extra cells ignored
    assert len([1 for _, _, errors in fast if errors]) == 6


def test_supply_rows_read_as_parse_row_reads_them_with_the_known_firms_shortcut(tmp_path):
    known = {A, B}

    def known_uscc(raw: str) -> str:
        return raw if raw in known else f.uscc(raw)

    fast, slow = both(tmp_path, formats.SUPPLIES, SUPPLIES, {"supplier": known_uscc, "customer": known_uscc})
    assert fast == slow
    assert [line for line, _, errors in fast if not errors] == [2, 3, 8]
