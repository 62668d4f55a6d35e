"""The Python examples run (small sizes) and do what they say."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import certanchor

from conftest import ROOT

EXAMPLES = ROOT / "examples" / "python"


def _run(script: str, *args: str, cwd: Path) -> str:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_bank_kyc_check(tmp_path: Path) -> None:
    out = _run("bank_kyc_check.py", "--count", "2500", "--out", "fail.csv", "--progress", cwd=tmp_path)
    assert "verified 2500 bundles" in out
    rows = list(csv.DictReader((tmp_path / "fail.csv").open(encoding="utf-8")))
    # 3 revoked (7, 1007, 2007) and 3 forged (3, 1003, 2003)
    assert sorted((r["check"], r["code"]) for r in rows) == [
        ("issuer_signature", "unknown_key")
    ] * 3 + [("status", "revoked")] * 3, rows
    assert {r["verdict"] for r in rows} == {"invalid"}
    assert all(r["reason"] for r in rows)


def test_issue_titles(tmp_path: Path) -> None:
    out = _run("issue_titles.py", "--count", "30", "--out", "titles", cwd=tmp_path)
    assert "title 0: valid" in out
    rows = list(csv.DictReader((tmp_path / "titles" / "bundles.csv").open(encoding="utf-8")))
    assert len(rows) == 30
    verifier = certanchor.Verifier(certanchor.TrustStore.from_json(certanchor.sample.trust_json()))
    reports = verifier.verify_many([r["bundle"] for r in rows], now=certanchor.sample.JAN_1_2024 + 151 * 86_400)
    assert all(r.is_valid for r in reports)
    batch = certanchor.IssuedBatch.from_bytes((tmp_path / "titles" / "batch.bin").read_bytes())
    assert len(batch) == 30


def test_dask_bulk_verify_parquet(tmp_path: Path) -> None:
    out = _run("dask_bulk_verify.py", "--count", "600", "--partitions", "4", cwd=tmp_path)
    assert "verified 600 bundles" in out
    assert "{'valid': 599, 'invalid': 1}" in out


def test_dask_bulk_verify_csv(tmp_path: Path) -> None:
    out = _run(
        "dask_bulk_verify.py", "--count", "300", "--format", "csv", "--partitions", "3",
        "--output", str(tmp_path / "reports"), cwd=tmp_path,
    )
    assert "verified 300 bundles" in out
    assert "{'valid': 299, 'invalid': 1}" in out
