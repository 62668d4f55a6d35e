"""Core errors arrive as typed exceptions carrying the core's stable code."""

from __future__ import annotations

import json

import pytest

import certanchor
from certanchor import sample

from conftest import ISSUED_AT


def test_hierarchy() -> None:
    for cls in (
        certanchor.DecodeError,
        certanchor.KeyFormatError,
        certanchor.IssueError,
        certanchor.TrustStoreError,
        certanchor.VerifyError,
        certanchor.LedgerError,
    ):
        assert issubclass(cls, certanchor.CertanchorError)
        assert issubclass(cls, ValueError)
        assert cls.__module__ == "certanchor"
    assert not issubclass(certanchor.KeyFormatError, KeyError)


def test_decode_error() -> None:
    with pytest.raises(certanchor.DecodeError) as info:
        certanchor.Bundle.from_bytes(b"")
    assert info.value.code == "truncated"
    with pytest.raises(certanchor.DecodeError) as info2:
        certanchor.Bundle.from_text("HC1:nope")
    assert info2.value.code and str(info2.value)


def test_trust_store_error() -> None:
    doc = json.loads(sample.trust_json())
    doc["surprise"] = 1
    with pytest.raises(certanchor.TrustStoreError) as info:
        certanchor.TrustStore.from_json(json.dumps(doc))
    assert info.value.code
    with pytest.raises(certanchor.CertanchorError):
        certanchor.TrustStore.from_json(b"{")
    with pytest.raises(TypeError):
        certanchor.TrustStore.from_json(42)  # type: ignore[arg-type]


def test_trust_store_from_path(tmp_path: object) -> None:
    import pathlib

    assert isinstance(tmp_path, pathlib.Path)
    p = tmp_path / "trust.json"
    p.write_text(sample.trust_json(), encoding="utf-8")
    store = certanchor.TrustStore.from_json(p)
    assert "cn.beijing.tax" in store.issuer_ids
    # a file name as str is JSON text, and the error says how to read a file
    with pytest.raises(certanchor.TrustStoreError, match=r"pass pathlib\.Path\('trust\.json'\)") as info:
        certanchor.TrustStore.from_json("trust.json")
    # JSON text keeps its plain error
    with pytest.raises(certanchor.TrustStoreError) as plain:
        certanchor.TrustStore.from_json("{")
    assert "pathlib" not in str(plain.value)
    assert info.value.code == plain.value.code != "error"


def test_key_error() -> None:
    with pytest.raises(certanchor.KeyFormatError) as info:
        certanchor.SigningKey.from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert info.value.code


def test_issue_errors(titles: certanchor.IssuedBatch) -> None:
    issuer = certanchor.Issuer(sample.key("cn.beijing.ghzrzyw"), "cn.beijing.ghzrzyw")
    bad = sample.real_estate_title(0)
    bad["kind"] = "no_such_kind"
    with pytest.raises(certanchor.IssueError) as info:
        issuer.issue([bad], "b", issued_at=ISSUED_AT)
    assert info.value.code
    with pytest.raises(certanchor.IssueError) as info2:
        issuer.issue([], "b", issued_at=ISSUED_AT)
    assert info2.value.code
    with pytest.raises(certanchor.IssueError) as info3:
        titles.bundle(10_000)
    assert info3.value.code
    with pytest.raises(certanchor.IssueError) as info4:
        titles.bundle(0).with_fewer_fields(["not_a_field"])
    assert info4.value.code
    floaty = sample.real_estate_title(0)
    floaty["fields"]["building_area_m2"] = 89.5
    with pytest.raises(TypeError):
        issuer.issue([floaty], "b", issued_at=ISSUED_AT)
    with pytest.raises(ValueError):
        issuer.issue([{"kind": "real_estate_title"}], "b")


def test_verify_error(titles: certanchor.IssuedBatch) -> None:
    # A status list signed by a key the verifier does not trust.
    store = json.loads(sample.trust_json())
    store["issuers"] = [i for i in store["issuers"] if i["id"] != "cn.beijing.ghzrzyw"]
    store["policies"] = [p for p in store["policies"] if p["kind"] != "real_estate_title"]
    verifier = certanchor.Verifier(certanchor.TrustStore.from_json(json.dumps(store)))
    batch = certanchor.IssuedBatch.from_bytes(titles.to_bytes())
    issuer = certanchor.Issuer(sample.key("cn.beijing.ghzrzyw"), "cn.beijing.ghzrzyw")
    status = issuer.update_status(batch, "revocation", [0], now=ISSUED_AT)
    with pytest.raises(certanchor.VerifyError) as info:
        verifier.add_status_list(status)
    assert info.value.code
    with pytest.raises(certanchor.DecodeError):
        verifier.add_status_list(b"\x00")


def test_bad_input_is_a_report_not_an_exception(verifier: certanchor.Verifier) -> None:
    report = verifier.verify(b"\xff" * 10)
    assert report.verdict == certanchor.Verdict.INVALID
    assert report.checks[0].outcome == certanchor.Outcome.FAILED
    with pytest.raises(TypeError):
        verifier.verify(12)  # type: ignore[arg-type]
