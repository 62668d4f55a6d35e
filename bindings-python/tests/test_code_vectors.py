"""Every case of tests/vectors/codes.json gives the Rust verdict, outcome and
code through the Python ``Verifier``; and the file covers every result code
(a case, a note key error, or ``not_covered``) and fails every check."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

import certanchor
from certanchor import Outcome, Verdict

from conftest import CHECKS, ROOT

_V: dict[str, Any] = json.loads((ROOT / "tests" / "vectors" / "codes.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = _V["cases"]


def _verifier(case: dict[str, Any]) -> certanchor.Verifier:
    """A fresh verifier over the case's store, handed its status lists first."""
    store = _V["trust_stores"][case["trust_store"]]
    verifier = certanchor.Verifier(certanchor.TrustStore.from_json(json.dumps(store)))
    for s in case.get("add_status", []):
        verifier.add_status_list(base64.b64decode(s), now=int(case["now"]))
    return verifier


def _inputs(case: dict[str, Any]) -> list[bytes | str]:
    """The case's input, and the CA1 text of a binary bundle that decodes."""
    if "text" in case:
        return [case["text"]]
    data = base64.b64decode(case["bundle"])
    try:
        text = certanchor.Bundle.from_bytes(data).to_text()
    except certanchor.DecodeError:
        return [data]
    return [data, text]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    for data in _inputs(case):
        report = _verifier(case).verify(data, now=int(case["now"]))
        assert report.verdict == Verdict(case["verdict"]), (case["name"], str(report))
        assert [c.check for c in report.checks] == CHECKS
        check = report.check(case["check"])
        assert check is not None
        assert (check.outcome, check.code) == (Outcome(case["outcome"]), case["code"]), (case["name"], check.reason)


def test_every_result_code_is_covered_or_said_not_to_be() -> None:
    covered = {c["code"] for c in CASES} | {e["code"] for e in _V["note_key_errors"]}
    not_covered = set(_V["not_covered"])
    assert covered <= set(certanchor.RESULT_CODES)
    assert not_covered <= set(certanchor.RESULT_CODES)
    assert covered.isdisjoint(not_covered), covered & not_covered
    missing = [c for c in certanchor.RESULT_CODES if c not in covered | not_covered]
    assert missing == [], f"result codes missing from codes.json: {missing}"


def test_every_check_fails_in_some_case() -> None:
    failing = {c["check"] for c in CASES if c["outcome"] in ("failed", "indeterminate")}
    assert [c for c in CHECKS if c not in failing] == []
