"""scripts/synth.py is deterministic, and the committed synthetic set is exactly its output for --seed 7."""

import csv
import subprocess
import sys

from chainmap import uscc
from tests.conftest import ROOT, SEEDS


def run_synth(out, seed="7"):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "synth.py"), "--seed", seed, "--out", str(out)],
                   check=True, capture_output=True)


def test_committed_synthetic_set_is_reproducible(tmp_path):
    run_synth(tmp_path)
    for name in ("enterprises.csv", "supplies.csv", "introductions.csv"):
        assert (tmp_path / name).read_bytes() == (SEEDS / "synthetic" / name).read_bytes(), name


def test_another_seed_gives_another_world(tmp_path):
    run_synth(tmp_path, seed="8")
    assert (tmp_path / "enterprises.csv").read_bytes() != (SEEDS / "synthetic" / "enterprises.csv").read_bytes()


def test_synthetic_usccs_are_valid_and_unique():
    with open(SEEDS / "synthetic" / "enterprises.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    codes = [r["uscc"] for r in rows]
    assert len(set(codes)) == len(codes)
    assert all(uscc.is_valid(c) for c in codes)
    assert all(r["region"] == r["uscc"][2:8] for r in rows)  # registered where they sit
    assert {r["entity_type"] for r in rows} == {"company", "individual_business", "family_farm", "cooperative", "branch"}
    assert all(r["synthetic"] == "true" for r in rows)
