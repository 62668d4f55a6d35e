"""Revocation and suspension through status lists."""

from __future__ import annotations

import certanchor
from certanchor import Verdict, sample

from conftest import ISSUED_AT, NOW, issue_titles


def test_revocation_travels_in_later_bundles(verifier: certanchor.Verifier) -> None:
    batch = issue_titles(6, "py-status-1")
    issuer = certanchor.Issuer(sample.key("cn.beijing.ghzrzyw"), "cn.beijing.ghzrzyw")
    before = batch.bundle(2)
    assert verifier.verify(before, now=NOW).is_valid

    status = issuer.update_status(batch, "revocation", {2: True}, now=ISSUED_AT + 60)
    assert isinstance(status, bytes) and batch.status_lists == [status]

    fresh = certanchor.Verifier(verifier.trust_store)
    report = fresh.verify(batch.bundle(2), now=NOW)
    assert report.verdict is Verdict.INVALID
    check = report.check("status")
    assert check is not None and check.code == "revoked"
    assert fresh.verify(batch.bundle(3), now=NOW).is_valid


def test_out_of_band_status_list(verifier: certanchor.Verifier) -> None:
    batch = issue_titles(4, "py-status-2")
    old_bundle = batch.bundle(1)  # issued before any status list
    issuer = certanchor.Issuer(sample.key("cn.beijing.ghzrzyw"), "cn.beijing.ghzrzyw")
    status = issuer.update_status(batch, "suspension", [1], now=ISSUED_AT + 60)
    assert verifier.verify(old_bundle, now=NOW).is_valid
    verifier.add_status_list(status)
    report = verifier.verify(old_bundle, now=NOW)
    check = report.check("status")
    assert check is not None and check.code == "suspended"
    # lifting the suspension
    lifted = issuer.update_status(batch, "suspension", {1: False}, now=ISSUED_AT + 120)
    verifier.add_status_list(lifted)
    assert verifier.verify(old_bundle, now=NOW).is_valid


def test_vector_status_lists(vectors: dict[str, object], vector_verifier: certanchor.Verifier) -> None:
    import base64

    lists = vectors["status_lists"]
    assert isinstance(lists, list)
    for item in lists:
        vector_verifier.add_status_list(base64.b64decode(item["cose"]))
