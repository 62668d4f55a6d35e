"""verify_many: lists, pandas Series, threads (GIL released), progress bars."""

from __future__ import annotations

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
