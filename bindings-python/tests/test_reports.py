"""Reports (issue 21): ``problems()`` next to ``failures()``, verdicts and
outcomes that compare equal to their plain strings, and reports and checks
that pickle and deep-copy equal."""

from __future__ import annotations

import base64
import copy
import pickle
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

import certanchor
from certanchor import Outcome, Verdict

from conftest import NOW, load_vectors

_V = load_vectors()
CASES: list[dict[str, Any]] = _V["cases"]


def _reports(verifier: certanchor.Verifier) -> list[certanchor.Report]:
    return [
        verifier.verify(base64.b64decode(c["bundle"]), now=int(c["now"])) for c in CASES
    ]


def _pickled(r: certanchor.Report) -> certanchor.Report:
    again = pickle.loads(pickle.dumps(r))
    assert isinstance(again, certanchor.Report)
    return again


# ------------------------------------------------------------ problems()


def test_problems_are_failed_and_indeterminate_checks(
    vector_verifier: certanchor.Verifier,
) -> None:
    verdicts: Counter[str] = Counter()
    for case, r in zip(CASES, _reports(vector_verifier)):
        verdicts[r.verdict] += 1
        expected = [c for c in r.checks if c.outcome in ("failed", "indeterminate")]
        assert r.problems() == expected, case["name"]
        assert r.failures() == [c for c in r.checks if c.outcome == "failed"]
        if r.verdict == "valid":
            assert r.problems() == []
        else:
            assert r.problems(), case["name"]
        if case["check"] is not None:
            assert case["check"] in [c.check for c in r.problems()], case["name"]
    # the vectors hold all three verdicts, so the indeterminate branch ran
    assert set(verdicts) == {"valid", "invalid", "indeterminate"}, verdicts


def test_an_indeterminate_report_has_problems_but_no_failures(
    vector_verifier: certanchor.Verifier,
) -> None:
    indeterminate = [r for r in _reports(vector_verifier) if r.verdict == "indeterminate"]
    assert indeterminate
    for r in indeterminate:
        assert r.failures() == []
        assert r.problems()
        assert all(c.outcome is Outcome.INDETERMINATE for c in r.problems())
        assert all(c.reason for c in r.problems())


# ------------------------------------------------------- str-valued enums


def test_verdict_and_outcome_compare_with_plain_strings(
    verifier: certanchor.Verifier, titles: certanchor.IssuedBatch
) -> None:
    r = verifier.verify(titles.bundle(0), now=NOW)
    assert r.verdict == "valid"
    assert r.verdict != "invalid"
    assert r.verdict is Verdict.VALID
    assert r.verdict.value == "valid" and r.verdict.name == "VALID"
    assert isinstance(r.verdict, str)
    assert str(r.verdict) == f"{r.verdict}" == "valid"
    assert {"valid": 1}[r.verdict] == 1  # hashes as its value
    check = r.checks[0]
    assert check.outcome == "passed" and check.outcome is Outcome.PASSED
    assert f"{check.outcome}" == "passed"
    bad = verifier.verify(b"garbage", now=NOW)
    assert bad.verdict == "invalid" and bad.verdict is Verdict.INVALID
    assert Verdict("indeterminate") == "indeterminate"
    assert Outcome("skipped") == "skipped"


def test_verdicts_count_in_pandas_as_strings(
    verifier: certanchor.Verifier, titles: certanchor.IssuedBatch
) -> None:
    import pandas as pd

    reports = verifier.verify_many([titles.bundle(0), b"garbage"], now=NOW)
    s = pd.Series([r.verdict for r in reports])
    assert (s == "valid").tolist() == [True, False]


# ---------------------------------------------------------------- pickling


def test_reports_pickle_and_deepcopy_equal(vector_verifier: certanchor.Verifier) -> None:
    for case, r in zip(CASES, _reports(vector_verifier)):
        for again in (_pickled(r), copy.deepcopy(r), copy.copy(r)):
            assert again == r, case["name"]
            assert not (again != r)
            assert again.to_json() == r.to_json()
            assert again.disclosed == r.disclosed
            assert again.verdict is r.verdict
            assert again.checks == r.checks
            assert again.problems() == r.problems()
            assert again.verified_at == r.verified_at
            assert again.anchor_id == r.anchor_id
            assert str(again) == str(r)


def test_typed_disclosed_fields_survive_pickling(
    verifier: certanchor.Verifier, licenses: certanchor.IssuedBatch
) -> None:
    r = verifier.verify(licenses.bundle(0), now=NOW)
    assert r.is_valid, str(r)
    again = _pickled(r)
    assert again.disclosed == r.disclosed
    assert [type(v) for v in again.disclosed.values()] == [type(v) for v in r.disclosed.values()]
    assert pickle.loads(pickle.dumps(r, protocol=0)) == r


def test_reports_differ_when_their_verdicts_do(
    verifier: certanchor.Verifier, titles: certanchor.IssuedBatch
) -> None:
    good = verifier.verify(titles.bundle(0), now=NOW)
    bad = verifier.verify(b"garbage", now=NOW)
    assert good != bad
    assert good != "valid"
    with pytest.raises(TypeError):
        hash(good)


def test_checks_pickle_equal(vector_verifier: certanchor.Verifier) -> None:
    for r in _reports(vector_verifier):
        for c in r.checks:
            again = pickle.loads(pickle.dumps(c))
            assert isinstance(again, certanchor.Check)
            assert again == c and copy.deepcopy(c) == c
            assert (again.check, again.outcome, again.code, again.reason) == (
                c.check,
                c.outcome,
                c.code,
                c.reason,
            )


def test_a_forged_pickle_state_is_refused(
    verifier: certanchor.Verifier, titles: certanchor.IssuedBatch
) -> None:
    ctor, (state,) = verifier.verify(titles.bundle(0), now=NOW).__reduce__()
    forged = ("bogus",) + tuple(state)[1:]
    with pytest.raises(ValueError, match="unknown verdict"):
        ctor(forged)
    cctor, ((check, _, code, reason),) = verifier.verify(titles.bundle(0), now=NOW).checks[0].__reduce__()
    with pytest.raises(ValueError, match="unknown outcome"):
        cctor((check, "maybe", code, reason))


def _verify_in_child(args: tuple[certanchor.Verifier, bytes]) -> certanchor.Report:
    verifier, bundle = args
    return verifier.verify(bundle, now=NOW)


def test_reports_come_back_from_worker_processes(
    verifier: certanchor.Verifier, titles: certanchor.IssuedBatch
) -> None:
    bundles = [titles.bundle(i).to_bytes() for i in range(2)] + [b"garbage"]
    with ProcessPoolExecutor(2) as pool:
        out = list(pool.map(_verify_in_child, [(verifier, b) for b in bundles]))
    assert out == [verifier.verify(b, now=NOW) for b in bundles]
    assert [r.verdict for r in out] == ["valid", "valid", "invalid"]
