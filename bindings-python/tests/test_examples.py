"""The Python examples run (small sizes) and do what they say."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd

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


def demo_counts(count: int) -> str:
    """What dask_bulk_verify.py prints for ``count`` demo bundles: row 0 is
    not a bundle, the last one's revocation list is stale."""
    return str({"valid": count - 2, "invalid": 1, "indeterminate": 1})


def assert_demo_reports(reports: Path, count: int) -> None:
    """The reports dask_bulk_verify.py wrote (``--output``) for ``count`` demo
    bundles: each not-valid row names its deciding check, code and reason."""
    table = pd.read_parquet(reports)
    assert len(table) == count
    assert table["id"].is_unique
    assert table["verdict"].value_counts().to_dict() == {
        "valid": count - 2, "invalid": 1, "indeterminate": 1
    }
    rows = {r["verdict"]: r for r in table.to_dict("records") if r["verdict"] != "valid"}
    assert (rows["invalid"]["check"], rows["invalid"]["code"]) == ("format", "invalid_text_form")
    assert (rows["indeterminate"]["check"], rows["indeterminate"]["code"]) == ("status", "stale_status")
    assert "stale" in rows["indeterminate"]["reason"]
    assert all(rows[v]["reason"] for v in rows)
    valid = table[table["verdict"] == "valid"]
    assert (valid[["check", "code", "reason"]] == "").all().all()


def test_dask_bulk_verify_parquet(tmp_path: Path) -> None:
    out = _run("dask_bulk_verify.py", "--count", "600", "--partitions", "4", cwd=tmp_path)
    assert "verified 600 bundles" in out
    assert demo_counts(600) in out
    # the printed rows that are not valid: one invalid, one indeterminate, with reasons
    lines = [line.split() for line in out.splitlines()]
    assert [w[1:4] for w in lines if w[1:2] == ["indeterminate"] and len(w) > 4] == [
        ["indeterminate", "status", "stale_status"]
    ], out
    assert [w[1:4] for w in lines if w[1:2] == ["invalid"] and len(w) > 4] == [
        ["invalid", "format", "invalid_text_form"]
    ], out


def test_dask_bulk_verify_csv(tmp_path: Path) -> None:
    out = _run(
        "dask_bulk_verify.py", "--count", "300", "--format", "csv", "--partitions", "3",
        "--threads", "1", "--output", str(tmp_path / "reports"), cwd=tmp_path,
    )
    assert "verified 300 bundles" in out
    assert demo_counts(300) in out
    assert_demo_reports(tmp_path / "reports", 300)
