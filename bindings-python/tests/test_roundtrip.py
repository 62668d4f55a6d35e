"""Issue → bundle → verify, selective disclosure and typed values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import certanchor
from certanchor import Outcome, Verdict, sample

from conftest import ISSUED_AT, NOW


def test_title_round_trip(titles: certanchor.IssuedBatch, verifier: certanchor.Verifier) -> None:
    assert len(titles) == 8
    bundle = titles.bundle(3)
    report = verifier.verify(bundle, now=NOW)
    assert report.verdict is Verdict.VALID, str(report)
    assert report.is_valid
    assert all(c.outcome in (Outcome.PASSED, Outcome.SKIPPED) for c in report.checks)
    assert report.issuer == "cn.beijing.ghzrzyw"
    assert report.endorsers == ["cn.beijing.zjw"]
    assert report.anchor_id == titles.anchor_id
    assert report.batch == "py-titles-001"
    cert = report.certificate
    assert cert is not None and cert["kind"] == "real_estate_title"
    assert cert["id"] == titles.ids[3] == bundle.header["id"]
    assert report.verified_at == dt.datetime.fromtimestamp(NOW, dt.timezone.utc)
    assert report.authentic
    # the same through both wire forms
    assert verifier.verify(bundle.to_text(), now=NOW).is_valid
    assert verifier.verify(bundle.to_bytes(), now=NOW).is_valid
    assert certanchor.Bundle.from_text(bundle.to_text()) == bundle
    assert certanchor.Bundle.from_bytes(bytes(bundle)) == bundle


def test_disclosed_values_are_typed(
    titles: certanchor.IssuedBatch, licenses: certanchor.IssuedBatch, verifier: certanchor.Verifier
) -> None:
    d = verifier.verify(titles.bundle(0), now=NOW).disclosed
    assert isinstance(d["building_area_m2"], Decimal)
    assert d["building_area_m2"] == Decimal(titles.fields(0)["building_area_m2"])
    assert isinstance(d["location"], str)
    assert all(isinstance(h["id_number"], str) for h in d["right_holders"])
    for enc in d.get("encumbrances", []):
        assert isinstance(enc["registered_on"], dt.date)
    assert d["term_until"] is None or isinstance(d["term_until"], dt.date)

    lic = verifier.verify(licenses.bundle(1), now=NOW).disclosed
    assert isinstance(lic["established_on"], dt.date)
    assert isinstance(lic["registered_capital"]["amount"], Decimal)
    assert lic["registered_capital"]["currency"] == "CNY"
    assert lic["business_term_until"] is None or isinstance(lic["business_term_until"], dt.date)


def test_disclose_fewer(licenses: certanchor.IssuedBatch, verifier: certanchor.Verifier) -> None:
    full = licenses.bundle(2)
    kyc = ["name", "uscc", "legal_representative", "registered_capital"]
    small = full.with_fewer_fields(kyc)
    assert sorted(small.disclosed_names) == sorted(kyc)
    assert small.header == full.header
    assert len(small.to_bytes()) < len(full.to_bytes())
    report = verifier.verify(small, now=NOW)
    assert report.is_valid
    assert sorted(report.disclosed) == sorted(kyc)
    # straight from the batch too
    direct = licenses.bundle(2, disclose=kyc)
    assert sorted(direct.disclosed_names) == sorted(kyc)
    assert verifier.verify(direct, now=NOW).disclosed == report.disclosed
    # nothing disclosed still proves the header
    assert verifier.verify(full.with_fewer_fields([]), now=NOW).disclosed == {}


def test_issue_with_python_values(verifier: certanchor.Verifier) -> None:
    cert = sample.business_license(42)
    cert["fields"]["established_on"] = dt.date.fromisoformat(cert["fields"]["established_on"])
    amount = cert["fields"]["registered_capital"]["amount"]
    cert["fields"]["registered_capital"]["amount"] = Decimal(amount)
    cert["valid_from"] = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    cert["valid_until"] = dt.date(2024, 12, 31)
    issuer = certanchor.Issuer(sample.key("cn.beijing.scjgj"), "cn.beijing.scjgj")
    batch = issuer.issue([cert], "py-values", issued_at=dt.datetime(2024, 5, 30))
    batch.endorse(sample.key("cn.beijing.gaj"), at=ISSUED_AT)
    report = verifier.verify(batch.bundle(0), now=dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc))
    assert report.is_valid, str(report)
    assert report.disclosed["registered_capital"]["amount"] == Decimal(amount)
    assert report.certificate is not None
    assert report.certificate["issued_at"] == ISSUED_AT
    assert report.certificate["valid_from"] == sample.JAN_1_2024
    # a date as valid_until is inclusive: its last second (core input rules)
    assert report.certificate["valid_until"] == sample.JAN_1_2024 + 366 * 86_400 - 1


def test_missing_endorsement_and_times(verifier: certanchor.Verifier) -> None:
    issuer = certanchor.Issuer(sample.key("cn.beijing.ghzrzyw"), "cn.beijing.ghzrzyw")
    batch = issuer.issue([sample.real_estate_title(1)], "py-unendorsed", issued_at=ISSUED_AT)
    report = verifier.verify(batch.bundle(0), now=NOW)
    assert report.verdict is Verdict.INVALID
    check = report.check("endorsements")
    assert check is not None and check.code == "endorsements_missing" and not check.passed
    # invalid, yet its claims are genuine; a forged signature's are not
    assert report.authentic and report.to_dict()["authentic"] is True
    forged = certanchor.Issuer(certanchor.SigningKey.generate(), "cn.beijing.ghzrzyw")
    fake = verifier.verify(forged.issue([sample.real_estate_title(1)], "py-forged", issued_at=ISSUED_AT).bundle(0), now=NOW)
    assert fake.verdict is Verdict.INVALID and not fake.authentic
    # before valid_from
    early = verifier.verify(batch.bundle(0), now=sample.JAN_1_2024 - 1)
    assert early.check("validity") is not None
    assert [c.code for c in early.failures()][-1] == "not_yet_valid"


def test_batch_persistence_and_views(titles: certanchor.IssuedBatch) -> None:
    again = certanchor.IssuedBatch.from_bytes(titles.to_bytes())
    assert again.anchor == titles.anchor
    assert again.bundle(5) == titles.bundle(5)
    assert titles.index_of(titles.ids[5] or "") == 5
    assert titles.index_of("no such id") is None
    assert len(titles.bundles(disclose=["location"])) == len(titles)
    j = titles.bundle(0).to_dict()
    assert isinstance(j, dict)
    assert titles.bundle(0).to_json(indent=2).startswith("{\n")


def test_reprs(
    titles: certanchor.IssuedBatch, verifier: certanchor.Verifier, trust: certanchor.TrustStore
) -> None:
    b = titles.bundle(0)
    r = verifier.verify(b, now=NOW)
    assert repr(r).startswith("Report(verdict='valid'")
    assert "Bundle(id=" in repr(b)
    assert "cn.beijing.ghzrzyw" in repr(verifier)
    assert repr(trust).startswith("TrustStore(issuers=")
    assert repr(titles).startswith("IssuedBatch(issuer='cn.beijing.ghzrzyw'")
    key = sample.key("cn.beijing.tax")
    assert key.key_id in repr(key) and "PRIVATE" not in repr(key)
    assert repr(r.checks[0]).startswith("Check(check='format'")
    assert "valid" in str(r)
    assert r.to_dict()["verdict"] == "valid"
    assert '"verdict"' in r.to_json()


def test_keys() -> None:
    k = certanchor.SigningKey.generate()
    again = certanchor.SigningKey.from_pem(k.to_pem())
    assert again.public_key == k.public_key
    assert len(k.key_id) == 32
    assert "BEGIN PUBLIC KEY" in k.public_key_pem


def test_times_are_checked(verifier: certanchor.Verifier, titles: certanchor.IssuedBatch) -> None:
    with pytest.raises(ValueError):
        verifier.verify(titles.bundle(0), now=-1)
    with pytest.raises(TypeError):
        verifier.verify(titles.bundle(0), now="yesterday")  # type: ignore[arg-type]
    # naive datetimes are UTC, dates are midnight UTC
    naive = verifier.verify(titles.bundle(0), now=dt.datetime(2024, 6, 1))
    day = verifier.verify(titles.bundle(0), now=dt.date(2024, 6, 1))
    assert naive.verified_at == day.verified_at
