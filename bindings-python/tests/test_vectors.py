"""Every case of tests/vectors/bundles.json gives the Rust verdicts."""

from __future__ import annotations

import base64
from typing import Any

import pytest

import certanchor
from certanchor import Outcome, Verdict

from conftest import CHECKS, load_vectors

_V = load_vectors()
CASES = _V["cases"]
MALFORMED = _V["malformed"]


def _expect(report: certanchor.Report, case: dict[str, Any]) -> None:
    assert report.verdict == Verdict(case["verdict"]), (case["name"], str(report))
    assert report.verdict.value == case["verdict"]
    assert [c.check for c in report.checks] == CHECKS
    if case["check"] is None:
        assert report.failures() == []
        assert report.is_valid == (case["verdict"] == "valid")
    else:
        check = report.check(case["check"])
        assert check is not None
        assert check.code == case["code"], (case["name"], check)
        assert check.outcome in (Outcome.FAILED, Outcome.INDETERMINATE)


def test_every_case_is_covered() -> None:
    assert len(CASES) >= 16
    assert len(MALFORMED) >= 3


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_binary(case: dict[str, Any], vector_verifier: certanchor.Verifier) -> None:
    data = base64.b64decode(case["bundle"])
    _expect(vector_verifier.verify(data, now=int(case["now"])), case)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_text(case: dict[str, Any], vector_verifier: certanchor.Verifier) -> None:
    assert case["text"].startswith("CA1:")
    _expect(vector_verifier.verify(case["text"], now=int(case["now"])), case)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_text_and_binary_are_one_bundle(case: dict[str, Any]) -> None:
    data = base64.b64decode(case["bundle"])
    b = certanchor.Bundle.from_text(case["text"])
    assert b.to_bytes() == data
    # the vectors' texts were written by miniz_oxide level 9, the core's
    # texts now by its own small encoder: one bundle, two zlib streams
    again = certanchor.Bundle.from_bytes(data).to_text()
    assert again.startswith("CA1:")
    assert certanchor.Bundle.from_text(again).to_bytes() == data
    assert certanchor.Bundle.decode(case["text"]) == certanchor.Bundle.decode(data)


def test_all_cases_at_once(vector_verifier: certanchor.Verifier) -> None:
    # verify_many takes one `now`: group the cases by it.
    for now in sorted({int(c["now"]) for c in CASES}):
        group = [c for c in CASES if int(c["now"]) == now]
        reports = vector_verifier.verify_many([c["text"] for c in group], now=now)
        for case, report in zip(group, reports):
            _expect(report, case)


@pytest.mark.parametrize("case", MALFORMED, ids=[c["name"] for c in MALFORMED])
def test_malformed(case: dict[str, Any], vector_verifier: certanchor.Verifier) -> None:
    data = base64.b64decode(case["bundle"])
    report = vector_verifier.verify(data, now=1717030800)
    assert report.verdict == Verdict.INVALID
    check = report.check(case["check"])
    assert check is not None and check.code == case["code"]
    with pytest.raises(certanchor.DecodeError) as info:
        certanchor.Bundle.from_bytes(data)
    assert info.value.code == case["code"]
