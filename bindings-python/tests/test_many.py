"""verify_many: lists, pandas Series, threads (GIL released), progress bars."""

from __future__ import annotations

import pickle
import threading
import time

import pandas as pd
import pytest

import certanchor
from certanchor import Verdict

from conftest import NOW, issue_licenses


@pytest.fixture(scope="module")
def texts() -> list[str]:
    batch = issue_licenses(64, "py-many")
    return [b.to_text() for b in batch.bundles(disclose=["name", "uscc"])]


def test_list_of_text_and_bytes(verifier: certanchor.Verifier, texts: list[str]) -> None:
    mixed: list[str | bytes] = [
        t if i % 2 else certanchor.Bundle.from_text(t).to_bytes() for i, t in enumerate(texts)
    ]
    reports = verifier.verify_many(mixed, now=NOW)
    assert len(reports) == len(texts)
    assert all(r.verdict is Verdict.VALID for r in reports)


def test_pandas_series(verifier: certanchor.Verifier, texts: list[str]) -> None:
    s = pd.Series(texts + ["CA1:garbage"], name="bundle")
    reports = verifier.verify_many(s, now=NOW)
    verdicts = pd.Series([r.verdict.value for r in reports])
    assert verdicts.value_counts().to_dict() == {"valid": len(texts), "invalid": 1}
    assert reports[-1].checks[0].code != "ok"


def test_empty(verifier: certanchor.Verifier) -> None:
    assert verifier.verify_many([]) == []


def test_gil_is_released(verifier: certanchor.Verifier, texts: list[str]) -> None:
    big = texts * 150  # ~10k bundles
    done = threading.Event()
    result: list[list[certanchor.Report]] = []

    def work() -> None:
        result.append(verifier.verify_many(big, now=NOW))
        done.set()

    t = threading.Thread(target=work)
    ticks = 0
    t.start()
    while not done.is_set():
        ticks += 1  # only advances while the worker does not hold the GIL
        time.sleep(0.001)
    t.join()
    assert len(result[0]) == len(big)
    assert ticks > 5, ticks


def test_threads_share_a_verifier(verifier: certanchor.Verifier, texts: list[str]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda t: verifier.verify(t, now=NOW).verdict, texts))
    assert set(outs) == {Verdict.VALID}


def test_progress_bar(
    verifier: certanchor.Verifier, texts: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    reports = verifier.verify_many(texts * 40, now=NOW, progress=True)
    assert len(reports) == len(texts) * 40
    err = capsys.readouterr().err
    assert "verifying" in err and "bundle" in err and "100%" in err


def test_the_module_is_built_with_batch_verification() -> None:
    # verify_many over bundles of many anchors checks their signatures in
    # Ed25519 batches only when the core's `batch` feature is on; without it
    # the results are the same at about half the speed (BENCHMARKS.md, 2026-11-27, a78f72e)
    assert certanchor.BATCH_VERIFICATION is True


# ------------------------------------------- input handling (issue 21)


def test_progress_without_tqdm_warns_once(
    verifier: certanchor.Verifier, texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import warnings

    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import now fails
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reports = verifier.verify_many(texts * 40, now=NOW, progress=True)
    assert len(reports) == len(texts) * 40
    assert all(r.is_valid for r in reports)
    assert len(caught) == 1
    assert issubclass(caught[0].category, UserWarning)
    assert "pip install tqdm" in str(caught[0].message)
    assert caught[0].filename == __file__  # points at the caller


@pytest.mark.parametrize(
    ("bad", "type_name"), [(None, "NoneType"), (float("nan"), "float"), (7, "int")]
)
def test_a_bad_row_raises_naming_it(
    verifier: certanchor.Verifier, texts: list[str], bad: object, type_name: str
) -> None:
    rows: list[object] = [texts[0], texts[1], bad, texts[2]]
    with pytest.raises(TypeError, match=rf"row 2: .*not {type_name}") as e:
        verifier.verify_many(rows, now=NOW)  # type: ignore[arg-type]
    assert isinstance(e.value.__cause__, TypeError)
    with pytest.raises(TypeError, match="row 2"):
        verifier.verify_many(rows, now=NOW, errors="raise")  # type: ignore[arg-type]


def test_bad_rows_reported(verifier: certanchor.Verifier, texts: list[str]) -> None:
    s = pd.Series([texts[0], None, texts[1], float("nan"), 7, texts[2]], dtype=object)
    reports = verifier.verify_many(s, now=NOW, errors="report")
    assert [r.verdict for r in reports] == [
        "valid",
        "invalid",
        "valid",
        "invalid",
        "invalid",
        "valid",
    ]
    for row, type_name in [(1, "NoneType"), (3, "float"), (4, "int")]:
        r = reports[row]
        (problem,) = r.problems()
        assert problem.check == "format" and problem.outcome == "failed"
        assert problem.code == "unexpected_type"
        assert problem.reason.startswith(f"row {row}: ") and type_name in problem.reason
        assert r.certificate is None and r.disclosed == {}
        assert all(c.code == "not_checked" for c in r.checks[1:])
        assert pickle.loads(pickle.dumps(r)) == r
    # the good rows are the reports they would be alone
    assert reports[5] == verifier.verify(texts[2], now=reports[5].verified_at)


def test_all_rows_bad_reported(verifier: certanchor.Verifier) -> None:
    reports = verifier.verify_many([None, None], errors="report")  # type: ignore[list-item]
    assert [r.problems()[0].reason.split(":")[0] for r in reports] == ["row 0", "row 1"]


def test_errors_must_be_raise_or_report(verifier: certanchor.Verifier) -> None:
    with pytest.raises(ValueError, match="errors must be"):
        verifier.verify_many([], errors="ignore")  # type: ignore[arg-type]


@pytest.mark.parametrize("single", ["CA1:abc", b"\x00\x01", bytearray(b"ab")])
def test_a_single_str_or_bytes_is_refused(
    verifier: certanchor.Verifier, single: object
) -> None:
    with pytest.raises(TypeError, match=r"wrap it in a list"):
        verifier.verify_many(single, now=NOW)  # type: ignore[arg-type]


def test_threads(verifier: certanchor.Verifier, texts: list[str]) -> None:
    default = verifier.verify_many(texts, now=NOW)
    for n in (1, 3):
        assert verifier.verify_many(texts, now=NOW, threads=n) == default
    assert verifier.verify_many(texts[:5], now=NOW, threads=2, progress=True) == default[:5]
    with pytest.raises(ValueError, match="threads"):
        verifier.verify_many(texts, threads=0)
    with pytest.raises(OverflowError):
        verifier.verify_many(texts, threads=-1)
