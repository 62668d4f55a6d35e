"""Bulk output: verify_columns, verify_to_arrow, paths (a directory, JSON
Lines), chunking, and Report.decided_by."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pytest

import certanchor
from certanchor import sample

from conftest import ISSUED_AT, NOW, issue_licenses


@pytest.fixture(scope="module")
def batch() -> certanchor.IssuedBatch:
    return issue_licenses(40, "py-bulk")


@pytest.fixture(scope="module")
def texts(batch: certanchor.IssuedBatch) -> list[str]:
    return [b.to_text() for b in batch.bundles()]


def test_default_columns_match_the_reports(verifier: certanchor.Verifier, texts: list[str]) -> None:
    rows: list[Any] = [texts[0], "CA1:broken", None, texts[1]]
    cols = verifier.verify_columns(rows, now=NOW, errors="report")
    assert list(cols) == ["input", "verdict", "check", "code", "reason"]
    reports = verifier.verify_many(rows, now=NOW, errors="report")
    assert cols["input"] == ["row 0", "row 1", "row 2", "row 3"]
    assert cols["verdict"] == [r.verdict for r in reports] == ["valid", "invalid", "invalid", "valid"]
    for i, r in enumerate(reports):
        d = r.decided_by
        assert (cols["check"][i], cols["code"][i], cols["reason"][i]) == (
            (d.check, d.code, d.reason) if d else (None, None, None)
        )
    assert cols["code"][2] == "unexpected_type" and cols["reason"][2].startswith("row 2: ")


def test_every_column_and_typed_fields(verifier: certanchor.Verifier, texts: list[str]) -> None:
    cols = verifier.verify_columns(
        texts[:3], columns=certanchor.REPORT_COLUMNS, fields=["name", "registered_capital", "nope"], now=NOW
    )
    assert list(cols) == [*certanchor.REPORT_COLUMNS, "name", "registered_capital", "nope"]
    assert cols["row"] == [0, 1, 2]
    assert cols["kind"] == ["business_license"] * 3
    assert cols["issuer"] == ["cn.beijing.scjgj"] * 3
    assert cols["batch"] == ["py-bulk"] * 3
    assert cols["endorsers"] == [["cn.beijing.tax"]] * 3
    assert cols["issued_at"][0] == dt.datetime.fromtimestamp(ISSUED_AT, dt.timezone.utc)
    assert cols["certificate_id"][0] == sample.business_license(0)["id"]
    assert cols["name"][0] == sample.business_license(0)["fields"]["name"]
    assert isinstance(cols["registered_capital"][0]["amount"], Decimal)
    assert cols["nope"] == [None] * 3
    report = verifier.verify(texts[0], now=NOW)
    assert cols["anchor_id"][0] == report.anchor_id
    assert cols["registered_capital"][0] == report.disclosed["registered_capital"]


def test_bad_names_are_refused(verifier: certanchor.Verifier, texts: list[str]) -> None:
    with pytest.raises(ValueError, match="unknown column 'verdicts'"):
        verifier.verify_columns(texts, columns=["verdicts"])
    with pytest.raises(ValueError, match="named twice"):
        verifier.verify_columns(texts, columns=["verdict", "verdict"])
    with pytest.raises(ValueError, match="field 'verdict'"):
        verifier.verify_columns(texts, fields=["verdict"])
    with pytest.raises(ValueError, match="chunk_size"):
        verifier.verify_columns(texts, chunk_size=0)
    with pytest.raises(TypeError, match="wrap it in a list"):
        verifier.verify_columns(texts[0])
    with pytest.raises(TypeError, match="row 1: "):
        verifier.verify_columns([texts[0], 3])  # type: ignore[list-item]


def test_chunking_changes_nothing_and_a_later_revocation_counts(
    verifier: certanchor.Verifier,
) -> None:
    batch = issue_licenses(6, "py-bulk-revoked")
    old3 = batch.bundle(3).to_text()
    issuer = certanchor.Issuer(sample.key("cn.beijing.scjgj"), "cn.beijing.scjgj")
    issuer.update_status(batch, "revocation", {3: True}, now=ISSUED_AT + 60)
    new5 = batch.bundle(5).to_text()
    rows = [old3] * 5 + [new5]
    for chunk in (1, 2, 100):
        fresh = certanchor.Verifier(verifier.trust_store)
        cols = fresh.verify_columns(rows, now=NOW, chunk_size=chunk, columns=["row", "verdict", "code"])
        assert cols["row"] == list(range(6))
        assert cols["verdict"] == ["invalid"] * 5 + ["valid"], chunk
        assert cols["code"] == ["revoked"] * 5 + [None]
        # a one-shot iterator is read whole first: the same verdicts
        fresh = certanchor.Verifier(verifier.trust_store)
        gen = fresh.verify_columns(iter(rows), now=NOW, chunk_size=chunk, columns=["verdict"])
        assert gen["verdict"] == cols["verdict"]


def test_series_generator_and_threads(verifier: certanchor.Verifier, texts: list[str]) -> None:
    want = verifier.verify_columns(texts, now=NOW)
    s = pd.Series(texts, index=range(100, 140))
    assert verifier.verify_columns(s, now=NOW, chunk_size=7) == want

    def gen() -> Iterator[str]:
        yield from texts

    assert verifier.verify_columns(gen(), now=NOW, threads=1, progress=True) == want
    assert pd.DataFrame(want).shape == (40, 5)


def _write_sources(tmp: Path, texts: list[str]) -> tuple[Path, Path]:
    d = tmp / "bundles"
    d.mkdir()
    for i, t in enumerate(texts[:5]):
        (d / f"{i:03}.cab").write_text(t)
    (d / "999.cab").write_bytes(b"\x00not a bundle")
    lines = [json.dumps(texts[0]), "", json.dumps({"bundle": base64.b64encode(certanchor.Bundle.from_text(texts[1]).to_bytes()).decode()})]
    lines += ["not json", json.dumps({"id": "x"}), json.dumps(texts[2])]
    jsonl = tmp / "rows.jsonl"
    jsonl.write_text("\n".join(lines) + "\n")
    return d, jsonl


def test_a_directory_and_json_lines(verifier: certanchor.Verifier, texts: list[str], tmp_path: Path) -> None:
    d, jsonl = _write_sources(tmp_path, texts)
    cols = verifier.verify_columns(d, now=NOW, chunk_size=2)
    assert [Path(p).name for p in cols["input"]] == ["000.cab", "001.cab", "002.cab", "003.cab", "004.cab", "999.cab"]
    assert cols["verdict"] == ["valid"] * 5 + ["invalid"]
    assert cols["check"][5] == "format"
    cols = verifier.verify_columns(jsonl, now=NOW, columns=["input", "verdict", "code"])
    assert [p.rsplit(":", 1)[1] for p in cols["input"]] == ["1", "3", "4", "5", "6"]
    assert cols["verdict"] == ["valid", "valid", "invalid", "invalid", "valid"]
    assert cols["code"] == [None, None, "invalid_text_form", "unexpected_type", None]
    # verify_many takes the same paths; the reports name the line
    reports = verifier.verify_many(jsonl, now=NOW)
    assert [r.verdict for r in reports] == cols["verdict"]
    assert reports[2].decided_by is not None
    assert reports[2].decided_by.reason.startswith(f"{jsonl}:4: not a bundle")
    assert len(verifier.verify_many(d, now=NOW, progress=True)) == 6


def test_a_missing_source_is_an_os_error(verifier: certanchor.Verifier, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        verifier.verify_columns(tmp_path / "nope.jsonl")
    with pytest.raises(FileNotFoundError):
        verifier.verify_many(tmp_path / "nope")


def test_to_arrow(verifier: certanchor.Verifier, texts: list[str]) -> None:
    rows: list[Any] = [None, *texts[:9]]
    table = verifier.verify_to_arrow(
        rows,
        now=NOW,
        errors="report",
        columns=["row", "verdict", "code", "issued_at", "endorsers"],
        fields=["name", "registered_capital"],
        chunk_size=1,
    )
    assert isinstance(table, pa.Table)
    assert table.num_rows == 10
    assert table.column_names == ["row", "verdict", "code", "issued_at", "endorsers", "name", "registered_capital"]
    # the first chunk is all nulls; the decimals of the other chunks differ
    # in precision: one type per column
    assert table.schema.field("row").type == pa.int64()
    assert table.schema.field("issued_at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("endorsers").type == pa.list_(pa.string())
    capital = table.schema.field("registered_capital").type
    assert pa.types.is_struct(capital) and pa.types.is_decimal(capital.field("amount").type)
    df = table.to_pandas()
    assert df["verdict"].tolist() == ["invalid"] + ["valid"] * 9
    assert df["code"].iloc[0] == "unexpected_type"
    want = verifier.verify_columns(rows, now=NOW, errors="report", fields=["registered_capital"])
    assert [c and c["amount"] for c in table.column("registered_capital").to_pylist()] == [
        c and c["amount"] for c in want["registered_capital"]
    ]


def test_to_arrow_of_nothing(verifier: certanchor.Verifier) -> None:
    table = verifier.verify_to_arrow([], columns=["row", "verdict"])
    assert table.num_rows == 0 and table.column_names == ["row", "verdict"]


def test_decided_by_prefers_a_failure(verifier: certanchor.Verifier, texts: list[str]) -> None:
    valid = verifier.verify(texts[0], now=NOW)
    assert valid.decided_by is None
    broken = verifier.verify("CA1:broken", now=NOW)
    assert broken.decided_by == broken.failures()[0]
    # a revocation list fresh for an hour, two hours later: status is
    # indeterminate, nothing failed
    batch = issue_licenses(2, "py-bulk-stale")
    issuer = certanchor.Issuer(sample.key("cn.beijing.scjgj"), "cn.beijing.scjgj")
    issuer.update_status(batch, "revocation", {}, now=ISSUED_AT, ttl=3600)
    late = verifier.verify(batch.bundle(0), now=ISSUED_AT + 7200)
    assert late.verdict == "indeterminate" and late.failures() == []
    assert late.decided_by == late.problems()[0]
    assert late.decided_by is not None and late.decided_by.code == "stale_status"
    cols = verifier.verify_columns([batch.bundle(0)], now=ISSUED_AT + 7200)
    assert (cols["verdict"], cols["check"], cols["code"]) == (["indeterminate"], ["status"], ["stale_status"])


def test_limits_on_arguments(verifier: certanchor.Verifier, texts: list[str]) -> None:
    with pytest.raises(ValueError, match="threads must be at most 256"):
        verifier.verify_columns(texts, threads=100_000)
    with pytest.raises(ValueError, match="threads must be at most"):
        verifier.verify_many(texts, threads=257)
    # a huge chunk reserves nothing it does not fill
    cols = verifier.verify_columns(texts[:3], now=NOW, chunk_size=2**63)
    assert cols["verdict"] == ["valid"] * 3


def test_a_pipe_or_fifo_is_refused_not_read_empty(verifier: certanchor.Verifier, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a directory or a regular file"):
        verifier.verify_columns(fifo)
    with pytest.raises(OSError, match="give `-` for standard input"):
        verifier.verify_many(fifo)


def test_a_bom_and_crlf_in_json_lines(verifier: certanchor.Verifier, texts: list[str], tmp_path: Path) -> None:
    p = tmp_path / "windows.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(json.dumps(t).encode() for t in texts[:3]) + b"\r\n")
    assert verifier.verify_columns(p, now=NOW)["verdict"] == ["valid"] * 3


def test_from_json_hint_only_for_what_looks_like_a_name() -> None:
    with pytest.raises(certanchor.TrustStoreError) as long_text:
        certanchor.TrustStore.from_json("x" * 5000)
    assert "pathlib" not in str(long_text.value) and len(str(long_text.value)) < 1000
    with pytest.raises(certanchor.TrustStoreError) as multi:
        certanchor.TrustStore.from_json("not\njson")
    assert "pathlib" not in str(multi.value)


def test_arrow_columns_as_input(verifier: certanchor.Verifier, texts: list[str]) -> None:
    table = pa.table({"bundle": texts[:4] + [None]})
    cols = verifier.verify_columns(table.column("bundle"), now=NOW, errors="report")
    assert cols["verdict"] == ["valid"] * 4 + ["invalid"]
    # a null Arrow value is not a bundle: named by its row and type
    assert cols["code"][4] == "unexpected_type"
    assert cols["reason"][4] == "row 4: a bundle must be bytes, CA1 text (str) or a Bundle, not StringScalar"
    binary = pa.array([certanchor.Bundle.from_text(t).to_bytes() for t in texts[:2]], type=pa.binary())
    assert verifier.verify_columns(binary, now=NOW)["verdict"] == ["valid"] * 2
