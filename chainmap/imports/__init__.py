"""Real data in (issue 17): registry exports, 规上企业 lists and 协作配套 survey sheets as officers hold them.

Pure rules (`text`, `values`, `places`, `industries`, `profiles`, `records`) turn a source row into a record or a
list of reasons; `sources` reads CSV/XLSX files; `report` writes the Chinese report; `registry` and `partners` are
the graph-backed services.
"""
